#include "testnet/fixture_zones.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "net/ip_address.h"

namespace ptrscan::testnet {
namespace {

// Absolute reverse name of `ip` with the trailing dot, for zone files.
std::string rev(const char* ip) {
  auto a = ip_address::parse(ip);
  if (!a) {
    throw std::invalid_argument(std::string("fixture: bad address ") + ip);
  }
  return a->reverse_name() + ".";
}

std::string big_name(int i) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "big-%03d-with-a-rather-long-label-to-fill-the-answer.example.test", i);
  return buf;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

testbed_options fixture_testbed() {
  std::string reverse;
  std::string example;
  std::string fwd;
  std::string alt;

  // pass
  reverse += rev("198.18.0.1") + " PTR mx1.example.test.\n";
  example += "mx1 A 198.18.0.1\n";
  // several names, only one resolves back
  reverse += rev("198.18.0.2") + " PTR old-mail.example.test.\n";
  reverse += rev("198.18.0.2") + " PTR gone.example.test.\n";
  reverse += rev("198.18.0.2") + " PTR mail2.example.test.\n";
  example += "old-mail A 203.0.113.9\n";
  example += "mail2 A 198.18.0.2\n";
  // a name that exists without any address (NODATA)
  reverse += rev("198.18.0.3") + " PTR noaddr.example.test.\n";
  example += "noaddr TXT \"no address\"\n";
  // a name that does not exist (NXDOMAIN forward)
  reverse += rev("198.18.0.4") + " PTR nowhere.example.test.\n";
  // a name pointing elsewhere
  reverse += rev("198.18.0.5") + " PTR elsewhere.example.test.\n";
  example += "elsewhere A 198.18.0.99\n";
  // a forward CNAME chain of two links, across zones
  reverse += rev("198.18.0.6") + " PTR alias.alt.test.\n";
  alt += "alias CNAME alias2.alt.test.\n";
  alt += "alias2 CNAME real6.fwd.test.\n";
  fwd += "real6 A 198.18.0.6\n";
  // AAAA only, for an IPv4 address
  reverse += rev("198.18.0.7") + " PTR v6only.example.test.\n";
  example += "v6only AAAA 2001:db8::7\n";
  // 198.18.0.8: no PTR at all (NXDOMAIN)
  // A and AAAA, the A matching
  reverse += rev("198.18.0.9") + " PTR dual.example.test.\n";
  example += "dual A 198.18.0.9\n";
  example += "dual AAAA 2001:db8::9\n";
  // a name in a zone delegated to nothing
  reverse += rev("198.18.0.10") + " PTR host.dead.test.\n";
  // the reverse name exists, but without a PTR (NODATA)
  reverse += rev("198.18.0.11") + " TXT \"no ptr\"\n";
  // a PTR set too large for UDP
  for (int i = 0; i < fixture_big_ptr_count; ++i) {
    reverse += rev("198.18.0.12") + " PTR " + big_name(i) + ".\n";
    example += big_name(i) + ". A 198.18.0.12\n";
  }
  // two names that both resolve back
  reverse += rev("198.18.0.13") + " PTR one.example.test.\n";
  reverse += rev("198.18.0.13") + " PTR two.example.test.\n";
  example += "one A 198.18.0.13\n";
  example += "two A 198.18.0.13\n";
  // RFC 2317: 198.18.200.0/27 delegated as 0-25.200.18.198.in-addr.arpa
  reverse += "0-25.200 NS ns.test.\n";
  reverse += rev("198.18.200.7") + " CNAME 7.0-25.200.18.198.in-addr.arpa.\n";
  std::string classless = "7 PTR classless.example.test.\n";
  example += "classless A 198.18.200.7\n";
  // IPv6
  std::string v6 = rev("2001:db8::25") + " PTR v6host.example.test.\n";
  example += "v6host AAAA 2001:db8::25\n";

  testbed_options o;
  o.zones = {
      {"18.198.in-addr.arpa", reverse},
      {"0-25.200.18.198.in-addr.arpa", classless},
      {"8.b.d.0.1.0.0.2.ip6.arpa", v6},
      {"example.test", example},
      {"fwd.test", fwd},
      {"alt.test", alt},
  };
  o.dead_zones = {"9.19.198.in-addr.arpa", "dead.test"};
  return o;
}

const std::vector<fixture_case>& fixture_cases() {
  static const std::vector<fixture_case> cases = [] {
    std::vector<std::string> big;
    for (int i = 0; i < fixture_big_ptr_count; ++i) {
      big.push_back(big_name(i));
    }
    std::vector<fixture_case> c = {
        {"pass", "198.18.0.1", "ok", {"mx1.example.test"}, "pass", {"mx1.example.test"}},
        {"several_names_one_matches",
         "198.18.0.2",
         "ok",
         sorted({"old-mail.example.test", "gone.example.test", "mail2.example.test"}),
         "pass",
         {"mail2.example.test"}},
        {"name_without_address", "198.18.0.3", "ok", {"noaddr.example.test"}, "fail", {}},
        {"name_nxdomain_forward", "198.18.0.4", "ok", {"nowhere.example.test"}, "fail", {}},
        {"name_points_elsewhere", "198.18.0.5", "ok", {"elsewhere.example.test"}, "fail", {}},
        {"cname_chain", "198.18.0.6", "ok", {"alias.alt.test"}, "pass", {"alias.alt.test"}},
        {"aaaa_only", "198.18.0.7", "ok", {"v6only.example.test"}, "fail", {}},
        {"ptr_nxdomain", "198.18.0.8", "nxdomain", {}, "none", {}},
        {"a_and_aaaa", "198.18.0.9", "ok", {"dual.example.test"}, "pass", {"dual.example.test"}},
        {"forward_servfail", "198.18.0.10", "ok", {"host.dead.test"}, "error", {}},
        {"ptr_nodata", "198.18.0.11", "nodata", {}, "none", {}},
        {"ptr_set_over_udp", "198.18.0.12", "ok", sorted(big), "pass", sorted(big)},
        {"two_names_both_match",
         "198.18.0.13",
         "ok",
         {"one.example.test", "two.example.test"},
         "pass",
         {"one.example.test", "two.example.test"}},
        {"rfc2317_classless",
         "198.18.200.7",
         "ok",
         {"classless.example.test"},
         "pass",
         {"classless.example.test"}},
        {"ipv6_pass", "2001:db8::25", "ok", {"v6host.example.test"}, "pass", {"v6host.example.test"}},
        {"ipv6_nxdomain", "2001:db8::26", "nxdomain", {}, "none", {}},
        {"ptr_servfail", "198.19.9.1", "servfail", {}, "error", {}},
        // Outside every served zone: unbound's `local-zone: "." refuse`.
        {"ptr_refused", "198.20.0.1", "refused", {}, "error", {}},
    };
    return c;
  }();
  return cases;
}

const fixture_case& fixture(const std::string& label) {
  for (const auto& c : fixture_cases()) {
    if (c.label == label) {
      return c;
    }
  }
  throw std::out_of_range("no fixture case " + label);
}

}  // namespace ptrscan::testnet
