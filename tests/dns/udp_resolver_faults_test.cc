// Fault injection against the ring's own UDP transport (and the TCP retry of
// truncated answers behind it): a scripted server that drops, answers late,
// answers with another ID or from another port, truncates, sends malformed
// packets and compression-pointer loops, SERVFAILs and floods, and breaks
// the TCP retry for some names. Each faulty name gets its
// documented status, the transport keeps going, and the answers of the
// well-behaved names asked in the same run are exact.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "../support/fault_dns_server.h"
#include "dns/dns_status.h"
#include "dns/reply.h"
#include "dns/udp_resolver.h"

namespace ptrscan {
namespace {

using testing_faults::dns_fault;
using testing_faults::dns_rule;
using testing_faults::fault_dns_options;
using testing_faults::fault_dns_server;

struct outcome {
  dns_status status = dns_status::error;
  std::vector<std::string> names;
  std::vector<std::string> addrs;
  std::string reason;  // with status error: the transport's or the parser's
  int reports = 0;  // how often the cookie was reported (must be once)
};

/// Records each cookie's result the way a shard reads it: the packet's
/// rcode and records when there is a packet, the transport's status when not.
class typed_collector final : public resolver_client {
 public:
  std::map<uint64_t, outcome> results;
  std::map<uint64_t, std::pair<std::string, uint16_t>> asked;
  size_t reported = 0;

  void on_dns_result(uint64_t cookie, dns_status transport, std::string_view reason,
                     std::span<const uint8_t> packet) override {
    outcome& o = results[cookie];
    ++o.reports;
    ++reported;
    const auto& [name, type] = asked[cookie];
    dns_reply a;
    if (!packet.empty()) {
      parse_reply(packet, name, type, a);
    } else {
      a.status = transport;
      a.reason = reason;
    }
    o.status = a.status;
    o.reason = std::string(a.reason);
    o.names = a.names;
    o.addrs.clear();
    for (const ip_address& ip : a.addrs) {
      o.addrs.push_back(ip.to_string());
    }
  }
};

class UdpResolverFaults : public ::testing::Test {
 protected:
  static fault_dns_options server_options() {
    fault_dns_options o;
    o.late_ms = 1'000;      // past both tries (100 + 200 ms)
    o.late_first_ms = 250;  // past the first try (100 ms), well before the second ends
    o.flood_count = 200;
    return o;
  }

  fault_dns_server server{server_options()};
  ring r;
  typed_collector col;
  udp_resolver udp{r, col};

  void SetUp() override {
    ASSERT_NE(server.port(), 0);
    ASSERT_TRUE(r.init(256).ok());
  }

  absl::Status start(uint32_t max_inflight, int timeout_ms = 100, int tries = 2) {
    udp_resolver_options o;
    o.servers = {server.address()};
    o.timeout_ms = timeout_ms;
    o.tries = tries;
    o.max_inflight = max_inflight;
    o.sockets_per_server = 2;
    return udp.init(o);
  }

  void ask(uint64_t cookie, const std::string& name, uint16_t type) {
    col.asked[cookie] = {name, type};
    udp.query(name, type, cookie);
  }

  /// The shard's loop reduced to its DNS parts, until `want` results (or
  /// 30 s: a bound, not a measurement).
  void run_until(size_t want) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (col.reported < want && std::chrono::steady_clock::now() < deadline) {
      const int64_t wait = udp.next_timeout_ns(100'000'000);
      ASSERT_EQ(r.submit_and_wait(wait), 0);
      r.drain([&](uint64_t data, int rc, uint32_t flags) {
        udp.on_completion(data, rc, flags);
      });
      udp.process_timeouts();
    }
  }

  /// A well-behaved name, its address, and its rule.
  static std::string normal_name(int i) { return "n" + std::to_string(i) + ".normal.test"; }
  static std::string normal_addr(int i) {
    return "198.51." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1);
  }
  void add_normal(int count) {
    for (int i = 0; i < count; ++i) {
      dns_rule rule;
      rule.a = {normal_addr(i)};
      rule.ptr = {"host" + std::to_string(i) + ".normal.test"};
      server.set(normal_name(i), rule);
    }
  }
  /// Checks every normal name's answer: exact, reported once.
  void expect_normal_exact(uint64_t first_cookie, int count) {
    for (int i = 0; i < count; ++i) {
      const outcome& o = col.results[first_cookie + static_cast<uint64_t>(i)];
      EXPECT_EQ(o.reports, 1) << normal_name(i);
      EXPECT_EQ(o.status, dns_status::ok) << normal_name(i);
      EXPECT_EQ(o.addrs, std::vector<std::string>{normal_addr(i)}) << normal_name(i);
    }
  }
};

struct fault_case {
  dns_fault fault;
  uint16_t qtype;
  dns_status expected;
  bool exact_answer;  // ok with the table's records
  std::string_view reason = {};  // with error
};

// The documented status each fault must produce (README: ptr.status and the
// forward lookups use the same set).
const std::vector<fault_case> fault_cases = {
    {dns_fault::drop, dns_type_a, dns_status::timeout, false},
    {dns_fault::late, dns_type_a, dns_status::timeout, false},
    {dns_fault::late_first, dns_type_a, dns_status::ok, true},
    {dns_fault::wrong_id, dns_type_a, dns_status::timeout, false},
    {dns_fault::wrong_port, dns_type_a, dns_status::timeout, false},
    {dns_fault::truncated, dns_type_a, dns_status::ok, true},
    {dns_fault::malformed_answer, dns_type_a, dns_status::error, false, dns_reason::malformed},
    {dns_fault::short_garbage, dns_type_a, dns_status::timeout, false},
    {dns_fault::owner_pointer_loop, dns_type_a, dns_status::error, false, dns_reason::malformed},
    {dns_fault::owner_pointer_loop, dns_type_ptr, dns_status::error, false,
     dns_reason::malformed},
    // A PTR (or CNAME) target that cannot be read is a malformed answer, not
    // nodata: the name is not known to have no PTR (issue 15 item 4).
    {dns_fault::rdata_pointer_loop, dns_type_ptr, dns_status::error, false,
     dns_reason::malformed},
    {dns_fault::rdata_pointer_loop, dns_type_a, dns_status::error, false, dns_reason::malformed},
    // Longer than the EDNS size asked for, without TC: error/oversized at
    // once, whether the datagram fits the receive buffer or was cut by it
    // (it used to be dropped unread, and the query timed out).
    {dns_fault::over_edns, dns_type_a, dns_status::error, false, dns_reason::oversized},
    {dns_fault::over_edns, dns_type_ptr, dns_status::error, false, dns_reason::oversized},
    {dns_fault::oversized, dns_type_a, dns_status::error, false, dns_reason::oversized},
    {dns_fault::servfail, dns_type_a, dns_status::servfail, false},
    {dns_fault::refused, dns_type_a, dns_status::refused, false},
    {dns_fault::flood, dns_type_a, dns_status::ok, true},
    {dns_fault::flood, dns_type_ptr, dns_status::ok, true},
};

TEST_F(UdpResolverFaults, EachFaultGetsItsStatusAndNoOtherAnswerChanges) {
  ASSERT_TRUE(start(512).ok());
  constexpr int normal = 600;
  constexpr int per_fault = 3;
  add_normal(normal);
  // Fault names: "<fault>-<qtype>-<k>.fault.test", each with an A and a PTR
  // the faults may or may not let through.
  struct asked_fault {
    uint64_t cookie;
    std::string name;
    const fault_case* c;
    std::string addr;
    std::string ptr;
  };
  std::vector<asked_fault> faults;
  for (const fault_case& c : fault_cases) {
    for (int k = 0; k < per_fault; ++k) {
      asked_fault f;
      f.name = std::string(testing_faults::to_string(c.fault)) + "-" + std::to_string(c.qtype) +
               "-" + std::to_string(k) + ".fault.test";
      f.c = &c;
      f.addr = "192.0.2." + std::to_string(faults.size() + 1);
      f.ptr = "ptr" + std::to_string(faults.size()) + ".fault.test";
      dns_rule rule;
      rule.fault = c.fault;
      rule.a = {f.addr};
      rule.ptr = {f.ptr};
      server.set(f.name, rule);
      faults.push_back(f);
    }
  }
  // Interleave: the faulty queries travel with the normal ones.
  constexpr uint64_t fault_base = 1'000'000;
  size_t next_fault = 0;
  for (int i = 0; i < normal; ++i) {
    ask(static_cast<uint64_t>(i), normal_name(i), dns_type_a);
    if (i % 10 == 0 && next_fault < faults.size()) {
      asked_fault& f = faults[next_fault];
      f.cookie = fault_base + next_fault;
      ask(f.cookie, f.name, f.c->qtype);
      ++next_fault;
    }
  }
  for (; next_fault < faults.size(); ++next_fault) {
    faults[next_fault].cookie = fault_base + next_fault;
    ask(faults[next_fault].cookie, faults[next_fault].name, faults[next_fault].c->qtype);
  }
  run_until(normal + faults.size());
  ASSERT_EQ(col.results.size(), normal + faults.size());

  expect_normal_exact(0, normal);
  for (const asked_fault& f : faults) {
    SCOPED_TRACE(f.name);
    const outcome& o = col.results[f.cookie];
    EXPECT_EQ(o.reports, 1);
    EXPECT_EQ(o.status, f.c->expected) << "got " << to_string(o.status);
    EXPECT_EQ(o.reason, f.c->reason);
    if (f.c->exact_answer) {
      if (f.c->qtype == dns_type_a) {
        EXPECT_EQ(o.addrs, std::vector<std::string>{f.addr});
      } else {
        EXPECT_EQ(o.names, std::vector<std::string>{f.ptr});
      }
    } else {
      EXPECT_TRUE(o.addrs.empty());
      EXPECT_TRUE(o.names.empty());
    }
  }
  EXPECT_EQ(udp.in_flight(), 0u);
  EXPECT_EQ(udp.tcp().open(), 0u);
  // Every decoy of the flood, each wrong-ID answer and each short datagram
  // was seen and dropped (the late answers may still be on their way).
  const uint64_t flood_names = 2 * per_fault;
  EXPECT_GE(udp.unmatched(), flood_names * 200 + 2 * per_fault * 2);
  // Silence costs exactly the configured tries; an answer (even SERVFAIL)
  // is not retried.
  EXPECT_EQ(server.udp_queries("drop-1-0.fault.test"), 2);
  EXPECT_EQ(server.udp_queries("servfail-1-0.fault.test"), 1);
  // An oversized answer ends its query at the first try: no retry, no wait.
  EXPECT_EQ(server.udp_queries("oversized-1-0.fault.test"), 1);
  EXPECT_EQ(server.udp_queries("over_edns-12-0.fault.test"), 1);
  EXPECT_EQ(udp.oversized(), 3u * per_fault);
  // The late first answer lost the race with the retry's (unless this loop
  // stalled past it, when the first answer is taken: either is correct).
  EXPECT_LE(server.udp_queries("late_first-1-0.fault.test"), 2);
  // Truncated answers went to TCP, once each.
  EXPECT_EQ(server.tcp_queries(), per_fault);
  EXPECT_EQ(udp.truncated(), 1u * per_fault);
}

// A truncated answer is asked again over TCP. When the server closes the TCP
// connection on one name, that name's lookup fails (error) after its tries,
// and the other truncated names' TCP answers must still arrive, each at the
// first try: one name's fault is not another name's. (c-ares put every TCP
// query to a server on one connection, so one closed connection failed them
// all.)
TEST_F(UdpResolverFaults, TcpConnectionClosedForOneNameSparesTheOthers) {
  ASSERT_TRUE(start(512).ok());
  constexpr int normal = 100;
  add_normal(normal);
  for (int k = 0; k < 3; ++k) {
    dns_rule closed;
    closed.fault = dns_fault::truncated_tcp_closed;
    closed.a = {"192.0.2.9"};
    server.set("closed" + std::to_string(k) + ".fault.test", closed);
  }
  for (int k = 0; k < 6; ++k) {
    dns_rule tc;
    tc.fault = dns_fault::truncated;
    tc.a = {"192.0.2." + std::to_string(20 + k)};
    server.set("tc" + std::to_string(k) + ".fault.test", tc);
  }
  for (int i = 0; i < normal; ++i) {
    ask(static_cast<uint64_t>(i), normal_name(i), dns_type_a);
    if (i % 10 == 0 && i / 10 < 6) {
      const int k = i / 10;
      ask(20'000 + static_cast<uint64_t>(k), "tc" + std::to_string(k) + ".fault.test", dns_type_a);
      if (k < 3) {
        ask(10'000 + static_cast<uint64_t>(k), "closed" + std::to_string(k) + ".fault.test",
            dns_type_a);
      }
    }
  }
  run_until(normal + 9);
  expect_normal_exact(0, normal);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(col.results[10'000 + static_cast<uint64_t>(k)].status, dns_status::error) << k;
  }
  for (int k = 0; k < 6; ++k) {
    const outcome& o = col.results[20'000 + static_cast<uint64_t>(k)];
    EXPECT_EQ(o.status, dns_status::ok) << "tc" << k << " got " << to_string(o.status);
    EXPECT_EQ(o.addrs, std::vector<std::string>{"192.0.2." + std::to_string(20 + k)}) << k;
    EXPECT_EQ(server.tcp_queries("tc" + std::to_string(k) + ".fault.test"), 1) << k;
  }
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(server.tcp_queries("closed" + std::to_string(k) + ".fault.test"), 2) << k;
  }
  EXPECT_EQ(udp.in_flight(), 0u);
  EXPECT_EQ(udp.tcp().open(), 0u);
}

TEST_F(UdpResolverFaults, SilentNamesHoldingTheCapDoNotStarveTheRest) {
  // Four queries on the wire at most; eight names that never answer keep
  // the wire full for a whole timeout cycle each time. The others wait their
  // turn and are all answered, each sent exactly once.
  ASSERT_TRUE(start(/*max_inflight=*/4).ok());
  constexpr int normal = 200;
  add_normal(normal);
  for (int k = 0; k < 8; ++k) {
    dns_rule rule;
    rule.fault = dns_fault::drop;
    server.set("silent" + std::to_string(k) + ".fault.test", rule);
    ask(10'000 + static_cast<uint64_t>(k), "silent" + std::to_string(k) + ".fault.test",
        dns_type_a);
  }
  for (int i = 0; i < normal; ++i) {
    ask(static_cast<uint64_t>(i), normal_name(i), dns_type_a);
  }
  run_until(normal + 8);
  expect_normal_exact(0, normal);
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(col.results[10'000 + static_cast<uint64_t>(k)].status, dns_status::timeout) << k;
  }
  EXPECT_EQ(udp.in_flight(), 0u);
  EXPECT_EQ(udp.queries_sent(), static_cast<uint64_t>(normal + 8 * 2));
}

TEST_F(UdpResolverFaults, AFloodOfUnsolicitedRepliesChangesNoAnswer) {
  // Ten flooding names, 200 decoys each from the server's own address and
  // port (the only source a connected socket accepts), while 400 normal
  // names are in flight on the same sockets.
  ASSERT_TRUE(start(512, /*timeout_ms=*/1'000, /*tries=*/3).ok());
  constexpr int normal = 400;
  add_normal(normal);
  for (int k = 0; k < 10; ++k) {
    dns_rule rule;
    rule.fault = dns_fault::flood;
    rule.a = {"192.0.2." + std::to_string(100 + k)};
    server.set("flood" + std::to_string(k) + ".fault.test", rule);
  }
  for (int i = 0; i < normal; ++i) {
    ask(static_cast<uint64_t>(i), normal_name(i), dns_type_a);
    if (i % 40 == 0) {
      const int k = i / 40;
      ask(10'000 + static_cast<uint64_t>(k), "flood" + std::to_string(k) + ".fault.test",
          dns_type_a);
    }
  }
  run_until(normal + 10);
  expect_normal_exact(0, normal);
  for (int k = 0; k < 10; ++k) {
    const outcome& o = col.results[10'000 + static_cast<uint64_t>(k)];
    EXPECT_EQ(o.status, dns_status::ok) << k;
    EXPECT_EQ(o.addrs, std::vector<std::string>{"192.0.2." + std::to_string(100 + k)}) << k;
  }
  EXPECT_GE(udp.unmatched(), server.flooded() * 9 / 10)
      << "decoys are counted as unmatched (a few may still be in flight)";
  EXPECT_EQ(udp.in_flight(), 0u);
}

}  // namespace
}  // namespace ptrscan
