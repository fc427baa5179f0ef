#include "report/html_page.h"

#include "report/html_escape.h"
#include "report/page_assets.h"
#include "report/page_sections.h"

namespace ptrscan::report {
namespace {

// Nothing may be fetched: no script, style, image, font or connection from
// anywhere but the page itself, even if a hostile name slipped through.
constexpr std::string_view content_security_policy =
    "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

std::string input_list(const page_info& info) {
  std::string list;
  for (size_t i = 0; i < info.inputs.size(); ++i) {
    list += i == 0 ? "" : ", ";
    list += info.inputs[i] == "-" ? "standard input" : info.inputs[i];
  }
  return list;
}

void notes(std::string& out) {
  out += R"(<section id="notes">
<h2>How the numbers are counted</h2>
<ul class="note">
<li>Every output record with an <code>ip</code> counts once; an address that appears in several
records (from several domains, or in concatenated scans) counts each time, and its map pixel
shows the last record.</li>
<li>PTR coverage: records whose PTR lookup found a name, of those looked up. FCrDNS pass rate:
<code>pass</code> of the records that have a PTR name (<code>pass</code>, <code>fail</code>,
<code>error</code>).</li>
<li>Every percentage names its base beside it. The FCrDNS card and the pass, fail and error rows
of its table share one base: the records with a PTR name.</li>
<li>Banner mismatch: <code>checks.banner_ptr_match</code> is false, of the records where it is
true or false. STARTTLS: hosts with at least one SMTP port answering <code>ok</code> whose EHLO
offers STARTTLS (or that speak TLS from the start, port 465).</li>
<li>IPv6 records are in every total and in the table per /48; the maps show IPv4 only.</li>
</ul>
</section>
)";
}

}  // namespace

std::string render_page(const report_view& view, const page_info& info) {
  const std::string inputs = input_list(info);
  std::string out;
  out.reserve(64 * 1024 + view.blocks.size() * 33 * 1024 + view.networks.size() * 300);
  out +=
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"";
  out += content_security_policy;
  out +=
      "\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"generator\" content=\"ptrscan " PTRSCAN_VERSION "\">\n<title>rDNS audit: ";
  append_escaped(out, inputs);
  out += "</title>\n<style>";
  out += page_css();
  out +=
      "</style>\n</head>\n<body data-rendered=\"0\">\n<header>\n<h1>rDNS audit</h1>\n"
      "<p class=\"meta\">From <span id=\"inputs\">";
  append_escaped(out, inputs);
  out += "</span> by ptrscan " PTRSCAN_VERSION ".</p>\n</header>\n";
  render_totals(out, view.totals);
  if (info.diff != nullptr) {
    render_diff(out, *info.diff, view.totals);
  }
  render_mail(out, view);
  render_maps(out, view);
  render_networks(out, view);
  render_zones(out, view);
  render_mismatches(out, view);
  notes(out);
  out += "<script>";
  out += page_script();
  out += "</script>\n</body>\n</html>\n";
  return out;
}

}  // namespace ptrscan::report
