// The per-network table (worst first, sortable by the page's script) and the
// list of banner mismatches.

#include <string_view>

#include "report/html_escape.h"
#include "report/page_format.h"
#include "report/page_sections.h"

namespace ptrscan::report {
namespace {

void number_cell(std::string& out, uint64_t n) {
  out += "<td data-value=\"" + std::to_string(n) + "\">" + grouped(n) + "</td>";
}

struct column {
  std::string_view key;
  std::string_view title;
  bool numeric;
};

// The problems column is the one the table starts sorted by.
constexpr column columns[] = {
    {"network", "Network", true},
    {"hosts", "Hosts", true},
    {"no-ptr", "No PTR", true},
    {"fcrdns-fail", "FCrDNS fail", true},
    {"generic-dynamic", "Generic-dynamic", true},
    {"banner-mismatch", "Banner mismatch", true},
    {"problems", "Problems", true},
    {"sample", "Sample PTR name", false},
};
constexpr int problems_column = 6;

void header(std::string& out) {
  out += "<thead><tr>";
  for (const column& c : columns) {
    out += "<th data-key=\"";
    out += c.key;
    out += c.numeric ? "\" data-type=\"num\"" : "\" data-type=\"text\" class=\"name\"";
    out += ">";
    out += c.title;
    out += "</th>";
  }
  out += "</tr></thead>\n";
}

void row(std::string& out, const network_row& r) {
  const network_counts& c = r.counts;
  out += "<tr data-network=\"" + r.network + "\" data-problems=\"" + std::to_string(c.problems()) +
         "\"><td data-value=\"" + std::to_string(r.address_rank) + "\">" + r.network + "</td>";
  number_cell(out, c.hosts);
  number_cell(out, c.no_ptr);
  number_cell(out, c.fcrdns_fail);
  number_cell(out, c.generic_dynamic);
  number_cell(out, c.banner_mismatch);
  number_cell(out, c.problems());
  out += "<td class=\"name\">";
  append_escaped(out, r.sample_name);
  out += "</td></tr>\n";
}

}  // namespace

void render_networks(std::string& out, const report_view& view) {
  out +=
      "<section id=\"networks-section\">\n<h2>Networks by problems</h2>\n<p class=\"note\">"
      "One row per IPv4 /24 and IPv6 /48. Problems is the sum of the four problem columns "
      "(a host can count in several). Click a heading to sort. Showing <span "
      "id=\"networks-shown\" data-count=\"" +
      std::to_string(view.networks.size()) + "\">" + grouped(view.networks.size()) +
      "</span> of <span id=\"networks-seen\" data-count=\"" + std::to_string(view.networks_seen) +
      "\">" + grouped(view.networks_seen) + "</span> networks";
  if (view.networks.size() < view.networks_seen) {
    out += ": the ones with the most problems";
  }
  out += ".</p>\n<table id=\"networks\" class=\"sortable\" data-initial-sort=\"" +
         std::to_string(problems_column) + "\">\n";
  header(out);
  out += "<tbody>\n";
  for (const network_row& r : view.networks) {
    row(out, r);
  }
  out += "</tbody>\n</table>\n</section>\n";
}

void render_mismatches(std::string& out, const report_view& view) {
  if (view.mismatches.empty()) {
    return;
  }
  out +=
      "<section id=\"mismatches-section\">\n<h2>Banner mismatches</h2>\n<p class=\"note\">"
      "Hosts whose SMTP greeting names another host than their PTR name: the first " +
      grouped(view.mismatches.size()) + " of <span id=\"mismatches-seen\" data-count=\"" +
      std::to_string(view.mismatches_seen) + "\">" + grouped(view.mismatches_seen) +
      "</span>, in input order.</p>\n<table id=\"mismatches\">\n<thead><tr><th>Address</th>"
      "<th class=\"name\">PTR name</th><th class=\"name\">Banner names</th></tr></thead>\n"
      "<tbody>\n";
  for (const mismatch_sample& m : view.mismatches) {
    out += "<tr><td>";
    append_escaped(out, m.ip);
    out += "</td><td class=\"name\">";
    append_escaped(out, m.ptr_name);
    out += "</td><td class=\"name\">";
    append_escaped(out, m.banner_host);
    out += "</td></tr>\n";
  }
  out += "</tbody>\n</table>\n</section>\n";
}

void render_zones(std::string& out, const report_view& view) {
  const report_totals& t = view.totals;
  if (t.zone_records == 0) {
    return;
  }
  out += "<section id=\"zones-section\">\n<h2>Reverse zones</h2>\n<p class=\"note\">"
         "<span id=\"zones-audited\" data-count=\"" + std::to_string(t.zone_records) + "\">" +
         grouped(t.zone_records) + "</span> zones audited, <span id=\"zones-with-findings\" "
         "data-count=\"" + std::to_string(t.zones_with_findings) + "\">" +
         grouped(t.zones_with_findings) + "</span> with findings, " +
         grouped(t.zones_failed) + " not audited (no zone cut or parent found).</p>\n";
  if (!view.zone_findings.empty()) {
    out += "<table id=\"zone-findings\">\n<thead><tr><th class=\"name\">Finding</th>"
           "<th>Zones</th></tr></thead>\n<tbody>\n";
    for (const auto& [kind, n] : view.zone_findings) {
      out += "<tr><td class=\"name\">";
      append_escaped(out, kind);
      out += "</td><td>" + grouped(n) + "</td></tr>\n";
    }
    out += "</tbody>\n</table>\n";
  }
  if (!view.zones.empty()) {
    out += "<table id=\"zones\">\n<thead><tr><th class=\"name\">Zone</th>"
           "<th class=\"name\">Findings</th><th>PTR coverage</th>"
           "<th class=\"name\">Main template</th></tr></thead>\n<tbody>\n";
    for (const zone_fact& z : view.zones) {
      out += "<tr><td class=\"name\">";
      append_escaped(out, z.zone);
      out += "</td><td class=\"name\">";
      std::string what = z.status == "error" ? "error: " + z.error : "";
      for (const std::string& k : z.findings) {
        what += (what.empty() ? "" : ", ") + k;
      }
      append_escaped(out, what);
      out += "</td><td>" + grouped(z.with_ptr) + " / " + grouped(z.scanned) +
             "</td><td class=\"name\">";
      append_escaped(out, z.main_template);
      out += "</td></tr>\n";
    }
    out += "</tbody>\n</table>\n";
  }
  out += "</section>\n";
}

}  // namespace ptrscan::report
