#include "report/report_data.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "report/hilbert.h"

namespace ptrscan::report {
namespace {

report_view build(const std::vector<std::string>& lines, page_limits limits = {}) {
  report_builder builder(limits);
  for (const std::string& line : lines) {
    builder.add(parse_record(line));
  }
  return builder.view();
}

// Small record makers for hand-made NDJSON.
std::string pass(const std::string& ip, const std::string& cls = "mail-like") {
  return R"({"ip":")" + ip + R"(","ptr":{"status":"ok","names":["mx.)" + ip +
         R"(.test"]},"fcrdns":{"status":"pass"},"rdns":{"name":"mx.)" + ip + R"(.test","class":")" +
         cls + R"("}})";
}
std::string fail(const std::string& ip, const std::string& cls = "generic-dynamic") {
  return R"({"ip":")" + ip +
         R"(","ptr":{"status":"ok","names":["dyn.test"]},)"
         R"("fcrdns":{"status":"fail"},"rdns":{"name":"dyn.test","class":")" +
         cls + R"("}})";
}
std::string no_ptr(const std::string& ip) {
  return R"({"ip":")" + ip +
         R"(","ptr":{"status":"nxdomain"},"fcrdns":{"status":"none"},"rdns":{"class":"none"}})";
}
std::string error(const std::string& ip) {
  return R"({"ip":")" + ip + R"(","ptr":{"status":"timeout"},"fcrdns":{"status":"error"}})";
}
std::string smtp(const std::string& ip, const std::string& match, bool starttls, bool tls) {
  std::string ext = starttls ? R"(["PIPELINING","STARTTLS"])" : R"(["PIPELINING"])";
  std::string tls_part = tls ? R"(,"tls":{"version":"TLSv1.3"})" : "";
  return R"({"ip":")" + ip +
         R"(","ptr":{"status":"ok","names":["mx.test"]},)"
         R"("fcrdns":{"status":"pass"},"smtp":[{"port":25,"status":"ok","banner_host":"other.test",)"
         R"("ehlo":{"extensions":)" +
         ext + "}" + tls_part + R"(}],"checks":{"banner_ptr_match":)" + match +
         R"(,"ehlo_ptr_match":)" + match + "}}";
}
std::string refused(const std::string& ip) {
  return R"({"ip":")" + ip +
         R"(","smtp":[{"port":25,"status":"refused"}],)"
         R"("checks":{"banner_ptr_match":null,"ehlo_ptr_match":null}})";
}

struct totals_case {
  const char* name;
  std::vector<std::string> lines;
  report_totals expected;
};

using T = report_totals;

report_totals expect(std::initializer_list<std::pair<uint64_t report_totals::*, uint64_t>> set) {
  report_totals t;
  for (const auto& [field, value] : set) {
    t.*field = value;
  }
  return t;
}

// Every counter the page shows, by name, for readable failures.
struct counter {
  const char* name;
  uint64_t report_totals::*member;
};
constexpr counter counters[] = {
    {"records", &T::records},
    {"ipv4", &T::ipv4},
    {"ipv6", &T::ipv6},
    {"domain_summaries", &T::domain_summaries},
    {"bad_lines", &T::bad_lines},
    {"ptr_probed", &T::ptr_probed},
    {"ptr_found", &T::ptr_found},
    {"ptr_absent", &T::ptr_absent},
    {"ptr_errors", &T::ptr_errors},
    {"fcrdns_probed", &T::fcrdns_probed},
    {"fcrdns_pass", &T::fcrdns_pass},
    {"fcrdns_fail", &T::fcrdns_fail},
    {"fcrdns_none", &T::fcrdns_none},
    {"fcrdns_error", &T::fcrdns_error},
    {"naming_probed", &T::naming_probed},
    {"naming_unknown", &T::naming_unknown},
    {"smtp_probed", &T::smtp_probed},
    {"smtp_ok", &T::smtp_ok},
    {"starttls_offered", &T::starttls_offered},
    {"tls_negotiated", &T::tls_negotiated},
    {"banner_match", &T::banner_match},
    {"banner_mismatch", &T::banner_mismatch},
    {"ehlo_match", &T::ehlo_match},
    {"ehlo_mismatch", &T::ehlo_mismatch},
};

class Totals : public ::testing::TestWithParam<totals_case> {};

TEST_P(Totals, CountWhatTheRecordsSay) {
  const report_totals got = build(GetParam().lines).totals;
  const report_totals& want = GetParam().expected;
  for (const counter& c : counters) {
    EXPECT_EQ(got.*c.member, want.*c.member) << c.name;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Mixes, Totals,
    ::testing::Values(totals_case{"empty", {}, {}},
                      totals_case{"dns_verdicts",
                                  {pass("192.0.2.1"), pass("192.0.2.2"), fail("192.0.2.3"),
                                   no_ptr("192.0.2.4"), error("192.0.2.5")},
                                  expect({{&T::records, 5},
                                          {&T::ipv4, 5},
                                          {&T::ptr_probed, 5},
                                          {&T::ptr_found, 3},
                                          {&T::ptr_absent, 1},
                                          {&T::ptr_errors, 1},
                                          {&T::fcrdns_probed, 5},
                                          {&T::fcrdns_pass, 2},
                                          {&T::fcrdns_fail, 1},
                                          {&T::fcrdns_none, 1},
                                          {&T::fcrdns_error, 1},
                                          {&T::naming_probed, 4}})},
                      totals_case{"smtp",
                                  {smtp("192.0.2.1", "true", true, true),
                                   smtp("192.0.2.2", "false", true, false),
                                   smtp("192.0.2.3", "false", false, false), refused("192.0.2.4")},
                                  expect({{&T::records, 4},
                                          {&T::ipv4, 4},
                                          {&T::ptr_probed, 3},
                                          {&T::ptr_found, 3},
                                          {&T::fcrdns_probed, 3},
                                          {&T::fcrdns_pass, 3},
                                          {&T::smtp_probed, 4},
                                          {&T::smtp_ok, 3},
                                          {&T::starttls_offered, 2},
                                          {&T::tls_negotiated, 1},
                                          {&T::banner_match, 1},
                                          {&T::banner_mismatch, 2},
                                          {&T::ehlo_match, 1},
                                          {&T::ehlo_mismatch, 2}})},
                      totals_case{"input_kinds",
                                  {pass("2001:db8::1"), R"({"domain":"example.org"})", "garbage",
                                   "[]", pass("192.0.2.9")},
                                  expect({{&T::records, 2},
                                          {&T::ipv4, 1},
                                          {&T::ipv6, 1},
                                          {&T::domain_summaries, 1},
                                          {&T::bad_lines, 2},
                                          {&T::ptr_probed, 2},
                                          {&T::ptr_found, 2},
                                          {&T::fcrdns_probed, 2},
                                          {&T::fcrdns_pass, 2},
                                          {&T::naming_probed, 2}})}),
    [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Totals, CountNamingClasses) {
  const report_totals t =
      build({pass("192.0.2.1", "custom"), fail("192.0.2.2"), fail("192.0.2.3"), no_ptr("192.0.2.4"),
             R"({"ip":"192.0.2.5","rdns":{"class":"brand-new"}})"})
          .totals;
  EXPECT_EQ(t.naming[size_t(rdns_class::custom)], 1u);
  EXPECT_EQ(t.naming[size_t(rdns_class::generic_dynamic)], 2u);
  EXPECT_EQ(t.naming[size_t(rdns_class::none)], 1u);
  EXPECT_EQ(t.naming_unknown, 1u);
  EXPECT_EQ(t.naming_probed, 5u);
  EXPECT_EQ(t.verdicts[size_t(map_verdict::fail)], 2u);
  EXPECT_EQ(t.verdicts[size_t(map_verdict::unchecked)], 1u);
}

TEST(Networks, WorstFirstWithTheirCounts) {
  const report_view v = build({
      pass("198.51.100.1"), pass("198.51.100.2"),                   // clean /24
      fail("203.0.113.1"), no_ptr("203.0.113.2"),                   // 3 problems (fail + dynamic)
      no_ptr("192.0.2.1"), smtp("192.0.2.2", "false", true, true),  // 2 problems
      fail("2001:db8:1:2::1"), fail("2001:db8:1:3::9"),             // one /48, 4 problems
  });
  ASSERT_EQ(v.networks.size(), 4u);
  EXPECT_EQ(v.networks_seen, 4u);
  EXPECT_EQ(v.networks[0].network, "2001:db8:1::/48");
  EXPECT_EQ(v.networks[0].counts.problems(), 4u);
  EXPECT_EQ(v.networks[1].network, "203.0.113.0/24");
  EXPECT_EQ(v.networks[1].counts.hosts, 2u);
  EXPECT_EQ(v.networks[1].counts.no_ptr, 1u);
  EXPECT_EQ(v.networks[1].counts.fcrdns_fail, 1u);
  EXPECT_EQ(v.networks[1].counts.generic_dynamic, 1u);
  EXPECT_EQ(v.networks[1].sample_name, "dyn.test");
  EXPECT_EQ(v.networks[2].network, "192.0.2.0/24");
  EXPECT_EQ(v.networks[2].counts.banner_mismatch, 1u);
  EXPECT_EQ(v.networks[3].network, "198.51.100.0/24");
  EXPECT_EQ(v.networks[3].counts.problems(), 0u);
  EXPECT_EQ(v.networks[3].sample_name, "mx.198.51.100.1.test");
  // Address ranks: IPv4 in address order, then IPv6.
  EXPECT_EQ(v.networks[2].address_rank, 0u);
  EXPECT_EQ(v.networks[3].address_rank, 1u);
  EXPECT_EQ(v.networks[1].address_rank, 2u);
  EXPECT_EQ(v.networks[0].address_rank, 3u);
}

TEST(Networks, RowLimitKeepsTheWorst) {
  std::vector<std::string> lines;
  for (int net = 0; net < 10; ++net) {
    for (int host = 0; host <= net; ++host) {
      lines.push_back(no_ptr("10.0." + std::to_string(net) + "." + std::to_string(host)));
    }
  }
  page_limits limits;
  limits.networks = 3;
  const report_view v = build(lines, limits);
  EXPECT_EQ(v.networks_seen, 10u);
  ASSERT_EQ(v.networks.size(), 3u);
  EXPECT_EQ(v.networks[0].network, "10.0.9.0/24");
  EXPECT_EQ(v.networks[2].network, "10.0.7.0/24");
}

TEST(Blocks, PlaceEachAddressOnItsHilbertCell) {
  const report_view v = build({pass("198.18.0.0"), fail("198.18.255.255"), no_ptr("198.18.1.0"),
                               error("198.18.0.1"), pass("2001:db8::1")});
  ASSERT_EQ(v.blocks.size(), 1u);
  const block_picture& b = v.blocks[0];
  EXPECT_EQ(b.network, "198.18.0.0/16");
  EXPECT_EQ(b.scanned(), 4u);
  EXPECT_EQ(b.counts[size_t(map_verdict::not_scanned)], 65536u - 4u);
  EXPECT_EQ(b.counts[size_t(map_verdict::pass)], 1u);
  auto at = [&](uint32_t offset) {
    const grid_cell c = hilbert_d2xy(256, offset);
    return b.cells[c.y * 256 + c.x];
  };
  EXPECT_EQ(b.cells[0], map_verdict::pass);    // 198.18.0.0: top left
  EXPECT_EQ(b.cells[255], map_verdict::fail);  // 198.18.255.255: top right
  EXPECT_EQ(at(256), map_verdict::no_ptr);     // 198.18.1.0
  EXPECT_EQ(at(1), map_verdict::error);        // 198.18.0.1
  EXPECT_EQ(at(2), map_verdict::not_scanned);
}

TEST(Blocks, LastRecordOfAnAddressWins) {
  const report_view v = build({fail("198.18.0.9"), pass("198.18.0.9")});
  ASSERT_EQ(v.blocks.size(), 1u);
  EXPECT_EQ(v.blocks[0].counts[size_t(map_verdict::pass)], 1u);
  EXPECT_EQ(v.blocks[0].counts[size_t(map_verdict::fail)], 0u);
  EXPECT_EQ(v.totals.records, 2u);  // the totals count records
}

TEST(Blocks, LimitKeepsTheLargestInAddressOrder) {
  std::vector<std::string> lines;
  // 10.<n>.0.0/16 gets n+1 addresses.
  for (int n = 0; n < 6; ++n) {
    for (int i = 0; i <= n; ++i) {
      lines.push_back(pass("10." + std::to_string(n) + ".0." + std::to_string(i)));
    }
  }
  page_limits limits;
  limits.blocks = 2;
  const report_view v = build(lines, limits);
  EXPECT_EQ(v.blocks_seen, 6u);
  ASSERT_EQ(v.blocks.size(), 2u);
  EXPECT_EQ(v.blocks[0].network, "10.4.0.0/16");
  EXPECT_EQ(v.blocks[1].network, "10.5.0.0/16");
}

TEST(Mismatches, KeepTheFirstOnesAndCountAll) {
  page_limits limits;
  limits.mismatches = 2;
  const report_view v =
      build({smtp("192.0.2.1", "false", false, false), smtp("192.0.2.2", "true", false, false),
             smtp("192.0.2.3", "false", false, false), smtp("192.0.2.4", "false", false, false)},
            limits);
  EXPECT_EQ(v.mismatches_seen, 3u);
  ASSERT_EQ(v.mismatches.size(), 2u);
  EXPECT_EQ(v.mismatches[0].ip, "192.0.2.1");
  EXPECT_EQ(v.mismatches[0].ptr_name, "mx.test");
  EXPECT_EQ(v.mismatches[0].banner_host, "other.test");
  EXPECT_EQ(v.mismatches[1].ip, "192.0.2.3");
}

}  // namespace
}  // namespace ptrscan::report

namespace ptrscan::report {
namespace {

TEST(ReportZones, ZoneRecordsAreCountedAndListedNotBadLines) {
  const std::vector<std::string> lines = {
      pass("10.0.0.1"),
      R"({"type":"zone","zone":"1.77.10.in-addr.arpa","status":"ok","findings":[],)"
      R"("hosts":{"scanned":8,"with_ptr":7,"coverage":0.875},)"
      R"("templates":[{"template":"{a}-{b}-{c}-{d}.dyn.test","hosts":6}]})",
      R"({"type":"zone","zone":"2.77.10.in-addr.arpa","status":"ok",)"
      R"("findings":[{"kind":"lame_server","reason":"refused"},{"kind":"same_subnet"}],)"
      R"("hosts":{"scanned":1,"with_ptr":1,"coverage":1.0},"templates":[]})",
      R"({"type":"zone","zone":"9.9.10.in-addr.arpa","status":"error","error":"no SOA",)"
      R"("hosts":{"scanned":1,"with_ptr":0,"coverage":0.0},"templates":[]})",
  };
  const report_view v = build(lines);
  EXPECT_EQ(v.totals.bad_lines, 0u);
  EXPECT_EQ(v.totals.zone_records, 3u);
  EXPECT_EQ(v.totals.zones_with_findings, 1u);
  EXPECT_EQ(v.totals.zones_failed, 1u);
  ASSERT_EQ(v.zones.size(), 2u);  // the healthy zone is not listed
  EXPECT_EQ(v.zones[0].zone, "2.77.10.in-addr.arpa");
  EXPECT_EQ(v.zones[0].findings, (std::vector<std::string>{"lame_server", "same_subnet"}));
  EXPECT_EQ(v.zones[1].error, "no SOA");
  EXPECT_EQ(v.zone_findings,
            (std::vector<std::pair<std::string, uint64_t>>{{"lame_server", 1}, {"same_subnet", 1}}));
}

}  // namespace
}  // namespace ptrscan::report
