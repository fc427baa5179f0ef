// The direct-query client's politeness and retries, driven by an injected
// clock (process(now)): per-server token buckets, one server's limit never
// holding up another's questions, a UDP question tried `tries` times and
// then reported as a timeout. Nothing answers: the questions go to loopback
// addresses where nothing listens, and no completion is ever reaped.

#include "dns/direct_client.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dns/message.h"

namespace ptrscan {
namespace {

struct recorder final : direct_client_sink {
  std::vector<std::pair<uint64_t, dns_status>> got;
  void on_direct_result(uint64_t cookie, dns_status transport, std::string_view,
                        std::span<const uint8_t>) override {
    got.emplace_back(cookie, transport);
  }
};

constexpr int64_t ms = 1'000'000;
constexpr int64_t t0 = 1'000'000 * ms;

direct_query to(const char* ip) {
  direct_query q;
  q.server = *ip_address::parse(ip);
  q.port = 9;  // discard: nothing answers
  return q;
}

TEST(DirectClient, PerServerRateRetriesAndTimeouts) {
  ring r;
  ASSERT_TRUE(r.init(64).ok());
  recorder sink;
  direct_client c(r, op_kind::dns_direct, sink);
  direct_client_options o;
  o.server_rate = 2;  // one question every 500 ms per server
  o.server_burst = 1;
  o.timeout_ms = 1000;
  o.tries = 2;
  ASSERT_TRUE(c.init(o, t0).ok());
  for (uint64_t i = 0; i < 3; ++i) {
    c.query(to("127.0.0.1"), "1.77.10.in-addr.arpa", dns_type_soa, i);
  }
  EXPECT_EQ(c.sent(), 0u);  // nothing leaves before process()
  c.process(t0);
  EXPECT_EQ(c.sent(), 1u);  // the bucket starts full: one token
  c.process(t0 + 100 * ms);
  EXPECT_EQ(c.sent(), 1u);
  c.process(t0 + 500 * ms);
  EXPECT_EQ(c.sent(), 2u);
  // Another server has its own bucket: it is asked at once, though the
  // first server's third question still waits.
  c.query(to("127.0.0.2"), "1.77.10.in-addr.arpa", dns_type_ns, 9);
  c.process(t0 + 501 * ms);
  EXPECT_EQ(c.sent(), 3u);
  EXPECT_GT(c.next_timeout_ns(t0 + 501 * ms, 1000 * ms), 0);
  EXPECT_LE(c.next_timeout_ns(t0 + 501 * ms, 1000 * ms), 5 * ms);  // a question waits
  // Question 0's first try times out: its second try goes first, with the
  // token that has come since.
  c.process(t0 + 1000 * ms);
  EXPECT_EQ(c.sent(), 4u);
  EXPECT_TRUE(sink.got.empty());
  // Its second try times out too: reported, and never tried again.
  c.process(t0 + 2000 * ms);
  ASSERT_FALSE(sink.got.empty());
  EXPECT_EQ(sink.got.front(), std::make_pair(uint64_t{0}, dns_status::timeout));
  // Every question ends: two tries each, then a timeout.
  for (int64_t t = 2000; t <= 8000; t += 250) {
    c.process(t0 + t * ms);
  }
  EXPECT_EQ(sink.got.size(), 4u);
  EXPECT_EQ(c.in_flight(), 0u);
  EXPECT_EQ(c.sent(), 8u);
}

TEST(DirectClient, AnUnencodableNameIsAnErrorAfterQueryReturns) {
  ring r;
  ASSERT_TRUE(r.init(64).ok());
  recorder sink;
  direct_client c(r, op_kind::dns_direct, sink);
  ASSERT_TRUE(c.init({}, t0).ok());
  c.query(to("127.0.0.1"), "a..b", dns_type_soa, 5);
  EXPECT_TRUE(sink.got.empty());
  c.process(t0);
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0], std::make_pair(uint64_t{5}, dns_status::error));
  EXPECT_EQ(c.sent(), 0u);
}

struct reason_recorder final : direct_client_sink {
  std::vector<std::pair<dns_status, std::string>> got;
  void on_direct_result(uint64_t, dns_status transport, std::string_view reason,
                        std::span<const uint8_t>) override {
    got.emplace_back(transport, std::string(reason));
  }
};

// A send that fails on this host (here: the broadcast address without
// SO_BROADCAST, EACCES; in the field a v6 address without a v6 route) never
// left: it ends at once as a local error, not as a timeout that would read
// as the server's silence. No packet leaves the host.
TEST(DirectClient, ALocalSendFailureIsALocalErrorNotATimeout) {
  ring r;
  ASSERT_TRUE(r.init(64).ok());
  reason_recorder sink;
  direct_client c(r, op_kind::dns_direct, sink);
  direct_client_options o;
  o.timeout_ms = 1000;
  o.tries = 2;
  ASSERT_TRUE(c.init(o, t0).ok());
  c.query(to("255.255.255.255"), "1.77.10.in-addr.arpa", dns_type_soa, 1);
  c.process(t0);
  ASSERT_EQ(sink.got.size(), 1u);
  EXPECT_EQ(sink.got[0].first, dns_status::error);
  EXPECT_EQ(sink.got[0].second, dns_reason::local);
  EXPECT_EQ(c.in_flight(), 0u);
}

}  // namespace
}  // namespace ptrscan
