#include "checks/spf_macro.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptrscan {
namespace {

struct expansion_case {
  std::string macro;
  std::string want;
};

// RFC 7208 §7.4: sender strong-bad@email.example.com, IP 192.0.2.3.
spf_macro_context rfc_context(const ip_address& ip) {
  return spf_macro_context{"strong-bad", "email.example.com", "email.example.com", "mx.example.org",
                           ip, {}};
}

TEST(SpfMacroTest, Rfc7208Section74Examples) {
  const std::vector<expansion_case> cases = {
      {"%{s}", "strong-bad@email.example.com"},
      {"%{o}", "email.example.com"},
      {"%{d}", "email.example.com"},
      {"%{d4}", "email.example.com"},
      {"%{d3}", "email.example.com"},
      {"%{d2}", "example.com"},
      {"%{d1}", "com"},
      {"%{dr}", "com.example.email"},
      {"%{d2r}", "example.email"},
      {"%{l}", "strong-bad"},
      {"%{l-}", "strong.bad"},
      {"%{lr}", "strong-bad"},
      {"%{lr-}", "bad.strong"},
      {"%{l1r-}", "strong"},
      {"%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com"},
      {"%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com"},
      {"%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com"},
      {"%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com"},
      {"%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net"},
  };
  const spf_macro_context ctx = rfc_context(*ip_address::parse("192.0.2.3"));
  for (const expansion_case& c : cases) {
    SCOPED_TRACE(c.macro);
    ASSERT_TRUE(scan_macro_string(c.macro, false).error.empty());
    EXPECT_EQ(expand_macros(c.macro, ctx), c.want);
  }
}

TEST(SpfMacroTest, Rfc7208Section74Ipv6Example) {
  const spf_macro_context ctx = rfc_context(*ip_address::parse("2001:db8::cb01"));
  EXPECT_EQ(expand_macros("%{ir}.%{v}._spf.%{d2}", ctx),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
  EXPECT_EQ(expand_macros("%{i}", ctx),
            "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
}

TEST(SpfMacroTest, OtherLettersEscapesAndTransformers) {
  spf_macro_context ctx = rfc_context(*ip_address::parse("192.0.2.3"));
  ctx.local = "user+tag/x";
  const std::vector<expansion_case> cases = {
      {"%{h}", "mx.example.org"},
      {"%{p}", "unknown"},
      {"%{i}", "192.0.2.3"},
      {"%{v}", "in-addr"},
      {"100%%.%_.%-", "100%. .%20"},
      {"%{L}", "user%2Btag%2Fx"},  // upper case: URL-escaped (§7.3)
      {"%{l}", "user+tag/x"},
      {"%{l+/}", "user.tag.x"},
      {"%{l1+}", "tag/x"},
      {"%{D}", "email.example.com"},
      {"%{d99}", "email.example.com"},  // more parts than there are: all of them
      {"%{dR}", "com.example.email"},
      {"%{i2r}", "0.192"},  // 3.2.0.192, the two right-hand parts
      {"no macros", "no macros"},
  };
  for (const expansion_case& c : cases) {
    SCOPED_TRACE(c.macro);
    EXPECT_EQ(expand_macros(c.macro, ctx), c.want);
  }
}

TEST(SpfMacroTest, ScanRejectsMalformedMacros) {
  const std::vector<std::string> bad = {"%",     "%a",    "%{",          "%{x}", "%{d",
                                        "%{d0}", "%{d2r", "%{d.-x}",     "a b",  "%{c}",
                                        "%{r}",  "%{t}",  "caf\xc3\xa9", "%{}",  "%{dd}"};
  for (const std::string& s : bad) {
    SCOPED_TRACE(s);
    EXPECT_FALSE(scan_macro_string(s, false).error.empty());
  }
  // c, r and t are for exp text only (§7.2).
  EXPECT_FALSE(scan_macro_string("%{c} %{t}", true).error.empty());  // a space is no literal
  EXPECT_TRUE(scan_macro_string("%{c}.%{r}.%{t}", true).error.empty());
  EXPECT_TRUE(scan_macro_string("", false).error.empty());
  EXPECT_TRUE(scan_macro_string("%{d}", false).ends_in_macro);
  EXPECT_FALSE(scan_macro_string("%{d}.com", false).ends_in_macro);
}

TEST(SpfMacroTest, DomainSpecEnd) {
  const std::vector<std::string> good = {"example.com", "example.com.", "_spf.%{d2}",
                                         "%{d}",        "%{ir}.x.%{d}", "a.1-2",
                                         "a.xn--p1ai",  ".com",         "x.%%"};
  for (const std::string& s : good) {
    SCOPED_TRACE(s);
    EXPECT_TRUE(check_domain_spec(s).empty()) << check_domain_spec(s);
  }
  const std::vector<std::string> bad = {
      "",      "localhost", "1.2.3.4",        "example.-com", "example.com-",
      "a.b_c", "a..",       "example.com/24", "%{d}.123"};
  for (const std::string& s : bad) {
    SCOPED_TRACE(s);
    EXPECT_FALSE(check_domain_spec(s).empty());
  }
}

TEST(SpfMacroTest, TruncatesLongNamesFromTheLeft) {
  std::string name;
  for (int i = 0; i < 40; ++i) {
    name += "label" + std::to_string(i) + ".";
  }
  name += "example.com";
  ASSERT_GT(name.size(), 253u);
  const std::string_view cut = truncate_domain(name);
  EXPECT_LE(cut.size(), 253u);
  EXPECT_GT(cut.size(), 240u);
  EXPECT_TRUE(name.ends_with(cut));
  EXPECT_EQ(cut.substr(0, 5), "label");
  EXPECT_EQ(truncate_domain("short.example"), "short.example");
  EXPECT_EQ(truncate_domain(std::string(300, 'a')), "");
}

}  // namespace
}  // namespace ptrscan
