#include "dns/records.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "dns_packet_builder.h"

namespace ptrscan {
namespace {

using testing::dns_packet_builder;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
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

dns_records parse(const std::vector<uint8_t>& packet, std::string_view qname, uint16_t qtype) {
  dns_records out;
  parse_records(packet, qname, qtype, out);
  return out;
}

struct txt_case {
  std::string label;
  std::vector<uint8_t> packet;
  dns_status status;
  std::vector<std::string> texts;
  std::string dangling;
};

TEST(RecordsTest, TxtTable) {
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
      {"empty rdata is malformed",
       b(1, 0, "example.org", txt).rr("example.org", txt, {}).bytes(),
       dns_status::error,
       {},
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
    const dns_records r = parse(c.packet, "example.org", txt);
    EXPECT_EQ(r.status, c.status);
    EXPECT_EQ(r.texts, c.texts);
    EXPECT_EQ(r.dangling_cname, c.dangling);
    EXPECT_THAT(r.mx, IsEmpty());
  }
}

TEST(RecordsTest, TxtKeepsRawOctets) {
  const std::vector<uint8_t> packet =
      b(1, 0, "example.org", txt).rr("example.org", txt, {3, 'a', 0, 0xff}).bytes();
  const dns_records r = parse(packet, "example.org", txt);
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

TEST(RecordsTest, MxTable) {
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
    const dns_records r = parse(c.packet, "example.org", mx);
    EXPECT_EQ(r.status, c.status);
    std::vector<std::pair<uint16_t, std::string>> got;
    for (const mx_record& m : r.mx) {
      got.emplace_back(m.preference, m.exchange);
    }
    EXPECT_EQ(got, c.hosts);
    EXPECT_EQ(r.null_mx, c.null_mx);
  }
}

TEST(RecordsTest, ChainsUpToTheHopLimitAreFollowedLongerOnesCut) {
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
      const dns_records r = parse(p.bytes(), "example.org", qtype);
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

TEST(RecordsTest, AddressesGoThroughParseAnswer) {
  const dns_records a = parse(b(1, 0, "www.example", dns_type_a)
                                  .rr("www.example", 5, b::name("c.example"))
                                  .rr("c.example", dns_type_a, b::ipv4(192, 0, 2, 7))
                                  .bytes(),
                              "www.example", dns_type_a);
  EXPECT_EQ(a.status, dns_status::ok);
  EXPECT_THAT(a.addrs, ElementsAre(*ip_address::parse("192.0.2.7")));
  const dns_records aaaa =
      parse(b(1, 0, "v6.example", dns_type_aaaa)
                .rr("v6.example", dns_type_aaaa,
                    {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xcb, 0x01})
                .bytes(),
            "v6.example", dns_type_aaaa);
  EXPECT_EQ(aaaa.status, dns_status::ok);
  EXPECT_THAT(aaaa.addrs, ElementsAre(*ip_address::parse("2001:db8::cb01")));
}

TEST(RecordsTest, UnsupportedTypeIsAnError) {
  const dns_records r = parse(b(1, 0, "example.org", 99).bytes(), "example.org", 99);
  EXPECT_EQ(r.status, dns_status::error);
}

TEST(RecordsTest, CompressionLoopInExchangeIsRejected) {
  std::vector<uint8_t> packet =
      b(1, 0, "example.org", mx).rr("example.org", mx, {0, 10, 0xc0, 0}).bytes();
  // Point the exchange's pointer at itself.
  packet.back() = static_cast<uint8_t>(packet.size() - 2);
  EXPECT_EQ(parse(packet, "example.org", mx).status, dns_status::error);
}

TEST(RecordsTest, CompressionLoopInOwnerIsRejected) {
  std::vector<uint8_t> packet =
      b(1, 0, "example.org", txt).rr_at_question(txt, txt_rdata({"v=spf1"})).bytes();
  // The answer's owner is the pointer right after the question; aim it at itself.
  const size_t owner = 12 + b::name("example.org").size() + 4;
  ASSERT_EQ(packet[owner], 0xc0);
  packet[owner + 1] = static_cast<uint8_t>(owner);
  EXPECT_EQ(parse(packet, "example.org", txt).status, dns_status::error);
}

TEST(RecordsTest, PointerOutsideThePacketIsRejected) {
  const std::vector<uint8_t> packet =
      b(1, 0, "example.org", mx).rr("example.org", mx, {0, 10, 0xff, 0xff}).bytes();
  EXPECT_EQ(parse(packet, "example.org", mx).status, dns_status::error);
}

TEST(RecordsTest, EveryTruncationIsAnError) {
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

TEST(RecordsTest, HugeAncountOnATinyPacket) {
  std::vector<uint8_t> packet = b(1, 0, "example.org", txt).bytes();
  packet[6] = 0xff;
  packet[7] = 0xff;
  EXPECT_EQ(parse(packet, "example.org", txt).status, dns_status::error);
}

TEST(RecordsTest, MutatedPacketsNeverCrash) {
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
    dns_records r;
    parse_records(packet, "example.org", mx, r);
    parse_records(packet, "example.org", txt, r);
    for (const std::string& t : r.texts) {
      EXPECT_LE(t.size(), packet.size());
    }
  }
}

}  // namespace
}  // namespace ptrscan
