// The "Changes since the last scan" section of `ptrscan report --diff OLD`.

#include "report/diff_section.h"

#include <nlohmann/json.hpp>

#include "report/html_escape.h"
#include "report/page_format.h"
#include "report/page_sections.h"

namespace ptrscan::report {
namespace {

struct kind_row {
  diff::change_kind kind;
  const char* label;
};

constexpr kind_row rows[] = {
    {diff::change_kind::ptr_added, "PTR added"},
    {diff::change_kind::ptr_removed, "PTR removed"},
    {diff::change_kind::ptr_changed, "PTR changed"},
    {diff::change_kind::fcrdns_failed, "FCrDNS pass to fail"},
    {diff::change_kind::fcrdns_fixed, "FCrDNS fail to pass"},
    {diff::change_kind::naming_changed, "Naming class changed"},
    {diff::change_kind::banner_mismatch_appeared, "Banner mismatch appeared"},
    {diff::change_kind::banner_mismatch_fixed, "Banner mismatch fixed"},
    {diff::change_kind::cert_changed, "Certificate changed"},
    {diff::change_kind::cert_expiring, "Certificate now expiring within 30 days"},
    {diff::change_kind::dnsbl_listed, "DNSBL listing new"},
    {diff::change_kind::dnsbl_cleared, "DNSBL listing cleared"},
    {diff::change_kind::relay_changed, "Relay verdict changed"},
    {diff::change_kind::smtp_port_opened, "SMTP port opened"},
    {diff::change_kind::smtp_port_closed, "SMTP port closed"},
    {diff::change_kind::only_in_old, "Only in the old scan"},
    {diff::change_kind::only_in_new, "Only in this scan"},
    {diff::change_kind::finding_new, "Domain finding new"},
    {diff::change_kind::finding_fixed, "Domain finding fixed"},
};

// The current total a kind is read beside, and what it counts.
std::pair<const char*, uint64_t> current(diff::change_kind k, const report_totals& t) {
  using diff::change_kind;
  switch (k) {
    case change_kind::ptr_added:
    case change_kind::ptr_removed:
    case change_kind::ptr_changed:
      return {"records with a PTR name", t.ptr_found};
    case change_kind::fcrdns_failed:
      return {"FCrDNS fail", t.fcrdns_fail};
    case change_kind::fcrdns_fixed:
      return {"FCrDNS pass", t.fcrdns_pass};
    case change_kind::naming_changed:
      return {"records classified", t.naming_probed};
    case change_kind::banner_mismatch_appeared:
    case change_kind::banner_mismatch_fixed:
      return {"banner mismatches", t.banner_mismatch};
    case change_kind::smtp_port_opened:
    case change_kind::smtp_port_closed:
      return {"hosts with an SMTP session ok", t.smtp_ok};
    case change_kind::only_in_old:
    case change_kind::only_in_new:
      return {"host records", t.records};
    case change_kind::finding_new:
    case change_kind::finding_fixed:
      return {"domain summaries", t.domain_summaries};
    default:
      return {"", 0};
  }
}

}  // namespace

std::string token_text(const std::string& raw) {
  try {
    return nlohmann::json::parse(raw).get<std::string>();
  } catch (const nlohmann::json::exception&) {
    return raw.size() >= 2 ? raw.substr(1, raw.size() - 2) : raw;
  }
}

void render_diff(std::string& out, const diff_view& d, const report_totals& now) {
  out += "<section id=\"changes\">\n<h2>Changes since ";
  append_escaped(out, d.old_input == "-" ? std::string("standard input") : d.old_input);
  out += "</h2>\n<p class=\"note\"><span id=\"diff-changed\" data-count=\"" +
         std::to_string(d.changed_total) + "\">" + grouped(d.changed_total) +
         "</span> addresses or domains changed, <span id=\"diff-unchanged\" data-count=\"" +
         std::to_string(d.unchanged) + "\">" + grouped(d.unchanged) +
         "</span> unchanged; the old scan had " + grouped(d.old_records) + " records (" +
         grouped(d.old_duplicates) + " duplicates, last kept; " + grouped(d.old_malformed) +
         " malformed lines).</p>\n";
  out += "<table class=\"stats\" id=\"diff-kinds\">\n<tr><th>Change</th><th>Count</th>"
         "<th>Now</th></tr>\n";
  for (const kind_row& row : rows) {
    const uint64_t count = d.counts[static_cast<size_t>(row.kind)];
    out += count == 0 ? "<tr class=\"zero\"><th>" : "<tr><th>";
    append_escaped(out, row.label);
    out += "</th><td id=\"diff-";
    out += diff::kind_name(row.kind);
    out += "\" data-count=\"" + std::to_string(count) + "\">" + grouped(count) + "</td><td>";
    const auto [what, value] = current(row.kind, now);
    if (*what != '\0') {
      out += grouped(value) + " <span class=\"of\">";
      append_escaped(out, what);
      out += "</span>";
    }
    out += "</td></tr>\n";
  }
  out += "</table>\n";
  if (!d.listed.empty()) {
    out += "<h3>Changed hosts</h3>\n<p class=\"note\" id=\"diff-listed\" data-count=\"" +
           std::to_string(d.listed.size()) + "\" data-total=\"" +
           std::to_string(d.changed_total) + "\">showing " + grouped(d.listed.size()) + " of " +
           grouped(d.changed_total) + "</p>\n<table class=\"stats\" id=\"diff-hosts\">\n"
           "<tr><th>Host</th><th>From domain</th><th>Changes</th></tr>\n";
    for (const diff_view::changed& c : d.listed) {
      out += "<tr><td>";
      append_escaped(out, c.key);
      out += "</td><td>";
      append_escaped(out, c.input);
      out += "</td><td>";
      for (size_t i = 0; i < c.kinds.size(); ++i) {
        out += i == 0 ? "" : ", ";
        append_escaped(out, c.kinds[i]);
      }
      out += "</td></tr>\n";
    }
    out += "</table>\n";
  }
  out += "</section>\n";
}

}  // namespace ptrscan::report
