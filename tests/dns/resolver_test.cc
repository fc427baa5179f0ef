// The c-ares channel driven from an io_uring, against a scripted DNS server
// on loopback: the server answers by the first label of the question, which
// covers what a real resolver will not do on request (drop, truncate).
#include "dns/resolver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/user_data.h"
#include "dns/reply.h"
#include "scripted_dns_server.h"

namespace ptrscan {
namespace {

using testing_dns::collector;
using testing_dns::scripted_dns_server;

/// Runs the ring the way a shard does until every query has an answer.
void run_until_done(ring& r, resolver& res, const collector& col, size_t want) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (col.results.size() < want && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(r.submit_and_wait(res.next_timeout_ns(100'000'000)), 0);
    r.drain([&](uint64_t data, int rc, uint32_t) {
      user_data ud = user_data::unpack(data);
      if (ud.op == op_kind::dns_poll) {
        res.on_poll_completion(ud.index, ud.generation, rc);
      }
    });
    res.process_timeouts();
  }
}

class ResolverTest : public ::testing::Test {
 protected:
  scripted_dns_server server;
  ring r;
  collector col;

  void SetUp() override {
    ASSERT_NE(server.port(), 0);
    ASSERT_TRUE(r.init(64).ok());
  }
  resolver_options options(int timeout_ms, int tries) {
    resolver_options o;
    o.servers = {"127.0.0.1:" + std::to_string(server.port())};
    o.timeout_ms = timeout_ms;
    o.tries = tries;
    return o;
  }
  void ask(resolver& res, uint64_t cookie, const std::string& name) {
    col.names[cookie] = name;
    res.query(name, dns_type_a, cookie);
  }
};

TEST_F(ResolverTest, StatusesFromTheWire) {
  resolver res(r, col);
  ASSERT_TRUE(res.init(options(500, 2)).ok());
  ask(res, 1, "ok.example");
  ask(res, 2, "nx.example");
  ask(res, 3, "sf.example");
  run_until_done(r, res, col, 3);
  ASSERT_EQ(col.results.size(), 3u);
  EXPECT_EQ(col.results[1].status, dns_status::ok);
  EXPECT_EQ(col.results[1].addrs, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(col.results[2].status, dns_status::nxdomain);
  // SERVFAIL is an answer, not something to retry (ARES_FLAG_NOCHECKRESP).
  EXPECT_EQ(col.results[3].status, dns_status::servfail);
  EXPECT_EQ(server.udp_queries("sf"), 1);
  EXPECT_EQ(res.in_flight(), 0u);
}

TEST_F(ResolverTest, SilenceTimesOutAfterTheConfiguredTries) {
  resolver res(r, col);
  ASSERT_TRUE(res.init(options(100, 3)).ok());
  ask(res, 1, "drop.example");
  ask(res, 2, "ok.example");
  run_until_done(r, res, col, 2);
  EXPECT_EQ(col.results[1].status, dns_status::timeout);
  EXPECT_EQ(server.udp_queries("drop"), 3);  // --retries 2 = 3 tries
  EXPECT_EQ(col.results[2].status, dns_status::ok);
}

TEST_F(ResolverTest, TruncatedUdpFallsBackToTcp) {
  resolver res(r, col);
  ASSERT_TRUE(res.init(options(1000, 2)).ok());
  ask(res, 1, "tc.example");
  run_until_done(r, res, col, 1);
  EXPECT_EQ(col.results[1].status, dns_status::ok);
  EXPECT_EQ(col.results[1].addrs, std::vector<std::string>{"192.0.2.1"});
  EXPECT_GE(server.tcp_queries(), 1);
}

TEST_F(ResolverTest, ManyQueriesInFlightOnOneChannel) {
  resolver res(r, col);
  ASSERT_TRUE(res.init(options(1000, 3)).ok());
  constexpr uint64_t n = 1000;
  for (uint64_t i = 0; i < n; ++i) {
    ask(res, i, (i % 2 == 0 ? "ok.q" : "nx.q") + std::to_string(i) + ".example");
  }
  run_until_done(r, res, col, n);
  ASSERT_EQ(col.results.size(), n);
  for (uint64_t i = 0; i < n; ++i) {
    EXPECT_EQ(col.results[i].status, i % 2 == 0 ? dns_status::ok : dns_status::nxdomain) << i;
  }
  EXPECT_EQ(res.in_flight(), 0u);
  // Regression: with the default ~208 KiB socket buffer the burst of answers
  // overflowed c-ares's socket and hundreds of queries were retried after a
  // timeout (3 s for this test). Every query must go out exactly once.
  EXPECT_EQ(server.udp_queries("ok") + server.udp_queries("nx"), static_cast<int>(n));
}

TEST(ResolverOptionsTest, BadServerListIsAUsageError) {
  ring r;
  ASSERT_TRUE(r.init(8).ok());
  collector col;
  resolver res(r, col);
  resolver_options o;
  o.servers = {"not-an-ip:53"};
  absl::Status s = res.init(o);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ptrscan
