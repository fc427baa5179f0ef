#include "testnet/domain_zones.h"

#include <algorithm>

namespace ptrscan::testnet {
namespace {

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

const std::vector<spf_case>& spf_cases() {
  // Each record is evaluated for 127.77.0.10, the address of mx.spf.test.
  static const std::vector<spf_case> cases = {
      {"ip4-pass.spf.test", "v=spf1 ip4:127.77.0.0/24 -all", "pass", ""},
      {"ip4-fail.spf.test", "v=spf1 ip4:192.0.2.0/24 -all", "fail", ""},
      {"softfail.spf.test", "v=spf1 ~all", "softfail", ""},
      {"neutral.spf.test", "v=spf1 ?all", "neutral", ""},
      {"ip6.spf.test", "v=spf1 ip6:2001:db8::/32 ?all", "neutral", ""},
      {"a.spf.test", "v=spf1 a:mx.spf.test -all", "pass", ""},
      {"a-cidr.spf.test", "v=spf1 a:other.spf.test/24 -all", "pass", ""},
      {"mx-mech.spf.test", "v=spf1 mx -all", "pass", ""},
      {"mx-cidr.spf.test", "v=spf1 mx:elsewhere.spf.test/24 -all", "pass", ""},
      {"include.spf.test", "v=spf1 include:inc.spf.test -all", "pass", ""},
      {"redirect.spf.test", "v=spf1 redirect=inc.spf.test", "pass", ""},
      {"exists.spf.test", "v=spf1 exists:%{i}.ex.spf.test -all", "pass", ""},
      {"macro.spf.test", "v=spf1 exists:%{ir}.%{v}._spf.%{d} -all", "pass", ""},
      {"split.spf.test", "v=spf1 ip4:192.0.2.0/24 \" \"ip4:127.77.0.0/24 -all", "pass", ""},
      {"none.spf.test", "", "none", ""},
      {"too-many.spf.test",
       "v=spf1 a:n1.spf.test a:n2.spf.test a:n3.spf.test a:n4.spf.test a:n5.spf.test "
       "a:n6.spf.test a:n7.spf.test a:n8.spf.test a:n9.spf.test a:n10.spf.test "
       "a:n11.spf.test -all",
       "permerror", "lookups"},
      {"void.spf.test", "v=spf1 a:v1.spf.test a:v2.spf.test a:v3.spf.test -all", "permerror",
       "void"},
      {"loop.spf.test", "v=spf1 include:loop.spf.test -all", "permerror", "lookups"},
      {"multiple.spf.test", "v=spf1 -all|v=spf1 +all", "permerror", "multiple"},
      {"syntax.spf.test", "v=spf1 ip4:1.2.3 -all", "permerror", "ip4"},
      {"include-none.spf.test", "v=spf1 include:nospf.spf.test -all", "permerror", ""},
      {"redirect-none.spf.test", "v=spf1 redirect=nospf.spf.test", "permerror", ""},
      {"temperror.spf.test", "v=spf1 include:x.dead.test -all", "temperror", ""},
      {"exp.spf.test", "v=spf1 ip4:192.0.2.0/24 -all exp=why.%{d}", "fail", ""},
  };
  return cases;
}

const std::vector<domain_case>& domain_cases() {
  static const std::vector<domain_case> cases = {
      // Issue 5's done-means: two MX hosts; the second has no PTR and SPF
      // only soft-fails it.
      {"example.test",
       "ok",
       false,
       false,
       {"mx1.example.test", "mx2.example.test"},
       {"127.77.0.1", "127.77.0.2"},
       sorted({"mx_no_ptr:mx2.example.test", "mx_spf_not_pass:mx2.example.test"})},
      {"nullmx.dom.test", "ok", true, false, {}, {}, {"null_mx"}},
      // An address written as the MX name: unbound refuses the name "3.".
      {"literal.dom.test",
       "ok",
       false,
       false,
       {"127.77.0.3"},
       {},
       sorted({"mx_ip_literal:127.77.0.3", "mx_address_lookup_failed:127.77.0.3", "no_spf"})},
      {"cname.dom.test",
       "ok",
       false,
       false,
       {"alias.dom.test"},
       {"127.77.0.1"},
       sorted({"mx_cname:alias.dom.test", "no_spf"})},
      {"noaddr.dom.test",
       "ok",
       false,
       false,
       {"ghost.dom.test"},
       {},
       sorted({"mx_no_address:ghost.dom.test", "no_spf"})},
      {"implicit.dom.test",
       "nodata",
       false,
       true,
       {"implicit.dom.test"},
       {"127.77.0.4"},
       sorted({"no_mx", "no_spf"})},
      {"nope.dom.test", "nxdomain", false, false, {}, {}, {"nxdomain"}},
      // Its only address is in the test's --blocklist: listed as skipped.
      {"blocked.dom.test", "ok", false, false, {"mxb.dom.test"}, {}, {"no_spf"}},
      // Two MX hosts with the same address: one record, the better host.
      {"dup.dom.test",
       "ok",
       false,
       false,
       {"mx1.example.test", "alias.dom.test"},
       {"127.77.0.1"},
       sorted({"mx_cname:alias.dom.test", "no_spf"})},
      // The MX record names the domain itself (issue 16 item 3).
      {"apex.dom.test",
       "ok",
       false,
       false,
       {"apex.dom.test"},
       {"127.77.0.6"},
       sorted({"mx_apex:apex.dom.test", "mx_no_ptr:apex.dom.test", "no_spf"})},
  };
  return cases;
}

const std::vector<dnsbl_case>& dnsbl_cases() {
  static const std::vector<dnsbl_case> cases = {
      {"127.77.0.1", "listed", "127.0.0.2", "listed for testing: https://bl.test/127.77.0.1"},
      {"127.77.0.2", "error", "", ""},  // 127.255.255.254: the list refuses the query
      {"127.77.0.3", "not_listed", "", ""},
      {"127.77.0.4", "error", "", ""},  // 192.0.2.1: not a listing code
      {"127.77.0.10", "listed", "127.0.0.4", ""},
  };
  return cases;
}

testbed_options domain_testbed() {
  std::string example =
      "@ MX 10 mx1.example.test.\n"
      "@ MX 20 mx2.example.test.\n"
      "@ TXT \"v=spf1 ip4:127.77.0.1 ~all\"\n"
      "mx1 A 127.77.0.1\n"
      "mx2 A 127.77.0.2\n";
  std::string reverse =
      "1.0 PTR mx1.example.test.\n"
      "4.0 PTR implicit.dom.test.\n"
      "10.0 PTR mx.spf.test.\n"
      "20.0 PTR named.helo.test.\n";
  std::string dom =
      "nullmx MX 0 .\n"
      "nullmx TXT \"v=spf1 -all\"\n"
      "literal MX 10 127.77.0.3.\n"
      "cname MX 10 alias.dom.test.\n"
      "alias CNAME mx1.example.test.\n"
      "noaddr MX 10 ghost.dom.test.\n"
      "implicit A 127.77.0.4\n"
      "blocked MX 10 mxb.dom.test.\n"
      "mxb A 127.77.0.5\n"
      "dup MX 10 mx1.example.test.\n"
      "dup MX 20 alias.dom.test.\n"
      "apex MX 10 apex.dom.test.\n"
      "apex A 127.77.0.6\n";
  std::string spf =
      "mx A 127.77.0.10\n"
      "other A 127.77.0.99\n"
      "elsewhere MX 5 other.spf.test.\n"
      "inc TXT \"v=spf1 ip4:127.77.0.10 -all\"\n"
      "nospf TXT \"not an spf record\"\n"
      "why.exp TXT \"%{i} may not send for %{d}\"\n"
      "127.77.0.10.ex A 127.0.0.2\n"
      // %{ir}.%{v}._spf.%{d} for 127.77.0.10 at macro.spf.test
      "10.0.77.127.in-addr._spf.macro A 127.0.0.2\n";
  for (int i = 1; i <= 11; ++i) {
    spf += "n" + std::to_string(i) + " A 192.0.2.1\n";
  }
  for (const spf_case& c : spf_cases()) {
    const std::string label = c.domain.substr(0, c.domain.size() - std::string(".spf.test").size());
    spf += label + " MX 10 mx.spf.test.\n";
    if (c.record.empty()) {
      continue;
    }
    // '|' separates records; inside one, the text is a quoted
    // character-string (split.spf.test's '" "' makes it two).
    size_t start = 0;
    while (start <= c.record.size()) {
      size_t bar = c.record.find('|', start);
      if (bar == std::string::npos) {
        bar = c.record.size();
      }
      spf += label + " TXT \"" + c.record.substr(start, bar - start) + "\"\n";
      start = bar + 1;
    }
  }
  std::string bl =
      "1.0.77.127 A 127.0.0.2\n"
      "1.0.77.127 TXT \"listed for testing: https://bl.test/127.77.0.1\"\n"
      "2.0.77.127 A 127.255.255.254\n"
      "4.0.77.127 A 192.0.2.1\n"
      "10.0.77.127 A 127.0.0.4\n";

  // Names SMTP servers greet and answer EHLO with (helo_hosts()).
  std::string helo =
      "named A 127.77.0.20\n"
      "elsewhere A 127.77.0.99\n"
      "mx-only MX 10 named.helo.test.\n";

  testbed_options o;
  o.zones = {
      {"helo.test", helo},
      {"example.test", example},
      {"77.127.in-addr.arpa", reverse},
      {"dom.test", dom},
      {"spf.test", spf},
      {domain_dnsbl_zone, bl},
  };
  o.dead_zones = {"dead.test"};
  // Unbound answers 127.in-addr.arpa itself (RFC 6761 loopback) unless told
  // not to; a transparent 77.127.in-addr.arpa alone does not override it.
  o.unbound_extra = {"local-zone: \"127.in-addr.arpa.\" nodefault"};
  return o;
}

}  // namespace ptrscan::testnet
