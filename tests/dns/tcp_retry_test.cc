// The TCP retry of truncated answers on the ring, against the fault server's
// TCP side: one connection per query, short reads, every way a connection can
// fail (refused, closed, reset, cut short, silent, another ID), answers past
// 4096 octets, the connection cap, and a misbehaving name among good ones.
#include "dns/tcp_retry.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../support/fault_dns_server.h"
#include "dns/reply.h"
#include "dns/dns_status.h"
#include "dns/wire.h"

namespace ptrscan {
namespace {

using testing_faults::dns_fault;
using testing_faults::dns_rule;
using testing_faults::fault_dns_server;

struct outcome {
  dns_status status = dns_status::error;
  dns_status transport = dns_status::error;
  std::string reason;  // the transport's, without a packet
  std::vector<std::string> names;
  std::vector<std::string> addrs;
  size_t packet_bytes = 0;
  int reports = 0;
};

class collector final : public resolver_client {
 public:
  std::map<uint64_t, outcome> results;
  std::map<uint64_t, std::pair<std::string, uint16_t>> asked;
  size_t reported = 0;

  void on_dns_result(uint64_t cookie, dns_status transport, std::string_view reason,
                     std::span<const uint8_t> packet) override {
    outcome& o = results[cookie];
    ++o.reports;
    ++reported;
    o.transport = transport;
    o.reason = std::string(reason);
    o.packet_bytes = packet.size();
    const auto& [name, type] = asked[cookie];
    dns_reply a;
    if (!packet.empty()) {
      EXPECT_EQ(transport, dns_status::ok) << "a packet comes with transport ok";
      EXPECT_EQ(reason, "");
      parse_reply(packet, name, type, a);
    } else {
      a.status = transport;
    }
    o.status = a.status;
    o.names = a.names;
    o.addrs.clear();
    for (const ip_address& ip : a.addrs) {
      o.addrs.push_back(ip.to_string());
    }
  }
};

dns_server_address loopback(uint16_t port) {
  dns_server_address s;
  auto* a = reinterpret_cast<sockaddr_in*>(&s.addr);
  a->sin_family = AF_INET;
  a->sin_port = htons(port);
  a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  s.len = sizeof(sockaddr_in);
  return s;
}

/// A query as the UDP transport builds it (ID 0, EDNS0 OPT).
std::vector<uint8_t> make_query(const std::string& name, uint16_t type) {
  std::array<uint8_t, max_wire_name> wire;
  const size_t n = encode_name(name, wire);
  std::array<uint8_t, max_query_bytes> q;
  const size_t len = build_query(0, std::span<const uint8_t>(wire.data(), n), type, 1232, q);
  return std::vector<uint8_t>(q.begin(), q.begin() + static_cast<std::ptrdiff_t>(len));
}

/// The fixture's big PTR set: 120 long names, an answer of ~10 KB.
std::vector<std::string> big_ptr_set() {
  std::vector<std::string> names;
  for (int i = 0; i < 120; ++i) {
    names.push_back("big-" + std::to_string(1000 + i) +
                    "-with-a-rather-long-label-to-fill-the-answer.example.test");
  }
  return names;
}

/// What parse_reply keeps of it: the first max_ptr_names in sorted order
/// (the set is already sorted); the answer still arrives whole (its size).
std::vector<std::string> big_ptr_set_kept() {
  std::vector<std::string> names = big_ptr_set();
  names.resize(max_ptr_names);
  return names;
}

class TcpRetryTest : public ::testing::Test {
 protected:
  fault_dns_server server;
  ring r;
  collector col;
  std::unique_ptr<tcp_retry> tcp;
  uint32_t max_open_seen = 0;

  void SetUp() override {
    ASSERT_NE(server.port(), 0);
    ASSERT_TRUE(r.init(64).ok());
    tcp = std::make_unique<tcp_retry>(r, col);
  }

  void start(int timeout_ms, int tries, uint32_t max_connections = 64,
             std::vector<dns_server_address> servers = {}) {
    tcp_retry_options o;
    o.servers = servers.empty() ? std::vector{loopback(server.port())} : servers;
    o.timeout_ms = timeout_ms;
    o.tries = tries;
    o.max_connections = max_connections;
    tcp->init(o);
  }

  void ask(uint64_t cookie, const std::string& name, uint16_t type = dns_type_a) {
    col.asked[cookie] = {name, type};
    tcp->start(cookie, make_query(name, type), 0);
    max_open_seen = std::max(max_open_seen, tcp->open());
  }

  /// The shard's loop reduced to the TCP retry, until `want` results (or
  /// 20 s: a bound, not a measurement).
  void run_until(size_t want) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (col.reported < want && std::chrono::steady_clock::now() < deadline) {
      ASSERT_EQ(r.submit_and_wait(100'000'000), 0);
      r.drain([&](uint64_t data, int res, uint32_t) { tcp->on_completion(data, res); });
      max_open_seen = std::max(max_open_seen, tcp->open());
    }
  }
};

struct tcp_case {
  const char* what;
  dns_fault fault;
  dns_status expected;
  int tcp_queries;  // tries the server sees
  std::string_view reason = {};  // the transport's, when it reports error
};

// timeout 150 ms, 2 tries. Answers, including SERVFAIL and NXDOMAIN, are
// results; every broken connection or answer is tried again, then fails.
const std::vector<tcp_case> tcp_cases = {
    {"normal answer", dns_fault::truncated, dns_status::ok, 1},
    {"length and message split across reads", dns_fault::truncated_tcp_split, dns_status::ok, 1},
    {"SERVFAIL over TCP is an answer", dns_fault::servfail, dns_status::servfail, 1},
    {"closed before answering", dns_fault::truncated_tcp_closed, dns_status::error, 2,
     dns_reason::transport},
    {"reset before answering", dns_fault::truncated_tcp_reset, dns_status::error, 2,
     dns_reason::transport},
    {"closed halfway through the message", dns_fault::truncated_tcp_cut, dns_status::error, 2,
     dns_reason::transport},
    {"silent: each try times out", dns_fault::truncated_tcp_silent, dns_status::timeout, 2},
    {"answer with another ID", dns_fault::truncated_tcp_wrong_id, dns_status::error, 2,
     dns_reason::mismatch},
};

TEST_F(TcpRetryTest, EachWayOfAnsweringGetsItsStatus) {
  start(/*timeout_ms=*/150, /*tries=*/2);
  for (size_t i = 0; i < tcp_cases.size(); ++i) {
    const tcp_case& c = tcp_cases[i];
    SCOPED_TRACE(c.what);
    const std::string name = "case" + std::to_string(i) + ".tcp.test";
    dns_rule rule;
    rule.fault = c.fault;
    rule.a = {"192.0.2." + std::to_string(i + 1)};
    server.set(name, rule);
    const auto t0 = std::chrono::steady_clock::now();
    ask(i, name);
    run_until(i + 1);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    const outcome& o = col.results[i];
    EXPECT_EQ(o.reports, 1);
    EXPECT_EQ(o.status, c.expected) << "got " << to_string(o.status);
    EXPECT_EQ(o.reason, c.reason);
    if (c.expected == dns_status::ok) {
      EXPECT_EQ(o.addrs, std::vector<std::string>{"192.0.2." + std::to_string(i + 1)});
    }
    EXPECT_EQ(server.tcp_queries(name), c.tcp_queries);
    if (c.expected == dns_status::timeout) {
      EXPECT_GE(ms, 150 + 300 - 5) << "the second try waits twice as long";
    }
    EXPECT_EQ(tcp->in_flight(), 0u);
    EXPECT_EQ(tcp->open(), 0u);
  }
  EXPECT_EQ(tcp->queries_sent(), static_cast<uint64_t>(server.tcp_queries()));
}

TEST_F(TcpRetryTest, NoRecordIsNxdomainAtTheFirstTry) {
  start(150, 2);
  ask(1, "unknown.tcp.test");
  run_until(1);
  EXPECT_EQ(col.results[1].status, dns_status::nxdomain);
  EXPECT_EQ(server.tcp_queries("unknown.tcp.test"), 1);
}

TEST_F(TcpRetryTest, AnAnswerPast4096OctetsArrivesWhole) {
  start(1000, 2);
  dns_rule rule;
  rule.fault = dns_fault::truncated;
  rule.ptr = big_ptr_set();
  server.set("12.0.18.198.in-addr.arpa", rule);
  ask(1, "12.0.18.198.in-addr.arpa", dns_type_ptr);
  run_until(1);
  const outcome& o = col.results[1];
  EXPECT_EQ(o.status, dns_status::ok);
  EXPECT_GT(o.packet_bytes, 4096u);
  EXPECT_EQ(o.names, big_ptr_set_kept());
  EXPECT_EQ(server.tcp_queries("12.0.18.198.in-addr.arpa"), 1);
}

TEST_F(TcpRetryTest, ARefusedConnectionMovesToTheNextServer) {
  // A bound socket that does not listen: connecting to it is refused.
  const int dead = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(dead, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
  socklen_t len = sizeof(a);
  ::getsockname(dead, reinterpret_cast<sockaddr*>(&a), &len);
  const uint16_t dead_port = ntohs(a.sin_port);

  dns_rule rule;
  rule.fault = dns_fault::truncated;
  rule.a = {"192.0.2.7"};
  server.set("next.tcp.test", rule);
  start(500, 2, 64, {loopback(dead_port), loopback(server.port())});
  ask(1, "next.tcp.test");
  run_until(1);
  EXPECT_EQ(col.results[1].status, dns_status::ok);
  EXPECT_EQ(col.results[1].addrs, std::vector<std::string>{"192.0.2.7"});
  EXPECT_EQ(tcp->failed_tries(), 1u);

  // With only the dead server, every try is refused.
  collector refused_col;
  tcp_retry only_dead(r, refused_col);
  tcp_retry_options o;
  o.servers = {loopback(dead_port)};
  o.timeout_ms = 500;
  o.tries = 3;
  only_dead.init(o);
  refused_col.asked[2] = {"next.tcp.test", dns_type_a};
  only_dead.start(2, make_query("next.tcp.test", dns_type_a), 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (refused_col.reported == 0 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(r.submit_and_wait(100'000'000), 0);
    r.drain([&](uint64_t data, int res, uint32_t) { only_dead.on_completion(data, res); });
  }
  EXPECT_EQ(refused_col.results[2].status, dns_status::error);
  EXPECT_EQ(refused_col.results[2].reason, dns_reason::transport);
  EXPECT_EQ(only_dead.failed_tries(), 3u);
  ::close(dead);
}

TEST_F(TcpRetryTest, OneMisbehavingNameSparesTheOthers) {
  // 30 good truncated names (one with a split answer, one with the big PTR
  // set) asked together with names whose connections close, reset, go
  // silent or carry another ID: every good name is answered at its first
  // try, each bad one fails on its own.
  start(200, 2);
  constexpr int good = 30;
  for (int i = 0; i < good; ++i) {
    dns_rule rule;
    rule.fault = i == 7 ? dns_fault::truncated_tcp_split : dns_fault::truncated;
    rule.a = {"198.51.100." + std::to_string(i + 1)};
    server.set("good" + std::to_string(i) + ".tcp.test", rule);
  }
  dns_rule big;
  big.fault = dns_fault::truncated;
  big.ptr = big_ptr_set();
  server.set("big.tcp.test", big);
  const std::vector<std::pair<std::string, dns_fault>> bad = {
      {"closed.tcp.test", dns_fault::truncated_tcp_closed},
      {"reset.tcp.test", dns_fault::truncated_tcp_reset},
      {"silent.tcp.test", dns_fault::truncated_tcp_silent},
      {"wrongid.tcp.test", dns_fault::truncated_tcp_wrong_id},
  };
  for (const auto& [name, fault] : bad) {
    dns_rule rule;
    rule.fault = fault;
    rule.a = {"203.0.113.1"};
    server.set(name, rule);
  }
  for (int i = 0; i < good; ++i) {
    ask(static_cast<uint64_t>(i), "good" + std::to_string(i) + ".tcp.test");
    if (i % 6 == 0 && i / 6 < static_cast<int>(bad.size())) {
      ask(100 + static_cast<uint64_t>(i / 6), bad[static_cast<size_t>(i / 6)].first);
    }
  }
  ask(200, "big.tcp.test", dns_type_ptr);
  run_until(good + bad.size() + 1);

  for (int i = 0; i < good; ++i) {
    const std::string name = "good" + std::to_string(i) + ".tcp.test";
    const outcome& o = col.results[static_cast<uint64_t>(i)];
    EXPECT_EQ(o.reports, 1) << name;
    EXPECT_EQ(o.status, dns_status::ok) << name;
    EXPECT_EQ(o.addrs, std::vector<std::string>{"198.51.100." + std::to_string(i + 1)}) << name;
    EXPECT_EQ(server.tcp_queries(name), 1) << name;
  }
  EXPECT_EQ(col.results[200].names, big_ptr_set_kept());
  EXPECT_EQ(server.tcp_queries("big.tcp.test"), 1);
  for (size_t k = 0; k < bad.size(); ++k) {
    const outcome& o = col.results[100 + k];
    EXPECT_EQ(o.reports, 1) << bad[k].first;
    const dns_status want =
        bad[k].second == dns_fault::truncated_tcp_silent ? dns_status::timeout : dns_status::error;
    EXPECT_EQ(o.status, want) << bad[k].first;
    EXPECT_EQ(server.tcp_queries(bad[k].first), 2) << bad[k].first;
  }
  EXPECT_EQ(tcp->in_flight(), 0u);
  EXPECT_EQ(tcp->open(), 0u);
}

TEST_F(TcpRetryTest, TheConnectionCapHoldsRetriesBackWithoutLosingAny) {
  // Two connections at most; a silent name holds one for both its tries
  // while 20 others take turns on the other.
  start(200, 2, /*max_connections=*/2);
  dns_rule silent;
  silent.fault = dns_fault::truncated_tcp_silent;
  server.set("silent.tcp.test", silent);
  ask(1000, "silent.tcp.test");
  for (int i = 0; i < 20; ++i) {
    dns_rule rule;
    rule.fault = dns_fault::truncated;
    rule.a = {"198.51.100." + std::to_string(i + 1)};
    server.set("q" + std::to_string(i) + ".tcp.test", rule);
    ask(static_cast<uint64_t>(i), "q" + std::to_string(i) + ".tcp.test");
  }
  EXPECT_EQ(tcp->in_flight(), 21u);
  run_until(21);
  EXPECT_LE(max_open_seen, 2u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(col.results[static_cast<uint64_t>(i)].status, dns_status::ok) << i;
    EXPECT_EQ(col.results[static_cast<uint64_t>(i)].reports, 1) << i;
  }
  EXPECT_EQ(col.results[1000].status, dns_status::timeout);
  EXPECT_EQ(tcp->queries_sent(), 22u);
  EXPECT_EQ(tcp->in_flight(), 0u);
}

TEST_F(TcpRetryTest, DestroyingItClosesOpenConnections) {
  start(5'000, 1);
  dns_rule silent;
  silent.fault = dns_fault::truncated_tcp_silent;
  server.set("silent.tcp.test", silent);
  ask(1, "silent.tcp.test");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (server.tcp_queries("silent.tcp.test") == 0 &&
         std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(r.submit_and_wait(10'000'000), 0);
    r.drain([&](uint64_t data, int res, uint32_t) { tcp->on_completion(data, res); });
  }
  ASSERT_EQ(server.tcp_open(), 1);
  tcp.reset();  // the ring lives on, as in a stopping shard
  while (server.tcp_open() != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(server.tcp_open(), 0);
  EXPECT_EQ(col.reported, 0u);  // abandoned, not reported
}

}  // namespace
}  // namespace ptrscan
