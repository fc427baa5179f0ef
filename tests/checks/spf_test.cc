#include "checks/spf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "output/json_writer.h"
#include "probes/spf.h"

namespace ptrscan {
namespace {

using ::testing::HasSubstr;

/// An in-memory zone. Lines are "name TYPE data": TXT takes the rest of the
/// line as one record, A/AAAA an address, MX "preference exchange" ("." is
/// the root); "name SERVFAIL TYPE" / "name TIMEOUT TYPE" make that question
/// fail. A name with any record exists (NODATA for other types); any other
/// name is NXDOMAIN.
class fake_dns {
 public:
  explicit fake_dns(const std::vector<std::string>& lines) {
    for (const std::string& line : lines) {
      add(line);
    }
  }

  std::pair<dns_status, dns_reply> lookup(const spf_query& q) {
    ++queries;
    asked.push_back(q.name);
    const std::string name = normalise_name(q.name);
    const auto key = std::make_pair(name, q.type);
    if (const auto f = failures_.find(key); f != failures_.end()) {
      return {f->second, {}};
    }
    if (const auto r = records_.find(key); r != records_.end()) {
      dns_reply out = r->second;
      out.status = dns_status::ok;
      return {dns_status::ok, out};
    }
    return {names_.contains(name) ? dns_status::nodata : dns_status::nxdomain, {}};
  }

  int queries = 0;
  std::vector<std::string> asked;

 private:
  static uint16_t type_of(std::string_view t) {
    static const std::map<std::string_view, uint16_t> types = {
        {"TXT", dns_type_txt}, {"A", dns_type_a},     {"AAAA", dns_type_aaaa},
        {"MX", dns_type_mx},   {"PTR", dns_type_ptr}};
    const auto it = types.find(t);
    EXPECT_NE(it, types.end()) << "unknown type " << t;
    return it == types.end() ? 0 : it->second;
  }

  void add(const std::string& line) {
    const size_t sp1 = line.find(' ');
    const size_t sp2 = line.find(' ', sp1 + 1);
    const std::string name = normalise_name(line.substr(0, sp1));
    const std::string type = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string data = sp2 == std::string::npos ? "" : line.substr(sp2 + 1);
    if (type == "SERVFAIL" || type == "TIMEOUT") {
      failures_[{name, type_of(data)}] =
          type == "SERVFAIL" ? dns_status::servfail : dns_status::timeout;
      return;
    }
    names_.insert(name);
    dns_reply& r = records_[{name, type_of(type)}];
    if (type == "TXT") {
      r.texts.push_back(data);
    } else if (type == "PTR") {
      r.names.push_back(normalise_name(data));
    } else if (type == "MX") {
      const size_t sp = data.find(' ');
      const std::string host = data.substr(sp + 1);
      r.mx.push_back({static_cast<uint16_t>(std::stoi(data.substr(0, sp))),
                      host == "." ? "" : normalise_name(host)});
      r.null_mx = r.mx.size() == 1 && r.mx[0].preference == 0 && r.mx[0].exchange.empty();
    } else {
      r.addrs.push_back(*ip_address::parse(data));
    }
  }

  std::map<std::pair<std::string, uint16_t>, dns_reply> records_;
  std::map<std::pair<std::string, uint16_t>, dns_status> failures_;
  std::set<std::string> names_;
};

/// Drives an evaluation to its end the way a shard would: send every
/// question of a step, feed the answers back (last first, to show that order
/// of arrival does not matter).
spf_result evaluate(fake_dns& dns, spf_evaluation& e) {
  for (int guard = 0; !e.done() && guard < 1000; ++guard) {
    const std::vector<spf_query> step(e.pending().begin(), e.pending().end());
    EXPECT_FALSE(step.empty()) << "not done, yet nothing to ask";
    if (step.empty()) {
      break;
    }
    const uint32_t id = e.step();
    for (size_t i = step.size(); i-- > 0;) {
      EXPECT_EQ(e.step(), id) << "step changed before its last answer";
      const auto [status, records] = dns.lookup(step[i]);
      e.on_answer(i, status, records);
    }
  }
  EXPECT_TRUE(e.done());
  return e.result();
}

spf_result check(fake_dns& dns, std::string_view ip, std::string_view domain = "example.com") {
  spf_evaluation e(domain, *ip_address::parse(ip));
  return evaluate(dns, e);
}

struct spf_case {
  std::string label;
  std::vector<std::string> zone;
  spf_code want;
  std::string mechanism;  // the deciding term; "" when none
  std::string reason;     // a substring of the reason; "" for any
  std::string ip = "192.0.2.3";
};

void run_table(const std::vector<spf_case>& cases) {
  for (const spf_case& c : cases) {
    SCOPED_TRACE(c.label);
    fake_dns dns(c.zone);
    const spf_result r = check(dns, c.ip);
    EXPECT_EQ(to_string(r.code), to_string(c.want)) << r.reason;
    EXPECT_EQ(r.mechanism, c.mechanism);
    EXPECT_THAT(r.reason, HasSubstr(c.reason));
  }
}

using c = spf_code;

TEST(SpfTest, QualifiersAndAll) {
  run_table({
      {"+all", {"example.com TXT v=spf1 +all"}, c::pass, "+all", ""},
      {"bare all is pass", {"example.com TXT v=spf1 all"}, c::pass, "all", ""},
      {"-all", {"example.com TXT v=spf1 -all"}, c::fail, "-all", ""},
      {"~all", {"example.com TXT v=spf1 ~all"}, c::softfail, "~all", ""},
      {"?all", {"example.com TXT v=spf1 ?all"}, c::neutral, "?all", ""},
      {"nothing matches: neutral (4.7)",
       {"example.com TXT v=spf1 ip4:198.51.100.1"},
       c::neutral,
       "",
       "no mechanism matched"},
      {"empty record", {"example.com TXT v=spf1"}, c::neutral, "", ""},
      {"first match wins", {"example.com TXT v=spf1 ~all -all"}, c::softfail, "~all", ""},
  });
}

TEST(SpfTest, Ip4AndIp6) {
  run_table({
      {"ip4 range",
       {"example.com TXT v=spf1 ip4:192.0.2.0/24 -all"},
       c::pass,
       "ip4:192.0.2.0/24",
       ""},
      {"ip4 host", {"example.com TXT v=spf1 -ip4:192.0.2.3 +all"}, c::fail, "-ip4:192.0.2.3", ""},
      {"ip4 miss", {"example.com TXT v=spf1 ip4:192.0.2.4 -all"}, c::fail, "-all", ""},
      {"ip4 /0", {"example.com TXT v=spf1 ?ip4:0.0.0.0/0 -all"}, c::neutral, "?ip4:0.0.0.0/0", ""},
      {"ip4 /31 miss", {"example.com TXT v=spf1 ip4:192.0.2.0/31 -all"}, c::fail, "-all", ""},
      {"ip6 never matches an ipv4 sender",
       {"example.com TXT v=spf1 ip6:::/0 -all"},
       c::fail,
       "-all",
       ""},
      {"ipv6 sender, ip6 range",
       {"example.com TXT v=spf1 ip6:2001:db8::/32 -all"},
       c::pass,
       "ip6:2001:db8::/32",
       "",
       "2001:db8::cb01"},
      {"ipv6 sender, ip4 never matches",
       {"example.com TXT v=spf1 ip4:0.0.0.0/0 -all"},
       c::fail,
       "-all",
       "",
       "2001:db8::cb01"},
      {"ipv6 sender, /127 match",
       {"example.com TXT v=spf1 ip6:2001:db8::cb00/127 -all"},
       c::pass,
       "ip6:2001:db8::cb00/127",
       "",
       "2001:db8::cb01"},
      {"ipv4-mapped sender is ipv4 (5)",
       {"example.com TXT v=spf1 ip4:192.0.2.0/24 -all"},
       c::pass,
       "ip4:192.0.2.0/24",
       "",
       "::ffff:192.0.2.3"},
  });
}

TEST(SpfTest, AMechanism) {
  run_table({
      {"a of the domain",
       {"example.com TXT v=spf1 a -all", "example.com A 192.0.2.3"},
       c::pass,
       "a",
       ""},
      {"a of another name with /24",
       {"example.com TXT v=spf1 a:web.example.net/24 -all", "web.example.net A 192.0.2.200"},
       c::pass,
       "a:web.example.net/24",
       ""},
      {"a without the cidr misses",
       {"example.com TXT v=spf1 a:web.example.net -all", "web.example.net A 192.0.2.200"},
       c::fail,
       "-all",
       ""},
      {"a with no address record", {"example.com TXT v=spf1 a -all"}, c::fail, "-all", ""},
      {"a lookup servfail is temperror",
       {"example.com TXT v=spf1 a:dead.example.net -all", "dead.example.net SERVFAIL A"},
       c::temperror,
       "",
       "DNS servfail for A dead.example.net"},
      {"a lookup timeout is temperror",
       {"example.com TXT v=spf1 a:dead.example.net -all", "dead.example.net TIMEOUT A"},
       c::temperror,
       "",
       "timeout"},
      {"ipv6 sender asks AAAA, a//64",
       {"example.com TXT v=spf1 a//64 -all", "example.com AAAA 2001:db8::1",
        "example.com A 192.0.2.3"},
       c::pass,
       "a//64",
       "",
       "2001:db8::cb01"},
      {"ipv6 sender, a/24 alone compares all 128 bits",
       {"example.com TXT v=spf1 a/24 -all", "example.com AAAA 2001:db8::1"},
       c::fail,
       "-all",
       "",
       "2001:db8::cb01"},
      {"ipv6 sender ignores A records",
       {"example.com TXT v=spf1 a -all", "example.com A 192.0.2.3"},
       c::fail,
       "-all",
       "",
       "2001:db8::cb01"},
      {"a/24//64 on ipv4",
       {"example.com TXT v=spf1 a/24//64 -all", "example.com A 192.0.2.99"},
       c::pass,
       "a/24//64",
       ""},
  });
}

TEST(SpfTest, MxMechanism) {
  run_table({
      {"second mx host matches",
       {"example.com TXT v=spf1 mx -all", "example.com MX 10 mx1.example.com",
        "example.com MX 20 mx2.example.com", "mx1.example.com A 198.51.100.1",
        "mx2.example.com A 192.0.2.3"},
       c::pass,
       "mx",
       ""},
      {"mx of another domain with /24",
       {"example.com TXT v=spf1 mx:example.net/24 -all", "example.net MX 10 mx.example.net",
        "mx.example.net A 192.0.2.77"},
       c::pass,
       "mx:example.net/24",
       ""},
      {"mx miss",
       {"example.com TXT v=spf1 mx -all", "example.com MX 10 mx1.example.com",
        "mx1.example.com A 198.51.100.1"},
       c::fail,
       "-all",
       ""},
      {"mx host without addresses",
       {"example.com TXT v=spf1 mx -all", "example.com MX 10 mx1.example.com"},
       c::fail,
       "-all",
       ""},
      {"null mx matches nothing",
       {"example.com TXT v=spf1 mx ?all", "example.com MX 0 ."},
       c::neutral,
       "?all",
       ""},
      {"ipv6 sender, mx asks AAAA",
       {"example.com TXT v=spf1 mx -all", "example.com MX 10 mx1.example.com",
        "mx1.example.com AAAA 2001:db8::cb01"},
       c::pass,
       "mx",
       "",
       "2001:db8::cb01"},
      {"failure before a match is temperror",
       {"example.com TXT v=spf1 mx -all", "example.com MX 10 mx1.example.com",
        "example.com MX 20 mx2.example.com", "mx1.example.com SERVFAIL A",
        "mx2.example.com A 192.0.2.3"},
       c::temperror,
       "",
       "mx1.example.com"},
      {"match before a failure wins",
       {"example.com TXT v=spf1 mx -all", "example.com MX 10 mx1.example.com",
        "example.com MX 20 mx2.example.com", "mx1.example.com A 192.0.2.3",
        "mx2.example.com SERVFAIL A"},
       c::pass,
       "mx",
       ""},
      {"mx lookup servfail",
       {"example.com TXT v=spf1 mx -all", "example.com SERVFAIL MX"},
       c::temperror,
       "",
       "MX example.com"},
  });
}

TEST(SpfTest, MxNameLimit) {
  std::vector<std::string> zone = {"example.com TXT v=spf1 mx -all"};
  for (int i = 1; i <= 11; ++i) {
    zone.push_back("example.com MX " + std::to_string(i) + " mx" + std::to_string(i) +
                   ".example.com");
  }
  zone.push_back("mx11.example.com A 192.0.2.3");
  fake_dns eleven(zone);
  const spf_result r = check(eleven, "192.0.2.3");
  EXPECT_EQ(r.code, spf_code::permerror);
  EXPECT_THAT(r.reason, HasSubstr("too many MX records"));

  // Ten are fine, and are asked for in one step.
  zone.erase(zone.begin() + 11);
  zone.push_back("mx10.example.com A 192.0.2.3");
  fake_dns ten(zone);
  spf_evaluation e("example.com", *ip_address::parse("192.0.2.3"));
  const auto first = ten.lookup(e.pending()[0]);
  e.on_answer(0, first.first, first.second);
  const auto second = ten.lookup(e.pending()[0]);
  e.on_answer(0, second.first, second.second);
  EXPECT_EQ(e.pending().size(), 10u);
  EXPECT_EQ(evaluate(ten, e).code, spf_code::pass);
}

TEST(SpfTest, ExistsAndPtr) {
  run_table({
      {"exists with macros",
       {"example.com TXT v=spf1 exists:%{ir}.%{v}._spf.%{d} -all",
        "3.2.0.192.in-addr._spf.example.com A 127.0.0.2"},
       c::pass,
       "exists:%{ir}.%{v}._spf.%{d}",
       ""},
      {"exists miss",
       {"example.com TXT v=spf1 exists:%{ir}.list.example.net -all"},
       c::fail,
       "-all",
       ""},
      {"exists always asks A, even for ipv6",
       {"example.com TXT v=spf1 exists:%{l}.example.net -all",
        "postmaster.example.net A 127.0.0.1"},
       c::pass,
       "exists:%{l}.example.net",
       "",
       "2001:db8::1"},
      {"ptr without reverse names does not match",
       {"example.com TXT v=spf1 ptr -all"},
       c::fail,
       "-all",
       ""},
  });
}

// §5.5: the IP's PTR names whose addresses include the IP are validated; ptr
// matches when one of them is the target or under it.
TEST(SpfTest, PtrMechanism) {
  run_table({
      {"validated name under the domain",
       {"example.com TXT v=spf1 ptr -all", "3.2.0.192.in-addr.arpa PTR mx1.example.com",
        "mx1.example.com A 192.0.2.3"},
       c::pass,
       "ptr",
       ""},
      {"validated name equal to the target",
       {"example.com TXT v=spf1 ptr:Mail.Example.NET -all",
        "3.2.0.192.in-addr.arpa PTR mail.example.net", "mail.example.net A 192.0.2.3"},
       c::pass,
       "ptr:Mail.Example.NET",
       ""},
      {"a name that does not resolve back is not validated",
       {"example.com TXT v=spf1 ptr -all", "3.2.0.192.in-addr.arpa PTR mx1.example.com",
        "mx1.example.com A 192.0.2.4"},
       c::fail,
       "-all",
       ""},
      {"a validated name elsewhere does not match",
       {"example.com TXT v=spf1 ptr -all", "3.2.0.192.in-addr.arpa PTR mx1.example.org",
        "mx1.example.org A 192.0.2.3"},
       c::fail,
       "-all",
       ""},
      {"a label suffix is not a subdomain",
       {"example.com TXT v=spf1 ptr -all", "3.2.0.192.in-addr.arpa PTR mx1.badexample.com",
        "mx1.badexample.com A 192.0.2.3"},
       c::fail,
       "-all",
       ""},
      {"a failed PTR lookup is no match, not temperror (5.5)",
       {"example.com TXT v=spf1 ptr -all", "3.2.0.192.in-addr.arpa SERVFAIL PTR"},
       c::fail,
       "-all",
       ""},
      {"a failed address lookup skips that name only",
       {"example.com TXT v=spf1 ptr -all", "3.2.0.192.in-addr.arpa PTR a.example.com",
        "3.2.0.192.in-addr.arpa PTR b.example.com", "a.example.com SERVFAIL A",
        "b.example.com A 192.0.2.3"},
       c::pass,
       "ptr",
       ""},
      {"ipv6: ip6.arpa name and AAAA",
       {"example.com TXT v=spf1 ptr -all",
        "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa PTR "
        "mx6.example.com",
        "mx6.example.com AAAA 2001:db8::cb01"},
       c::pass,
       "ptr",
       "",
       "2001:db8::cb01"},
  });
}

TEST(SpfTest, PtrLooksAtTenNamesAtMost) {
  // §4.6.4: past ten PTR names the rest are ignored, so the eleventh, the
  // only one that validates, cannot match.
  std::vector<std::string> zone = {"example.com TXT v=spf1 ptr -all"};
  for (int i = 1; i <= 10; ++i) {
    zone.push_back("3.2.0.192.in-addr.arpa PTR h" + std::to_string(i) + ".example.com");
    zone.push_back("h" + std::to_string(i) + ".example.com A 198.51.100.1");
  }
  zone.push_back("3.2.0.192.in-addr.arpa PTR good.example.com");
  zone.push_back("good.example.com A 192.0.2.3");
  fake_dns dns(zone);
  const spf_result r = check(dns, "192.0.2.3");
  EXPECT_EQ(r.code, spf_code::fail);
  EXPECT_EQ(r.mechanism, "-all");
  // TXT, PTR and the addresses of ten names.
  EXPECT_EQ(dns.queries, 12);
  EXPECT_THAT(dns.asked, ::testing::Not(::testing::Contains("good.example.com")));

  // Ten names are all looked at: the tenth validates.
  zone[zone.size() - 4] = "h10.example.com A 192.0.2.3";
  fake_dns ten(zone);
  EXPECT_EQ(check(ten, "192.0.2.3").code, spf_code::pass);
}

TEST(SpfTest, PtrCountsAsLookupAndVoid) {
  run_table({
      {"ptr with no reverse name is a void lookup",
       {"example.com TXT v=spf1 a:n1.example.com a:n2.example.com ptr -all"},
       c::permerror,
       "",
       "too many void DNS lookups"},
  });
  // The validation is done once, however many terms need it.
  fake_dns dns({"example.com TXT v=spf1 ptr:example.org ptr:example.net ptr -all",
                "3.2.0.192.in-addr.arpa PTR mx.example.com", "mx.example.com A 192.0.2.3"});
  spf_evaluation e("example.com", *ip_address::parse("192.0.2.3"));
  EXPECT_EQ(evaluate(dns, e).code, spf_code::pass);
  EXPECT_EQ(e.lookups(), 3);
  EXPECT_EQ(dns.queries, 3);  // TXT, PTR, A
}

// §7.3: %{p} is the validated name, the <domain> or a name under it first.
TEST(SpfTest, ValidatedNameMacro) {
  run_table({
      {"subdomain of the domain preferred",
       {"example.com TXT v=spf1 exists:%{p}.allow.example.net -all",
        "3.2.0.192.in-addr.arpa PTR other.example.org",
        "3.2.0.192.in-addr.arpa PTR mx.example.com", "other.example.org A 192.0.2.3",
        "mx.example.com A 192.0.2.3", "mx.example.com.allow.example.net A 127.0.0.2"},
       c::pass,
       "exists:%{p}.allow.example.net",
       ""},
      {"any validated name otherwise",
       {"example.com TXT v=spf1 exists:%{p}.allow.example.net -all",
        "3.2.0.192.in-addr.arpa PTR other.example.org", "other.example.org A 192.0.2.3",
        "other.example.org.allow.example.net A 127.0.0.2"},
       c::pass,
       "exists:%{p}.allow.example.net",
       ""},
      {"unknown without a validated name",
       {"example.com TXT v=spf1 exists:%{p}.allow.example.net -all",
        "3.2.0.192.in-addr.arpa PTR other.example.org", "other.example.org A 192.0.2.9",
        "unknown.allow.example.net A 127.0.0.2"},
       c::pass,
       "exists:%{p}.allow.example.net",
       ""},
  });
}

// §6.2: a fail carries the exp= text of the record that decided it.
TEST(SpfTest, Explanation) {
  struct exp_case {
    std::string label;
    std::vector<std::string> zone;
    spf_code want;
    std::string explanation;
  };
  const std::vector<exp_case> cases = {
      {"expanded on fail",
       {"example.com TXT v=spf1 -all exp=why.%{d}",
        "why.example.com TXT %{i} may not send for %{o} (%{l})"},
       c::fail,
       "192.0.2.3 may not send for example.com (postmaster)"},
      {"not for softfail", {"example.com TXT v=spf1 ~all exp=why.example.com",
                             "why.example.com TXT go away"}, c::softfail, ""},
      {"an include's exp is never used",
       {"example.com TXT v=spf1 include:inc.example.net -all",
        "inc.example.net TXT v=spf1 -all exp=why.example.net", "why.example.net TXT included"},
       c::fail,
       ""},
      {"the redirect target's exp replaces the first record's",
       {"example.com TXT v=spf1 exp=a.example.com redirect=r.example.com",
        "r.example.com TXT v=spf1 -all exp=b.example.com", "a.example.com TXT first",
        "b.example.com TXT second %{d}"},
       c::fail,
       "second r.example.com"},
      {"two TXT records: none",
       {"example.com TXT v=spf1 -all exp=why.example.com", "why.example.com TXT one",
        "why.example.com TXT two"},
       c::fail,
       ""},
      {"a DNS error: none, and still fail",
       {"example.com TXT v=spf1 -all exp=why.example.com", "why.example.com SERVFAIL TXT"},
       c::fail,
       ""},
      {"a bad macro: none",
       {"example.com TXT v=spf1 -all exp=why.example.com", "why.example.com TXT %{x}"},
       c::fail,
       ""},
      {"%{p} in the text",
       {"example.com TXT v=spf1 -all exp=why.example.com", "why.example.com TXT from %{p}",
        "3.2.0.192.in-addr.arpa PTR mx.example.com", "mx.example.com A 192.0.2.3"},
       c::fail,
       "from mx.example.com"},
      {"its lookup is not void: two voids and exp on nxdomain stay fail",
       {"example.com TXT v=spf1 a:n1.example.com a:n2.example.com -all exp=nx.example.com"},
       c::fail,
       ""},
  };
  for (const exp_case& t : cases) {
    SCOPED_TRACE(t.label);
    fake_dns dns(t.zone);
    const spf_result r = check(dns, "192.0.2.3");
    EXPECT_EQ(r.code, t.want) << r.reason;
    EXPECT_EQ(r.explanation, t.explanation);
  }
}

// Names built from SPF text go out in presentation form: a space from %_
// is \032, as the reply parser writes the owner name it reads back.
TEST(SpfTest, MacroBuiltNamesAreEscaped) {
  spf_evaluation e("example.com", *ip_address::parse("192.0.2.3"));
  dns_reply txt;
  txt.status = dns_status::ok;
  txt.texts = {"v=spf1 a:x%_y.example.com -all"};
  e.on_answer(0, dns_status::ok, txt);
  ASSERT_EQ(e.pending().size(), 1U);
  EXPECT_EQ(e.pending()[0].name, "x\\032y.example.com");
  EXPECT_EQ(e.pending()[0].type, dns_type_a);
}

TEST(SpfTest, Include) {
  run_table({
      {"include pass matches",
       {"example.com TXT v=spf1 include:_spf.example.net -all",
        "_spf.example.net TXT v=spf1 ip4:192.0.2.0/24 -all"},
       c::pass,
       "include:_spf.example.net",
       "ip4:192.0.2.0/24 in _spf.example.net"},
      {"qualifier of the include applies",
       {"example.com TXT v=spf1 ~include:_spf.example.net -all",
        "_spf.example.net TXT v=spf1 +all"},
       c::softfail,
       "~include:_spf.example.net",
       ""},
      {"include fail does not match",
       {"example.com TXT v=spf1 include:_spf.example.net ?all", "_spf.example.net TXT v=spf1 -all"},
       c::neutral,
       "?all",
       ""},
      {"include softfail does not match",
       {"example.com TXT v=spf1 include:_spf.example.net -all", "_spf.example.net TXT v=spf1 ~all"},
       c::fail,
       "-all",
       ""},
      {"include neutral does not match",
       {"example.com TXT v=spf1 include:_spf.example.net -all", "_spf.example.net TXT v=spf1 ?all"},
       c::fail,
       "-all",
       ""},
      {"include of a name without a record is permerror",
       {"example.com TXT v=spf1 include:_spf.example.net -all"},
       c::permerror,
       "",
       "include target has no SPF record"},
      {"include permerror propagates",
       {"example.com TXT v=spf1 include:_spf.example.net +all",
        "_spf.example.net TXT v=spf1 ip4:300.0.0.1"},
       c::permerror,
       "",
       "syntax error at 'ip4:300.0.0.1'"},
      {"include temperror propagates",
       {"example.com TXT v=spf1 include:_spf.example.net +all", "_spf.example.net SERVFAIL TXT"},
       c::temperror,
       "",
       "TXT _spf.example.net"},
      {"%{d} inside an include is the included domain",
       {"example.com TXT v=spf1 include:_spf.%{d} -all", "_spf.example.com TXT v=spf1 a:%{d} -all",
        "_spf.example.com A 192.0.2.3"},
       c::pass,
       "include:_spf.%{d}",
       ""},
      {"nested includes",
       {"example.com TXT v=spf1 include:a.example.net -all",
        "a.example.net TXT v=spf1 include:b.example.net", "b.example.net TXT v=spf1 mx -all",
        "b.example.net MX 5 mail.example.net", "mail.example.net A 192.0.2.3"},
       c::pass,
       "include:a.example.net",
       ""},
      {"redirect inside an include gives the include its result",
       {"example.com TXT v=spf1 include:a.example.net -all",
        "a.example.net TXT v=spf1 redirect=b.example.net", "b.example.net TXT v=spf1 +all"},
       c::pass,
       "include:a.example.net",
       ""},
  });
}

TEST(SpfTest, Redirect) {
  run_table({
      {"redirect result is the result",
       {"example.com TXT v=spf1 redirect=_spf.example.net",
        "_spf.example.net TXT v=spf1 ip4:192.0.2.0/24 ~all"},
       c::pass,
       "ip4:192.0.2.0/24",
       ""},
      {"redirect target fails",
       {"example.com TXT v=spf1 ip4:198.51.100.1 redirect=_spf.example.net",
        "_spf.example.net TXT v=spf1 ~all"},
       c::softfail,
       "~all",
       ""},
      {"a match comes before redirect",
       {"example.com TXT v=spf1 ip4:192.0.2.3 redirect=nowhere.example.net"},
       c::pass,
       "ip4:192.0.2.3",
       ""},
      {"all makes redirect unreachable",
       {"example.com TXT v=spf1 redirect=_spf.example.net -all",
        "_spf.example.net TXT v=spf1 +all"},
       c::fail,
       "-all",
       ""},
      {"redirect to a name without a record is permerror (6.1)",
       {"example.com TXT v=spf1 redirect=nowhere.example.net"},
       c::permerror,
       "",
       "redirect target has no SPF record"},
      {"redirect chain",
       {"example.com TXT v=spf1 redirect=a.example.net",
        "a.example.net TXT v=spf1 redirect=b.example.net", "b.example.net TXT v=spf1 a -all",
        "b.example.net A 192.0.2.3"},
       c::pass,
       "a",
       ""},
      {"%{d} after a redirect is the target",
       {"example.com TXT v=spf1 redirect=_spf.example.net",
        "_spf.example.net TXT v=spf1 exists:%{d}.ok.example.org -all",
        "_spf.example.net.ok.example.org A 127.0.0.1"},
       c::pass,
       "exists:%{d}.ok.example.org",
       ""},
      {"exp is parsed, not fetched",
       {"example.com TXT v=spf1 -all exp=explain.%{d}"},
       c::fail,
       "-all",
       ""},
  });
}

TEST(SpfTest, RecordSelection) {
  run_table({
      {"no txt at all", {"example.com A 192.0.2.1"}, c::none, "", "no SPF record"},
      {"nxdomain", {}, c::none, "", "no SPF record"},
      {"txt but no spf", {"example.com TXT google-site-verification=abc"}, c::none, "", ""},
      {"v=spf10 is not spf", {"example.com TXT v=spf10 -all"}, c::none, "", ""},
      {"version case-insensitive", {"example.com TXT V=SPF1 -all"}, c::fail, "-all", ""},
      {"spf among other txt",
       {"example.com TXT google-site-verification=abc", "example.com TXT v=spf1 -all"},
       c::fail,
       "-all",
       ""},
      {"multiple records",
       {"example.com TXT v=spf1 -all", "example.com TXT v=spf1 +all"},
       c::permerror,
       "",
       "multiple SPF records"},
      {"servfail on the record",
       {"example.com SERVFAIL TXT"},
       c::temperror,
       "",
       "DNS servfail for TXT example.com"},
      {"timeout on the record", {"example.com TIMEOUT TXT"}, c::temperror, "", "timeout"},
  });
}

TEST(SpfTest, SyntaxErrorsArePermerror) {
  run_table({
      {"bad cidr",
       {"example.com TXT v=spf1 ip4:192.0.2.0/33 -all"},
       c::permerror,
       "",
       "syntax error at 'ip4:192.0.2.0/33': invalid ip4 CIDR length"},
      {"unknown mechanism",
       {"example.com TXT v=spf1 foo -all"},
       c::permerror,
       "",
       "syntax error at 'foo': unknown mechanism"},
      {"ip4 without address",
       {"example.com TXT v=spf1 ip4 -all"},
       c::permerror,
       "",
       "syntax error at 'ip4'"},
      {"short ip4",
       {"example.com TXT v=spf1 ip4:1.2.3"},
       c::permerror,
       "",
       "syntax error at 'ip4:1.2.3'"},
      {"error after a match still wins",
       {"example.com TXT v=spf1 +all a:1.2.3.4"},
       c::permerror,
       "",
       "a:1.2.3.4"},
      {"unknown modifier is fine", {"example.com TXT v=spf1 moo=cow -all"}, c::fail, "-all", ""},
  });
}

TEST(SpfTest, LookupLimit) {
  // A chain of 11 includes: the 11th lookup is one too many.
  std::vector<std::string> zone = {"example.com TXT v=spf1 include:i1.example.net -all"};
  for (int i = 1; i <= 10; ++i) {
    zone.push_back("i" + std::to_string(i) + ".example.net TXT v=spf1 include:i" +
                   std::to_string(i + 1) + ".example.net");
  }
  zone.push_back("i11.example.net TXT v=spf1 +all");
  fake_dns eleven(zone);
  const spf_result r = check(eleven, "192.0.2.3");
  EXPECT_EQ(r.code, spf_code::permerror);
  EXPECT_EQ(r.reason, "too many DNS lookups (limit 10)");
  EXPECT_EQ(r.domain, "i10.example.net");

  // Ten includes are allowed.
  zone[10] = "i10.example.net TXT v=spf1 +all";
  fake_dns ten(zone);
  EXPECT_EQ(check(ten, "192.0.2.3").code, spf_code::pass);
}

TEST(SpfTest, LookupLimitCountsEveryKind) {
  // a, mx, exists, ptr, include, redirect: 11 terms that query DNS.
  fake_dns dns(
      {"example.com TXT v=spf1 a mx exists:x.example.org ptr a:h.example.org "
       "include:i.example.org mx:m.example.org a a a redirect=r.example.org",
       "example.com A 198.51.100.1", "example.com MX 10 example.com", "x.example.org TXT unrelated",
       "h.example.org A 198.51.100.2", "i.example.org TXT v=spf1 -all",
       "m.example.org MX 10 example.com", "r.example.org TXT v=spf1 +all"});
  spf_evaluation e("example.com", *ip_address::parse("192.0.2.3"));
  const spf_result r = evaluate(dns, e);
  EXPECT_EQ(r.code, spf_code::permerror);
  EXPECT_THAT(r.reason, HasSubstr("too many DNS lookups"));
  EXPECT_EQ(e.lookups(), 11);
}

TEST(SpfTest, VoidLookupLimit) {
  run_table({
      {"three void a lookups",
       {"example.com TXT v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com -all"},
       c::permerror,
       "",
       "too many void DNS lookups (limit 2)"},
      {"two are allowed",
       {"example.com TXT v=spf1 a:n1.example.com a:n2.example.com -all"},
       c::fail,
       "-all",
       ""},
      {"nodata counts too",
       {"example.com TXT v=spf1 a:n1.example.com mx:n2.example.com exists:n3.example.com -all",
        "n1.example.com TXT x", "n2.example.com TXT x", "n3.example.com TXT x"},
       c::permerror,
       "",
       "void"},
      {"lookups that find records are not void",
       {"example.com TXT v=spf1 a:n1.example.com a:n2.example.com a:n3.example.com -all",
        "n1.example.com A 198.51.100.1", "n2.example.com A 198.51.100.2",
        "n3.example.com A 198.51.100.3"},
       c::fail,
       "-all",
       ""},
  });
}

TEST(SpfTest, MalformedDomains) {
  fake_dns dns({});
  EXPECT_EQ(check(dns, "192.0.2.3", "localhost").code, spf_code::none);  // single label (4.3)
  EXPECT_EQ(check(dns, "192.0.2.3", "a..example").code, spf_code::none);
  EXPECT_EQ(dns.queries, 0);
  fake_dns root({"example.com TXT v=spf1 -all"});
  EXPECT_EQ(check(root, "192.0.2.3", "Example.COM.").code, spf_code::fail);
}

TEST(SpfTest, QueriesUseMacroExpansionAndLocalPart) {
  fake_dns dns({"email.example.com TXT v=spf1 exists:%{lr-}.lp.%{ir}.%{v}._spf.%{d2} -all",
                "bad.strong.lp.3.2.0.192.in-addr._spf.example.com A 127.0.0.2"});
  spf_evaluation e("email.example.com", *ip_address::parse("192.0.2.3"), "strong-bad");
  EXPECT_EQ(evaluate(dns, e).code, spf_code::pass);
  EXPECT_EQ(dns.asked.back(), "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
}

TEST(SpfTest, LateAndDuplicateAnswersAreIgnored) {
  fake_dns dns({"example.com TXT v=spf1 -all"});
  spf_evaluation e("example.com", *ip_address::parse("192.0.2.3"));
  ASSERT_EQ(e.pending().size(), 1u);
  dns_reply empty;
  e.on_answer(5, dns_status::servfail, empty);  // out of range
  EXPECT_FALSE(e.done());
  EXPECT_FALSE(e.answered(0));
  const auto [status, records] = dns.lookup(e.pending()[0]);
  e.on_answer(0, status, records);
  ASSERT_TRUE(e.done());
  e.on_answer(0, dns_status::servfail, empty);  // after the end
  EXPECT_EQ(e.result().code, spf_code::fail);
  EXPECT_TRUE(e.pending().empty());
}

TEST(SpfTest, CodeNamesAndJson) {
  const std::vector<std::pair<spf_code, std::string>> names = {
      {c::none, "none"},          {c::neutral, "neutral"},   {c::pass, "pass"},
      {c::fail, "fail"},          {c::softfail, "softfail"}, {c::temperror, "temperror"},
      {c::permerror, "permerror"}};
  ASSERT_EQ(names.size(), static_cast<size_t>(spf_code_count));
  for (const auto& [code, name] : names) {
    EXPECT_EQ(to_string(code), name);
  }
  std::string out;
  json_writer w(out);
  w.begin_object();
  write_spf_json(w, spf_result{c::permerror, "multiple SPF records", "", "example.com", ""});
  w.end_object();
  EXPECT_EQ(out,
            R"({"result":"permerror","reason":"multiple SPF records","domain":"example.com"})");
  out.clear();
  json_writer w2(out);
  w2.begin_object();
  write_spf_json(w2, spf_result{c::fail, "", "-all", "example.com", "see example.com/why"});
  w2.end_object();
  EXPECT_EQ(out,
            R"({"result":"fail","mechanism":"-all","domain":"example.com",)"
            R"("explanation":"see example.com/why"})");
}

}  // namespace
}  // namespace ptrscan
