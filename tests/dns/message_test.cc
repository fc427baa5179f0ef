#include "dns/message.h"

#include <gtest/gtest.h>

#include <string_view>
#include <vector>

#include "dns/reply.h"

namespace ptrscan {
namespace {

/// A response with records in any section (no compression).
class message_builder {
 public:
  message_builder(uint16_t flags, std::string_view qname, uint16_t qtype) {
    put16(0x1234);
    put16(flags);
    put16(1);
    put16(0);
    put16(0);
    put16(0);
    put_name(qname);
    put16(qtype);
    put16(1);
  }
  message_builder& rr(int section, std::string_view owner, uint16_t type, uint32_t ttl,
                      const std::vector<uint8_t>& rdata) {
    put_name(owner);
    put16(type);
    put16(1);
    put16(static_cast<uint16_t>(ttl >> 16));
    put16(static_cast<uint16_t>(ttl));
    put16(static_cast<uint16_t>(rdata.size()));
    b_.insert(b_.end(), rdata.begin(), rdata.end());
    const size_t at = 6 + 2 * static_cast<size_t>(section);
    const uint16_t n = static_cast<uint16_t>((b_[at] << 8 | b_[at + 1]) + 1);
    b_[at] = static_cast<uint8_t>(n >> 8);
    b_[at + 1] = static_cast<uint8_t>(n);
    return *this;
  }
  static std::vector<uint8_t> name(std::string_view n) {
    message_builder m;
    m.put_name(n);
    return m.b_;
  }
  static std::vector<uint8_t> soa(std::string_view mname, uint32_t serial) {
    std::vector<uint8_t> out = name(mname);
    const std::vector<uint8_t> r = name("hostmaster.test");
    out.insert(out.end(), r.begin(), r.end());
    for (uint32_t v : {serial, 3600u, 600u, 86400u, 300u}) {
      out.push_back(static_cast<uint8_t>(v >> 24));
      out.push_back(static_cast<uint8_t>(v >> 16));
      out.push_back(static_cast<uint8_t>(v >> 8));
      out.push_back(static_cast<uint8_t>(v));
    }
    return out;
  }
  std::vector<uint8_t> bytes() const { return b_; }

 private:
  message_builder() = default;
  void put16(uint16_t v) {
    b_.push_back(static_cast<uint8_t>(v >> 8));
    b_.push_back(static_cast<uint8_t>(v));
  }
  void put_name(std::string_view n) {
    size_t start = 0;
    while (start < n.size()) {
      size_t dot = n.find('.', start);
      if (dot == std::string_view::npos) {
        dot = n.size();
      }
      b_.push_back(static_cast<uint8_t>(dot - start));
      b_.insert(b_.end(), n.begin() + static_cast<std::ptrdiff_t>(start),
                n.begin() + static_cast<std::ptrdiff_t>(dot));
      start = dot + 1;
    }
    b_.push_back(0);
  }
  std::vector<uint8_t> b_;
};

TEST(DnsMessage, ReadsAReferralWithGlue) {
  // A parent's referral: no AA, NS in authority, glue in additional.
  const std::vector<uint8_t> pkt =
      message_builder(0x8000, "1.77.10.in-addr.arpa", dns_type_ns)
          .rr(1, "1.77.10.In-Addr.Arpa", dns_type_ns, 86400,
              message_builder::name("ns1.1.77.10.in-addr.arpa"))
          .rr(1, "1.77.10.in-addr.arpa", dns_type_ns, 86400, message_builder::name("ns.zt.test"))
          .rr(2, "ns1.1.77.10.in-addr.arpa", dns_type_a, 3600, {127, 9, 8, 7})
          .bytes();
  dns_message m;
  ASSERT_TRUE(parse_message(pkt, m));
  EXPECT_FALSE(m.aa);
  EXPECT_EQ(m.rcode, 0);
  ASSERT_EQ(m.records.size(), 3u);
  EXPECT_EQ(m.records[0].section, dns_section::authority);
  EXPECT_EQ(m.records[0].owner, "1.77.10.in-addr.arpa");  // lower-cased
  EXPECT_EQ(m.records[0].target, "ns1.1.77.10.in-addr.arpa");
  EXPECT_EQ(m.records[0].ttl, 86400u);
  EXPECT_EQ(m.records[2].section, dns_section::additional);
  EXPECT_EQ(m.records[2].addr, *ip_address::parse("127.9.8.7"));
}

TEST(DnsMessage, ReadsTheSoaOfANodataAnswer) {
  const std::vector<uint8_t> pkt =
      message_builder(0x8500, "1.77.10.in-addr.arpa", dns_type_soa)
          .rr(1, "77.10.in-addr.arpa", dns_type_soa, 300, message_builder::soa("ns.test", 2026))
          .bytes();
  dns_message m;
  ASSERT_TRUE(parse_message(pkt, m));
  EXPECT_TRUE(m.aa);
  ASSERT_EQ(m.records.size(), 1u);
  EXPECT_EQ(m.records[0].owner, "77.10.in-addr.arpa");
  EXPECT_EQ(m.records[0].serial, 2026u);
  EXPECT_EQ(m.records[0].target, "ns.test");
}

TEST(DnsMessage, MalformedRecordsAreAnErrorNotAnAnswer) {
  // An A record of 3 octets, an SOA whose numbers are cut short, a record
  // running off the packet.
  std::vector<uint8_t> bad_a = message_builder(0x8400, "x.test", dns_type_a)
                                   .rr(0, "x.test", dns_type_a, 1, {1, 2, 3})
                                   .bytes();
  std::vector<uint8_t> short_soa = message_builder(0x8400, "x.test", dns_type_soa)
                                       .rr(0, "x.test", dns_type_soa, 1,
                                           message_builder::name("ns.test"))
                                       .bytes();
  std::vector<uint8_t> cut = message_builder(0x8400, "x.test", dns_type_a)
                                 .rr(0, "x.test", dns_type_a, 1, {1, 2, 3, 4})
                                 .bytes();
  cut.pop_back();
  dns_message m;
  EXPECT_FALSE(parse_message(bad_a, m));
  EXPECT_FALSE(parse_message(short_soa, m));
  EXPECT_FALSE(parse_message(cut, m));
  EXPECT_FALSE(parse_message(std::vector<uint8_t>(5, 0), m));
}

TEST(DnsMessage, KeepsAtMostTheCapAndSaysSo) {
  message_builder b(0x8400, "x.test", dns_type_a);
  for (size_t i = 0; i < max_message_records + 3; ++i) {
    b.rr(0, "x.test", dns_type_a, 1, {10, 0, 0, static_cast<uint8_t>(i)});
  }
  dns_message m;
  ASSERT_TRUE(parse_message(b.bytes(), m));
  EXPECT_EQ(m.records.size(), max_message_records);
  EXPECT_TRUE(m.truncated);
}

TEST(DnsMessage, IterativeQueryHasRdClear) {
  std::array<uint8_t, max_wire_name> wire{};
  const size_t n = encode_name("1.77.10.in-addr.arpa", wire);
  std::array<uint8_t, max_query_bytes> out{};
  const size_t len =
      build_iterative_query(7, std::span<const uint8_t>(wire.data(), n), dns_type_soa, 0, out);
  ASSERT_GT(len, 12u);
  EXPECT_EQ(out[2] & 0x01, 0);
  std::array<uint8_t, max_query_bytes> rec{};
  build_query(7, std::span<const uint8_t>(wire.data(), n), dns_type_soa, 0, rec);
  EXPECT_EQ(rec[2] & 0x01, 1);
}

}  // namespace
}  // namespace ptrscan
