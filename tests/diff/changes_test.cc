// ptrscan diff: each change kind appears exactly when it should, on
// hand-built pairs of records (tools/diff/changes.cc).
#include "diff/changes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "diff/record_facts.h"

namespace ptrscan::diff {
namespace {

// A host record as ptrscan writes it, with the parts a test changes.
struct host {
  std::string ip = "198.18.0.7";
  std::string ptr = R"({"status":"ok","names":["mx1.example.test"]})";
  std::string fcrdns = R"({"status":"pass","name":"mx1.example.test"})";
  std::string rdns_class = "mail-like";
  std::string banner_match = "true";
  std::string port25_status = "ok";
  std::string not_after = "2027-11-23T19:40:00Z";
  std::string cert_names = R"(["mx1.example.test"])";
  std::string dnsbl = R"([{"zone":"bl.test","status":"not_listed"},{"zone":"bl2.test","status":"listed","codes":["127.0.0.2"]}])";
  std::string relay = "closed";
  std::string ts = "2027-01-01T00:00:00.000Z";
  double ms = 1.5;

  std::string line() const {
    std::string smtp = R"([{"port":25,"status":")" + port25_status + "\"";
    if (port25_status == "ok") {
      smtp += R"(,"banner":"220 mx1.example.test ESMTP","banner_host":"mx1.example.test",)"
              R"("ehlo":{"host":"mx1.example.test","extensions":["STARTTLS"]},)"
              R"("tls":{"version":"TLSv1.3","cipher":"TLS_AES_128_GCM_SHA256","cert_names":)" +
              cert_names + R"(,"name_match":true,"chain_valid":false,"not_after":")" + not_after +
              "\"}";
    }
    smtp += R"(,"ms":{"connect":)" + std::to_string(ms) + "}}]";
    return R"({"ip":")" + ip + R"(","ptr":)" + ptr + R"(,"fcrdns":)" + fcrdns +
           R"(,"rdns":{"name":"mx1.example.test","class":")" + rdns_class + R"("},"dnsbl":)" +
           dnsbl + R"(,"smtp":)" + smtp + R"(,"checks":{"banner_ptr_match":)" + banner_match +
           R"(,"ehlo_ptr_match":true},"relay":{"status":")" + relay + R"(","port":25},"ts":")" +
           ts + "\"}";
  }
};

struct outcome {
  std::vector<std::string> kinds;  // sorted
  std::string record;
};

outcome diff_lines(const std::string* old_line, const std::string* new_line) {
  record_facts o;
  record_facts n;
  if (old_line != nullptr) {
    EXPECT_EQ(parse_record(*old_line, o), "") << *old_line;
  }
  if (new_line != nullptr) {
    EXPECT_EQ(parse_record(*new_line, n), "") << *new_line;
  }
  outcome out;
  kind_counts counts{};
  const bool changed = compare(old_line ? &o : nullptr, new_line ? &n : nullptr, out.record, counts);
  for (size_t i = 0; i < change_kind_count; ++i) {
    for (uint64_t c = 0; c < counts[i]; ++c) {
      out.kinds.emplace_back(kind_name(static_cast<change_kind>(i)));
    }
  }
  EXPECT_EQ(changed, !out.kinds.empty());
  std::sort(out.kinds.begin(), out.kinds.end());
  return out;
}

std::vector<std::string> kinds(const host& a, const host& b) {
  const std::string x = a.line();
  const std::string y = b.line();
  return diff_lines(&x, &y).kinds;
}

using v = std::vector<std::string>;

TEST(DiffChanges, SameHostRescannedIsNoChange) {
  host a;
  host b;
  b.ts = "2027-02-01T00:00:00.000Z";
  b.ms = 9.25;  // timings always differ between scans
  EXPECT_EQ(kinds(a, b), v{});
}

TEST(DiffChanges, PtrAddedRemovedChanged) {
  host with;
  host without;
  without.ptr = R"({"status":"nxdomain"})";
  EXPECT_EQ(kinds(without, with), v{"ptr_added"});
  EXPECT_EQ(kinds(with, without), v{"ptr_removed"});
  host other;
  other.ptr = R"({"status":"ok","names":["mx2.example.test"]})";
  EXPECT_EQ(kinds(with, other), v{"ptr_changed"});
  host nodata;
  nodata.ptr = R"({"status":"nodata"})";
  EXPECT_EQ(kinds(nodata, with), v{"ptr_added"});
}

TEST(DiffChanges, FailedLookupsAreNotPtrChanges) {
  host with;
  for (const char* status : {"timeout", "servfail", "error", "refused"}) {
    host failed;
    failed.ptr = std::string(R"({"status":")") + status + "\"}";
    EXPECT_EQ(kinds(with, failed), v{}) << status;
    EXPECT_EQ(kinds(failed, with), v{}) << status;
  }
}

TEST(DiffChanges, PtrChangeRecordCarriesOldAndNewNames) {
  host a;
  host b;
  b.ptr = R"({"status":"ok","names":["a.example.test","b.example.test"]})";
  const std::string x = a.line();
  const std::string y = b.line();
  EXPECT_EQ(diff_lines(&x, &y).record,
            R"({"type":"change","ip":"198.18.0.7","changes":[{"kind":"ptr_changed",)"
            R"("old":["mx1.example.test"],"new":["a.example.test","b.example.test"]}]})"
            "\n");
}

TEST(DiffChanges, FcrdnsPassToFailAndBack) {
  host pass;
  host fail;
  fail.fcrdns = R"({"status":"fail"})";
  host error;
  error.fcrdns = R"({"status":"error"})";
  EXPECT_EQ(kinds(pass, fail), v{"fcrdns_failed"});
  EXPECT_EQ(kinds(fail, pass), v{"fcrdns_fixed"});
  EXPECT_EQ(kinds(pass, error), v{});
  EXPECT_EQ(kinds(error, fail), v{});
}

TEST(DiffChanges, NamingClass) {
  host a;
  host b;
  b.rdns_class = "generic-dynamic";
  EXPECT_EQ(kinds(a, b), v{"naming_changed"});
  // Class "none" is no PTR name: the change is the PTR's, named once.
  host without;
  without.ptr = R"({"status":"nxdomain"})";
  without.rdns_class = "none";
  EXPECT_EQ(kinds(without, a), v{"ptr_added"});
  EXPECT_EQ(kinds(a, without), v{"ptr_removed"});
}

TEST(DiffChanges, BannerMismatch) {
  host match;
  host mismatch;
  mismatch.banner_match = "false";
  host unknown;
  unknown.banner_match = "null";
  EXPECT_EQ(kinds(match, mismatch), v{"banner_mismatch_appeared"});
  EXPECT_EQ(kinds(mismatch, match), v{"banner_mismatch_fixed"});
  EXPECT_EQ(kinds(unknown, mismatch), v{});
  EXPECT_EQ(kinds(mismatch, unknown), v{});
}

TEST(DiffChanges, CertificateChanged) {
  host a;
  host renewed;
  renewed.not_after = "2028-11-23T19:40:00Z";
  EXPECT_EQ(kinds(a, renewed), v{"cert_changed"});
  host renamed;
  renamed.cert_names = R"(["mail.example.test"])";
  EXPECT_EQ(kinds(a, renamed), v{"cert_changed"});
}

TEST(DiffChanges, CertificateExpiringWithin30DaysOfNewTs) {
  host a;  // not_after 2027-11-23, ts 2027-01-01: far
  host soon = a;
  soon.ts = "2027-11-01T00:00:00.000Z";  // 22 days before not_after
  EXPECT_EQ(kinds(a, soon), v{"cert_expiring"});
  host later = a;
  later.ts = "2027-10-20T00:00:00.000Z";  // 34 days before
  EXPECT_EQ(kinds(a, later), v{});
  host expired = a;
  expired.ts = "2027-12-01T00:00:00.000Z";
  EXPECT_EQ(kinds(a, expired), v{"cert_expiring"});
  // Already expiring in the old scan: not news.
  EXPECT_EQ(kinds(soon, expired), v{});
  // No certificate seen in the old scan (the session timed out): whether
  // it was expiring then is unknown, so nothing is reported.
  host no_tls = a;
  no_tls.port25_status = "timeout";
  EXPECT_EQ(kinds(no_tls, soon), (v{"smtp_port_opened"}));
}

TEST(DiffChanges, DnsblListedAndCleared) {
  host a;
  host b;
  b.dnsbl = R"([{"zone":"bl.test","status":"listed","codes":["127.0.0.2"]},{"zone":"bl2.test","status":"not_listed"}])";
  EXPECT_EQ(kinds(a, b), (v{"dnsbl_cleared", "dnsbl_listed"}));
  host error;
  error.dnsbl = R"([{"zone":"bl.test","status":"error","error":"timeout"},{"zone":"bl2.test","status":"error"}])";
  EXPECT_EQ(kinds(a, error), v{});
  EXPECT_EQ(kinds(error, a), v{});
  const std::string x = a.line();
  const std::string y = b.line();
  const std::string record = diff_lines(&x, &y).record;
  EXPECT_NE(record.find(R"({"kind":"dnsbl_listed","zone":"bl.test","old":"not_listed","new":"listed"})"),
            std::string::npos)
      << record;
}

TEST(DiffChanges, RelayVerdict) {
  host a;
  host b;
  b.relay = "open";
  EXPECT_EQ(kinds(a, b), v{"relay_changed"});
  host tempfail;
  tempfail.relay = "tempfail";
  EXPECT_EQ(kinds(a, tempfail), v{"relay_changed"});
  // A session that ended before a reply decided is no verdict: no change
  // either way.
  host untested;
  untested.relay = "untested";
  EXPECT_EQ(kinds(a, untested), v{});
  EXPECT_EQ(kinds(untested, b), v{});
}

TEST(DiffChanges, SmtpPortOpenedAndClosed) {
  host open;
  host refused;
  refused.port25_status = "refused";
  host timeout;
  timeout.port25_status = "timeout";
  host reset;
  reset.port25_status = "reset";
  EXPECT_EQ(kinds(refused, open), v{"smtp_port_opened"});
  EXPECT_EQ(kinds(open, timeout), v{"smtp_port_closed"});
  EXPECT_EQ(kinds(open, reset), v{});
  EXPECT_EQ(kinds(reset, open), v{});
  EXPECT_EQ(kinds(refused, timeout), v{});
}

TEST(DiffChanges, OnlyInOneScan) {
  host a;
  const std::string x = a.line();
  const outcome gone = diff_lines(&x, nullptr);
  EXPECT_EQ(gone.kinds, v{"only_in_old"});
  EXPECT_EQ(gone.record,
            "{\"type\":\"change\",\"ip\":\"198.18.0.7\",\"changes\":[{\"kind\":\"only_in_old\"}]}\n");
  EXPECT_EQ(diff_lines(nullptr, &x).kinds, v{"only_in_new"});
}

TEST(DiffChanges, SectionsOfProbesNotRunAreNotCompared) {
  const std::string full = host{}.line();
  const std::string bare = R"({"ip":"198.18.0.7","ts":"2027-01-01T00:00:00.000Z"})";
  EXPECT_EQ(diff_lines(&full, &bare).kinds, v{});
  EXPECT_EQ(diff_lines(&bare, &full).kinds, v{});
}

TEST(DiffChanges, DomainFindingsNewAndFixed) {
  const std::string a =
      R"({"domain":"example.test","mx":{"status":"ok","null":false,"implicit":false,"hosts":[]},)"
      R"("spf":{"status":"ok","records":[]},"addresses":{"probed":1,"skipped":[]},)"
      R"("findings":[{"code":"mx_single","detail":"one MX"},{"code":"mx_no_ptr","host":"mx1.example.test","ip":"198.18.0.7"}],"ts":"2027-01-01T00:00:00.000Z"})";
  const std::string b =
      R"({"domain":"example.test","mx":{"status":"ok","null":false,"implicit":false,"hosts":[]},)"
      R"("spf":{"status":"ok","records":[]},"addresses":{"probed":1,"skipped":[]},)"
      R"("findings":[{"code":"mx_no_ptr","host":"mx1.example.test","ip":"198.18.0.7"},{"code":"spf_missing"}],"ts":"2027-02-01T00:00:00.000Z"})";
  const outcome out = diff_lines(&a, &b);
  EXPECT_EQ(out.kinds, (v{"finding_fixed", "finding_new"}));
  EXPECT_EQ(out.record.rfind(R"({"type":"change","domain":"example.test","changes":[)", 0), 0u)
      << out.record;
  EXPECT_NE(out.record.find(R"({"kind":"finding_new","new":{"code":"spf_missing"}})"),
            std::string::npos)
      << out.record;
  // A finding whose detail text changed is the same finding.
  std::string c = a;
  c.replace(c.find("one MX"), 6, "a single MX");
  EXPECT_EQ(diff_lines(&a, &c).kinds, v{});
}

TEST(DiffRecords, MalformedLinesAreErrors) {
  record_facts f;
  EXPECT_NE(parse_record(R"({"ip":"198.18.0.7","ptr":{"status":"ok")", f), "");  // cut
  EXPECT_NE(parse_record(R"({"ip":198})", f), "");                                  // not a string
  EXPECT_NE(parse_record(R"({"ptr":{"status":"ok"}})", f), "");                    // no key
  EXPECT_NE(parse_record(R"([1,2])", f), "");
  EXPECT_NE(parse_record(R"({"ip":"1.2.3.4"} x)", f), "");
  EXPECT_NE(parse_record(R"({"ip":"1.2.3.4","smtp":[{"port":25}]})", f), "");  // no status
  EXPECT_NE(parse_record(R"({"ip":"1.2.3.4","ptr":{"status":"ok","names":[1]}})", f), "");
  EXPECT_NE(parse_record("{\"ip\":\"1.2.3.4\",\"x\":\"a\x01\"}", f), "");
  EXPECT_NE(parse_record(R"({"ip":"1.2.3.4","x":01})", f), "");
  EXPECT_NE(parse_record(R"({"ip":"1.2.3.4","x":"\q"})", f), "");
  EXPECT_NE(parse_record(std::string(100, '[') + std::string(100, ']'), f), "");
  EXPECT_EQ(parse_record(R"({"ip":"1.2.3.4","x":[1.5e3,-0,true,null,{"a":"\u00e9"}]})", f), "");
}

// Zone records (lib/probes/zone.cc) name a finding's code `kind` and the
// server by `server`/`address`: one finding more is a finding_new, not a
// malformed line.
TEST(DiffRecords, ZoneFindingsAreReadByKind) {
  const std::string old_zone =
      R"({"type":"zone","zone":"0.18.198.in-addr.arpa","findings":[{"kind":"single_ns"}]})";
  const std::string new_zone =
      R"({"type":"zone","zone":"0.18.198.in-addr.arpa","findings":[{"kind":"single_ns"},)"
      R"({"kind":"lame_server","server":"ns1.example.test","address":"192.0.2.1","reason":"refused"},)"
      R"({"kind":"lame_server","server":"ns1.example.test","address":"192.0.2.2","reason":"refused"}]})";
  record_facts f;
  ASSERT_EQ(parse_record(new_zone, f), "");
  ASSERT_EQ(f.findings.size(), 3U);
  EXPECT_NE(f.findings[1].id, f.findings[2].id);  // two servers' findings, not one
  const outcome out = diff_lines(&old_zone, &new_zone);
  EXPECT_EQ(out.kinds, (v{"finding_new", "finding_new"})) << out.record;
}

TEST(DiffRecords, KeyIsIpThenDomainThenZone) {
  record_facts f;
  ASSERT_EQ(parse_record(R"({"zone":"0.18.198.in-addr.arpa","ip":"198.18.0.1","domain":"x.test"})", f), "");
  EXPECT_EQ(f.what, record_facts::kind::host);
  EXPECT_EQ(f.key, "\"198.18.0.1\"");
  ASSERT_EQ(parse_record(R"({"zone":"0.18.198.in-addr.arpa","domain":"x.test"})", f), "");
  EXPECT_EQ(f.what, record_facts::kind::domain);
  ASSERT_EQ(parse_record(R"({"zone":"0.18.198.in-addr.arpa","findings":[]})", f), "");
  EXPECT_EQ(f.what, record_facts::kind::zone);
  // One address, however it is written, is one key.
  record_facts g;
  ASSERT_EQ(parse_record(R"({"ip":"2001:db8::1"})", f), "");
  ASSERT_EQ(parse_record(R"({"ip":"2001:0db8:0:0::1"})", g), "");
  EXPECT_EQ(f.sort_key(), g.sort_key());
  ASSERT_EQ(parse_record(R"({"ip":"10.0.0.9"})", f), "");
  ASSERT_EQ(parse_record(R"({"ip":"10.0.0.10"})", g), "");
  EXPECT_LT(f.sort_key(), g.sort_key());  // numeric, not text, order
}

TEST(DiffRecords, EncodeDecodeRoundTrip) {
  record_facts f;
  ASSERT_EQ(parse_record(host{}.line(), f), "");
  std::string bytes;
  encode(f, bytes);
  record_facts g;
  ASSERT_TRUE(decode(bytes, g));
  std::string again;
  encode(g, again);
  EXPECT_EQ(bytes, again);
  EXPECT_EQ(g.smtp.size(), 1u);
  EXPECT_EQ(g.banner_match, 1);
  EXPECT_EQ(g.dnsbl.size(), 2u);
  EXPECT_FALSE(decode(std::string_view(bytes).substr(0, bytes.size() - 1), g));
}

}  // namespace
}  // namespace ptrscan::diff
