#include "dns/answer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dns_packet_builder.h"

namespace ptrscan {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::dns_packet_builder;

constexpr std::string_view rev = "7.0.18.198.in-addr.arpa";

struct answer_case {
  std::string label;
  std::vector<uint8_t> packet;
  std::string qname;
  uint16_t qtype;
  dns_status status;
  std::vector<std::string> names;
  std::vector<std::string> addrs;
  std::string dangling;
};

std::vector<answer_case> cases() {
  using b = dns_packet_builder;
  std::vector<answer_case> out;
  out.push_back({"one ptr", b(1, 0, rev, 12).rr(rev, 12, b::name("MX1.Example.ORG")).bytes(),
                 std::string(rev), 12, dns_status::ok, {"mx1.example.org"}, {}, ""});
  out.push_back({"two ptr, compressed owner",
                 b(1, 0, rev, 12)
                     .rr_at_question(12, b::name("a.example"))
                     .rr_at_question(12, b::name("b.example"))
                     .bytes(),
                 std::string(rev), 12, dns_status::ok, {"a.example", "b.example"}, {}, ""});
  out.push_back({"qname case differs from answer",
                 b(1, 0, "7.0.18.198.IN-ADDR.arpa", 12)
                     .rr("7.0.18.198.IN-ADDR.ARPA", 12, b::name("x.example"))
                     .bytes(),
                 "7.0.18.198.In-Addr.Arpa.", 12, dns_status::ok, {"x.example"}, {}, ""});
  out.push_back({"rfc2317 cname then ptr",
                 b(1, 0, rev, 12)
                     .rr(rev, 5, b::name("7.0-25.0.18.198.in-addr.arpa"))
                     .rr("7.0-25.0.18.198.in-addr.arpa", 12, b::name("host.example"))
                     .bytes(),
                 std::string(rev), 12, dns_status::ok, {"host.example"}, {}, ""});
  out.push_back({"cname without target data is dangling",
                 b(1, 0, rev, 12).rr(rev, 5, b::name("7.0-25.0.18.198.in-addr.arpa")).bytes(),
                 std::string(rev), 12, dns_status::nodata, {}, {}, "7.0-25.0.18.198.in-addr.arpa"});
  out.push_back({"ptr of another owner is ignored",
                 b(1, 0, rev, 12).rr("8.0.18.198.in-addr.arpa", 12, b::name("evil.example")).bytes(),
                 std::string(rev), 12, dns_status::nodata, {}, {}, ""});
  out.push_back({"a record through a cname chain",
                 b(1, 0, "www.example", 1)
                     .rr("www.example", 5, b::name("c1.example"))
                     .rr("c1.example", 5, b::name("c2.example"))
                     .rr("c2.example", 1, b::ipv4(198, 18, 0, 7))
                     .bytes(),
                 "www.example", 1, dns_status::ok, {}, {"198.18.0.7"}, ""});
  out.push_back({"aaaa record",
                 b(1, 0, "v6.example", 28)
                     .rr("v6.example", 28, {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
                     .bytes(),
                 "v6.example", 28, dns_status::ok, {}, {"2001:db8::1"}, ""});
  out.push_back({"a record with wrong rdlength is skipped",
                 b(1, 0, "a.example", 1).rr("a.example", 1, {1, 2, 3}).bytes(), "a.example", 1,
                 dns_status::nodata, {}, {}, ""});
  out.push_back({"non-IN class ignored",
                 b(1, 0, "a.example", 1).rr("a.example", 1, b::ipv4(1, 2, 3, 4), 3).bytes(),
                 "a.example", 1, dns_status::nodata, {}, {}, ""});
  out.push_back({"nxdomain", b(1, 3, rev, 12).bytes(), std::string(rev), 12, dns_status::nxdomain,
                 {}, {}, ""});
  out.push_back({"servfail", b(1, 2, rev, 12).bytes(), std::string(rev), 12, dns_status::servfail,
                 {}, {}, ""});
  out.push_back({"refused", b(1, 5, rev, 12).bytes(), std::string(rev), 12, dns_status::refused,
                 {}, {}, ""});
  out.push_back({"formerr is an error", b(1, 1, rev, 12).bytes(), std::string(rev), 12,
                 dns_status::error, {}, {}, ""});
  out.push_back({"noerror, no answers", b(1, 0, rev, 12).bytes(), std::string(rev), 12,
                 dns_status::nodata, {}, {}, ""});
  out.push_back({"name with dot and control bytes inside a label is escaped",
                 b(1, 0, rev, 12).rr(rev, 12, {3, 'a', '.', 'b', 2, 0x01, 'Z', 0}).bytes(),
                 std::string(rev), 12, dns_status::ok, {"a\\.b.\\001z"}, {}, ""});
  return out;
}

TEST(DnsAnswerTest, Table) {
  for (const answer_case& c : cases()) {
    SCOPED_TRACE(c.label);
    dns_answer a;
    parse_answer(c.packet, c.qname, c.qtype, a);
    EXPECT_EQ(a.status, c.status);
    EXPECT_EQ(a.names, c.names);
    std::vector<std::string> addrs;
    for (const ip_address& ip : a.addrs) {
      addrs.push_back(ip.to_string());
    }
    EXPECT_EQ(addrs, c.addrs);
    EXPECT_EQ(a.dangling_cname, c.dangling);
  }
}

TEST(DnsAnswerTest, HostileBytesNeverCrash) {
  using b = dns_packet_builder;
  std::vector<uint8_t> good = b(1, 0, rev, 12).rr_at_question(12, b::name("a.example")).bytes();
  dns_answer a;
  // Every truncation of a valid packet is an error or a shorter answer.
  for (size_t n = 0; n < good.size(); ++n) {
    parse_answer(std::span<const uint8_t>(good.data(), n), rev, 12, a);
    EXPECT_NE(a.status, dns_status::ok) << "length " << n;
  }
  // A compression pointer that points at itself.
  std::vector<uint8_t> loop = b(1, 0, rev, 12).bytes();
  loop[7] = 1;  // ancount 1
  size_t self = loop.size();
  loop.push_back(0xc0 | static_cast<uint8_t>(self >> 8));
  loop.push_back(static_cast<uint8_t>(self));
  loop.insert(loop.end(), {0, 12, 0, 1, 0, 0, 0, 0, 0, 0});
  parse_answer(loop, rev, 12, a);
  EXPECT_EQ(a.status, dns_status::error);
  // Pointer past the end of the packet.
  std::vector<uint8_t> past = b(1, 0, rev, 12).rr_at_question(12, {0xc0, 0xff}).bytes();
  parse_answer(past, rev, 12, a);
  EXPECT_THAT(a.names, IsEmpty());
}

TEST(DnsAnswerTest, CnameLoopStopsWithoutAnswer) {
  using b = dns_packet_builder;
  std::vector<uint8_t> p = b(1, 0, "a.example", 1)
                               .rr("a.example", 5, b::name("b.example"))
                               .rr("b.example", 5, b::name("a.example"))
                               .bytes();
  dns_answer a;
  parse_answer(p, "a.example", 1, a);
  EXPECT_EQ(a.status, dns_status::nodata);
  EXPECT_THAT(a.addrs, IsEmpty());
}

/// An answer whose records sit at the end of a chain of `hops` CNAMEs from
/// `qname`: qname -> c1.chain.example -> ... -> c<hops>.chain.example.
std::vector<uint8_t> chained(std::string_view qname, uint16_t qtype, int hops,
                             const std::vector<uint8_t>& rdata) {
  using b = dns_packet_builder;
  b p(1, 0, qname, qtype);
  std::string owner(qname);
  for (int i = 1; i <= hops; ++i) {
    const std::string target = "c" + std::to_string(i) + ".chain.example";
    p.rr(owner, 5, b::name(target));
    owner = target;
  }
  p.rr(owner, qtype, rdata);
  return p.bytes();
}

TEST(DnsAnswerTest, ChainsUpToTheHopLimitAreFollowedLongerOnesCut) {
  using b = dns_packet_builder;
  ASSERT_EQ(max_cname_hops, 8);
  struct chain_case {
    uint16_t qtype;
    int hops;
    dns_status status;
  };
  const std::vector<chain_case> cases = {
      {12, 1, dns_status::ok},
      {12, 7, dns_status::ok},
      {12, max_cname_hops, dns_status::ok},  // exactly the limit: followed to the end
      {12, max_cname_hops + 1, dns_status::nodata},
      {1, max_cname_hops - 1, dns_status::ok},
      {1, max_cname_hops, dns_status::ok},
      {1, max_cname_hops + 1, dns_status::nodata},
      {28, max_cname_hops, dns_status::ok},
      {28, max_cname_hops + 1, dns_status::nodata},
  };
  const std::vector<uint8_t> v6 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7};
  for (const chain_case& c : cases) {
    SCOPED_TRACE("qtype " + std::to_string(c.qtype) + ", " + std::to_string(c.hops) + " hops");
    const std::string qname = c.qtype == 12 ? std::string(rev) : "www.example";
    const std::vector<uint8_t> rdata = c.qtype == 12  ? b::name("end.example")
                                       : c.qtype == 1 ? b::ipv4(198, 18, 0, 7)
                                                      : v6;
    dns_answer a;
    parse_answer(chained(qname, c.qtype, c.hops, rdata), qname, c.qtype, a);
    EXPECT_EQ(a.status, c.status);
    if (c.status == dns_status::ok) {
      EXPECT_EQ(a.cname_hops, c.hops);
      if (c.qtype == 12) {
        EXPECT_THAT(a.names, ElementsAre("end.example"));
      } else {
        ASSERT_EQ(a.addrs.size(), 1u);
        EXPECT_EQ(a.addrs[0].to_string(), c.qtype == 1 ? "198.18.0.7" : "2001:db8::7");
      }
    } else {
      // Past the limit: no answer, and nothing left to re-ask either.
      EXPECT_THAT(a.names, IsEmpty());
      EXPECT_THAT(a.addrs, IsEmpty());
      EXPECT_EQ(a.dangling_cname, "");
    }
  }
}

TEST(DnsAnswerTest, NameEndingInAnEscapedDotIsFound) {
  // Asked for x\. (one label, the octets 'x' '.'), answered for exactly that
  // name: the final dot is part of the label, not the root, and must not be
  // stripped from the question only (found by fuzz/dns_answer).
  const std::vector<uint8_t> p = {
      0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,      // header: 1 question, 1 answer
      2, 'x', '.', 0, 0, 1, 0, 1,                    // x\. A IN
      0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4,        // owner -> question, A IN, rdlen 4
      192, 0, 2, 1};
  dns_answer a;
  parse_answer(p, "X\\.", 1, a);
  EXPECT_EQ(a.status, dns_status::ok);
  ASSERT_EQ(a.addrs.size(), 1u);
  EXPECT_EQ(a.addrs[0].to_string(), "192.0.2.1");
}

TEST(DnsAnswerTest, NamesOver255OctetsAreRejected) {
  // Four 62-octet labels and one of `last` octets: 4 * 63 + 1 + last + 1
  // (the root) octets on the wire. 255 is the limit (RFC 1035 §2.3.4); a
  // 256-octet PTR target used to be accepted, and its A/AAAA query could
  // then not be encoded (found by fuzz/dns_answer).
  auto target = [](size_t last) {
    const std::string label(62, 'a');
    return label + "." + label + "." + label + "." + label + "." + std::string(last, 'b');
  };
  using b = dns_packet_builder;
  dns_answer a;
  parse_answer(b(1, 0, rev, 12).rr_at_question(12, b::name(target(1))).bytes(), rev, 12, a);
  EXPECT_EQ(a.status, dns_status::ok);
  EXPECT_THAT(a.names, ElementsAre(target(1)));
  parse_answer(b(1, 0, rev, 12).rr_at_question(12, b::name(target(2))).bytes(), rev, 12, a);
  EXPECT_EQ(a.status, dns_status::nodata);
  EXPECT_THAT(a.names, IsEmpty());
}

TEST(DnsNameTest, NormaliseAndCompare) {
  EXPECT_EQ(normalise_name("MX1.Example.ORG."), "mx1.example.org");
  EXPECT_EQ(normalise_name(""), "");
  // An escaped final dot is part of the last label, not the root (found by
  // fuzz/dns_answer: a question name whose last label ends in '.' did not
  // match its own records).
  EXPECT_EQ(normalise_name("X\\."), "x\\.");
  EXPECT_EQ(normalise_name("x\\\\."), "x\\\\");
  EXPECT_FALSE(same_name("x\\.", "x\\"));
  EXPECT_TRUE(same_name("X\\.", "x\\."));
  EXPECT_TRUE(same_name("Mx1.example.org.", "mx1.EXAMPLE.org"));
  EXPECT_FALSE(same_name("mx1.example.org", "mx2.example.org"));
  EXPECT_FALSE(same_name("mx1.example.org", "mx1.example.org.uk"));
}

}  // namespace
}  // namespace ptrscan
