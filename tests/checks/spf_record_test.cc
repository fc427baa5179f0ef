#include "checks/spf_record.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checks/spf_macro.h"

namespace ptrscan {
namespace {

using ::testing::HasSubstr;

TEST(SpfRecordTest, VersionSection) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("v=spf1 -all"));
  EXPECT_TRUE(is_spf_record("V=SPF1 -all"));    // ABNF strings are case-insensitive
  EXPECT_FALSE(is_spf_record("v=spf10 -all"));  // §4.5
  EXPECT_FALSE(is_spf_record("v=spf2.0/pra -all"));
  EXPECT_FALSE(is_spf_record(" v=spf1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf1\t-all"));
  EXPECT_FALSE(is_spf_record("v=spf"));
}

TEST(SpfRecordTest, Selection) {
  using k = spf_selection::kind;
  const std::vector<std::string> none = {"google-site-verification=x", "v=spf10"};
  EXPECT_EQ(select_spf_record(none).found, k::none);
  EXPECT_EQ(select_spf_record({}).found, k::none);
  const std::vector<std::string> one = {"x", "v=spf1 mx -all"};
  const spf_selection s = select_spf_record(one);
  EXPECT_EQ(s.found, k::one);
  EXPECT_EQ(s.index, 1u);
  const std::vector<std::string> two = {"v=spf1 -all", "x", "V=spf1 +all"};
  EXPECT_EQ(select_spf_record(two).found, k::multiple);
}

TEST(SpfRecordTest, ParsesEveryTermKind) {
  const spf_parse_result r = parse_spf_record(
      "v=spf1  a/24//64 mx:example.net/26 -ip4:192.0.2.0/24 ~ip6:2001:DB8::/32 "
      "?exists:%{i}.x.example include:_spf.example.net ptr A:%{d}//48 +all "
      "redirect=example.org exp=explain.example.org foo.bar-1=%{d}x  ");
  ASSERT_TRUE(r.ok()) << r.error;
  const spf_record& rec = r.record;
  ASSERT_EQ(rec.directives.size(), 9u);
  const auto& d = rec.directives;

  EXPECT_EQ(d[0].mechanism, spf_mechanism::a);
  EXPECT_EQ(d[0].qualifier, spf_qualifier::pass);
  EXPECT_EQ(d[0].cidr4, 24);
  EXPECT_EQ(d[0].cidr6, 64);
  EXPECT_TRUE(d[0].domain_spec.empty());
  EXPECT_EQ(rec.view(d[0].text), "a/24//64");

  EXPECT_EQ(d[1].mechanism, spf_mechanism::mx);
  EXPECT_EQ(rec.view(d[1].domain_spec), "example.net");
  EXPECT_EQ(d[1].cidr4, 26);
  EXPECT_EQ(d[1].cidr6, 128);

  EXPECT_EQ(d[2].mechanism, spf_mechanism::ip4);
  EXPECT_EQ(d[2].qualifier, spf_qualifier::fail);
  EXPECT_EQ(d[2].network, *ip_address::parse("192.0.2.0"));
  EXPECT_EQ(d[2].cidr4, 24);

  EXPECT_EQ(d[3].mechanism, spf_mechanism::ip6);
  EXPECT_EQ(d[3].qualifier, spf_qualifier::softfail);
  EXPECT_EQ(d[3].network, *ip_address::parse("2001:db8::"));
  EXPECT_EQ(d[3].cidr6, 32);

  EXPECT_EQ(d[4].mechanism, spf_mechanism::exists);
  EXPECT_EQ(d[4].qualifier, spf_qualifier::neutral);
  EXPECT_EQ(rec.view(d[4].domain_spec), "%{i}.x.example");

  EXPECT_EQ(d[5].mechanism, spf_mechanism::include);
  EXPECT_EQ(rec.view(d[5].domain_spec), "_spf.example.net");
  EXPECT_EQ(d[6].mechanism, spf_mechanism::ptr);

  EXPECT_EQ(d[7].mechanism, spf_mechanism::a);  // mechanism names are case-insensitive
  EXPECT_EQ(rec.view(d[7].domain_spec), "%{d}");
  EXPECT_EQ(d[7].cidr4, 32);
  EXPECT_EQ(d[7].cidr6, 48);

  EXPECT_EQ(d[8].mechanism, spf_mechanism::all);
  EXPECT_EQ(rec.view(d[8].text), "+all");

  EXPECT_EQ(rec.view(rec.redirect), "example.org");
  EXPECT_EQ(rec.view(rec.redirect_term), "redirect=example.org");
  EXPECT_EQ(rec.view(rec.explanation), "explain.example.org");
}

TEST(SpfRecordTest, MovingKeepsTheViewsRight) {
  // Short enough for the string's inline buffer: offsets, not pointers.
  spf_parse_result r = parse_spf_record("v=spf1 a:b.cd");
  ASSERT_TRUE(r.ok());
  const spf_record moved = std::move(r.record);
  EXPECT_EQ(moved.view(moved.directives[0].domain_spec), "b.cd");
}

struct error_case {
  std::string record;
  std::string want;  // a substring of the error
};

TEST(SpfRecordTest, SyntaxErrors) {
  const std::vector<error_case> cases = {
      {"v=spf1 ip4:1.2.3 -all", "syntax error at 'ip4:1.2.3': invalid ip4 address"},
      {"v=spf1 ip4", "'ip4': missing ':address'"},
      {"v=spf1 ip4:", "invalid ip4 address"},
      {"v=spf1 ip4:192.0.2.0/33", "invalid ip4 CIDR length"},
      {"v=spf1 ip4:192.0.2.0/024", "invalid ip4 CIDR length"},
      {"v=spf1 ip4:192.0.2.0/", "invalid ip4 CIDR length"},
      {"v=spf1 ip4:2001:db8::1", "invalid ip4 address"},
      {"v=spf1 ip6:192.0.2.1", "invalid ip6 address"},
      {"v=spf1 ip6:2001:db8::/129", "invalid ip6 CIDR length"},
      {"v=spf1 a/33", "invalid ip4 CIDR length"},
      {"v=spf1 a//129", "invalid ip6 CIDR length"},
      {"v=spf1 mx:example.com/24/", "top-level label"},
      {"v=spf1 a:1.2.3.4", "'a:1.2.3.4'"},
      {"v=spf1 a:localhost", "top-level label"},
      {"v=spf1 a:", "empty domain-spec"},
      {"v=spf1 include", "missing ':domain'"},
      {"v=spf1 include:", "empty domain-spec"},
      {"v=spf1 exists:%{x}.example.com", "unknown macro letter"},
      {"v=spf1 exists:%{d0}.example.com", "zero"},
      {"v=spf1 all:example.com", "'all' takes no arguments"},
      {"v=spf1 foo:bar", "'foo:bar': unknown mechanism"},
      {"v=spf1 -redirect=x.example", "unknown mechanism"},
      {"v=spf1 mxa", "unknown mechanism"},
      {"v=spf1 ptr/24", "unexpected text"},
      {"v=spf1 redirect=a.example redirect=b.example", "more than once"},
      {"v=spf1 exp=a.example exp=b.example", "more than once"},
      {"v=spf1 redirect=", "empty domain-spec"},
      {"v=spf1 foo=%", "'%' at the end"},
      {"v=spf1 -all\tmx", "unknown mechanism"},
      {"v=spf1 +all ip4:bad", "ip4:bad"},  // §4.6: an error anywhere, even after a match
      {"spf1 -all", "not an SPF record"},
  };
  for (const error_case& c : cases) {
    SCOPED_TRACE(c.record);
    const spf_parse_result r = parse_spf_record(c.record);
    EXPECT_FALSE(r.ok());
    EXPECT_THAT(r.error, HasSubstr(c.want));
  }
}

TEST(SpfRecordTest, UnknownModifiersAreIgnored) {
  const spf_parse_result r = parse_spf_record("v=spf1 moo=cow ra=postmaster x.y_z-1= -all");
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_EQ(r.record.directives.size(), 1u);
  EXPECT_FALSE(r.record.has_redirect());
}

TEST(SpfRecordTest, EmptyRecordIsValid) {
  EXPECT_TRUE(parse_spf_record("v=spf1").ok());
  EXPECT_TRUE(parse_spf_record("v=spf1   ").ok());
}

TEST(SpfRecordTest, MutatedRecordsNeverCrash) {
  // Grammar characters, so mutations reach deep into the parser and the
  // macro expander rather than stopping at the first unknown byte.
  const std::string alphabet = "v=spf1 :/%{}.-+~?_,aAdDiIlLrR0123456789mxptxe\t\x80";
  const std::string base =
      "v=spf1 a/24//64 mx:%{d2}.example.net/26 -ip4:192.0.2.0/24 ~ip6:2001:db8::/32 "
      "?exists:%{ir}.%{v}.%{l1r-}.x.example include:_spf.%{d} redirect=%{o}.example.org";
  const spf_macro_context ctx{"strong-bad", "example.com", "example.com", "mx.example.com",
                              *ip_address::parse("2001:db8::1"), {}};
  uint32_t state = 777;  // a fixed LCG: the same mutations every run
  auto next = [&state] {
    state = state * 1103515245u + 12345u;
    return state >> 16;
  };
  int valid = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(next() % 3);
    for (int k = 0; k < edits; ++k) {
      const size_t at = 7 + next() % (text.size() - 7);
      const char c = alphabet[next() % alphabet.size()];
      switch (next() % 3) {
        case 0:
          text[at] = c;
          break;
        case 1:
          text.insert(at, 1, c);
          break;
        default:
          text.erase(at, 1);
          break;
      }
    }
    const spf_parse_result r = parse_spf_record(text);
    if (!r.ok()) {
      continue;
    }
    ++valid;
    for (const spf_directive& d : r.record.directives) {
      EXPECT_LE(d.cidr4, 32);
      EXPECT_LE(d.cidr6, 128);
      EXPECT_LE(d.domain_spec.pos + d.domain_spec.len, r.record.text.size());
      expand_macros(r.record.view(d.domain_spec), ctx);
    }
    expand_macros(r.record.view(r.record.redirect), ctx);
  }
  EXPECT_GT(valid, 100);
}

}  // namespace
}  // namespace ptrscan
