#include "checks/helo_verdict.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace ptrscan {
namespace {

ip_address ip(const char* text) { return *ip_address::parse(text); }

const ip_address client = ip("192.0.2.7");
const std::vector<std::string> ptr_names = {"mail.example.org"};

struct verdict_case {
  const char* label;
  const char* helo;
  std::vector<ip_address> addresses;
  bool address_failed = false;
  std::optional<bool> has_mx = false;
  ptr_evidence ptr = ptr_evidence::known;
  helo_verdict verdict;
  std::optional<bool> resolves;
  std::optional<bool> to_ip;
  std::optional<bool> equals_ptr;
};

void PrintTo(const verdict_case& c, std::ostream* os) { *os << c.label; }

class HeloVerdictTest : public ::testing::TestWithParam<verdict_case> {};

TEST_P(HeloVerdictTest, RulesAndVerdict) {
  const verdict_case& c = GetParam();
  helo_dns dns;
  dns.addresses = c.addresses;
  dns.address_lookup_failed = c.address_failed;
  dns.has_mx = c.has_mx;
  const helo_assessment a = assess_helo(read_helo(c.helo), client, dns, ptr_names, c.ptr);
  EXPECT_EQ(to_string(a.verdict), to_string(c.verdict));
  EXPECT_EQ(a.rules.resolves, c.resolves);
  EXPECT_EQ(a.rules.resolves_to_client, c.to_ip);
  EXPECT_EQ(a.rules.equals_ptr, c.equals_ptr);
  // The cut is marked exactly when it left equals_ptr undecided.
  EXPECT_EQ(a.ptr_names_cut, c.ptr == ptr_evidence::partial && !c.equals_ptr.has_value());
}

const ip_address other = ip("198.51.100.1");

INSTANTIATE_TEST_SUITE_P(
    Cases, HeloVerdictTest,
    ::testing::Values(
        verdict_case{"equals_ptr_and_resolves_here", "Mail.Example.ORG.", {client}, false, false,
                     ptr_evidence::known, helo_verdict::match, true, true, true},
        verdict_case{"equals_ptr_resolving_elsewhere", "mail.example.org", {other}, false, false,
                     ptr_evidence::known, helo_verdict::match, true, false, true},
        verdict_case{"resolves_here_not_ptr", "out.example.org", {client}, false, false,
                     ptr_evidence::known, helo_verdict::match, true, true, false},
        verdict_case{"resolves_elsewhere", "web.example.org", {other}, false, false,
                     ptr_evidence::known, helo_verdict::mismatch, true, false, false},
        // Postfix's reject_unknown_helo_hostname: an MX record is enough.
        verdict_case{"mx_only", "example.org", {}, false, true, ptr_evidence::known,
                     helo_verdict::mismatch, true, false, false},
        verdict_case{"nothing", "ghost.example.org", {}, false, false, ptr_evidence::known,
                     helo_verdict::unresolved, false, false, false},
        // A failed lookup never becomes a verdict against the name.
        verdict_case{"address_lookup_failed", "ghost.example.org", {}, true, false,
                     ptr_evidence::known, helo_verdict::error, std::nullopt, std::nullopt,
                     false},
        verdict_case{"mx_lookup_failed", "ghost.example.org", {}, false, std::nullopt,
                     ptr_evidence::known, helo_verdict::error, std::nullopt, false, false},
        verdict_case{"ptr_failed", "web.example.org", {other}, false, false, ptr_evidence::failed,
                     helo_verdict::error, true, false, std::nullopt},
        // ...but what did answer may still show a match.
        verdict_case{"failed_but_resolves_here", "out.example.org", {client}, true, std::nullopt,
                     ptr_evidence::failed, helo_verdict::match, true, true, std::nullopt},
        // Without the ptr probe the addresses decide alone.
        verdict_case{"no_ptr_probe", "web.example.org", {other}, false, false,
                     ptr_evidence::not_asked, helo_verdict::mismatch, true, false, std::nullopt},
        // PTR names beyond the 32 kept were dropped: equal to none of the
        // kept ones is undecided (a cap is never a mismatch).
        verdict_case{"ptr_names_cut", "web.example.org", {other}, false, false,
                     ptr_evidence::partial, helo_verdict::error, true, false, std::nullopt},
        verdict_case{"ptr_names_cut_but_kept_one_equals", "mail.example.org", {other}, false,
                     false, ptr_evidence::partial, helo_verdict::match, true, false, true},
        verdict_case{"ptr_names_cut_but_resolves_here", "out.example.org", {client}, false,
                     false, ptr_evidence::partial, helo_verdict::match, true, true, std::nullopt},
        verdict_case{"not_fqdn", "mailserver", {client}, false, false, ptr_evidence::known,
                     helo_verdict::not_fqdn, true, true, false},
        verdict_case{"invalid_underscore", "mail_server.example.org", {}, false, false,
                     ptr_evidence::known, helo_verdict::invalid, std::nullopt, std::nullopt,
                     std::nullopt},
        verdict_case{"invalid_bare_address", "192.0.2.7", {}, false, false, ptr_evidence::known,
                     helo_verdict::invalid, std::nullopt, std::nullopt, std::nullopt},
        verdict_case{"literal_of_the_client", "[192.0.2.7]", {}, false, false,
                     ptr_evidence::known, helo_verdict::literal, std::nullopt, true,
                     std::nullopt},
        verdict_case{"literal_of_another", "[198.51.100.1]", {}, false, false,
                     ptr_evidence::known, helo_verdict::literal_mismatch, std::nullopt, false,
                     std::nullopt}),
    [](const ::testing::TestParamInfo<verdict_case>& i) { return std::string(i.param.label); });

}  // namespace
}  // namespace ptrscan
