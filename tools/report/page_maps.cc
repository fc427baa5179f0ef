// The address-space picture: for each drawn /16 a 256 x 256 canvas, one
// pixel per address along a Hilbert curve (each /24 is a 16 x 16 square),
// coloured by verdict. The cells travel as text in a data attribute and the
// page's script paints them; the caption carries the counts as data.

#include <array>
#include <string_view>

#include "report/html_escape.h"
#include "report/page_format.h"
#include "report/page_sections.h"

namespace ptrscan::report {
namespace {

struct verdict_style {
  std::string_view label;
  std::string_view colour;
};

// Indexed by map_verdict. Red, green and purple differ in lightness as well as
// hue, so the map survives the common colour-vision deficiencies and print.
constexpr std::array<verdict_style, map_verdict_count> styles = {{
    {"not scanned", "#eeeeee"},
    {"FCrDNS pass", "#1a9850"},
    {"FCrDNS fail", "#d73027"},
    {"no PTR", "#542788"},
    {"lookup error", "#fdae61"},
    {"PTR found, FCrDNS not run", "#74add1"},
}};

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// A JSON array of strings for a data attribute (escaped once more as HTML).
template <typename Field>
std::string json_list(Field field) {
  std::string json = "[";
  for (int i = 0; i < map_verdict_count; ++i) {
    json += i == 0 ? "\"" : ",\"";
    json += field(styles[static_cast<size_t>(i)], static_cast<map_verdict>(i));
    json += "\"";
  }
  return escaped(json + "]");
}

void legend(std::string& out, const report_totals& t) {
  out += "<div class=\"legend\">";
  for (int i = 0; i < map_verdict_count; ++i) {
    const auto v = static_cast<map_verdict>(i);
    const verdict_style& s = styles[static_cast<size_t>(i)];
    out += "<span><span class=\"swatch\" style=\"background:";
    out += s.colour;
    out += "\"></span>";
    append_escaped(out, s.label);
    if (v != map_verdict::not_scanned) {
      const uint64_t n = t.verdicts[static_cast<size_t>(i)];
      out += " <span id=\"verdict-" + std::string(to_string(v)) + "\" data-count=\"" +
             std::to_string(n) + "\">" + grouped(n) + "</span>";
    }
    out += "</span>";
  }
  out += "</div>\n";
}

void block(std::string& out, const block_picture& b) {
  out += "<figure class=\"block\" data-network=\"" + b.network + "\" data-first=\"" +
         std::to_string(b.first_address) + "\"";
  for (int i = 0; i < map_verdict_count; ++i) {
    out += " data-" + std::string(to_string(static_cast<map_verdict>(i))) + "=\"" +
           std::to_string(b.counts[static_cast<size_t>(i)]) + "\"";
  }
  out += ">\n<canvas width=\"256\" height=\"256\" data-cells=\"" + encode_cells(b.cells) +
         "\"></canvas>\n<figcaption><b>" + b.network + "</b>: " + grouped(b.scanned()) +
         " addresses scanned";
  for (int i = 1; i < map_verdict_count; ++i) {
    const uint64_t n = b.counts[static_cast<size_t>(i)];
    if (n != 0) {
      out += ", " + grouped(n) + " ";
      append_escaped(out, styles[static_cast<size_t>(i)].label);
    }
  }
  out += "<div class=\"probe\"></div></figcaption>\n</figure>\n";
}

}  // namespace

std::string encode_cells(const std::vector<map_verdict>& cells) {
  static_assert(map_verdict_count <= 8, "a verdict must fit in 3 bits");
  std::string text;
  text.reserve((cells.size() + 1) / 2);
  for (size_t i = 0; i < cells.size(); i += 2) {
    const auto first = static_cast<unsigned>(cells[i]);
    const auto second = i + 1 < cells.size() ? static_cast<unsigned>(cells[i + 1]) : 0u;
    text += base64_alphabet[first << 3 | second];
  }
  return text;
}

void render_maps(std::string& out, const report_view& view) {
  out += "<section id=\"maps\" data-verdicts=\"" +
         json_list([](const verdict_style&, map_verdict v) { return to_string(v); }) +
         "\" data-labels=\"" +
         json_list([](const verdict_style& s, map_verdict) { return s.label; }) +
         "\" data-palette=\"" +
         json_list([](const verdict_style& s, map_verdict) { return s.colour; }) + "\">\n";
  out +=
      "<h2>Address space</h2>\n<p class=\"note\">Each picture is one IPv4 /16: one pixel per "
      "address, laid out along a Hilbert curve so that neighbouring addresses stay together "
      "(every /24 is a 16&times;16 square; the first address is at the top left, the last "
      "at the top right). Point at a pixel to see its address. Legend counts are over all "
      "records.</p>\n";
  legend(out, view.totals);
  out += "<p class=\"note\">Drawn: <span id=\"blocks-shown\" data-count=\"" +
         std::to_string(view.blocks.size()) + "\">" + grouped(view.blocks.size()) +
         "</span> of <span id=\"blocks-seen\" data-count=\"" + std::to_string(view.blocks_seen) +
         "\">" + grouped(view.blocks_seen) + "</span> /16s";
  if (view.blocks.size() < view.blocks_seen) {
    out += " (the ones with the most scanned addresses)";
  }
  out += ".</p>\n";
  if (view.totals.ipv6 != 0) {
    out += "<p class=\"note\">IPv6 addresses (" + grouped(view.totals.ipv6) +
           " records) are not drawn: they are in the totals and, per /48, in the table "
           "below.</p>\n";
  }
  out += "<noscript><p class=\"note\">The maps are drawn by the page's script.</p></noscript>\n";
  out += "<div class=\"blocks\">\n";
  for (const block_picture& b : view.blocks) {
    block(out, b);
  }
  out += "</div>\n</section>\n";
}

}  // namespace ptrscan::report
