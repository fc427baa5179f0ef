// The headline section: a row of cards with the rates an auditor asks for
// first, then one small table per probe with every count behind them.

#include <string_view>

#include "report/html_escape.h"
#include "report/page_format.h"
#include "report/page_sections.h"

namespace ptrscan::report {
namespace {

// A rate card: big percentage, raw numbers in data attributes.
void card(std::string& out, std::string_view id, std::string_view label, uint64_t part,
          uint64_t whole, std::string_view explanation) {
  out += "<div class=\"card\"><div class=\"label\">";
  append_escaped(out, label);
  out += "</div><div class=\"value\" id=\"";
  out += id;
  out += "\" data-count=\"" + std::to_string(part) + "\" data-total=\"" + std::to_string(whole) +
         "\" data-percent=\"" + percent_value(part, whole) + "\">" + percent(part, whole) +
         "</div><div class=\"sub\">" + grouped(part) + " of " + grouped(whole) + " ";
  append_escaped(out, explanation);
  out += "</div></div>\n";
}

}  // namespace

// One counted line of a breakdown table; `whole` is the base of the
// percentage and `of` names it, shown beside every percentage.
void stat_row(std::string& out, std::string_view id, std::string_view label, uint64_t count,
              uint64_t whole, std::string_view of) {
  out += count == 0 ? "<tr class=\"zero\"><th>" : "<tr><th>";
  append_escaped(out, label);
  out += "</th><td id=\"";
  append_escaped(out, id);
  out += "\" data-count=\"" + std::to_string(count) + "\">" + grouped(count) +
         "</td><td class=\"pct\" data-total=\"" + std::to_string(whole) + "\">" +
         percent(count, whole) + " <span class=\"of\">of ";
  append_escaped(out, of);
  out += "</span></td></tr>\n";
}

void begin_panel(std::string& out, std::string_view title) {
  out += "<div><h3>";
  append_escaped(out, title);
  out += "</h3><table class=\"stats\">\n";
}

void end_panel(std::string& out) { out += "</table></div>\n"; }

namespace {

void records_card(std::string& out, const report_totals& t) {
  out +=
      "<div class=\"card\"><div class=\"label\">Records</div><div class=\"value\" "
      "id=\"total-records\" data-count=\"" +
      std::to_string(t.records) + "\">" + grouped(t.records) +
      "</div><div class=\"sub\">IPv4 <span id=\"total-ipv4\" data-count=\"" +
      std::to_string(t.ipv4) + "\">" + grouped(t.ipv4) +
      "</span> &middot; IPv6 <span id=\"total-ipv6\" data-count=\"" + std::to_string(t.ipv6) +
      "\">" + grouped(t.ipv6) + "</span></div></div>\n";
}

void naming_panel(std::string& out, const report_totals& t) {
  begin_panel(out, "Naming class of the PTR name");
  for (int i = 0; i < rdns_class_count; ++i) {
    const auto c = static_cast<rdns_class>(i);
    const std::string key(to_string(c));
    stat_row(out, "class-" + key, key, t.naming[static_cast<size_t>(i)], t.naming_probed,
             "classified");
  }
  if (t.naming_unknown != 0) {
    stat_row(out, "class-unknown", "(a class this report does not know)", t.naming_unknown,
             t.naming_probed, "classified");
  }
  stat_row(out, "naming-probed", "classified", t.naming_probed, t.records, "records");
  end_panel(out);
}

}  // namespace

void render_totals(std::string& out, const report_totals& t) {
  // FCrDNS pass rate counts only addresses that have a PTR name: the ones
  // without are PTR coverage's business, and counting them twice would hide
  // how well the existing names are maintained.
  const uint64_t named = t.fcrdns_pass + t.fcrdns_fail + t.fcrdns_error;
  out += "<section id=\"totals\">\n<h2>Totals</h2>\n<div class=\"cards\">\n";
  records_card(out, t);
  card(out, "ptr-coverage", "PTR coverage", t.ptr_found, t.ptr_probed,
       "addresses looked up have a PTR name");
  card(out, "fcrdns-pass-rate", "FCrDNS pass rate", t.fcrdns_pass, named,
       "addresses with a PTR name (FCrDNS pass, fail or error) resolve back");
  card(out, "banner-mismatch-rate", "Banner mismatch", t.banner_mismatch,
       t.banner_match + t.banner_mismatch,
       "SMTP greetings compared with the PTR name name another host");
  card(out, "starttls-rate", "STARTTLS offered", t.starttls_offered, t.smtp_ok,
       "hosts answering SMTP offer STARTTLS");
  out += "</div>\n<div class=\"panels\">\n";

  begin_panel(out, "PTR lookup");
  stat_row(out, "ptr-found", "has a PTR name", t.ptr_found, t.ptr_probed, "looked up");
  stat_row(out, "ptr-absent", "no PTR (NXDOMAIN, NODATA)", t.ptr_absent, t.ptr_probed,
           "looked up");
  stat_row(out, "ptr-errors", "lookup failed", t.ptr_errors, t.ptr_probed, "looked up");
  stat_row(out, "ptr-probed", "looked up", t.ptr_probed, t.records, "records");
  end_panel(out);

  // The verdicts share the card's base (addresses with a PTR name); "no PTR
  // name" and that base itself are shares of the addresses checked.
  begin_panel(out, "Forward-confirmed reverse DNS");
  stat_row(out, "fcrdns-pass", "pass", t.fcrdns_pass, named, "with a PTR name");
  stat_row(out, "fcrdns-fail", "fail: no name resolves back", t.fcrdns_fail, named,
           "with a PTR name");
  stat_row(out, "fcrdns-error", "error: a lookup failed", t.fcrdns_error, named,
           "with a PTR name");
  stat_row(out, "fcrdns-named", "with a PTR name (pass, fail, error)", named, t.fcrdns_probed,
           "checked");
  stat_row(out, "fcrdns-none", "no PTR name", t.fcrdns_none, t.fcrdns_probed, "checked");
  stat_row(out, "fcrdns-probed", "checked", t.fcrdns_probed, t.records, "records");
  end_panel(out);

  naming_panel(out, t);

  const uint64_t banner_checked = t.banner_match + t.banner_mismatch;
  const uint64_t ehlo_checked = t.ehlo_match + t.ehlo_mismatch;
  begin_panel(out, "SMTP (port answering with a 2xx greeting)");
  stat_row(out, "smtp-ok", "answering hosts", t.smtp_ok, t.smtp_probed, "probed");
  stat_row(out, "starttls-offered", "STARTTLS offered", t.starttls_offered, t.smtp_ok,
           "answering");
  stat_row(out, "tls-negotiated", "TLS negotiated", t.tls_negotiated, t.smtp_ok, "answering");
  stat_row(out, "banner-match", "banner names the PTR host", t.banner_match, banner_checked,
           "banner compared");
  stat_row(out, "banner-mismatch", "banner names another host", t.banner_mismatch,
           banner_checked, "banner compared");
  stat_row(out, "ehlo-match", "EHLO names the PTR host", t.ehlo_match, ehlo_checked,
           "EHLO compared");
  stat_row(out, "ehlo-mismatch", "EHLO names another host", t.ehlo_mismatch, ehlo_checked,
           "EHLO compared");
  stat_row(out, "smtp-probed", "probed", t.smtp_probed, t.records, "records");
  end_panel(out);

  begin_panel(out, "Input");
  stat_row(out, "total-domain-summaries", "domain summary records", t.domain_summaries,
           t.records + t.domain_summaries, "records of either kind");
  stat_row(out, "total-oversized", "host records over 1 MiB (kept, contents unread)",
           t.oversized, t.records, "host records");
  stat_row(out, "total-bad-lines", "lines skipped (not a record)", t.bad_lines,
           t.records + t.domain_summaries + t.bad_lines, "non-blank lines");
  end_panel(out);
  out += "</div>\n</section>\n";
}

}  // namespace ptrscan::report
