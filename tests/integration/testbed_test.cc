// Self-test of the test network: the subprocess helper, and knot + unbound
// serving the fixture zones and generated zone plans exactly as the ptrscan
// integration tests expect, checked with a DNS client of our own (no ptrscan,
// no dig). Also prints load times and resolver query rates.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <set>

#include "net/ip_address.h"
#include "testnet/dns_probe.h"
#include "testnet/dns_testbed.h"
#include "testnet/fixture_zones.h"
#include "testnet/subprocess.h"
#include "testnet/zone_plan.h"

namespace ptrscan::testnet {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAreArray;

constexpr milliseconds query_timeout{3'000};

// --- subprocess -------------------------------------------------------------

TEST(Subprocess, CapturesOutputAndExitCode) {
  run_result r = run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
}

TEST(Subprocess, FeedsStdin) {
  std::string big(1 << 20, 'x');  // larger than a pipe buffer
  run_options o;
  o.stdin_data = big;
  run_result r = run_process({"cat"}, o);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.size(), big.size());
}

TEST(Subprocess, KillsAtDeadline) {
  run_options o;
  o.deadline = milliseconds(300);
  const auto t0 = std::chrono::steady_clock::now();
  run_result r = run_process({"sleep", "30"}, o);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.term_signal, SIGTERM);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(5));
}

TEST(Subprocess, ReportsMissingExecutable) {
  run_result r = run_process({"/nonexistent/ptrscan-no-such-binary"});
  EXPECT_TRUE(r.spawn_failed);
  EXPECT_THAT(r.err, ::testing::HasSubstr("not found"));
}

TEST(Subprocess, DaemonStopsByPid) {
  char dir[] = "/tmp/ptrscan-daemon-XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  const std::string log = std::string(dir) + "/log";
  {
    daemon_process d = daemon_process::start({"sleep", "60"}, log);
    EXPECT_TRUE(d.running());
    const pid_t pid = d.pid();
    d.stop(milliseconds(2'000));
    EXPECT_FALSE(d.running());
    EXPECT_EQ(d.exit_description(), "signal 15");
    EXPECT_NE(::kill(pid, 0), 0);  // reaped: the PID is gone
  }
  ::unlink(log.c_str());
  ::rmdir(dir);
}

// --- fixture zones ---------------------------------------------------------

class FixtureZones : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      bed_ = dns_testbed::start(fixture_testbed()).release();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete bed_;
    bed_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(bed_, nullptr) << "testbed failed to start: " << setup_error_;
  }

  static std::optional<dns_reply> ask(std::string_view name, uint16_t type) {
    return query_udp(bed_->resolver(), name, type, query_timeout);
  }
  static std::string rev(const char* ip) { return ip_address::parse(ip)->reverse_name(); }

  static inline dns_testbed* bed_ = nullptr;
  static inline std::string setup_error_;
};

TEST_F(FixtureZones, AnswersPtrAndA) {
  auto ptr = ask(rev("198.18.0.1"), rr_type::ptr);
  ASSERT_TRUE(ptr.has_value());
  EXPECT_EQ(ptr->rcode, rcode::noerror);
  EXPECT_THAT(ptr->data_of(rr_type::ptr), ElementsAre("mx1.example.test"));
  auto a = ask("mx1.example.test", rr_type::a);
  ASSERT_TRUE(a.has_value());
  EXPECT_THAT(a->data_of(rr_type::a), ElementsAre("198.18.0.1"));
}

TEST_F(FixtureZones, DeadZonesServfail) {
  auto fwd = ask("host.dead.test", rr_type::a);
  ASSERT_TRUE(fwd.has_value()) << "no answer: unbound should give up on a dead stub";
  EXPECT_EQ(fwd->rcode, rcode::servfail);
  auto ptr = ask(rev("198.19.9.1"), rr_type::ptr);
  ASSERT_TRUE(ptr.has_value());
  EXPECT_EQ(ptr->rcode, rcode::servfail);
}

TEST_F(FixtureZones, RefusesEverythingElse) {
  // The safety net: nothing outside the test zones is ever resolved.
  for (const char* name : {"example.com", "com", ".", "1.0.20.198.in-addr.arpa", "other.test"}) {
    auto r = ask(name, rr_type::a);
    ASSERT_TRUE(r.has_value()) << name;
    EXPECT_NE(r->rcode, rcode::noerror) << name;
    EXPECT_EQ(r->ancount, 0) << name;
  }
  auto r = ask("example.com", rr_type::a);
  EXPECT_EQ(r->rcode, rcode::refused);
}

TEST_F(FixtureZones, FollowsClasslessDelegation) {
  auto r = ask(rev("198.18.200.7"), rr_type::ptr);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->rcode, rcode::noerror);
  EXPECT_THAT(r->data_of(rr_type::cname), ElementsAre("7.0-25.200.18.198.in-addr.arpa"));
  EXPECT_THAT(r->data_of(rr_type::ptr), ElementsAre("classless.example.test"));
}

TEST_F(FixtureZones, BigPtrSetIsTruncatedOverUdp) {
  auto r = ask(rev("198.18.0.12"), rr_type::ptr);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->truncated) << "the 120-name PTR set must not fit in 4096 bytes";
}

TEST_F(FixtureZones, ServesIpv6ReverseAndCnameChain) {
  auto v6 = ask(rev("2001:db8::25"), rr_type::ptr);
  ASSERT_TRUE(v6.has_value());
  EXPECT_THAT(v6->data_of(rr_type::ptr), ElementsAre("v6host.example.test"));
  auto chain = ask("alias.alt.test", rr_type::a);
  ASSERT_TRUE(chain.has_value());
  EXPECT_THAT(chain->data_of(rr_type::cname), ElementsAre("alias2.alt.test", "real6.fwd.test"));
  EXPECT_THAT(chain->data_of(rr_type::a), ElementsAre("198.18.0.6"));
}

// --- generated zone plans ---------------------------------------------------

// What plain DNS says about one address: the answer our own client sees,
// reduced to the same fields as the plan.
struct observed {
  std::string ptr_status;
  std::vector<std::string> names;
  std::string fcrdns_status;
  std::string fcrdns_name;
};

std::string status_of(const std::optional<dns_reply>& r, uint16_t type) {
  if (!r) {
    return "timeout";
  }
  switch (r->rcode) {
    case rcode::noerror:
      return r->data_of(type).empty() ? "nodata" : "ok";
    case rcode::nxdomain:
      return "nxdomain";
    case rcode::servfail:
      return "servfail";
    case rcode::refused:
      return "refused";
    default:
      return "error";
  }
}

observed observe(const endpoint& resolver, const ip_address& ip) {
  observed o;
  auto ptr = query_udp(resolver, ip.reverse_name(), rr_type::ptr, query_timeout);
  o.ptr_status = status_of(ptr, rr_type::ptr);
  if (o.ptr_status != "ok") {
    o.fcrdns_status = o.ptr_status == "nxdomain" || o.ptr_status == "nodata" ? "none" : "error";
    return o;
  }
  o.names = ptr->data_of(rr_type::ptr);
  bool error = false;
  for (const auto& n : o.names) {
    auto a = query_udp(resolver, n, rr_type::a, query_timeout);
    const std::string st = status_of(a, rr_type::a);
    if (st == "ok") {
      for (const auto& addr : a->data_of(rr_type::a)) {
        if (addr == ip.to_string() && o.fcrdns_name.empty()) {
          o.fcrdns_name = n;
        }
      }
    } else if (st != "nodata" && st != "nxdomain") {
      error = true;
    }
  }
  std::sort(o.names.begin(), o.names.end());
  o.fcrdns_status = !o.fcrdns_name.empty() ? "pass" : error ? "error" : "fail";
  return o;
}

TEST(ZonePlan, IsDeterministicAndMixesEveryCase) {
  zone_plan a = zone_plan::generate("198.18.0.0/20", 7);
  zone_plan b = zone_plan::generate("198.18.0.0/20", 7);
  zone_plan c = zone_plan::generate("198.18.0.0/20", 8);
  ASSERT_EQ(a.size(), 4096U);
  size_t differ = 0;
  for (uint32_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a.expected(i).kind, b.expected(i).kind);
    differ += a.expected(i).kind != c.expected(i).kind ? 1 : 0;
  }
  EXPECT_GT(differ, 1000U) << "another seed should give another plan";
  for (size_t k = 0; k < plan_case_count; ++k) {
    EXPECT_GT(a.case_counts()[k], 10U) << to_string(static_cast<plan_case>(k));
  }
  EXPECT_THROW(zone_plan::generate("198.18.0.1/16", 1), std::invalid_argument);
  EXPECT_THROW(zone_plan::generate("2001:db8::/112", 1), std::invalid_argument);
}

TEST(ZonePlan, ResolverAgreesWithPlan) {
  zone_plan plan = zone_plan::generate("198.18.7.0/24", 42);
  std::unique_ptr<dns_testbed> bed;
  ASSERT_NO_THROW(bed = dns_testbed::start(plan.testbed()));
  size_t checked = 0;
  for (uint32_t i = 0; i < plan.size(); ++i) {
    const expected_record& e = plan.expected(i);
    observed o = observe(bed->resolver(), plan.address(i));
    const std::string where =
        plan.address(i).to_string() + " (" + std::string(to_string(e.kind)) + ")";
    EXPECT_EQ(o.ptr_status, e.ptr_status) << where;
    EXPECT_EQ(o.names, e.ptr_names) << where;
    EXPECT_EQ(o.fcrdns_status, e.fcrdns_status) << where;
    EXPECT_EQ(o.fcrdns_name, e.fcrdns_name) << where;
    ++checked;
  }
  EXPECT_EQ(checked, 256U);
}

// Starts the /16 the full-block test uses and reports how long knot takes to
// load it and how fast unbound answers, cold (every query goes to knot) and
// warm (from cache).

}  // namespace
}  // namespace ptrscan::testnet
