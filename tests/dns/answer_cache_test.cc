// The per-loop DNS answer cache (lib/dns/answer_cache): TTL expiry on an
// injected clock, the entries cap (least recently used goes), coalescing
// of identical questions on the wire, negative answers kept by the SOA
// minimum (RFC 2308), and no caching of errors.
#include "dns/answer_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "dns/reply.h"
#include "dns_packet_builder.h"

namespace ptrscan {
namespace {

using ::testing::ElementsAre;

constexpr int64_t sec = 1'000'000'000;

/// A response packet with per-record TTLs and an authority section.
class packet {
 public:
  packet(std::string_view qname, uint16_t qtype, int rcode = 0) {
    put16(0x1234);
    put16(static_cast<uint16_t>(0x8180 | rcode));
    put16(1);
    put16(0);
    put16(0);
    put16(0);
    put_name(qname);
    put16(qtype);
    put16(1);
  }
  packet& a(std::string_view owner, uint32_t ttl, uint8_t last) {
    rr(owner, dns_type_a, ttl, {192, 0, 2, last});
    bump(6);
    return *this;
  }
  packet& cname(std::string_view owner, uint32_t ttl, std::string_view target) {
    rr(owner, dns_type_cname, ttl, wire(target));
    bump(6);
    return *this;
  }
  /// An SOA in the authority section: its TTL and its MINIMUM field.
  packet& soa(std::string_view owner, uint32_t ttl, uint32_t minimum) {
    std::vector<uint8_t> rd = wire("ns.example.test");
    std::vector<uint8_t> rname = wire("host.example.test");
    rd.insert(rd.end(), rname.begin(), rname.end());
    for (uint32_t v : {1u, 3600u, 600u, 86400u, minimum}) {
      rd.push_back(static_cast<uint8_t>(v >> 24));
      rd.push_back(static_cast<uint8_t>(v >> 16));
      rd.push_back(static_cast<uint8_t>(v >> 8));
      rd.push_back(static_cast<uint8_t>(v));
    }
    rr(owner, 6, ttl, rd);
    bump(8);
    return *this;
  }
  packet& truncated() {
    b_[2] |= 0x02;
    return *this;
  }
  std::vector<uint8_t> bytes() const { return b_; }

 private:
  static std::vector<uint8_t> wire(std::string_view n) { return testing::dns_packet_builder::name(n); }
  void rr(std::string_view owner, uint16_t type, uint32_t ttl, const std::vector<uint8_t>& rd) {
    put_name(owner);
    put16(type);
    put16(1);
    put16(static_cast<uint16_t>(ttl >> 16));
    put16(static_cast<uint16_t>(ttl));
    put16(static_cast<uint16_t>(rd.size()));
    b_.insert(b_.end(), rd.begin(), rd.end());
  }
  void bump(size_t at) {
    const uint16_t n = static_cast<uint16_t>(((b_[at] << 8) | b_[at + 1]) + 1);
    b_[at] = static_cast<uint8_t>(n >> 8);
    b_[at + 1] = static_cast<uint8_t>(n);
  }
  void put16(uint16_t v) {
    b_.push_back(static_cast<uint8_t>(v >> 8));
    b_.push_back(static_cast<uint8_t>(v));
  }
  void put_name(std::string_view n) {
    std::vector<uint8_t> w = wire(n);
    b_.insert(b_.end(), w.begin(), w.end());
  }
  std::vector<uint8_t> b_;
};

/// The owner (what the listener is to the cache) and the transport (what
/// udp_resolver is): questions sent are recorded, answers given by hand.
class AnswerCacheTest : public ::testing::Test, public resolver_client {
 protected:
  struct sent {
    std::string name;
    uint16_t type;
    uint64_t ticket;
  };
  struct result {
    uint64_t cookie;
    dns_status transport;
    std::vector<uint8_t> packet;
  };

  void make(answer_cache_options o) {
    cache_ = std::make_unique<answer_cache>(*this, o, [this] { return now_; });
    cache_->set_transport([this](std::string_view n, uint16_t t, uint64_t c) {
      sent_.push_back({std::string(n), t, c});
    });
  }
  void on_dns_result(uint64_t cookie, dns_status transport, std::string_view,
                     std::span<const uint8_t> p) override {
    got_.push_back({cookie, transport, std::vector<uint8_t>(p.begin(), p.end())});
  }
  /// The transport answers the last question sent.
  void answer_last(const std::vector<uint8_t>& p) {
    cache_->on_dns_result(sent_.back().ticket, dns_status::ok, {}, p);
  }
  std::vector<uint64_t> cookies() const {
    std::vector<uint64_t> c;
    for (const result& r : got_) {
      c.push_back(r.cookie);
    }
    return c;
  }

  int64_t now_ = 1000 * sec;
  std::unique_ptr<answer_cache> cache_;
  std::vector<sent> sent_;
  std::vector<result> got_;
};

TEST_F(AnswerCacheTest, PositiveAnswerIsKeptForItsLeastTtlThenAskedAgain) {
  make({});
  const std::vector<uint8_t> p = packet("www.example.test", dns_type_a)
                                     .cname("www.example.test", 300, "host.example.test")
                                     .a("host.example.test", 60, 7)
                                     .bytes();
  cache_->query("www.example.test", dns_type_a, 1);
  ASSERT_EQ(sent_.size(), 1u);
  answer_last(p);
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].cookie, 1u);
  EXPECT_EQ(got_[0].packet, p);

  // Asked again within the least TTL (60 s, the A record's), in another
  // letter case and with the root dot: answered at once, nothing sent.
  now_ += 59 * sec;
  cache_->query("WWW.Example.test.", dns_type_a, 2);
  EXPECT_EQ(sent_.size(), 1u);
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[1].cookie, 2u);
  EXPECT_EQ(got_[1].transport, dns_status::ok);
  EXPECT_EQ(got_[1].packet, p);
  EXPECT_EQ(cache_->stats().hits, 1u);

  // Another type of the same name is another entry.
  cache_->query("www.example.test", dns_type_aaaa, 3);
  EXPECT_EQ(sent_.size(), 2u);

  // Past the TTL: asked again.
  now_ += 2 * sec;
  cache_->query("www.example.test", dns_type_a, 4);
  EXPECT_EQ(sent_.size(), 3u);
  EXPECT_EQ(sent_.back().name, "www.example.test");
  EXPECT_EQ(cache_->stats().expired, 1u);
}

TEST_F(AnswerCacheTest, PositiveTtlIsCappedAndZeroIsNotKept) {
  answer_cache_options o;
  o.max_ttl_s = 10;
  make(o);
  cache_->query("a.example.test", dns_type_a, 1);
  answer_last(packet("a.example.test", dns_type_a).a("a.example.test", 86400, 1).bytes());
  now_ += 11 * sec;
  cache_->query("a.example.test", dns_type_a, 2);
  EXPECT_EQ(sent_.size(), 2u);  // the cap, not the day the TTL said

  cache_->query("z.example.test", dns_type_a, 3);
  answer_last(packet("z.example.test", dns_type_a).a("z.example.test", 0, 1).bytes());
  cache_->query("z.example.test", dns_type_a, 4);
  EXPECT_EQ(sent_.size(), 4u);  // TTL 0: used once, never kept
}

TEST_F(AnswerCacheTest, NegativeAnswerIsKeptBySoaMinimumCappedAndNotWithoutSoa) {
  answer_cache_options o;
  o.max_negative_ttl_s = 120;
  make(o);
  // NXDOMAIN: min(SOA TTL 3600, MINIMUM 30) = 30 s.
  cache_->query("gone.example.test", dns_type_a, 1);
  answer_last(packet("gone.example.test", dns_type_a, 3).soa("example.test", 3600, 30).bytes());
  now_ += 29 * sec;
  cache_->query("gone.example.test", dns_type_a, 2);
  EXPECT_EQ(sent_.size(), 1u);
  EXPECT_EQ(got_.size(), 2u);
  now_ += 2 * sec;
  cache_->query("gone.example.test", dns_type_a, 3);
  EXPECT_EQ(sent_.size(), 2u);

  // NODATA: min(SOA TTL 20, MINIMUM 3600) = 20 s (the SOA's own TTL).
  cache_->query("txt.example.test", dns_type_txt, 4);
  answer_last(packet("txt.example.test", dns_type_txt).soa("example.test", 20, 3600).bytes());
  now_ += 19 * sec;
  cache_->query("txt.example.test", dns_type_txt, 5);
  EXPECT_EQ(sent_.size(), 3u);
  now_ += 2 * sec;
  cache_->query("txt.example.test", dns_type_txt, 6);
  EXPECT_EQ(sent_.size(), 4u);

  // Both over the cap (120 s): the cap.
  cache_->query("far.example.test", dns_type_a, 7);
  answer_last(packet("far.example.test", dns_type_a, 3).soa("example.test", 86400, 86400).bytes());
  now_ += 121 * sec;
  cache_->query("far.example.test", dns_type_a, 8);
  EXPECT_EQ(sent_.size(), 6u);

  // No SOA: not kept (RFC 2308 §5).
  cache_->query("nosoa.example.test", dns_type_a, 9);
  answer_last(packet("nosoa.example.test", dns_type_a, 3).bytes());
  cache_->query("nosoa.example.test", dns_type_a, 10);
  EXPECT_EQ(sent_.size(), 8u);
}

TEST_F(AnswerCacheTest, ErrorsAreNeverKept) {
  make({});
  // SERVFAIL and REFUSED with an SOA, a timeout, a transport error, a
  // malformed packet (a record running off its end), a truncated one: each
  // reaches its waiter and the next query goes out again.
  std::vector<uint8_t> cut = packet("m.example.test", dns_type_a).a("m.example.test", 300, 1).bytes();
  cut.resize(cut.size() - 2);
  const std::vector<std::tuple<std::string, dns_status, std::vector<uint8_t>>> cases = {
      {"s.example.test", dns_status::ok,
       packet("s.example.test", dns_type_a, 2).soa("example.test", 300, 300).bytes()},
      {"r.example.test", dns_status::ok,
       packet("r.example.test", dns_type_a, 5).soa("example.test", 300, 300).bytes()},
      {"t.example.test", dns_status::timeout, {}},
      {"e.example.test", dns_status::error, {}},
      {"m.example.test", dns_status::ok, cut},
      {"tc.example.test", dns_status::ok,
       packet("tc.example.test", dns_type_a).a("tc.example.test", 300, 1).truncated().bytes()},
  };
  uint64_t cookie = 1;
  for (const auto& [name, transport, bytes] : cases) {
    SCOPED_TRACE(name);
    const size_t before = sent_.size();
    cache_->query(name, dns_type_a, cookie);
    ASSERT_EQ(sent_.size(), before + 1);
    cache_->on_dns_result(sent_.back().ticket, transport, transport == dns_status::error ? "transport" : "",
                          bytes);
    ASSERT_FALSE(got_.empty());
    EXPECT_EQ(got_.back().cookie, cookie);
    EXPECT_EQ(got_.back().transport, transport);
    cache_->query(name, dns_type_a, cookie + 1);
    EXPECT_EQ(sent_.size(), before + 2) << "an error was answered from the cache";
    cookie += 2;
  }
  EXPECT_EQ(cache_->stats().stored, 0u);
  EXPECT_EQ(cache_->stats().hits, 0u);
}

TEST_F(AnswerCacheTest, IdenticalQuestionsOnTheWireAreCoalesced) {
  make({});
  cache_->query("mail.example.test", dns_type_a, 1);
  cache_->query("MAIL.example.test.", dns_type_a, 2);
  cache_->query("mail.example.test", dns_type_a, 3);
  cache_->query("mail.example.test", dns_type_mx, 4);
  ASSERT_EQ(sent_.size(), 2u);  // one A, one MX
  EXPECT_EQ(cache_->stats().coalesced, 2u);
  // The A answer reaches all three of its waiters, in order.
  cache_->on_dns_result(sent_[0].ticket, dns_status::ok, {},
                        packet("mail.example.test", dns_type_a).a("mail.example.test", 300, 9).bytes());
  EXPECT_THAT(cookies(), ElementsAre(1u, 2u, 3u));
  // A failure reaches all of its waiters too, and is not kept.
  cache_->query("down.example.test", dns_type_a, 5);
  cache_->query("down.example.test", dns_type_a, 6);
  EXPECT_EQ(sent_.size(), 3u);
  cache_->on_dns_result(sent_.back().ticket, dns_status::timeout, {}, {});
  EXPECT_THAT(cookies(), ElementsAre(1u, 2u, 3u, 5u, 6u));
  EXPECT_EQ(got_.back().transport, dns_status::timeout);
  cache_->query("down.example.test", dns_type_a, 7);
  EXPECT_EQ(sent_.size(), 4u);
}

TEST_F(AnswerCacheTest, CapEvictsLeastRecentlyUsedAndBypassesWhenAllOnTheWire) {
  answer_cache_options o;
  o.max_entries = 2;
  make(o);
  for (const char* n : {"one.example.test", "two.example.test"}) {
    cache_->query(n, dns_type_a, 1);
    answer_last(packet(n, dns_type_a).a(n, 300, 1).bytes());
  }
  cache_->query("one.example.test", dns_type_a, 2);  // one is now the most recent
  EXPECT_EQ(sent_.size(), 2u);
  cache_->query("three.example.test", dns_type_a, 3);  // evicts two
  answer_last(packet("three.example.test", dns_type_a).a("three.example.test", 300, 3).bytes());
  EXPECT_EQ(cache_->size(), 2u);
  EXPECT_EQ(cache_->stats().evicted, 1u);
  cache_->query("one.example.test", dns_type_a, 4);
  EXPECT_EQ(sent_.size(), 3u);  // still there
  cache_->query("two.example.test", dns_type_a, 5);
  EXPECT_EQ(sent_.size(), 4u);  // gone: asked again (evicting three)

  // Two questions on the wire fill the table: a third goes out uncached,
  // and its answer still reaches its owner.
  answer_cache_options tiny;
  tiny.max_entries = 2;
  make(tiny);
  sent_.clear();
  got_.clear();
  cache_->query("a.example.test", dns_type_a, 10);
  cache_->query("b.example.test", dns_type_a, 11);
  cache_->query("c.example.test", dns_type_a, 12);
  ASSERT_EQ(sent_.size(), 3u);
  EXPECT_EQ(cache_->size(), 2u);
  EXPECT_EQ(cache_->stats().uncached, 1u);
  answer_last(packet("c.example.test", dns_type_a).a("c.example.test", 300, 3).bytes());
  EXPECT_THAT(cookies(), ElementsAre(12u));
  EXPECT_EQ(cache_->size(), 2u);  // not stored: it had no entry
}

TEST_F(AnswerCacheTest, DisabledPassesEverythingThrough) {
  answer_cache_options o;
  o.max_entries = 0;
  make(o);
  const std::vector<uint8_t> p =
      packet("x.example.test", dns_type_a).a("x.example.test", 300, 1).bytes();
  cache_->query("x.example.test", dns_type_a, 77);
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].ticket, 77u);  // the owner's own cookie
  answer_last(p);
  cache_->query("x.example.test", dns_type_a, 78);
  EXPECT_EQ(sent_.size(), 2u);
  EXPECT_EQ(cache_->size(), 0u);
  EXPECT_THAT(cookies(), ElementsAre(77u));
}

// A client that asks again from inside its callback (client_identity
// follows a CNAME that way) may evict the very entry being answered.
class ReentrantClient final : public resolver_client {
 public:
  answer_cache* cache = nullptr;
  std::vector<std::vector<uint8_t>> packets;
  void on_dns_result(uint64_t cookie, dns_status, std::string_view,
                     std::span<const uint8_t> p) override {
    packets.emplace_back(p.begin(), p.end());
    if (cookie == 1) {
      cache->query("other.example.test", dns_type_a, 2);
    }
  }
};

TEST(AnswerCache, ReentrantQueryFromAHitIsSafe) {
  answer_cache_options o;
  o.max_entries = 1;
  ReentrantClient c;
  int64_t now = 0;
  answer_cache cache(c, o, [&now] { return now; });
  c.cache = &cache;
  std::vector<uint64_t> tickets;
  cache.set_transport(
      [&tickets](std::string_view, uint16_t, uint64_t t) { tickets.push_back(t); });
  const std::vector<uint8_t> p =
      packet("one.example.test", dns_type_a).a("one.example.test", 300, 1).bytes();
  cache.query("one.example.test", dns_type_a, 0);
  cache.on_dns_result(tickets.back(), dns_status::ok, {}, p);
  cache.query("one.example.test", dns_type_a, 1);  // a hit; the callback evicts it
  ASSERT_EQ(c.packets.size(), 2u);
  EXPECT_EQ(c.packets[1], p);
  EXPECT_EQ(tickets.size(), 2u);
}

}  // namespace
}  // namespace ptrscan
