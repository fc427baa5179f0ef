#include "dns/reply.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

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
  std::string_view reason = {};  // with status error
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
  // Was skipped (nodata) by the PTR/A/AAAA parser; a record of the asked
  // type that cannot be read now makes the answer an error, as for TXT/MX.
  out.push_back({"a record with wrong rdlength is malformed",
                 b(1, 0, "a.example", 1).rr("a.example", 1, {1, 2, 3}).bytes(), "a.example", 1,
                 dns_status::error, {}, {}, "", dns_reason::malformed});
  out.push_back({"aaaa record with wrong rdlength is malformed",
                 b(1, 0, "a.example", 28).rr("a.example", 28, {1, 2, 3, 4}).bytes(), "a.example",
                 28, dns_status::error, {}, {}, "", dns_reason::malformed});
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
                 dns_status::error, {}, {}, "", dns_reason::rcode});
  out.push_back({"noerror, no answers", b(1, 0, rev, 12).bytes(), std::string(rev), 12,
                 dns_status::nodata, {}, {}, ""});
  out.push_back({"name with dot and control bytes inside a label is escaped",
                 b(1, 0, rev, 12).rr(rev, 12, {3, 'a', '.', 'b', 2, 0x01, 'Z', 0}).bytes(),
                 std::string(rev), 12, dns_status::ok, {"a\\.b.\\001z"}, {}, ""});
  return out;
}

TEST(DnsReplyTest, Table) {
  for (const answer_case& c : cases()) {
    SCOPED_TRACE(c.label);
    dns_reply a;
    parse_reply(c.packet, c.qname, c.qtype, a);
    EXPECT_EQ(a.status, c.status);
    EXPECT_EQ(a.reason, c.reason);
    EXPECT_EQ(a.names, c.names);
    EXPECT_EQ(a.names_total, c.names.size());
    std::vector<std::string> addrs;
    for (const ip_address& ip : a.addrs) {
      addrs.push_back(ip.to_string());
    }
    EXPECT_EQ(addrs, c.addrs);
    EXPECT_EQ(a.dangling_cname, c.dangling);
  }
}

TEST(DnsReplyTest, HostileBytesNeverCrash) {
  using b = dns_packet_builder;
  std::vector<uint8_t> good = b(1, 0, rev, 12).rr_at_question(12, b::name("a.example")).bytes();
  dns_reply a;
  // Every truncation of a valid packet is an error or a shorter answer.
  for (size_t n = 0; n < good.size(); ++n) {
    parse_reply(std::span<const uint8_t>(good.data(), n), rev, 12, a);
    EXPECT_NE(a.status, dns_status::ok) << "length " << n;
  }
  // A compression pointer that points at itself.
  std::vector<uint8_t> loop = b(1, 0, rev, 12).bytes();
  loop[7] = 1;  // ancount 1
  size_t self = loop.size();
  loop.push_back(0xc0 | static_cast<uint8_t>(self >> 8));
  loop.push_back(static_cast<uint8_t>(self));
  loop.insert(loop.end(), {0, 12, 0, 1, 0, 0, 0, 0, 0, 0});
  parse_reply(loop, rev, 12, a);
  EXPECT_EQ(a.status, dns_status::error);
  EXPECT_EQ(a.reason, dns_reason::malformed);
  // Pointer past the end of the packet.
  std::vector<uint8_t> past = b(1, 0, rev, 12).rr_at_question(12, {0xc0, 0xff}).bytes();
  parse_reply(past, rev, 12, a);
  EXPECT_THAT(a.names, IsEmpty());
  EXPECT_EQ(a.status, dns_status::error);
  EXPECT_EQ(a.reason, dns_reason::malformed);
}

/// A PTR answer for `rev` whose record's rdata is `rdata`, after `good`
/// readable PTR records; the rdata starts at the returned packet's
/// `rdata_at` (set on return).
std::vector<uint8_t> ptr_with_rdata(const std::vector<uint8_t>& rdata, int good,
                                    size_t& rdata_at) {
  using b = dns_packet_builder;
  b p(1, 0, rev, 12);
  for (int i = 0; i < good; ++i) {
    p.rr_at_question(12, b::name("good" + std::to_string(i) + ".example"));
  }
  p.rr_at_question(12, rdata);
  std::vector<uint8_t> out = p.bytes();
  rdata_at = out.size() - rdata.size();
  return out;
}

// Issue 15 item 4: a PTR target that cannot be read is a malformed answer
// (error, reason "malformed"), not nodata, which would claim the name exists
// without a PTR; and it hides no good PTR beside it either.
TEST(DnsReplyTest, UnreadablePtrTargetIsMalformedNotNodata) {
  for (int good : {0, 2}) {
    SCOPED_TRACE(std::to_string(good) + " good records before it");
    struct rdata_case {
      std::string label;
      std::vector<uint8_t> rdata;
      bool self_pointer;  // rdata is a pointer patched to its own offset
    };
    const std::vector<rdata_case> cases = {
        {"compression pointer to itself", {0xc0, 0x00}, true},
        {"0x40 (extended) label type", {0x41, 'a', 0}, false},
        {"0x80 (reserved) label type", {0x81, 'a', 0}, false},
        {"0x40 label after a normal one", {1, 'a', 0x42, 'b', 'c', 0}, false},
        {"name runs past its rdata", {1, 'a', 0, 0xaa}, false},
        {"name cut inside its rdata", {5, 'a', 'b'}, false},
    };
    for (const rdata_case& c : cases) {
      SCOPED_TRACE(c.label);
      size_t at = 0;
      std::vector<uint8_t> p = ptr_with_rdata(c.rdata, good, at);
      if (c.self_pointer) {
        p[at] = static_cast<uint8_t>(0xc0 | (at >> 8));
        p[at + 1] = static_cast<uint8_t>(at);
      }
      dns_reply a;
      parse_reply(p, rev, dns_type_ptr, a);
      EXPECT_EQ(a.status, dns_status::error);
      EXPECT_EQ(a.reason, dns_reason::malformed);
      EXPECT_THAT(a.names, IsEmpty());
    }
  }
  // The same records, readable, are an answer: only the damage decides.
  size_t at = 0;
  dns_reply a;
  parse_reply(ptr_with_rdata(dns_packet_builder::name("fine.example"), 2, at), rev,
              dns_type_ptr, a);
  EXPECT_EQ(a.status, dns_status::ok);
  // Sorted, not in answer order (see PtrNamesAreSortedDistinctAndCapped).
  EXPECT_THAT(a.names, ElementsAre("fine.example", "good0.example", "good1.example"));
  EXPECT_EQ(a.reason, "");
}

std::string numbered(int i) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "h%04d.big.example", i);
  return buf;
}

// Issue 15: the names kept from one answer are capped, counted and the same
// whatever order the RR set comes in (FCrDNS and rdns read them in this
// order, so their verdicts cannot depend on the resolver's rotation).
TEST(DnsReplyTest, PtrNamesAreSortedDistinctAndCapped) {
  constexpr int distinct = 40;
  std::vector<std::string> expected;
  for (int i = 0; i < static_cast<int>(max_ptr_names); ++i) {
    expected.push_back(numbered(i));
  }
  // Several orders of the same RR set (rotations and the reverse), with a
  // few names repeated: the same names kept, the same total.
  for (int rotate : {0, 1, 7, 20, 33, 39, -1}) {
    SCOPED_TRACE("rotate " + std::to_string(rotate));
    dns_packet_builder b(1, 0, rev, 12);
    for (int k = 0; k < distinct; ++k) {
      const int i = rotate < 0 ? distinct - 1 - k : (k + rotate) % distinct;
      // Mixed case: kept lower-case, so "H0005" and "h0005" are one name.
      std::string n = numbered(i);
      if (i % 5 == 0) {
        n[0] = 'H';
      }
      b.rr_at_question(12, dns_packet_builder::name(n));
      if (i % 9 == 0) {
        b.rr_at_question(12, dns_packet_builder::name(numbered(i)));  // a repeat
      }
    }
    dns_reply a;
    parse_reply(b.bytes(), rev, dns_type_ptr, a);
    EXPECT_EQ(a.status, dns_status::ok);
    EXPECT_EQ(a.names, expected);
    EXPECT_EQ(a.names_total, uint32_t{distinct});
  }
  // At or under the cap, everything is kept and the total is the count.
  dns_reply a;
  parse_reply(dns_packet_builder(1, 0, rev, 12)
                  .rr_at_question(12, dns_packet_builder::name("b.example"))
                  .rr_at_question(12, dns_packet_builder::name("a.example"))
                  .rr_at_question(12, dns_packet_builder::name("b.example"))
                  .bytes(),
              rev, dns_type_ptr, a);
  EXPECT_THAT(a.names, ElementsAre("a.example", "b.example"));
  EXPECT_EQ(a.names_total, 2u);
}

// A 62 KB answer of 2,000 distinct names keeps 32 of them: what is held
// after parsing does not follow what the peer sent.
TEST(DnsReplyTest, LargestTcpAnswerKeepsOnlyTheCap) {
  dns_packet_builder b(1, 0, rev, 12);
  for (int n = 0; n < 2000; ++n) {
    b.rr_at_question(12, dns_packet_builder::name(numbered(1999 - n)));
  }
  const std::vector<uint8_t> packet = b.bytes();
  ASSERT_LE(packet.size(), 65535u);
  dns_reply a;
  parse_reply(packet, rev, dns_type_ptr, a);
  EXPECT_EQ(a.status, dns_status::ok);
  ASSERT_EQ(a.names.size(), max_ptr_names);
  EXPECT_EQ(a.names.front(), numbered(0));
  EXPECT_EQ(a.names.back(), numbered(static_cast<int>(max_ptr_names) - 1));
  EXPECT_EQ(a.names_total, 2000u);
  // A damaged record among them still makes the whole answer an error.
  std::vector<uint8_t> broken = packet;
  broken[broken.size() - 1] = 0x7f;  // the last name no longer ends with its rdata
  parse_reply(broken, rev, dns_type_ptr, a);
  EXPECT_EQ(a.status, dns_status::error);
  EXPECT_THAT(a.names, IsEmpty());
  EXPECT_EQ(a.names_total, 0u);
}

TEST(DnsReplyTest, UnreadableCnameTargetIsMalformed) {
  using b = dns_packet_builder;
  for (uint16_t qtype : {dns_type_a, dns_type_ptr, dns_type_txt, dns_type_mx}) {
    SCOPED_TRACE(qtype);
    std::vector<uint8_t> p = b(1, 0, "a.example", qtype).rr_at_question(5, {0xc0, 0}).bytes();
    const size_t at = p.size() - 2;
    p[at + 1] = static_cast<uint8_t>(at);  // the CNAME's target points at itself
    dns_reply a;
    parse_reply(p, "a.example", qtype, a);
    EXPECT_EQ(a.status, dns_status::error);
    EXPECT_EQ(a.reason, dns_reason::malformed);
    EXPECT_EQ(a.dangling_cname, "");
  }
}

TEST(DnsReplyTest, CnameLoopStopsWithoutAnswer) {
  using b = dns_packet_builder;
  std::vector<uint8_t> p = b(1, 0, "a.example", 1)
                               .rr("a.example", 5, b::name("b.example"))
                               .rr("b.example", 5, b::name("a.example"))
                               .bytes();
  dns_reply a;
  parse_reply(p, "a.example", 1, a);
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

TEST(DnsReplyTest, ChainsUpToTheHopLimitAreFollowedLongerOnesCut) {
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
    dns_reply a;
    parse_reply(chained(qname, c.qtype, c.hops, rdata), qname, c.qtype, a);
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

TEST(DnsReplyTest, NameEndingInAnEscapedDotIsFound) {
  // Asked for x\. (one label, the octets 'x' '.'), answered for exactly that
  // name: the final dot is part of the label, not the root, and must not be
  // stripped from the question only (found by fuzz/dns_answer).
  const std::vector<uint8_t> p = {
      0, 1, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0,      // header: 1 question, 1 answer
      2, 'x', '.', 0, 0, 1, 0, 1,                    // x\. A IN
      0xc0, 12, 0, 1, 0, 1, 0, 0, 1, 0, 0, 4,        // owner -> question, A IN, rdlen 4
      192, 0, 2, 1};
  dns_reply a;
  parse_reply(p, "X\\.", 1, a);
  EXPECT_EQ(a.status, dns_status::ok);
  ASSERT_EQ(a.addrs.size(), 1u);
  EXPECT_EQ(a.addrs[0].to_string(), "192.0.2.1");
}

TEST(DnsReplyTest, NamesOver255OctetsAreRejected) {
  // Four 62-octet labels and one of `last` octets: 4 * 63 + 1 + last + 1
  // (the root) octets on the wire. 255 is the limit (RFC 1035 §2.3.4); a
  // 256-octet PTR target used to be accepted, and its A/AAAA query could
  // then not be encoded (found by fuzz/dns_answer).
  auto target = [](size_t last) {
    const std::string label(62, 'a');
    return label + "." + label + "." + label + "." + label + "." + std::string(last, 'b');
  };
  using b = dns_packet_builder;
  dns_reply a;
  parse_reply(b(1, 0, rev, 12).rr_at_question(12, b::name(target(1))).bytes(), rev, 12, a);
  EXPECT_EQ(a.status, dns_status::ok);
  EXPECT_THAT(a.names, ElementsAre(target(1)));
  // Was nodata (the record skipped); an unreadable PTR target is malformed.
  parse_reply(b(1, 0, rev, 12).rr_at_question(12, b::name(target(2))).bytes(), rev, 12, a);
  EXPECT_EQ(a.status, dns_status::error);
  EXPECT_EQ(a.reason, dns_reason::malformed);
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

// TXT and MX (formerly parse_records, lib/dns/records.cc).

using b = dns_packet_builder;

constexpr uint16_t txt = dns_type_txt;
constexpr uint16_t mx = dns_type_mx;

/// TXT rdata: one <length><octets> character-string per piece.
std::vector<uint8_t> txt_rdata(const std::vector<std::string>& pieces) {
  std::vector<uint8_t> out;
  for (const std::string& p : pieces) {
    out.push_back(static_cast<uint8_t>(p.size()));
    out.insert(out.end(), p.begin(), p.end());
  }
  return out;
}

/// MX rdata: preference and an uncompressed exchange ("" is the root).
std::vector<uint8_t> mx_rdata(uint16_t preference, const std::string& exchange) {
  std::vector<uint8_t> out = {static_cast<uint8_t>(preference >> 8),
                              static_cast<uint8_t>(preference)};
  if (exchange.empty()) {
    out.push_back(0);
  } else {
    const std::vector<uint8_t> name = b::name(exchange);
    out.insert(out.end(), name.begin(), name.end());
  }
  return out;
}

dns_reply parse(const std::vector<uint8_t>& packet, std::string_view qname, uint16_t qtype) {
  dns_reply out;
  parse_reply(packet, qname, qtype, out);
  // Only an error has a reason, and every error has one.
  EXPECT_EQ(out.reason.empty(), out.status != dns_status::error);
  return out;
}

struct txt_case {
  std::string label;
  std::vector<uint8_t> packet;
  dns_status status;
  std::vector<std::string> texts;
  std::string dangling;
};

TEST(DnsReplyRecordsTest, TxtTable) {
  const std::string spf_long(255, 'x');
  const std::vector<txt_case> cases = {
      {"one string",
       b(1, 0, "example.org", txt).rr("example.org", txt, txt_rdata({"v=spf1 -all"})).bytes(),
       dns_status::ok,
       {"v=spf1 -all"},
       ""},
      {"strings joined without a space (RFC 7208 3.3)",
       b(1, 0, "example.org", txt)
           .rr("example.org", txt,
               txt_rdata({"v=spf1 ip4:192.0.2.0/24", " ip4:198.51.100.0/24", " -all"}))
           .bytes(),
       dns_status::ok,
       {"v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24 -all"},
       ""},
      {"two records stay two",
       b(1, 0, "example.org", txt)
           .rr("example.org", txt, txt_rdata({"google-site-verification=abc"}))
           .rr_at_question(txt, txt_rdata({"v=spf1 mx -all"}))
           .bytes(),
       dns_status::ok,
       {"google-site-verification=abc", "v=spf1 mx -all"},
       ""},
      {"empty and 255-octet strings",
       b(1, 0, "example.org", txt).rr("example.org", txt, txt_rdata({"", spf_long, ""})).bytes(),
       dns_status::ok,
       {spf_long},
       ""},
      {"owner case differs",
       b(1, 0, "Example.ORG", txt).rr("EXAMPLE.org", txt, txt_rdata({"hello"})).bytes(),
       dns_status::ok,
       {"hello"},
       ""},
      {"through a cname",
       b(1, 0, "example.org", txt)
           .rr("example.org", 5, b::name("spf.example.net"))
           .rr("spf.example.net", txt, txt_rdata({"v=spf1 ?all"}))
           .bytes(),
       dns_status::ok,
       {"v=spf1 ?all"},
       ""},
      {"dangling cname",
       b(1, 0, "example.org", txt).rr("example.org", 5, b::name("spf.example.net")).bytes(),
       dns_status::nodata,
       {},
       "spf.example.net"},
      {"another owner's txt is ignored",
       b(1, 0, "example.org", txt).rr("evil.example", txt, txt_rdata({"v=spf1 +all"})).bytes(),
       dns_status::nodata,
       {},
       ""},
      {"non-IN class ignored",
       b(1, 0, "example.org", txt).rr("example.org", txt, txt_rdata({"x"}), 3).bytes(),
       dns_status::nodata,
       {},
       ""},
      {"empty rdata is a record with no text, beside the others",
       b(1, 0, "example.org", txt)
           .rr("example.org", txt, {})
           .rr("example.org", txt, txt_rdata({"v=spf1 -all"}))
           .bytes(),
       dns_status::ok,
       {"", "v=spf1 -all"},
       ""},
      {"string overruns its rdata",
       b(1, 0, "example.org", txt).rr("example.org", txt, {5, 'a', 'b'}).bytes(),
       dns_status::error,
       {},
       ""},
      {"a bad record hides no good one",
       b(1, 0, "example.org", txt)
           .rr("example.org", txt, txt_rdata({"v=spf1 -all"}))
           .rr("example.org", txt, {9, 'v'})
           .bytes(),
       dns_status::error,
       {},
       ""},
      {"nxdomain", b(1, 3, "example.org", txt).bytes(), dns_status::nxdomain, {}, ""},
      {"servfail", b(1, 2, "example.org", txt).bytes(), dns_status::servfail, {}, ""},
      {"refused", b(1, 5, "example.org", txt).bytes(), dns_status::refused, {}, ""},
      {"notimp", b(1, 4, "example.org", txt).bytes(), dns_status::error, {}, ""},
      {"noerror, no answers", b(1, 0, "example.org", txt).bytes(), dns_status::nodata, {}, ""},
  };
  for (const txt_case& c : cases) {
    SCOPED_TRACE(c.label);
    const dns_reply r = parse(c.packet, "example.org", txt);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.texts, c.texts);
    EXPECT_EQ(r.dangling_cname, c.dangling);
    EXPECT_THAT(r.mx, IsEmpty());
  }
}

TEST(DnsReplyRecordsTest, TxtKeepsRawOctets) {
  const std::vector<uint8_t> packet =
      b(1, 0, "example.org", txt).rr("example.org", txt, {3, 'a', 0, 0xff}).bytes();
  const dns_reply r = parse(packet, "example.org", txt);
  ASSERT_EQ(r.status, dns_status::ok);
  EXPECT_EQ(r.texts, std::vector<std::string>{std::string("a\0\xff", 3)});
}

struct mx_case {
  std::string label;
  std::vector<uint8_t> packet;
  dns_status status;
  std::vector<std::pair<uint16_t, std::string>> hosts;
  bool null_mx;
};

TEST(DnsReplyRecordsTest, MxTable) {
  // rdata whose exchange is "mx" + a pointer to the question name (offset 12).
  const std::vector<uint8_t> compressed = {0, 5, 2, 'm', 'x', 0xc0, 12};
  const std::vector<mx_case> cases = {
      {"two exchanges in answer order",
       b(1, 0, "example.org", mx)
           .rr("example.org", mx, mx_rdata(20, "MX2.Example.org"))
           .rr("example.org", mx, mx_rdata(10, "mx1.example.org."))
           .bytes(),
       dns_status::ok,
       {{20, "mx2.example.org"}, {10, "mx1.example.org"}},
       false},
      {"compressed exchange",
       b(1, 0, "example.org", mx).rr_at_question(mx, compressed).bytes(),
       dns_status::ok,
       {{5, "mx.example.org"}},
       false},
      {"null mx (RFC 7505)",
       b(1, 0, "example.org", mx).rr("example.org", mx, mx_rdata(0, "")).bytes(),
       dns_status::ok,
       {{0, ""}},
       true},
      {"root exchange beside another is not null mx",
       b(1, 0, "example.org", mx)
           .rr("example.org", mx, mx_rdata(0, ""))
           .rr("example.org", mx, mx_rdata(10, "mx.example.org"))
           .bytes(),
       dns_status::ok,
       {{0, ""}, {10, "mx.example.org"}},
       false},
      {"root exchange with a preference is not null mx",
       b(1, 0, "example.org", mx).rr("example.org", mx, mx_rdata(10, "")).bytes(),
       dns_status::ok,
       {{10, ""}},
       false},
      {"through a cname",
       b(1, 0, "example.org", mx)
           .rr("example.org", 5, b::name("alias.example.net"))
           .rr("alias.example.net", mx, mx_rdata(1, "mail.example.net"))
           .bytes(),
       dns_status::ok,
       {{1, "mail.example.net"}},
       false},
      {"rdata too short",
       b(1, 0, "example.org", mx).rr("example.org", mx, {0, 10}).bytes(),
       dns_status::error,
       {},
       false},
      {"exchange runs past rdata",
       b(1, 0, "example.org", mx).rr("example.org", mx, {0, 10, 4, 'm', 'a'}).bytes(),
       dns_status::error,
       {},
       false},
      {"junk after the exchange",
       b(1, 0, "example.org", mx).rr("example.org", mx, {0, 10, 1, 'm', 0, 0xaa}).bytes(),
       dns_status::error,
       {},
       false},
      {"nxdomain", b(1, 3, "example.org", mx).bytes(), dns_status::nxdomain, {}, false},
      {"nodata", b(1, 0, "example.org", mx).bytes(), dns_status::nodata, {}, false},
  };
  for (const mx_case& c : cases) {
    SCOPED_TRACE(c.label);
    const dns_reply r = parse(c.packet, "example.org", mx);
    EXPECT_EQ(r.status, c.status);
    std::vector<std::pair<uint16_t, std::string>> got;
    for (const mx_record& m : r.mx) {
      got.emplace_back(m.preference, m.exchange);
    }
    EXPECT_EQ(got, c.hosts);
    EXPECT_EQ(r.null_mx, c.null_mx);
  }
}

TEST(DnsReplyRecordsTest, ChainsUpToTheHopLimitAreFollowedLongerOnesCut) {
  ASSERT_EQ(max_cname_hops, 8);
  for (uint16_t qtype : {txt, mx}) {
    for (int hops : {1, max_cname_hops - 1, max_cname_hops, max_cname_hops + 1}) {
      SCOPED_TRACE("qtype " + std::to_string(qtype) + ", " + std::to_string(hops) + " hops");
      b p(1, 0, "example.org", qtype);
      std::string owner = "example.org";
      for (int i = 1; i <= hops; ++i) {
        const std::string target = "c" + std::to_string(i) + ".chain.example";
        p.rr(owner, 5, b::name(target));
        owner = target;
      }
      p.rr(owner, qtype, qtype == txt ? txt_rdata({"v=spf1 -all"}) : mx_rdata(10, "mx.example"));
      const dns_reply r = parse(p.bytes(), "example.org", qtype);
      if (hops <= max_cname_hops) {
        EXPECT_EQ(r.status, dns_status::ok);
        EXPECT_EQ(r.cname_hops, hops);
        EXPECT_EQ(r.texts.size() + r.mx.size(), 1u);
      } else {
        EXPECT_EQ(r.status, dns_status::nodata);
        EXPECT_THAT(r.texts, IsEmpty());
        EXPECT_THAT(r.mx, IsEmpty());
        EXPECT_EQ(r.dangling_cname, "");
      }
    }
  }
}

TEST(DnsReplyRecordsTest, AddressesThroughACname) {
  const dns_reply a = parse(b(1, 0, "www.example", dns_type_a)
                                  .rr("www.example", 5, b::name("c.example"))
                                  .rr("c.example", dns_type_a, b::ipv4(192, 0, 2, 7))
                                  .bytes(),
                              "www.example", dns_type_a);
  EXPECT_EQ(a.status, dns_status::ok);
  EXPECT_THAT(a.addrs, ElementsAre(*ip_address::parse("192.0.2.7")));
  const dns_reply aaaa =
      parse(b(1, 0, "v6.example", dns_type_aaaa)
                .rr("v6.example", dns_type_aaaa,
                    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0x01})
                .bytes(),
            "v6.example", dns_type_aaaa);
  EXPECT_EQ(aaaa.status, dns_status::ok);
  EXPECT_THAT(aaaa.addrs, ElementsAre(*ip_address::parse("2001:db8::cb01")));
}

TEST(DnsReplyRecordsTest, UnsupportedTypeIsAnError) {
  const dns_reply r = parse(b(1, 0, "example.org", 99).bytes(), "example.org", 99);
  EXPECT_EQ(r.status, dns_status::error);
  EXPECT_EQ(r.reason, dns_reason::unsupported_type);
}

TEST(DnsReplyRecordsTest, CompressionLoopInExchangeIsRejected) {
  std::vector<uint8_t> packet =
      b(1, 0, "example.org", mx).rr("example.org", mx, {0, 10, 0xc0, 0}).bytes();
  // Point the exchange's pointer at itself.
  packet.back() = static_cast<uint8_t>(packet.size() - 2);
  EXPECT_EQ(parse(packet, "example.org", mx).status, dns_status::error);
}

TEST(DnsReplyRecordsTest, CompressionLoopInOwnerIsRejected) {
  std::vector<uint8_t> packet =
      b(1, 0, "example.org", txt).rr_at_question(txt, txt_rdata({"v=spf1"})).bytes();
  // The answer's owner is the pointer right after the question; aim it at itself.
  const size_t owner = 12 + b::name("example.org").size() + 4;
  ASSERT_EQ(packet[owner], 0xc0);
  packet[owner + 1] = static_cast<uint8_t>(owner);
  EXPECT_EQ(parse(packet, "example.org", txt).status, dns_status::error);
}

TEST(DnsReplyRecordsTest, PointerOutsideThePacketIsRejected) {
  const std::vector<uint8_t> packet =
      b(1, 0, "example.org", mx).rr("example.org", mx, {0, 10, 0xff, 0xff}).bytes();
  EXPECT_EQ(parse(packet, "example.org", mx).status, dns_status::error);
}

TEST(DnsReplyRecordsTest, EveryTruncationIsAnError) {
  const std::vector<uint8_t> full = b(1, 0, "example.org", txt)
                                        .rr("example.org", txt, txt_rdata({"v=spf1 ", "-all"}))
                                        .rr("example.org", mx, mx_rdata(10, "mx.example.org"))
                                        .bytes();
  ASSERT_EQ(parse(full, "example.org", txt).status, dns_status::ok);
  for (size_t n = 0; n < full.size(); ++n) {
    SCOPED_TRACE(n);
    const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_EQ(parse(cut, "example.org", txt).status, dns_status::error);
    EXPECT_EQ(parse(cut, "example.org", mx).status, dns_status::error);
  }
}

TEST(DnsReplyRecordsTest, HugeAncountOnATinyPacket) {
  std::vector<uint8_t> packet = b(1, 0, "example.org", txt).bytes();
  packet[6] = 0xff;
  packet[7] = 0xff;
  EXPECT_EQ(parse(packet, "example.org", txt).status, dns_status::error);
}

TEST(DnsReplyRecordsTest, MutatedPacketsNeverCrash) {
  const std::vector<uint8_t> base = b(1, 0, "example.org", mx)
                                        .rr("example.org", 5, b::name("a.example.org"))
                                        .rr("a.example.org", mx, {0, 5, 2, 'm', 'x', 0xc0, 12})
                                        .rr_at_question(txt, txt_rdata({"v=spf1", " -all"}))
                                        .bytes();
  uint32_t state = 12345;  // a fixed LCG: the same mutations every run
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return state >> 16;
  };
  for (int round = 0; round < 5000; ++round) {
    std::vector<uint8_t> packet = base;
    const int flips = 1 + static_cast<int>(next() % 4);
    for (int k = 0; k < flips; ++k) {
      packet[next() % packet.size()] = static_cast<uint8_t>(next());
    }
    dns_reply r;
    parse_reply(packet, "example.org", mx, r);
    parse_reply(packet, "example.org", txt, r);
    for (const std::string& t : r.texts) {
      EXPECT_LE(t.size(), packet.size());
    }
  }
}

}  // namespace
}  // namespace ptrscan

namespace ptrscan {
namespace {

// The zone audit groups RFC 2317 hosts by the zone their PTR lives in: the
// owner of the records a CNAME led to.
TEST(DnsReplyTest, AnswerOwnerNamesWhereACnameLed) {
  using pb = testing::dns_packet_builder;
  const std::string_view name = "7.0.18.198.in-addr.arpa";
  dns_reply a;
  parse_reply(pb(1, 0, name, 12)
                  .rr(name, 5, pb::name("7.0-25.0.18.198.In-Addr.Arpa"))
                  .rr("7.0-25.0.18.198.in-addr.arpa", 12, pb::name("host.example"))
                  .bytes(),
              name, 12, a);
  EXPECT_EQ(a.status, dns_status::ok);
  EXPECT_EQ(a.answer_owner, "7.0-25.0.18.198.in-addr.arpa");
  parse_reply(pb(1, 0, name, 12).rr(name, 12, pb::name("host.example")).bytes(), name, 12, a);
  EXPECT_EQ(a.answer_owner, "");
}

}  // namespace
}  // namespace ptrscan

namespace ptrscan {
namespace {

// The record walk parse_reply and the answer cache share
// (skip_question_section, read_record): every field read where it lies,
// and every truncation of a good packet is malformed (0), never a record.
TEST(DnsRecordWalkTest, ReadsEachRecordAndRejectsEveryTruncation) {
  std::vector<uint8_t> full = b(1, 0, "example.org", 1)
                                  .rr("example.org", 1, b::ipv4(192, 0, 2, 1))
                                  .rr("Other.Example", 16, {3, 'a', 'b', 'c'}, 3)
                                  .bytes();
  full[full.size() - 4 - 2 - 4] = 0x80;  // the second record's TTL: 0x8000012c
  const size_t question_end = 12 + b::name("example.org").size() + 4;
  ASSERT_EQ(skip_question_section(full), question_end);

  std::string owner;
  dns_record_header h;
  const size_t second = read_record(full, question_end, &owner, h);
  EXPECT_EQ(owner, "example.org");
  EXPECT_EQ(h.type, 1);
  EXPECT_EQ(h.klass, 1);
  EXPECT_EQ(h.ttl, 300u);
  EXPECT_EQ(h.rdlength, 4);
  EXPECT_EQ(h.rdata, second - 4);
  EXPECT_EQ(full[h.rdata], 192);

  const size_t end = read_record(full, second, nullptr, h);
  EXPECT_EQ(end, full.size());
  EXPECT_EQ(h.type, 16);
  EXPECT_EQ(h.klass, 3);
  EXPECT_EQ(h.ttl, 0x8000012cu);  // as sent: the reader applies RFC 2181 §8
  EXPECT_EQ(h.rdlength, 4);
  EXPECT_EQ(h.rdata, full.size() - 4);

  for (size_t n = 0; n < full.size(); ++n) {
    SCOPED_TRACE(n);
    const std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    const size_t q = skip_question_section(cut);
    if (n < question_end) {
      EXPECT_EQ(q, 0u);
      continue;
    }
    EXPECT_EQ(q, question_end);
    const size_t r1 = read_record(cut, q, nullptr, h);
    if (n < second) {
      EXPECT_EQ(r1, 0u);
      continue;
    }
    EXPECT_EQ(read_record(cut, r1, nullptr, h), 0u);  // n < full.size()
  }
}

TEST(DnsRecordWalkTest, QuestionCountIsOnlyAClaim) {
  std::vector<uint8_t> packet = b(1, 0, "example.org", 1).bytes();
  packet[5] = 2;  // two questions claimed, one present
  EXPECT_EQ(skip_question_section(packet), 0u);
  packet[5] = 0;  // none: the records start after the header
  EXPECT_EQ(skip_question_section(packet), 12u);
}

}  // namespace
}  // namespace ptrscan
