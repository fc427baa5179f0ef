#include "tls/cert_names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptrscan {
namespace {

struct match_case {
  const char* presented;
  const char* reference;
  bool matches;
};

std::ostream& operator<<(std::ostream& os, const match_case& c) {
  return os << '"' << c.presented << "\" vs \"" << c.reference << "\" -> " << c.matches;
}

const match_case cases[] = {
    // Exact, case, trailing dots.
    {"mx1.example.com", "mx1.example.com", true},
    {"MX1.Example.COM", "mx1.example.com", true},
    {"mx1.example.com", "MX1.EXAMPLE.COM", true},
    {"mx1.example.com.", "mx1.example.com", true},
    {"mx1.example.com", "mx1.example.com.", true},
    {"mx1.example.com.", "mx1.example.com.", true},
    {"mx1.example.com", "mx2.example.com", false},
    {"mx1.example.com", "mx1.example.co", false},
    {"example.com", "mx1.example.com", false},
    {"mx1.example.com", "example.com", false},
    {"localhost", "localhost", true},
    // Wildcard as the whole left-most label.
    {"*.example.com", "a.example.com", true},
    {"*.example.com", "A.EXAMPLE.com", true},
    {"*.Example.Com", "mx.example.com.", true},
    {"*.example.com.", "mx.example.com", true},
    {"*.example.com", "example.com", false},
    {"*.example.com", ".example.com", false},
    {"*.example.com", "a.b.example.com", false},
    {"*.example.com", "a.example.org", false},
    {"*.example.com", "aexample.com", false},
    {"*.mail.example.test", "mx7.mail.example.test", true},
    // Partial-label wildcards are not honoured (RFC 6125 §7.2).
    {"w*.example.com", "www.example.com", false},
    {"*w.example.com", "www.example.com", false},
    {"w*w.example.com", "www.example.com", false},
    {"f*o.example.com", "foo.example.com", false},
    // Wildcards anywhere else.
    {"a.*.example.com", "a.b.example.com", false},
    {"*.*.example.com", "a.b.example.com", false},
    {"**.example.com", "a.example.com", false},
    {"*.example.*", "a.example.com", false},
    // Too few labels after the wildcard.
    {"*.com", "example.com", false},
    {"*.com.", "example.com", false},
    {"*.", "a.", false},
    {"*", "example", false},
    {"*", "*", false},
    {"*.", "*.", false},
    {"*..com", "a..com", false},
    // Empty strings.
    {"", "", false},
    {"", "example.com", false},
    {"example.com", "", false},
    {".", ".", false},
    // A reference with '*' is not a host name.
    {"*.example.com", "*.example.com", false},
    {"example.com", "*", false},
    // IP literals: exact only, never through a wildcard.
    {"192.0.2.1", "192.0.2.1", true},
    {"*.0.2.1", "192.0.2.1", false},
    {"*.2.1", "192.0.2.1", false},
    {"*.example.com", "2001:db8::1", false},
    // IDNA A-labels are plain ASCII.
    {"xn--bcher-kva.example", "XN--BCHER-KVA.example", true},
    {"*.xn--bcher-kva.example", "mx.xn--bcher-kva.example", true},
    {"*.example.com", "xn--bcher-kva.example.com", true},
    {"xn--bcher-kva.example", "bücher.example", false},
};

class CertNameMatchTest : public ::testing::TestWithParam<match_case> {};

TEST_P(CertNameMatchTest, Matches) {
  const match_case& c = GetParam();
  EXPECT_EQ(cert_name_matches(c.presented, c.reference), c.matches);
}

INSTANTIATE_TEST_SUITE_P(CertNameTable, CertNameMatchTest, ::testing::ValuesIn(cases));

TEST(CertNameAnyTest, AnyPairMatches) {
  const std::vector<std::string> names = {"mx1.example.test", "*.mail.example.test"};
  EXPECT_TRUE(any_cert_name_matches(names, {"mx1.example.test"}));
  EXPECT_TRUE(any_cert_name_matches(names, {"other.test", "a.mail.example.test"}));
  EXPECT_FALSE(any_cert_name_matches(names, {"mail.example.test", "a.b.mail.example.test"}));
  EXPECT_FALSE(any_cert_name_matches(names, {}));
  EXPECT_FALSE(any_cert_name_matches({}, {"mx1.example.test"}));
}

}  // namespace
}  // namespace ptrscan
