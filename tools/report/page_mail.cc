// The mail sections: what a domain's mail set-up looks like from outside
// (summary findings, SPF, DNSBL, relay, SMTP dialogue violations and
// certificate expiry). Every string from a record is escaped; every
// percentage names its base.

#include <initializer_list>
#include <string>
#include <string_view>

#include "report/html_escape.h"
#include "report/page_format.h"
#include "report/page_sections.h"
#include "report/report_time.h"

namespace ptrscan::report {
namespace {

void text(std::string& out, std::string_view s) { append_escaped(out, s); }

void counted(std::string& out, std::string_view id, uint64_t n) {
  out += "<span id=\"";
  out += id;
  out += "\" data-count=\"" + std::to_string(n) + "\">" + grouped(n) + "</span>";
}

void begin_section(std::string& out, std::string_view id, std::string_view title) {
  out += "<section id=\"";
  out += id;
  out += "\">\n<h2>";
  text(out, title);
  out += "</h2>\n";
}

// A note that the records carry nothing for this section, and which probe or
// target would fill it.
void absent(std::string& out, std::string_view why) {
  out += "<p class=\"note absent\">";
  text(out, why);
  out += "</p>\n</section>\n";
}

// "shown N of M" under a list that keeps only its first rows.
void shown_of(std::string& out, std::string_view id, size_t shown, uint64_t seen,
              std::string_view order) {
  out += "<p class=\"note\">Showing " + grouped(shown) + " of ";
  counted(out, id, seen);
  out += " (";
  text(out, order);
  out += ").</p>\n";
}

// A count table over keys from the records: one row per key, its share of
// `whole` named by `of`.
void key_panel(std::string& out, std::string_view title, std::string_view id_prefix,
               const key_counts& counts, uint64_t whole, std::string_view of) {
  begin_panel(out, title);
  for (const auto& [key, n] : counts.entries()) {
    stat_row(out, std::string(id_prefix) + key, key, n, whole, of);
  }
  end_panel(out);
}

void cell(std::string& out, std::string_view s, std::string_view cls = "name") {
  out += "<td class=\"";
  out += cls;
  out += "\">";
  text(out, s);
  out += "</td>";
}

void head(std::string& out, std::string_view table_id,
          std::initializer_list<std::string_view> titles) {
  out += "<table id=\"";
  out += table_id;
  out += "\" class=\"list\">\n<thead><tr>";
  for (std::string_view t : titles) {
    out += "<th class=\"name\">";
    text(out, t);
    out += "</th>";
  }
  out += "</tr></thead>\n<tbody>\n";
}

void tail(std::string& out) { out += "</tbody>\n</table>\n"; }

// --- Domains ---------------------------------------------------------------

void spf_cell(std::string& out, const domain_facts& d) {
  out += "<td class=\"name spf\">";
  if (d.spf_records.empty()) {
    out += "<span class=\"muted\">";
    text(out, d.spf_status.empty() ? "no SPF data" : "no record (" + d.spf_status + ")");
    out += "</span>";
  }
  for (const std::string& r : d.spf_records) {
    out += "<div class=\"spf-record\">";
    text(out, r);
    out += "</div>";
  }
  bool any_lint = false;
  for (const finding_fact& f : d.findings) {
    if (is_spf_lint(f.code)) {
      out += any_lint ? "" : "<div class=\"lint\">lint: ";
      any_lint = true;
      out += "<span class=\"code lint-code\" data-code=\"";
      text(out, f.code);
      out += "\">";
      text(out, f.code);
      out += "</span> ";
    }
  }
  out += any_lint ? "</div>" : "";
  out += "</td>";
}

void findings_cell(std::string& out, const domain_facts& d) {
  out += "<td class=\"name findings\">";
  if (d.findings.empty()) {
    out += "<span class=\"muted\">none</span>";
  }
  for (const finding_fact& f : d.findings) {
    out += "<div class=\"finding\"><span class=\"code\" data-code=\"";
    text(out, f.code);
    out += "\">";
    text(out, f.code);
    out += "</span>";
    for (std::string_view part : {std::string_view(f.host), std::string_view(f.ip),
                                  std::string_view(f.detail)}) {
      if (!part.empty()) {
        out += " <span class=\"muted\">";
        text(out, part);
        out += "</span>";
      }
    }
    out += "</div>";
  }
  out += "</td>";
}

void render_domains(std::string& out, const mail_view& m) {
  begin_section(out, "domains-section", "Domains");
  if (m.domains == 0) {
    absent(out, "No domain summary records: give domain names as targets to audit their MX, "
                "SPF and mail servers.");
    return;
  }
  out += "<p class=\"note\">";
  counted(out, "domains-seen", m.domains);
  out += " domain summaries, ";
  counted(out, "domains-with-findings", m.domains_with_findings);
  out += " with at least one finding (" + percent(m.domains_with_findings, m.domains) +
         " of domain summaries). Finding codes are explained in the README, \"Domain "
         "targets\".</p>\n<div class=\"panels\">\n";
  begin_panel(out, "Findings by code (each occurrence)");
  for (const auto& [code, n] : m.finding_codes.entries()) {
    out += "<tr><th><span class=\"code\">";
    text(out, code);
    out += "</span></th><td data-code=\"";
    text(out, code);
    out += "\" data-count=\"" + std::to_string(n) + "\">" + grouped(n) + "</td></tr>\n";
  }
  end_panel(out);
  out += "</div>\n";
  shown_of(out, "domain-rows-seen", m.domain_rows.size(), m.domains, "in input order");
  head(out, "domains", {"Domain", "MX", "Addresses probed", "SPF record and lint", "Findings"});
  for (const domain_facts& d : m.domain_rows) {
    out += "<tr data-domain=\"";
    text(out, d.domain);
    out += "\" data-findings=\"" + std::to_string(d.findings.size()) + "\">";
    cell(out, d.domain);
    cell(out, d.mx_status);
    out += "<td>" + grouped(d.addresses_probed) + "</td>";
    spf_cell(out, d);
    findings_cell(out, d);
    out += "</tr>\n";
  }
  tail(out);
  out += "</section>\n";
}

// --- SPF at the MX addresses ------------------------------------------------

void render_spf(std::string& out, const mail_view& m) {
  begin_section(out, "spf-section", "SPF at the MX addresses");
  const uint64_t evaluated = m.spf_results.total();
  if (evaluated == 0) {
    absent(out, "No record carries an SPF verdict: SPF is evaluated for the MX addresses of "
                "domain targets.");
    return;
  }
  out += "<p class=\"note\">check_host(MX address, domain): would the domain's SPF pass mail "
         "from its own mail exchangers? ";
  counted(out, "spf-evaluated", evaluated);
  out += " addresses evaluated.</p>\n<div class=\"panels\">\n";
  key_panel(out, "SPF result", "spf-", m.spf_results, evaluated, "addresses evaluated");
  out += "</div>\n";
  if (m.spf_not_pass == 0) {
    out += "</section>\n";
    return;
  }
  shown_of(out, "spf-not-pass", m.spf_rows.size(), m.spf_not_pass,
           "addresses whose result is not pass, in input order");
  head(out, "spf-results", {"Address", "Domain", "MX host", "Result", "Mechanism", "Reason"});
  for (const spf_row& r : m.spf_rows) {
    out += "<tr data-result=\"";
    text(out, r.result);
    out += "\">";
    cell(out, r.ip);
    cell(out, r.input);
    cell(out, r.mx_host);
    cell(out, r.result, "name verdict-" + std::string(r.result == "fail" ? "bad" : "warn"));
    cell(out, r.mechanism);
    cell(out, r.detail);
    out += "</tr>\n";
  }
  tail(out);
  out += "</section>\n";
}

// --- DNSBL -------------------------------------------------------------------

void render_dnsbl(std::string& out, const mail_view& m) {
  begin_section(out, "dnsbl-section", "DNS blocklists");
  if (m.dnsbl_checked == 0) {
    absent(out, "No record carries DNSBL results: name a zone with --dnsbl ZONE.");
    return;
  }
  out += "<p class=\"note\">";
  counted(out, "dnsbl-listed-hosts", m.dnsbl_listed_hosts);
  out += " of ";
  counted(out, "dnsbl-checked", m.dnsbl_checked);
  out += " addresses looked up are listed in at least one zone (" +
         percent(m.dnsbl_listed_hosts, m.dnsbl_checked) +
         " of addresses looked up).</p>\n<table id=\"dnsbl-zones\" class=\"list\">\n"
         "<thead><tr><th class=\"name\">Zone</th><th>Listed</th><th>Not listed</th>"
         "<th>Error</th><th>Listed, of addresses looked up in the zone</th></tr></thead>\n"
         "<tbody>\n";
  for (const dnsbl_zone_counts& z : m.dnsbl_zones) {
    const uint64_t asked = z.listed + z.not_listed + z.error + z.other;
    out += "<tr data-zone=\"";
    text(out, z.zone);
    out += "\" data-listed=\"" + std::to_string(z.listed) + "\" data-error=\"" +
           std::to_string(z.error) + "\">";
    cell(out, z.zone);
    out += "<td>" + grouped(z.listed) + "</td><td>" + grouped(z.not_listed) + "</td><td>" +
           grouped(z.error) + "</td><td class=\"pct\">" + percent(z.listed, asked) +
           " <span class=\"of\">of " + grouped(asked) + " looked up</span></td></tr>\n";
  }
  tail(out);
  if (m.dnsbl_listings == 0) {
    out += "</section>\n";
    return;
  }
  shown_of(out, "dnsbl-listings", m.dnsbl_rows.size(), m.dnsbl_listings,
           "listings, in input order");
  head(out, "dnsbl-listed", {"Address", "Zone", "Codes", "Reason (TXT)"});
  for (const dnsbl_row& r : m.dnsbl_rows) {
    out += "<tr>";
    cell(out, r.ip);
    cell(out, r.zone);
    cell(out, r.codes);
    cell(out, r.reason);
    out += "</tr>\n";
  }
  tail(out);
  out += "</section>\n";
}

// --- Relay -------------------------------------------------------------------

void render_relay(std::string& out, const mail_view& m) {
  begin_section(out, "relay-section", "Open-relay test");
  const uint64_t tested = m.relay_statuses.total();
  if (tested == 0) {
    absent(out, "No record carries a relay verdict: the test is opt-in (--probes with relay).");
    return;
  }
  out += "<p class=\"note\">MAIL FROM and RCPT TO to a foreign domain, never DATA. open: RCPT "
         "accepted in a clean dialogue; closed: refused; untested: no verdict, with the "
         "reason. ";
  counted(out, "relay-hosts", tested);
  out += " hosts.</p>\n<div class=\"panels\">\n";
  key_panel(out, "Verdict", "relay-", m.relay_statuses, tested, "hosts tested");
  if (m.relay_untested_reasons.total() != 0) {
    key_panel(out, "Why untested", "relay-untested-", m.relay_untested_reasons,
              m.relay_untested_reasons.total(), "untested hosts");
  }
  out += "</div>\n";
  if (m.relay_listed == 0) {
    out += "</section>\n";
    return;
  }
  shown_of(out, "relay-not-closed", m.relay_rows.size(), m.relay_listed,
           "hosts not closed, in input order");
  head(out, "relay-hosts-list", {"Address", "Domain", "Port", "Verdict", "Reason"});
  for (const relay_row& r : m.relay_rows) {
    out += "<tr data-relay=\"";
    text(out, r.status);
    out += "\">";
    cell(out, r.ip);
    cell(out, r.input);
    out += "<td>" + (r.port == 0 ? std::string() : std::to_string(r.port)) + "</td>";
    cell(out, r.status, "name verdict-" + std::string(r.status == "open" ? "bad" : "warn"));
    cell(out, r.reason);
    out += "</tr>\n";
  }
  tail(out);
  out += "</section>\n";
}

// --- Sender identities -------------------------------------------------------

void render_senders(std::string& out, const mail_view& m) {
  begin_section(out, "sender-section", "Sender identities");
  if (m.senders == 0) {
    absent(out, "No record carries a sender section: target lines IP,DOMAIN[,HELO] make them.");
    return;
  }
  out += "<p class=\"note\">May IP send mail for DOMAIN, greeting as HELO? ";
  counted(out, "sender-records", m.senders);
  out += " sender records, ";
  counted(out, "sender-with-helo", m.senders_with_helo);
  out += " with a HELO.</p>\n<div class=\"panels\">\n";
  key_panel(out, "SPF for MAIL FROM", "sender-mailfrom-", m.sender_mailfrom, m.senders,
            "sender records");
  if (m.senders_with_helo != 0) {
    key_panel(out, "SPF for HELO", "sender-helo-spf-", m.sender_helo_spf, m.senders_with_helo,
              "sender records with a HELO");
    key_panel(out, "HELO verdict", "sender-helo-", m.sender_helo_verdicts, m.senders_with_helo,
              "sender records with a HELO");
  }
  out += "</div>\n</section>\n";
}

// --- Receiver policy ----------------------------------------------------------

void render_policy(std::string& out, const mail_view& m) {
  begin_section(out, "policy-section", "Receiver policy");
  if (m.policy_records == 0) {
    absent(out,
           "No record carries a policy section: it is opt-in (--probes with policy), and "
           "ptrscan listen writes it for every client.");
    return;
  }
  out += "<p class=\"note\">What receivers would decide, rule by rule (docs/policy.md). ";
  counted(out, "policy-records", m.policy_records);
  out += " records with a policy section; a rule is counted over the records that carry it "
         "(the row's total), and each share is of that total. unknown: a lookup failed, a cap "
         "cut the evidence, or the probe that gathers it was not run.</p>\n";
  head(out, "policy-rules", {"Rule set", "Rule", "Records", "Pass", "Fail", "Unknown"});
  for (const policy_rule_counts& r : m.policy_rules) {
    const std::string id = "policy-" + r.set + "-" + r.rule;
    out += "<tr data-rule=\"";
    text(out, r.set + "/" + r.rule);
    out += "\">";
    cell(out, r.set);
    cell(out, r.rule);
    const uint64_t whole = r.total();
    out += "<td>";
    counted(out, escaped(id), whole);
    out += "</td>";
    const std::pair<const char*, uint64_t> parts[] = {
        {"pass", r.pass}, {"fail", r.fail}, {"unknown", r.unknown}};
    for (const auto& [word, n] : parts) {
      out += "<td>";
      counted(out, escaped(id + "-" + word), n);
      out += " <span class=\"pct\">" + percent(n, whole) + "</span></td>";
    }
    out += "</tr>\n";
  }
  tail(out);
  if (m.policy_fails != 0) {
    out += "<h3>Failing verdicts and their fixes</h3>\n";
    shown_of(out, "policy-fails", m.policy_fix_rows.size(), m.policy_fails,
             "failing verdicts, in input order");
    head(out, "policy-fixes", {"Address", "Rule set", "Rule", "Fix"});
    for (const policy_fix_row& r : m.policy_fix_rows) {
      out += "<tr>";
      cell(out, r.ip);
      cell(out, r.set);
      cell(out, r.rule);
      cell(out, r.fix.empty() ? std::string("(none given)") : r.fix);
      out += "</tr>\n";
    }
    tail(out);
  }
  out += "</section>\n";
}

// --- SMTP violations ---------------------------------------------------------

void render_violations(std::string& out, const report_view& view) {
  const mail_view& m = view.mail;
  begin_section(out, "violations-section", "SMTP dialogue violations");
  if (view.totals.smtp_probed == 0) {
    absent(out, "No record carries SMTP sessions.");
    return;
  }
  out += "<p class=\"note\">Replies that did not answer a command ptrscan sent "
         "(early talkers, unsolicited or out-of-step replies): ";
  counted(out, "violation-hosts", m.violation_hosts);
  out += " of " + grouped(view.totals.smtp_probed) + " hosts probed with SMTP (" +
         percent(m.violation_hosts, view.totals.smtp_probed) +
         " of hosts probed with SMTP).</p>\n";
  if (m.violation_ports == 0) {
    out += "</section>\n";
    return;
  }
  out += "<div class=\"panels\">\n";
  key_panel(out, "Violation (ports where it occurred)", "violation-", m.violation_kinds,
            m.violation_ports, "ports with violations");
  out += "</div>\n";
  shown_of(out, "violation-ports", m.violation_rows.size(), m.violation_ports,
           "ports with violations, in input order");
  head(out, "violations", {"Address", "Port", "Violations"});
  for (const violation_row& r : m.violation_rows) {
    out += "<tr>";
    cell(out, r.ip);
    out += "<td>" + std::to_string(r.port) + "</td>";
    cell(out, r.kinds);
    out += "</tr>\n";
  }
  tail(out);
  out += "</section>\n";
}

// --- Certificates ------------------------------------------------------------

std::string_view reference_text(reference_source s) {
  switch (s) {
    case reference_source::as_of:
      return "given with --as-of";
    case reference_source::record_ts:
      return "the latest record time (ts) in the input";
    case reference_source::report_run:
      return "when this report was made (the records carry no time; use --as-of for the scan's)";
  }
  return "";
}

void render_certificates(std::string& out, const mail_view& m) {
  begin_section(out, "certificates-section", "Certificates expired or expiring");
  if (m.certs_seen == 0) {
    absent(out, "No record carries a certificate expiry (tls.not_after): run the starttls "
                "probe.");
    return;
  }
  const uint64_t dated = m.certs_seen - m.certs_unreadable;
  out += "<p class=\"note\">Reference time <time id=\"cert-reference\" datetime=\"" +
         format_rfc3339(m.reference) + "\">" + format_rfc3339(m.reference) + "</time>, ";
  text(out, reference_text(m.reference_from));
  out += ". Counted by UTC day: expired before that day, or expiring on it or within " +
         std::to_string(m.cert_days) + " days after.</p>\n<div class=\"panels\">\n";
  begin_panel(out, "Certificates (one per SMTP port with TLS)");
  stat_row(out, "certs-expired", "expired", m.certs_expired, dated, "certificates with a date");
  stat_row(out, "certs-expiring", "expiring within " + std::to_string(m.cert_days) + " days",
           m.certs_expiring, dated, "certificates with a date");
  stat_row(out, "certs-unreadable", "date not understood", m.certs_unreadable, m.certs_seen,
           "certificates seen");
  stat_row(out, "certs-seen", "seen", m.certs_seen, m.certs_seen, "certificates seen");
  end_panel(out);
  out += "</div>\n";
  if (m.cert_rows.empty()) {
    out += "</section>\n";
    return;
  }
  shown_of(out, "cert-rows-seen", m.cert_rows.size(), m.certs_expired + m.certs_expiring,
           "soonest first");
  head(out, "certificates", {"Address", "Port", "Domain", "Certificate name", "Not after",
                             "Days left"});
  const int64_t today = floor_day(m.reference);
  for (const cert_row& r : m.cert_rows) {
    const int64_t left = floor_day(r.expires) - today;
    out += "<tr data-days-left=\"" + std::to_string(left) + "\">";
    cell(out, r.ip);
    out += "<td>" + std::to_string(r.port) + "</td>";
    cell(out, r.input);
    cell(out, r.name);
    cell(out, r.not_after);
    out += "<td class=\"" + std::string(left < 0 ? "verdict-bad" : "verdict-warn") + "\">" +
           (left < 0 ? "expired " + std::to_string(-left) + " d ago" : std::to_string(left)) +
           "</td></tr>\n";
  }
  tail(out);
  out += "</section>\n";
}

}  // namespace

void render_mail(std::string& out, const report_view& view) {
  render_domains(out, view.mail);
  render_spf(out, view.mail);
  render_dnsbl(out, view.mail);
  render_relay(out, view.mail);
  render_senders(out, view.mail);
  render_policy(out, view.mail);
  render_violations(out, view);
  render_certificates(out, view.mail);
}

}  // namespace ptrscan::report
