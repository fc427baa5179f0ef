// The mail sections of the report (issue 16 item 8), each from records built
// by hand in the format of README "Output", "Domain targets", "Open-relay
// test" and "DNS blocklists".

#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "report/html_page.h"
#include "report/mail_data.h"
#include "report/report_data.h"
#include "report/report_time.h"

namespace ptrscan::report {
namespace {

constexpr int64_t day = 86400;

report_view build(const std::vector<std::string>& lines, std::optional<int64_t> as_of = {},
                  int64_t now = 0) {
  report_builder builder;
  for (const std::string& line : lines) {
    const parsed_record r = parse_record(line);
    EXPECT_NE(r.what, parsed_record::kind::bad) << line << ": " << r.error;
    builder.add(r);
  }
  return builder.view(as_of, now);
}

std::string page(const report_view& v) { return render_page(v, {{"r.ndjson"}}); }

long long count_of(const std::string& html, const std::string& id) {
  const std::regex re("id=\"" + id + "\" data-count=\"([0-9]+)\"");
  std::smatch m;
  return std::regex_search(html, m, re) ? std::stoll(m[1]) : -1;
}

bool has(const std::string& html, const std::string& needle) {
  return html.find(needle) != std::string::npos;
}

// The text of the section with `id`, so a check cannot pass on another one.
std::string section(const std::string& html, const std::string& id) {
  const size_t start = html.find("<section id=\"" + id + "\"");
  if (start == std::string::npos) {
    return "";
  }
  return html.substr(start, html.find("</section>", start) - start);
}

const std::string example_org =
    R"({"domain":"example.org","mx":{"status":"ok","null":false,"implicit":false,"hosts":[]},)"
    R"("spf":{"status":"ok","records":["v=spf1 ptr +all"]},"addresses":{"probed":2,"skipped":[]},)"
    R"("findings":[{"code":"mx_no_ptr","host":"mx2.example.org","ip":"192.0.2.2","status":"nxdomain"},)"
    R"({"code":"spf_ptr","detail":"ptr"},{"code":"spf_all_pass","detail":"+all"}]})";
const std::string example_net =
    R"({"domain":"example.net","mx":{"status":"nxdomain","null":false,"implicit":false,"hosts":[]},)"
    R"("spf":{"status":"nxdomain","records":[]},"addresses":{"probed":0,"skipped":[]},)"
    R"("findings":[{"code":"nxdomain"}]})";
const std::string clean_test =
    R"({"domain":"clean.test","mx":{"status":"ok"},"spf":{"status":"ok","records":["v=spf1 mx -all"]},)"
    R"("addresses":{"probed":1,"skipped":[]},"findings":[]})";

TEST(MailSections, DomainSummariesWithFindingsSpfRecordsAndLint) {
  const report_view v = build({example_org, example_net, clean_test});
  EXPECT_EQ(v.mail.domains, 3u);
  EXPECT_EQ(v.mail.domains_with_findings, 2u);
  EXPECT_EQ(v.mail.finding_codes.at("spf_ptr"), 1u);
  EXPECT_EQ(v.mail.finding_codes.at("nxdomain"), 1u);
  ASSERT_EQ(v.mail.domain_rows.size(), 3u);
  EXPECT_EQ(v.mail.domain_rows[0].findings[0].detail, "status nxdomain");

  const std::string html = section(page(v), "domains-section");
  EXPECT_EQ(count_of(html, "domains-seen"), 3);
  EXPECT_EQ(count_of(html, "domains-with-findings"), 2);
  EXPECT_TRUE(has(html, "<tr data-domain=\"example.org\" data-findings=\"3\">")) << html;
  EXPECT_TRUE(has(html, "<tr data-domain=\"clean.test\" data-findings=\"0\">")) << html;
  EXPECT_TRUE(has(html, "v=spf1 ptr +all"));
  EXPECT_TRUE(has(html, "v=spf1 mx -all"));
  // Lint codes are shown beside the SPF record, every finding in its column.
  EXPECT_TRUE(has(html, "<span class=\"code lint-code\" data-code=\"spf_all_pass\">"));
  EXPECT_TRUE(has(html, "<span class=\"code lint-code\" data-code=\"spf_ptr\">"));
  EXPECT_FALSE(has(html, "lint-code\" data-code=\"mx_no_ptr\""));
  EXPECT_TRUE(has(html, "<span class=\"code\" data-code=\"mx_no_ptr\">mx_no_ptr</span> <span "
                        "class=\"muted\">mx2.example.org</span>"));
  EXPECT_TRUE(has(html, "of domain summaries"));
}

TEST(MailSections, NoDomainsSaysHowToGetThem) {
  const std::string html = page(build({R"({"ip":"192.0.2.1"})"}));
  EXPECT_TRUE(has(section(html, "domains-section"), "No domain summary records"));
  EXPECT_TRUE(has(section(html, "relay-section"), "opt-in"));
  EXPECT_TRUE(has(section(html, "dnsbl-section"), "--dnsbl"));
}

TEST(MailSections, SpfResultsOfMxAddresses) {
  const report_view v = build({
      R"({"ip":"192.0.2.1","input":"example.org","mx":{"host":"mx1.example.org","preference":10},"spf":{"result":"pass","mechanism":"ip4:192.0.2.1","domain":"example.org"}})",
      R"({"ip":"192.0.2.2","input":"example.org","mx":{"host":"mx2.example.org","preference":20},"spf":{"result":"softfail","mechanism":"~all","domain":"example.org"}})",
      R"({"ip":"192.0.2.3","input":"example.net","mx":{"host":"mx.example.net","preference":10},"spf":{"result":"permerror","reason":"two records"}})",
      R"({"ip":"192.0.2.4"})",
  });
  EXPECT_EQ(v.mail.spf_results.total(), 3u);
  EXPECT_EQ(v.mail.spf_not_pass, 2u);
  const std::string html = section(page(v), "spf-section");
  EXPECT_EQ(count_of(html, "spf-evaluated"), 3);
  EXPECT_EQ(count_of(html, "spf-pass"), 1);
  EXPECT_EQ(count_of(html, "spf-softfail"), 1);
  EXPECT_EQ(count_of(html, "spf-permerror"), 1);
  EXPECT_EQ(count_of(html, "spf-not-pass"), 2);
  EXPECT_TRUE(has(html, "33.3 % <span class=\"of\">of addresses evaluated</span>")) << html;
  EXPECT_TRUE(has(html, "<tr data-result=\"softfail\"><td class=\"name\">192.0.2.2</td><td "
                        "class=\"name\">example.org</td><td class=\"name\">mx2.example.org</td>"))
      << html;
  EXPECT_TRUE(has(html, "two records"));
  EXPECT_FALSE(has(html, "<tr data-result=\"pass\""));
}

TEST(MailSections, DnsblListingsPerZone) {
  const report_view v = build({
      R"({"ip":"192.0.2.1","dnsbl":[{"zone":"bl.example","status":"listed","codes":["127.0.0.2","127.0.0.4"],"reason":"see https://bl.example/q"},{"zone":"other.example","status":"not_listed"}]})",
      R"({"ip":"192.0.2.2","dnsbl":[{"zone":"bl.example","status":"not_listed"},{"zone":"other.example","status":"error","error":"answer outside 127.0.0.0/8"}]})",
      R"({"ip":"192.0.2.3","dnsbl":[{"zone":"bl.example","status":"listed","codes":["127.0.0.2"]},{"zone":"other.example","status":"listed","codes":["127.0.0.3"]}]})",
  });
  EXPECT_EQ(v.mail.dnsbl_checked, 3u);
  EXPECT_EQ(v.mail.dnsbl_listed_hosts, 2u);
  EXPECT_EQ(v.mail.dnsbl_listings, 3u);
  ASSERT_EQ(v.mail.dnsbl_zones.size(), 2u);
  const std::string html = section(page(v), "dnsbl-section");
  EXPECT_EQ(count_of(html, "dnsbl-listed-hosts"), 2);
  EXPECT_EQ(count_of(html, "dnsbl-checked"), 3);
  EXPECT_TRUE(has(html, "<tr data-zone=\"bl.example\" data-listed=\"2\" data-error=\"0\">"));
  EXPECT_TRUE(has(html, "<tr data-zone=\"other.example\" data-listed=\"1\" data-error=\"1\">"));
  EXPECT_TRUE(has(html, "66.7 % <span class=\"of\">of 3 looked up</span>")) << html;
  EXPECT_TRUE(has(html, "127.0.0.2, 127.0.0.4"));
  EXPECT_TRUE(has(html, "see https://bl.example/q"));
}

TEST(MailSections, RelayVerdictsWithReasons) {
  const report_view v = build({
      R"({"ip":"192.0.2.1","relay":{"status":"open","port":25}})",
      R"({"ip":"192.0.2.2","relay":{"status":"closed","port":25}})",
      R"({"ip":"192.0.2.3","relay":{"status":"untested","reason":"protocol_violation"}})",
      R"({"ip":"192.0.2.4","relay":{"status":"untested","reason":"session_ended"}})",
      R"({"ip":"192.0.2.5","relay":{"status":"closed","port":587}})",
  });
  const std::string html = section(page(v), "relay-section");
  EXPECT_EQ(count_of(html, "relay-hosts"), 5);
  EXPECT_EQ(count_of(html, "relay-open"), 1);
  EXPECT_EQ(count_of(html, "relay-closed"), 2);
  EXPECT_EQ(count_of(html, "relay-untested"), 2);
  EXPECT_EQ(count_of(html, "relay-untested-protocol_violation"), 1);
  EXPECT_EQ(count_of(html, "relay-untested-session_ended"), 1);
  EXPECT_EQ(count_of(html, "relay-not-closed"), 3);
  EXPECT_TRUE(has(html, "<tr data-relay=\"open\"><td class=\"name\">192.0.2.1</td>")) << html;
  EXPECT_TRUE(has(html, "<td>25</td><td class=\"name verdict-bad\">open</td>")) << html;
  EXPECT_TRUE(has(html, "<tr data-relay=\"untested\"><td class=\"name\">192.0.2.3</td>"));
  EXPECT_FALSE(has(html, "data-relay=\"closed\""));
  EXPECT_TRUE(has(html, "20.0 % <span class=\"of\">of hosts tested</span>")) << html;
}

TEST(MailSections, SmtpViolationsPerPort) {
  const report_view v = build({
      R"({"ip":"192.0.2.1","smtp":[{"port":25,"status":"ok","violations":["early_talker","unexpected_code"]},{"port":587,"status":"ok"}]})",
      R"({"ip":"192.0.2.2","smtp":[{"port":25,"status":"ok"}]})",
      R"({"ip":"192.0.2.3","smtp":[{"port":25,"status":"ok","violations":["early_talker"]}]})",
      R"({"ip":"192.0.2.4","smtp":[{"port":25,"status":"refused"}]})",
  });
  const std::string html = section(page(v), "violations-section");
  EXPECT_EQ(count_of(html, "violation-hosts"), 2);
  EXPECT_EQ(count_of(html, "violation-early_talker"), 2);
  EXPECT_EQ(count_of(html, "violation-unexpected_code"), 1);
  EXPECT_EQ(count_of(html, "violation-ports"), 2);
  EXPECT_TRUE(has(html, "of 4 hosts probed with SMTP (50.0 % of hosts probed with SMTP)"))
      << html;
  EXPECT_TRUE(has(html, "<td class=\"name\">early_talker, unexpected_code</td>"));
}

std::string cert_record(const std::string& ip, const std::string& not_after,
                        const std::string& ts = "") {
  return R"({"ip":")" + ip + "\"" + (ts.empty() ? "" : R"(,"ts":")" + ts + "\"") +
         R"(,"smtp":[{"port":25,"status":"ok","tls":{"version":"TLSv1.3","cert_names":["mx.)" +
         ip + R"(.test"],"not_after":")" + not_after + R"("}}]})";
}

TEST(MailSections, CertificatesExpiredOrWithin30Days) {
  const int64_t scan = *parse_rfc3339("2026-12-07T12:00:00Z");
  const report_view v = build(
      {
          cert_record("192.0.2.1", "2026-12-01T00:00:00Z"),  // expired 6 days before
          cert_record("192.0.2.2", "2026-12-07T06:00:00Z"),  // the reference day itself
          cert_record("192.0.2.3", "2027-01-06T23:59:59Z"),  // day 30: still in
          cert_record("192.0.2.4", "2027-01-07T00:00:00Z"),  // day 31: out
          cert_record("192.0.2.5", "2028-01-01T00:00:00Z"),
          cert_record("192.0.2.6", "not a date"),
      },
      scan, /*now=*/scan + 400 * day);
  EXPECT_EQ(v.mail.reference_from, reference_source::as_of);
  EXPECT_EQ(v.mail.certs_seen, 6u);
  EXPECT_EQ(v.mail.certs_unreadable, 1u);
  EXPECT_EQ(v.mail.certs_expired, 1u);
  EXPECT_EQ(v.mail.certs_expiring, 2u);
  ASSERT_EQ(v.mail.cert_rows.size(), 3u);
  EXPECT_EQ(v.mail.cert_rows[0].ip, "192.0.2.1");  // soonest first
  EXPECT_EQ(v.mail.cert_rows[2].ip, "192.0.2.3");
  const std::string html = section(page(v), "certificates-section");
  EXPECT_EQ(count_of(html, "certs-expired"), 1);
  EXPECT_EQ(count_of(html, "certs-expiring"), 2);
  EXPECT_TRUE(has(html, "datetime=\"2026-12-07T12:00:00Z\"")) << html;
  EXPECT_TRUE(has(html, "given with --as-of"));
  EXPECT_TRUE(has(html, "<tr data-days-left=\"-6\">"));
  EXPECT_TRUE(has(html, "<tr data-days-left=\"0\">"));
  EXPECT_TRUE(has(html, "<tr data-days-left=\"30\">"));
  EXPECT_FALSE(has(html, "192.0.2.4"));
  EXPECT_FALSE(has(html, "192.0.2.5"));
  EXPECT_TRUE(has(html, "of certificates with a date"));
}

TEST(MailSections, CertificateReferenceIsTheLatestRecordTimeElseNow) {
  const int64_t now = *parse_rfc3339("2030-01-01");
  const report_view from_ts = build(
      {cert_record("192.0.2.1", "2026-12-20T00:00:00Z", "2026-12-07T10:00:00.123Z"),
       cert_record("192.0.2.2", "2027-06-01T00:00:00Z", "2026-12-07T11:30:00Z")},
      std::nullopt, now);
  EXPECT_EQ(from_ts.mail.reference_from, reference_source::record_ts);
  EXPECT_EQ(from_ts.mail.reference, *parse_rfc3339("2026-12-07T11:30:00Z"));
  EXPECT_EQ(from_ts.mail.certs_expiring, 1u);
  EXPECT_EQ(from_ts.mail.certs_expired, 0u);

  const report_view from_clock =
      build({cert_record("192.0.2.1", "2026-12-20T00:00:00Z")}, std::nullopt, now);
  EXPECT_EQ(from_clock.mail.reference_from, reference_source::report_run);
  EXPECT_EQ(from_clock.mail.certs_expired, 1u);
  EXPECT_TRUE(has(page(from_clock), "use --as-of for the scan"));
}

// More certificates than rows kept: the counts stay exact, the list keeps the
// soonest.
TEST(MailSections, CertificateListKeepsTheSoonest) {
  mail_limits limits;
  limits.rows = 3;
  mail_builder b(limits);
  const int64_t ref = *parse_rfc3339("2026-12-07");
  for (int i = 20; i >= 0; --i) {
    parsed_record r = parse_record(
        cert_record("192.0.2." + std::to_string(i + 1), format_rfc3339(ref + i * day)));
    b.add_host(r.host);
  }
  const mail_view v = b.view(ref, 0);
  EXPECT_EQ(v.certs_expiring, 21u);
  ASSERT_EQ(v.cert_rows.size(), 3u);
  EXPECT_EQ(v.cert_rows[0].ip, "192.0.2.1");
  EXPECT_EQ(v.cert_rows[1].ip, "192.0.2.2");
  EXPECT_EQ(v.cert_rows[2].ip, "192.0.2.3");
}

TEST(MailSections, KeysFromTheInputAreCapped) {
  key_counts k(3);
  k.add("a");
  k.add("b");
  k.add("c");
  k.add("d");
  k.add("a");
  EXPECT_EQ(k.entries().size(), 3u);
  EXPECT_EQ(k.at("a"), 2u);
  EXPECT_EQ(k.at("(other)"), 2u);
  EXPECT_EQ(k.total(), 5u);
}

TEST(MailSections, TextFromRecordsStaysEscaped) {
  const std::string evil = R"(<img src=x onerror=alert(1)>)";
  const report_view v = build({
      R"({"domain":")" + evil + R"(","spf":{"status":"ok","records":["v=spf1 )" + evil +
          R"("]},"findings":[{"code":")" + evil + R"(","host":")" + evil + R"("}]})",
      R"({"ip":"192.0.2.1","input":")" + evil + R"(","spf":{"result":")" + evil +
          R"(","reason":")" + evil + R"("},"dnsbl":[{"zone":")" + evil +
          R"(","status":"listed","codes":[")" + evil + R"("],"reason":")" + evil +
          R"("}],"relay":{"status":")" + evil + R"(","reason":")" + evil +
          R"("},"smtp":[{"port":25,"status":"ok","violations":[")" + evil +
          R"("],"tls":{"cert_names":[")" + evil + R"("],"not_after":"2026-12-08T00:00:00Z"}}]})",
  }, parse_rfc3339("2026-12-07"));
  const std::string html = page(v);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  // Every section shows the text, escaped.
  for (const char* id : {"domains-section", "spf-section", "dnsbl-section", "relay-section",
                         "violations-section", "certificates-section"}) {
    EXPECT_TRUE(has(section(html, id), "&lt;img src=x onerror=alert(1)&gt;")) << id;
  }
}

// Sender records (IP,DOMAIN[,HELO] targets): counts of SPF for MAIL FROM
// over every sender record, SPF for HELO and the HELO verdict over those
// with a HELO.
TEST(MailSections, SenderCountsPerResult) {
  const report_view v = build({
      R"({"ip":"192.0.2.1","sender":{"domain":"a.test","helo":"mx.a.test",)"
      R"("spf_mailfrom":{"identity":"mailfrom","domain":"a.test","result":"pass"},)"
      R"("spf_helo":{"identity":"helo","domain":"mx.a.test","result":"none"},)"
      R"("helo_rules":{"name":"mx.a.test","verdict":"match"}}})",
      R"({"ip":"192.0.2.1","sender":{"domain":"b.test","helo":"x.b.test",)"
      R"("spf_mailfrom":{"identity":"mailfrom","domain":"b.test","result":"softfail"},)"
      R"("spf_helo":{"identity":"helo","domain":"x.b.test","result":"none"},)"
      R"("helo_rules":{"name":"x.b.test","verdict":"unresolved"}}})",
      R"({"ip":"192.0.2.2","sender":{"domain":"c.test",)"
      R"("spf_mailfrom":{"identity":"mailfrom","domain":"c.test","result":"pass"}}})",
      R"({"ip":"192.0.2.3"})",
  });
  EXPECT_EQ(v.mail.senders, 3u);
  EXPECT_EQ(v.mail.senders_with_helo, 2u);
  const std::string html = section(page(v), "sender-section");
  EXPECT_EQ(count_of(html, "sender-records"), 3);
  EXPECT_EQ(count_of(html, "sender-with-helo"), 2);
  EXPECT_EQ(count_of(html, "sender-mailfrom-pass"), 2);
  EXPECT_EQ(count_of(html, "sender-mailfrom-softfail"), 1);
  EXPECT_EQ(count_of(html, "sender-helo-spf-none"), 2);
  EXPECT_EQ(count_of(html, "sender-helo-match"), 1);
  EXPECT_EQ(count_of(html, "sender-helo-unresolved"), 1);
  EXPECT_TRUE(has(html, "of sender records with a HELO")) << html;

  EXPECT_TRUE(has(section(page(build({R"({"ip":"192.0.2.3"})"})), "sender-section"),
                  "IP,DOMAIN[,HELO]"));
}

// The policy section: per rule, how many records carried it and how many
// passed, failed or were unknown.
TEST(MailSections, PolicyCountsPerRule) {
  const std::string fail_fcrdns =
      R"({"rule":"fcrdns","result":"fail","evidence":"e","fix":"f"})";
  const report_view v = build({
      R"({"ip":"192.0.2.1","policy":{"generic_rdns":[{"rule":"generic_rdns","result":"pass","evidence":"e"}],)"
      R"("bulk_senders_2024":[{"rule":"ptr","result":"pass","evidence":"e"},)" + fail_fcrdns + R"(]}})",
      R"({"ip":"192.0.2.2","policy":{"generic_rdns":[{"rule":"generic_rdns","result":"fail","evidence":"e","fix":"f"}],)"
      R"("bulk_senders_2024":[{"rule":"ptr","result":"unknown","evidence":"e"},)" + fail_fcrdns + R"(]}})",
      R"({"ip":"192.0.2.3","policy":{"bulk_senders_2024":[{"rule":"ptr","result":"fail","evidence":"e"}],)"
      R"("mxtoolbox_smtp":[{"rule":"open_relay","result":"unknown","evidence":"e"}]}})",
      R"({"ip":"192.0.2.4"})",
  });
  EXPECT_EQ(v.mail.policy_records, 3u);
  const std::string html = section(page(v), "policy-section");
  EXPECT_EQ(count_of(html, "policy-records"), 3);
  EXPECT_EQ(count_of(html, "policy-bulk_senders_2024-ptr"), 3);
  EXPECT_EQ(count_of(html, "policy-bulk_senders_2024-ptr-pass"), 1);
  EXPECT_EQ(count_of(html, "policy-bulk_senders_2024-ptr-fail"), 1);
  EXPECT_EQ(count_of(html, "policy-bulk_senders_2024-ptr-unknown"), 1);
  EXPECT_EQ(count_of(html, "policy-bulk_senders_2024-fcrdns-fail"), 2);
  EXPECT_EQ(count_of(html, "policy-bulk_senders_2024-fcrdns-pass"), 0);
  EXPECT_EQ(count_of(html, "policy-generic_rdns-generic_rdns-pass"), 1);
  EXPECT_EQ(count_of(html, "policy-generic_rdns-generic_rdns-fail"), 1);
  EXPECT_EQ(count_of(html, "policy-mxtoolbox_smtp-open_relay-unknown"), 1);
  EXPECT_TRUE(has(html, "<tr data-rule=\"bulk_senders_2024/fcrdns\">")) << html;
  // Every fail is listed with its fix, in input order; a fail without one
  // says so.
  EXPECT_EQ(v.mail.policy_fails, 4u);
  EXPECT_EQ(count_of(html, "policy-fails"), 4);
  ASSERT_EQ(v.mail.policy_fix_rows.size(), 4u);
  EXPECT_EQ(v.mail.policy_fix_rows[0].ip, "192.0.2.1");
  EXPECT_EQ(v.mail.policy_fix_rows[0].rule, "fcrdns");
  EXPECT_EQ(v.mail.policy_fix_rows[0].fix, "f");
  EXPECT_EQ(v.mail.policy_fix_rows[1].ip, "192.0.2.2");
  EXPECT_EQ(v.mail.policy_fix_rows[2].ip, "192.0.2.2");
  EXPECT_TRUE(v.mail.policy_fix_rows[1].set == "generic_rdns" ||
              v.mail.policy_fix_rows[2].set == "generic_rdns");
  EXPECT_EQ(v.mail.policy_fix_rows[3].ip, "192.0.2.3");
  EXPECT_EQ(v.mail.policy_fix_rows[3].fix, "");
  EXPECT_TRUE(has(html, "(none given)")) << html;

  EXPECT_TRUE(has(section(page(build({R"({"ip":"192.0.2.4"})"})), "policy-section"),
                  "--probes with policy"));
}

// Issue 16: the FCrDNS card and table used different denominators without
// saying so. Both now divide by the records with a PTR name, and every
// percentage names its base.
TEST(MailSections, FcrdnsCardAndTableShareTheirBase) {
  const report_view v = build({
      R"({"ip":"192.0.2.1","fcrdns":{"status":"pass"}})",
      R"({"ip":"192.0.2.2","fcrdns":{"status":"fail"}})",
      R"({"ip":"192.0.2.3","fcrdns":{"status":"none"}})",
      R"({"ip":"192.0.2.4","fcrdns":{"status":"none"}})",
  });
  const std::string html = page(v);
  EXPECT_TRUE(has(html, "id=\"fcrdns-pass-rate\" data-count=\"1\" data-total=\"2\""));
  EXPECT_TRUE(has(html, "id=\"fcrdns-pass\" data-count=\"1\">1</td><td class=\"pct\" "
                        "data-total=\"2\">50.0 % <span class=\"of\">of with a PTR name</span>"))
      << html;
  EXPECT_TRUE(has(html, "id=\"fcrdns-none\" data-count=\"2\">2</td><td class=\"pct\" "
                        "data-total=\"4\">50.0 % <span class=\"of\">of checked</span>"));
  // Every percentage cell says what it is a share of.
  size_t cells = 0;
  for (size_t at = html.find("class=\"pct\""); at != std::string::npos;
       at = html.find("class=\"pct\"", at + 1)) {
    ++cells;
    const size_t end = html.find("</td>", at);
    EXPECT_NE(html.substr(at, end - at).find("<span class=\"of\">of "), std::string::npos)
        << html.substr(at, end - at);
  }
  EXPECT_GT(cells, 20u);
}

TEST(ReportTime, ParsesRfc3339AndDates) {
  EXPECT_EQ(parse_rfc3339("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339("1970-01-02"), day);
  EXPECT_EQ(parse_rfc3339("2000-03-01T00:00:00Z"), 951868800);
  EXPECT_EQ(parse_rfc3339("2027-11-23T19:40:00Z"), 1826998800);
  EXPECT_EQ(parse_rfc3339("2027-11-23T21:40:00.5+02:00"), 1826998800);
  EXPECT_EQ(parse_rfc3339("2027-11-23t19:40:00z"), 1826998800);
  EXPECT_EQ(parse_rfc3339("2024-02-29"), *parse_rfc3339("2024-03-01") - day);
  for (const char* bad : {"", "2027-11-23T19:40:00", "2027-13-01", "2023-02-29", "2027-11-23T24:00:00Z",
                          "2027-11-23T19:40:00Z ", "27-11-23", "2027-11-23T19:40Z",
                          "2027-11-23T19:40:00.Z", "not a date"}) {
    EXPECT_FALSE(parse_rfc3339(bad).has_value()) << bad;
  }
  EXPECT_EQ(format_rfc3339(1826998800), "2027-11-23T19:40:00Z");
  EXPECT_EQ(format_rfc3339(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(-1), "1969-12-31T23:59:59Z");
}

}  // namespace
}  // namespace ptrscan::report
