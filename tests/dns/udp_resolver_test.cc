// The ring's own UDP transport against the scripted DNS server on loopback:
// statuses, retries, TCP retry of truncated answers (tcp_retry), answers
// that must be ignored (wrong ID, wrong question), and the in-flight cap.
#include "dns/udp_resolver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>

#include "scripted_dns_server.h"

namespace ptrscan {
namespace {

using testing_dns::collector;
using testing_dns::scripted_dns_server;

class UdpResolverTest : public ::testing::Test {
 protected:
  scripted_dns_server server;
  ring r;
  collector col;
  udp_resolver udp{r, col};

  void SetUp() override {
    ASSERT_NE(server.port(), 0);
    ASSERT_TRUE(r.init(64).ok());
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server.port()); }
  absl::Status start(int timeout_ms, int tries, uint32_t max_inflight = 512, int sockets = 2,
                     double rate = 0) {
    udp_resolver_options o;
    o.rate = rate;
    o.servers = {address()};
    o.timeout_ms = timeout_ms;
    o.tries = tries;
    o.max_inflight = max_inflight;
    o.sockets_per_server = sockets;
    return udp.init(o);
  }
  void ask(uint64_t cookie, const std::string& name) {
    col.names[cookie] = name;
    udp.query(name, dns_type_a, cookie);
  }
  /// The shard's loop, reduced to the DNS parts, until `want` results.
  void run_until(size_t want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (col.results.size() < want && std::chrono::steady_clock::now() < deadline) {
      int64_t wait = udp.next_timeout_ns(100'000'000);
      ASSERT_EQ(r.submit_and_wait(wait), 0);
      r.drain([&](uint64_t data, int rc, uint32_t flags) {
        udp.on_completion(data, rc, flags);
      });
      udp.process_timeouts();
    }
  }
};

TEST_F(UdpResolverTest, StatusesFromTheWire) {
  ASSERT_TRUE(start(500, 2).ok());
  ask(1, "ok.example");
  ask(2, "nx.example");
  ask(3, "sf.example");
  ask(4, "okcase.example.");  // the echo comes back upper-cased
  run_until(4);
  ASSERT_EQ(col.results.size(), 4u);
  EXPECT_EQ(col.results[1].status, dns_status::ok);
  EXPECT_EQ(col.results[1].addrs, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(col.results[2].status, dns_status::nxdomain);
  EXPECT_EQ(col.results[3].status, dns_status::servfail);
  EXPECT_EQ(server.udp_queries("sf"), 1);  // an answer, not a reason to retry
  EXPECT_EQ(col.results[4].status, dns_status::ok);
  EXPECT_EQ(udp.in_flight(), 0u);
  EXPECT_EQ(udp.unmatched(), 0u);
}

TEST_F(UdpResolverTest, SilenceTimesOutAfterTheConfiguredTries) {
  ASSERT_TRUE(start(50, 3).ok());
  ask(1, "drop.example");
  ask(2, "ok.example");
  run_until(2);
  EXPECT_EQ(col.results[1].status, dns_status::timeout);
  EXPECT_EQ(server.udp_queries("drop"), 3);  // --retries 2 = 3 tries
  EXPECT_EQ(udp.retransmits(), 2u);
  EXPECT_EQ(col.results[2].status, dns_status::ok);
  EXPECT_EQ(udp.in_flight(), 0u);
}

TEST_F(UdpResolverTest, ALostQueryIsRetriedAndAnswered) {
  ASSERT_TRUE(start(50, 2).ok());
  ask(1, "drop1.a.example");
  ask(2, "drop1.b.example");
  run_until(2);
  EXPECT_EQ(col.results[1].status, dns_status::ok);
  EXPECT_EQ(col.results[2].status, dns_status::ok);
  EXPECT_EQ(server.udp_queries("drop1"), 4);
}

TEST_F(UdpResolverTest, TruncatedAnswerIsAskedAgainOverTcp) {
  ASSERT_TRUE(start(1000, 2).ok());
  ask(1, "tc.example");
  run_until(1);
  EXPECT_EQ(col.results[1].status, dns_status::ok);
  EXPECT_EQ(col.results[1].addrs, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(server.tcp_queries(), 1);
  EXPECT_EQ(udp.truncated(), 1u);
  EXPECT_EQ(udp.queries_sent(), 2u);  // one over UDP, one over TCP
  EXPECT_EQ(udp.in_flight(), 0u);
  EXPECT_EQ(udp.tcp().open(), 0u);
}

TEST_F(UdpResolverTest, AnswersWithAnotherIdOrQuestionAreIgnored) {
  ASSERT_TRUE(start(1000, 1).ok());
  ask(1, "spoof.example");
  run_until(1);
  // The two NXDOMAIN decoys came first; the real answer wins.
  EXPECT_EQ(col.results[1].status, dns_status::ok);
  EXPECT_EQ(udp.unmatched(), 2u);
}

TEST_F(UdpResolverTest, TheCapHoldsQueriesBackWithoutLosingAny) {
  ASSERT_TRUE(start(1000, 3, /*max_inflight=*/8, /*sockets=*/3).ok());
  constexpr uint64_t n = 2000;
  for (uint64_t i = 0; i < n; ++i) {
    ask(i, (i % 2 == 0 ? "ok.q" : "nx.q") + std::to_string(i) + ".example");
  }
  run_until(n);
  ASSERT_EQ(col.results.size(), n);
  for (uint64_t i = 0; i < n; ++i) {
    EXPECT_EQ(col.results[i].status, i % 2 == 0 ? dns_status::ok : dns_status::nxdomain) << i;
  }
  EXPECT_EQ(udp.in_flight(), 0u);
  EXPECT_EQ(udp.queries_sent(), n);  // each exactly once: nothing was dropped
}

TEST_F(UdpResolverTest, DnsRateSpacesQueriesOut) {
  // 200 queries/s with a burst of 2: 40 queries cannot all be sent in less
  // than (40 - 2) / 200 s. Only this lower bound is asserted: a slow machine
  // makes the run longer, never shorter.
  ASSERT_TRUE(start(1000, 1, 512, 2, /*rate=*/200).ok());
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < 40; ++i) {
    ask(i, "ok.r" + std::to_string(i) + ".example");
  }
  run_until(40);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(col.results.size(), 40u);
  EXPECT_GE(secs, 0.19);
  EXPECT_EQ(server.udp_queries("ok"), 40);
}

TEST_F(UdpResolverTest, AnAnswerToAnEarlierTryEndsTheQuery) {
  // The server answers the first try only when the retry comes (with the
  // first try's ID): the answer is taken, the timeout counted as spurious.
  ASSERT_TRUE(start(50, 3).ok());
  ask(1, "hold1.example");
  run_until(1);
  EXPECT_EQ(col.results[1].status, dns_status::ok);
  EXPECT_EQ(server.udp_queries("hold1"), 2);
  EXPECT_EQ(udp.retransmits(), 1u);
  EXPECT_EQ(udp.unmatched(), 0u);
  EXPECT_EQ(udp.pacer(0).spurious(), 1u);
  EXPECT_EQ(udp.pacer(0).in_flight(), 0u);
  EXPECT_EQ(udp.in_flight(), 0u);
  EXPECT_EQ(udp.on_wire(), 0u);
}

TEST_F(UdpResolverTest, RetriesFollowTheTimerAndTheLastTryWaitsTheCeiling) {
  // Answered queries teach a round trip far below the 20 ms floor; then a
  // silent name is resent after the measured timer (20, 40 ms), and its
  // last try waits the whole --dns-timeout (1 s): the timer armed for it is
  // the only one left.
  ASSERT_TRUE(start(1000, 3).ok());
  for (uint64_t i = 0; i < 20; ++i) {
    ask(i, "ok.t" + std::to_string(i) + ".example");
  }
  run_until(20);
  ask(100, "drop.example");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server.udp_queries("drop") < 3 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(r.submit_and_wait(udp.next_timeout_ns(100'000'000)), 0);
    r.drain([&](uint64_t data, int rc, uint32_t flags) { udp.on_completion(data, rc, flags); });
    udp.process_timeouts();
  }
  ASSERT_EQ(server.udp_queries("drop"), 3);
  EXPECT_EQ(udp.pacer(0).rto_ns(), 20'000'000);
  // The last try holds its place in the window for its measured timer
  // (80 ms) only: then the pacer counts it lost, and the query lingers.
  while (udp.pacer(0).in_flight() != 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(r.submit_and_wait(udp.next_timeout_ns(100'000'000)), 0);
    r.drain([&](uint64_t data, int rc, uint32_t flags) { udp.on_completion(data, rc, flags); });
    udp.process_timeouts();
  }
  EXPECT_EQ(udp.pacer(0).in_flight(), 0u);
  EXPECT_EQ(udp.pacer(0).losses(), 3u);
  EXPECT_EQ(udp.on_wire(), 1u);  // its ID still waits for a late answer
  EXPECT_GT(udp.next_timeout_ns(10'000'000'000), 500'000'000);
  EXPECT_EQ(col.results.count(100), 0u);  // still waiting
  run_until(21);
  EXPECT_EQ(col.results[100].status, dns_status::timeout);
  EXPECT_EQ(udp.timeouts(), 1u);
  EXPECT_EQ(udp.pacer(0).losses(), 3u);  // the end of the wait is no further loss
  EXPECT_EQ(udp.on_wire(), 0u);
  EXPECT_EQ(udp.in_flight(), 0u);
  EXPECT_EQ(server.udp_queries("drop"), 3);
}

TEST_F(UdpResolverTest, ALateAnswerToALingeringLastTryIsTaken) {
  // One try only. Once the measured timer is known (20 ms), the try that
  // is not answered in time leaves the pacer's window as lost, and its
  // answer, sent when the same name is asked again ("hold1"), still ends
  // the query as ok: a spurious loss, with nothing left in flight.
  ASSERT_TRUE(start(1000, 1).ok());
  for (uint64_t i = 0; i < 20; ++i) {
    ask(i, "ok.l" + std::to_string(i) + ".example");
  }
  run_until(20);
  ask(100, "hold1.example");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (udp.pacer(0).losses() == 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(r.submit_and_wait(udp.next_timeout_ns(100'000'000)), 0);
    r.drain([&](uint64_t data, int rc, uint32_t flags) { udp.on_completion(data, rc, flags); });
    udp.process_timeouts();
  }
  ASSERT_EQ(udp.pacer(0).losses(), 1u);
  EXPECT_EQ(udp.pacer(0).in_flight(), 0u);
  EXPECT_EQ(col.results.count(100), 0u);
  ask(101, "hold1.example");  // the server now sends the held answer to query 100
  run_until(21);
  EXPECT_EQ(col.results[100].status, dns_status::ok);
  EXPECT_EQ(udp.pacer(0).spurious(), 1u);
  EXPECT_EQ(udp.pacer(0).in_flight(), 1u);  // query 101's try, in the window
  EXPECT_EQ(udp.on_wire(), 1u);
  run_until(22);  // 101 is never answered: it lingers, then times out
  EXPECT_EQ(col.results[101].status, dns_status::timeout);
  EXPECT_EQ(udp.pacer(0).in_flight(), 0u);
  EXPECT_EQ(udp.pacer(0).losses(), 2u);
  EXPECT_EQ(udp.on_wire(), 0u);
  EXPECT_EQ(udp.in_flight(), 0u);
  EXPECT_EQ(udp.unmatched(), 0u);
}

TEST_F(UdpResolverTest, FirstTriesRunInTheWindowAndTheRestWait) {
  // 32 queries fit the initial window; the others wait in the backlog
  // until answers open it, and none is lost or sent twice.
  ASSERT_TRUE(start(1000, 1, /*max_inflight=*/10'000).ok());
  for (uint64_t i = 0; i < 500; ++i) {
    ask(i, "ok.w" + std::to_string(i) + ".example");
  }
  EXPECT_EQ(udp.on_wire(), 32u);
  EXPECT_EQ(udp.backlog(), 500u - 32u);
  run_until(500);
  EXPECT_EQ(col.results.size(), 500u);
  EXPECT_EQ(server.udp_queries("ok"), 500);
  EXPECT_GT(udp.pacer(0).window(), 32u);  // it grew while it was used
  EXPECT_EQ(udp.pacer(0).losses(), 0u);
}

/// A silent server and a live one, in that order.
class UdpResolverServersTest : public ::testing::Test {
 protected:
  scripted_dns_server dead;
  scripted_dns_server live;
  ring r;
  collector col;
  udp_resolver udp{r, col};

  void SetUp() override {
    dead.set_silent(true);
    ASSERT_TRUE(r.init(64).ok());
  }
  absl::Status start(int tries) {
    udp_resolver_options o;
    o.servers = {"127.0.0.1:" + std::to_string(dead.port()),
                 "127.0.0.1:" + std::to_string(live.port())};
    o.timeout_ms = 100;
    o.tries = tries;
    return udp.init(o);
  }
  /// One turn of the shard's loop, reduced to the DNS parts.
  void turn(int64_t cap_ns) {
    ASSERT_EQ(r.submit_and_wait(std::min(udp.next_timeout_ns(cap_ns), cap_ns)), 0);
    r.drain([&](uint64_t data, int rc, uint32_t flags) { udp.on_completion(data, rc, flags); });
    udp.process_timeouts();
  }
};

TEST_F(UdpResolverServersTest, ARetryGoesToAnotherServer) {
  // Two servers, one silent: with one retry, every query the silent one
  // took is answered by the other, and the work is spread by room.
  ASSERT_TRUE(start(2).ok());
  constexpr uint64_t n = 40;
  for (uint64_t i = 0; i < n; ++i) {
    col.names[i] = "ok.s" + std::to_string(i) + ".example";
    udp.query(col.names[i], dns_type_a, i);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (col.results.size() < n && std::chrono::steady_clock::now() < deadline) {
    ASSERT_NO_FATAL_FAILURE(turn(100'000'000));
  }
  ASSERT_EQ(col.results.size(), n);
  for (uint64_t i = 0; i < n; ++i) {
    EXPECT_EQ(col.results[i].status, dns_status::ok) << i;
  }
  const int to_dead = dead.udp_queries("ok");
  EXPECT_GT(to_dead, 0);  // both windows were used
  EXPECT_EQ(live.udp_queries("ok"), static_cast<int>(n));
  EXPECT_EQ(udp.retransmits(), static_cast<uint64_t>(to_dead));
  EXPECT_EQ(udp.pacer(0).losses(), static_cast<uint64_t>(to_dead));
  EXPECT_EQ(udp.pacer(1).losses(), 0u);
}

TEST_F(UdpResolverServersTest, ASilentServerIsBackedOffAndItsWorkMoves) {
  // A stream of queries for 1.5 s to a silent and a live server: the
  // silent one's window is cut (a server quiet for a second with timeouts
  // in a row is also marked down: pacer_test), so nearly all first tries go
  // to the live one, every retry too, and every query is answered.
  ASSERT_TRUE(start(3).ok());
  uint64_t asked = 0;
  const auto start = std::chrono::steady_clock::now();
  const auto stop_asking = start + std::chrono::milliseconds(1500);
  const auto deadline = start + std::chrono::seconds(20);
  while ((std::chrono::steady_clock::now() < stop_asking || col.results.size() < asked) &&
         std::chrono::steady_clock::now() < deadline) {
    if (std::chrono::steady_clock::now() < stop_asking && udp.in_flight() < 20) {
      col.names[asked] = "ok.m" + std::to_string(asked) + ".example";
      udp.query(col.names[asked], dns_type_a, asked);
      ++asked;
    }
    ASSERT_NO_FATAL_FAILURE(turn(1'000'000));
  }
  ASSERT_EQ(col.results.size(), asked);
  for (const auto& [cookie, result] : col.results) {
    EXPECT_EQ(result.status, dns_status::ok) << cookie;
  }
  // Backed off: its window cut (queries go where there is most room), the
  // silent server saw a small share of the queries.
  EXPECT_LT(udp.pacer(0).window(), 32u);
  EXPECT_GE(udp.pacer(0).loss_events(), 1u);
  EXPECT_LT(static_cast<uint64_t>(dead.udp_queries("ok")), asked / 4);
  EXPECT_EQ(static_cast<uint64_t>(live.udp_queries("ok")), asked);
}

TEST_F(UdpResolverTest, AnUnencodableNameFailsAtOnce) {
  ASSERT_TRUE(start(1000, 1).ok());
  ask(1, std::string(64, 'a') + ".example");  // a label over 63 octets
  EXPECT_EQ(col.results[1].status, dns_status::error);
  EXPECT_EQ(udp.in_flight(), 0u);
  EXPECT_EQ(udp.queries_sent(), 0u);
}

TEST(UdpResolverOptionsTest, BadServerAddressIsRefused) {
  ring r;
  ASSERT_TRUE(r.init(8).ok());
  collector col;
  udp_resolver udp(r, col);
  udp_resolver_options o;
  o.servers = {"not-an-ip:53"};
  EXPECT_EQ(udp.init(o).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ptrscan
