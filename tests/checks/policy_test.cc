#include "checks/policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace ptrscan {
namespace {

using ::testing::HasSubstr;
using s = dns_status;
using r = rule_result;

const ip_address ip = *ip_address::parse("192.0.2.7");
const ip_address other = *ip_address::parse("198.51.100.9");

forward_lookup fwd(std::string name, dns_status a, std::vector<ip_address> addrs = {},
                   dns_status aaaa = dns_status::nodata) {
  forward_lookup f;
  f.name = std::move(name);
  f.a = a;
  f.aaaa = aaaa;
  f.addrs = std::move(addrs);
  return f;
}

/// A client with PTR `names` (status `ptr`) and their forward lookups.
policy_evidence client(std::optional<dns_status> ptr, std::vector<std::string> names = {},
                       std::vector<forward_lookup> forward = {}) {
  policy_evidence e;
  e.ip = ip;
  e.ptr_status = ptr;
  e.ptr_names = std::move(names);
  e.forward = std::move(forward);
  return e;
}

const policy_verdict* find(const std::vector<policy_verdict>& v, std::string_view rule) {
  for (const policy_verdict& x : v) {
    if (x.rule == rule) {
      return &x;
    }
  }
  return nullptr;
}

rule_result result_of(const policy_evidence& e, std::string_view rule) {
  const std::vector<policy_verdict> v = evaluate_policy(e);
  const policy_verdict* x = find(v, rule);
  EXPECT_NE(x, nullptr) << rule;
  return x == nullptr ? r::unknown : x->result;
}

TEST(PolicyTest, PostfixHostnameSyntax) {
  struct c {
    const char* name;
    bool valid;
  };
  const std::vector<c> cases = {
      {"mail.example.org", true},  {"under_score.example.org", true},  // '_' allowed
      {"localhost", true},         {"example.123", true},  // numeric top label: allowed
      {"192.0.2.1", false},        {"12345", false},             {"-a.example.org", false},
      {"a-.example.org", false},   {"a..example.org", false},    {"a.example.org.", false},
      {"", false},                 {"a b", false},               {"bad/char.org", false},
      {"1-2.3", true},
  };
  for (const c& x : cases) {
    EXPECT_EQ(postfix_valid_hostname(x.name), x.valid) << x.name;
  }
  EXPECT_FALSE(postfix_valid_hostname(std::string(64, 'a') + ".org"));
  EXPECT_TRUE(postfix_valid_hostname(std::string(63, 'a') + ".org"));
  EXPECT_TRUE(postfix_valid_hostaddr("192.0.2.1"));
  EXPECT_TRUE(postfix_valid_hostaddr("2001:db8::1"));
  EXPECT_FALSE(postfix_valid_hostaddr("1.2.3"));
  EXPECT_FALSE(postfix_valid_hostaddr("256.1.1.1"));
  EXPECT_FALSE(postfix_valid_hostaddr("mail.example.org"));
}

struct client_case {
  std::string label;
  policy_evidence e;
  rule_result reverse;
  rule_result client;
};

TEST(PolicyTest, ClientHostnameRules) {
  const std::vector<client_case> cases = {
      {"no PTR", client(s::nxdomain), r::fail, r::fail},
      {"PTR nodata", client(s::nodata), r::fail, r::fail},
      {"PTR servfail: 450", client(s::servfail), r::unknown, r::unknown},
      {"PTR timeout", client(s::timeout), r::unknown, r::unknown},
      {"PTR malformed", client(s::error), r::unknown, r::unknown},
      {"PTR unanswered", client(std::nullopt), r::unknown, r::unknown},
      {"FCrDNS ok", client(s::ok, {"mail.example.org"}, {fwd("mail.example.org", s::ok, {ip})}),
       r::pass, r::pass},
      {"A elsewhere",
       client(s::ok, {"mail.example.org"}, {fwd("mail.example.org", s::ok, {other})}), r::pass,
       r::fail},
      {"name without A", client(s::ok, {"mail.example.org"}, {fwd("mail.example.org", s::nxdomain)}),
       r::pass, r::fail},
      {"A lookup servfail",
       client(s::ok, {"mail.example.org"}, {fwd("mail.example.org", s::servfail)}), r::pass,
       r::unknown},
      {"only an AAAA failed (IPv4 client: getaddrinfo asks A)",
       client(s::ok, {"mail.example.org"},
              {fwd("mail.example.org", s::ok, {ip}, s::servfail)}),
       r::pass, r::pass},
      {"name not looked up", client(s::ok, {"mail.example.org"}), r::pass, r::unknown},
      {"two names, one confirms: depends on the order",
       client(s::ok, {"a.example.org", "b.example.org"},
              {fwd("a.example.org", s::ok, {ip}), fwd("b.example.org", s::ok, {other})}),
       r::pass, r::unknown},
      {"two names, both confirm",
       client(s::ok, {"a.example.org", "b.example.org"},
              {fwd("a.example.org", s::ok, {ip}), fwd("b.example.org", s::ok, {ip})}),
       r::pass, r::pass},
      {"numeric PTR name", client(s::ok, {"192.0.2.7"}), r::fail, r::fail},
  };
  for (const client_case& c : cases) {
    SCOPED_TRACE(c.label);
    EXPECT_EQ(result_of(c.e, "reject_unknown_reverse_client_hostname"), c.reverse);
    EXPECT_EQ(result_of(c.e, "reject_unknown_client_hostname"), c.client);
  }
  {
    // Names past the 32 kept: Postfix might get one not seen.
    policy_evidence e = client(s::ok, {"mail.example.org"}, {fwd("mail.example.org", s::ok, {ip})});
    e.ptr_names_total = 40;
    EXPECT_EQ(result_of(e, "reject_unknown_reverse_client_hostname"), r::unknown);
  }
}

TEST(PolicyTest, ClientHostnameFixes) {
  {
    const std::vector<policy_verdict> v = evaluate_policy(client(s::nxdomain));
    EXPECT_EQ(find(v, "reject_unknown_reverse_client_hostname")->fix,
              "7.2.0.192.in-addr.arpa. PTR mail.example.org.; mail.example.org. A 192.0.2.7");
  }
  {
    // The HELO name is the name to publish; its A record is there already.
    policy_evidence e = client(s::nxdomain);
    e.helo = "relay.example.net";
    e.helo_a = s::ok;
    e.helo_addrs = {ip};
    const std::vector<policy_verdict> v = evaluate_policy(e);
    EXPECT_EQ(find(v, "reject_unknown_client_hostname")->fix,
              "7.2.0.192.in-addr.arpa. PTR relay.example.net.");
  }
  {
    const std::vector<policy_verdict> v = evaluate_policy(
        client(s::ok, {"mail.example.org"}, {fwd("mail.example.org", s::ok, {other})}));
    const policy_verdict* c = find(v, "reject_unknown_client_hostname");
    EXPECT_THAT(c->fix, HasSubstr("mail.example.org. A 192.0.2.7"));
    EXPECT_THAT(c->evidence, HasSubstr("198.51.100.9"));
    EXPECT_TRUE(find(v, "reject_unknown_reverse_client_hostname")->fix.empty());  // a pass
  }
}

struct helo_case {
  std::string helo;
  std::optional<dns_status> a, aaaa, mx;
  rule_result invalid, non_fqdn, unknown;
};

TEST(PolicyTest, HeloRules) {
  const std::optional<dns_status> none;
  const std::vector<helo_case> cases = {
      {"mail.example.org", s::ok, s::nodata, s::nodata, r::pass, r::pass, r::pass},
      // One trailing dot is dropped by the syntax checks, not by the lookup
      // (dns_lookup's valid_hostname refuses it).
      {"MAIL.Example.ORG.", s::ok, s::nodata, s::nodata, r::pass, r::pass, r::fail},
      {"mail.example.org..", s::ok, s::nodata, s::nodata, r::fail, r::fail, r::fail},
      {"mailserver", s::nxdomain, s::nxdomain, s::nxdomain, r::pass, r::fail, r::fail},
      {"under_score.example.org", s::nxdomain, s::nxdomain, s::nxdomain, r::pass, r::pass,
       r::fail},
      {"nohost.example.org", s::nxdomain, s::nxdomain, s::nxdomain, r::pass, r::pass, r::fail},
      {"mx-only.example.org", s::nodata, s::nodata, s::ok, r::pass, r::pass, r::pass},
      {"v6-only.example.org", s::nodata, s::ok, s::nodata, r::pass, r::pass, r::pass},
      {"dead.example.org", s::servfail, s::nxdomain, s::nxdomain, r::pass, r::pass, r::unknown},
      {"slow.example.org", s::nxdomain, none, s::nxdomain, r::pass, r::pass, r::unknown},
      {"found.example.org", s::ok, none, none, r::pass, r::pass, r::pass},
      {"192.0.2.7", none, none, none, r::pass, r::fail, r::fail},  // an address: valid
      {"[192.0.2.7]", none, none, none, r::pass, r::pass, r::pass},
      {"[198.51.100.9]", none, none, none, r::pass, r::pass, r::pass},  // syntax only
      {"[300.1.1.1]", none, none, none, r::fail, r::fail, r::fail},
      {"[IPv6:2001:db8::1]", none, none, none, r::pass, r::pass, r::pass},
      {"[2001:db8::1]", none, none, none, r::fail, r::fail, r::fail},
      {"a b", none, none, none, r::fail, r::fail, r::fail},
      {"-bad.example.org", none, none, none, r::fail, r::fail, r::fail},
  };
  for (const helo_case& c : cases) {
    SCOPED_TRACE(c.helo);
    policy_evidence e = client(s::ok, {"mail.example.org"}, {fwd("mail.example.org", s::ok, {ip})});
    e.helo = c.helo;
    e.helo_a = c.a;
    e.helo_aaaa = c.aaaa;
    e.helo_mx = c.mx;
    EXPECT_EQ(result_of(e, "reject_invalid_helo_hostname"), c.invalid);
    EXPECT_EQ(result_of(e, "reject_non_fqdn_helo_hostname"), c.non_fqdn);
    EXPECT_EQ(result_of(e, "reject_unknown_helo_hostname"), c.unknown);
  }
}

TEST(PolicyTest, HeloFixesNameTheSetting) {
  policy_evidence e = client(s::ok, {"mail.example.org"}, {fwd("mail.example.org", s::ok, {ip})});
  e.helo = "mailserver";
  e.helo_a = e.helo_aaaa = e.helo_mx = s::nxdomain;
  std::vector<policy_verdict> v = evaluate_policy(e);
  EXPECT_EQ(find(v, "reject_non_fqdn_helo_hostname")->fix,
            "Postfix: smtp_helo_name = mail.example.org (default $myhostname: myhostname = "
            "mail.example.org); Exim: helo_data = mail.example.org on the smtp transport");
  // A FQDN that does not resolve: its A record, or the setting.
  e.helo = "new.example.org";
  v = evaluate_policy(e);
  EXPECT_THAT(find(v, "reject_unknown_helo_hostname")->fix,
              HasSubstr("new.example.org. A 192.0.2.7"));
  // Without a HELO there are no HELO rules.
  e.helo.reset();
  v = evaluate_policy(e);
  EXPECT_EQ(find(v, "reject_invalid_helo_hostname"), nullptr);
}

TEST(PolicyTest, GenericRdns) {
  auto with_class = [](rdns_class c, std::string name) {
    policy_evidence e = client(s::ok, {name}, {fwd(name, s::ok, {ip})});
    e.naming = c;
    e.naming_name = name;
    e.helo = "mta1.example.org";
    return e;
  };
  EXPECT_EQ(result_of(with_class(rdns_class::mail_like, "mail.example.org"), "generic_rdns"),
            r::pass);
  EXPECT_EQ(result_of(with_class(rdns_class::custom, "zeus.example.org"), "generic_rdns"), r::pass);
  EXPECT_EQ(result_of(with_class(rdns_class::generic_static, "static-7.example.net"),
                      "generic_rdns"),
            r::pass);
  const policy_evidence dyn = with_class(rdns_class::generic_dynamic, "dyn-192-0-2-7.pool.isp.net");
  const std::vector<policy_verdict> v = evaluate_policy(dyn);
  EXPECT_EQ(find(v, "generic_rdns")->result, r::fail);
  // The fix names the HELO name, never the generic one.
  EXPECT_EQ(find(v, "generic_rdns")->fix,
            "7.2.0.192.in-addr.arpa. PTR mta1.example.org.; mta1.example.org. A 192.0.2.7");
  EXPECT_EQ(result_of(with_class(rdns_class::generic_unspecified, "192-0-2-7.isp.net"),
                      "generic_rdns"),
            r::fail);
  policy_evidence none = client(s::nxdomain);
  none.naming = rdns_class::none;
  EXPECT_EQ(result_of(none, "generic_rdns"), r::fail);
  policy_evidence failed = client(s::servfail);
  failed.naming = rdns_class::none;  // the classifier saw no name
  EXPECT_EQ(result_of(failed, "generic_rdns"), r::unknown);
}

TEST(PolicyTest, BulkSenderRequirements) {
  policy_evidence e = client(s::ok, {"mail.example.org"}, {fwd("mail.example.org", s::ok, {ip})});
  e.fcrdns = fcrdns_status::pass;
  EXPECT_EQ(result_of(e, "ptr"), r::pass);
  EXPECT_EQ(result_of(e, "fcrdns"), r::pass);
  EXPECT_EQ(find(evaluate_policy(e), "tls"), nullptr);  // no TLS evidence
  EXPECT_EQ(find(evaluate_policy(e), "spf"), nullptr);  // no MAIL FROM
  e.fcrdns = fcrdns_status::error;
  EXPECT_EQ(result_of(e, "fcrdns"), r::unknown);
  e.fcrdns = fcrdns_status::fail;
  EXPECT_EQ(result_of(e, "fcrdns"), r::fail);

  e.tls_offered = false;
  EXPECT_EQ(result_of(e, "tls"), r::unknown);  // could not use what was not offered
  e.tls_offered = true;
  e.tls_used = false;
  EXPECT_EQ(result_of(e, "tls"), r::fail);
  EXPECT_THAT(find(evaluate_policy(e), "tls")->fix, HasSubstr("smtp_tls_security_level = may"));
  e.tls_used = true;
  EXPECT_EQ(result_of(e, "tls"), r::pass);

  e.spf_mail_from_domain = "example.org";
  e.spf_mail_from = spf_code::pass;
  EXPECT_EQ(result_of(e, "spf"), r::pass);
  e.spf_mail_from = spf_code::temperror;
  EXPECT_EQ(result_of(e, "spf"), r::unknown);
  e.spf_mail_from = spf_code::softfail;
  EXPECT_EQ(result_of(e, "spf"), r::fail);
  EXPECT_THAT(find(evaluate_policy(e), "spf")->fix, HasSubstr("add ip4:192.0.2.7"));
  e.spf_mail_from = spf_code::none;
  EXPECT_EQ(find(evaluate_policy(e), "spf")->fix, "example.org. TXT \"v=spf1 ip4:192.0.2.7 -all\"");
  e.spf_mail_from = spf_code::neutral;
  EXPECT_EQ(result_of(e, "spf"), r::fail);

  policy_evidence no_ptr = client(s::nxdomain);
  no_ptr.fcrdns = fcrdns_status::none;
  EXPECT_EQ(result_of(no_ptr, "ptr"), r::fail);
  EXPECT_EQ(result_of(no_ptr, "fcrdns"), r::fail);
  EXPECT_EQ(result_of(client(s::timeout), "ptr"), r::unknown);
}

TEST(PolicyTest, ServerChecks) {
  policy_evidence e = client(s::ok, {"mx1.example.org"}, {fwd("mx1.example.org", s::ok, {ip})});
  e.role = policy_role::server;
  EXPECT_EQ(find(evaluate_policy(e), "banner_ptr_match"), nullptr);  // no greeting seen
  e.banner_host = "mx1.example.org";
  EXPECT_EQ(result_of(e, "banner_ptr_match"), r::pass);
  e.banner_host = "host.internal.lan";
  const std::vector<policy_verdict> v = evaluate_policy(e);
  EXPECT_EQ(find(v, "banner_ptr_match")->result, r::fail);
  EXPECT_THAT(find(v, "banner_ptr_match")->fix, HasSubstr("myhostname = mx1.example.org"));
  EXPECT_THAT(find(v, "banner_ptr_match")->fix, HasSubstr("smtp_active_hostname = mx1.example.org"));
  e.banner_host = "";
  EXPECT_EQ(result_of(e, "banner_ptr_match"), r::fail);

  e.tls_offered = false;
  EXPECT_EQ(result_of(e, "smtp_tls"), r::fail);  // a server that does not offer it fails
  e.tls_offered = true;
  e.tls_used = true;
  EXPECT_EQ(result_of(e, "smtp_tls"), r::pass);

  e.relay = "open";
  EXPECT_EQ(result_of(e, "open_relay"), r::fail);
  e.relay = "closed";
  EXPECT_EQ(result_of(e, "open_relay"), r::pass);
  e.relay = "tempfail";
  EXPECT_EQ(result_of(e, "open_relay"), r::unknown);

  e.banner_ms = 16'000;
  EXPECT_EQ(result_of(e, "connection_time"), r::fail);
  e.banner_ms = 300;
  EXPECT_EQ(result_of(e, "connection_time"), r::pass);

  // A client's evidence has no server checks.
  e.role = policy_role::client;
  EXPECT_EQ(find(evaluate_policy(e), "banner_ptr_match"), nullptr);
}

// Review finding: with PTR names left unchecked by a cap and none of the
// checked ones confirming, FCrDNS is unknown, never fail.
TEST(PolicyTest, FcrdnsWithUncheckedNamesIsUnknown) {
  policy_evidence e = client(s::ok, {"a.example.org"}, {fwd("a.example.org", s::ok, {other})});
  e.ptr_names_total = 12;
  e.fcrdns = fcrdns_status::fail;
  EXPECT_EQ(result_of(e, "fcrdns"), r::fail);  // every name checked
  e.fcrdns_unchecked = 2;
  const std::vector<policy_verdict> v = evaluate_policy(e);
  EXPECT_EQ(find(v, "fcrdns")->result, r::unknown);
  EXPECT_THAT(find(v, "fcrdns")->evidence, HasSubstr("2 more were not looked up (cap)"));
  EXPECT_TRUE(find(v, "fcrdns")->fix.empty());
  // A checked name that confirms still passes.
  e.fcrdns = fcrdns_status::pass;
  e.forward = {fwd("a.example.org", s::ok, {ip})};
  EXPECT_EQ(result_of(e, "fcrdns"), r::pass);
}

// Review finding: a failed handshake is not TLS used. The peer's failure
// fails the rule; ptrscan's own (no TLS, its library, its deadline) leaves
// it unknown; the evidence says which.
TEST(PolicyTest, FailedHandshakeIsNeverTlsUsed) {
  policy_evidence e = client(s::ok, {"mx1.example.org"}, {fwd("mx1.example.org", s::ok, {ip})});
  e.role = policy_role::server;
  e.banner_host = "mx1.example.org";
  e.tls_offered = true;
  e.tls_tried = true;
  e.tls_used = false;
  e.tls_error = "handshake failure alert";
  std::vector<policy_verdict> v = evaluate_policy(e);
  for (std::string_view rule : {"tls", "smtp_tls"}) {
    SCOPED_TRACE(std::string(rule));
    EXPECT_EQ(find(v, rule)->result, r::fail);
    EXPECT_THAT(find(v, rule)->evidence, HasSubstr("no TLS session could be established"));
    EXPECT_THAT(find(v, rule)->evidence, HasSubstr("handshake failure alert"));
    EXPECT_THAT(find(v, rule)->evidence, ::testing::Not(HasSubstr("used")));
  }
  e.tls_error = "timeout during TLS handshake";
  e.tls_error_local = true;
  v = evaluate_policy(e);
  for (std::string_view rule : {"tls", "smtp_tls"}) {
    EXPECT_EQ(find(v, rule)->result, r::unknown) << rule;
    EXPECT_THAT(find(v, rule)->evidence, HasSubstr("on ptrscan's side"));
  }
  // Advertised, not tried: the starttls probe was off, or the session ended.
  e.tls_tried = false;
  e.tls_error.clear();
  e.tls_error_local = false;
  EXPECT_EQ(result_of(e, "tls"), r::unknown);
  e.not_run = {"starttls"};
  EXPECT_THAT(find(evaluate_policy(e), "tls")->evidence, HasSubstr("starttls probe was not run"));
  e.not_run.clear();
  e.tls_tried = true;
  e.tls_used = true;
  EXPECT_EQ(result_of(e, "tls"), r::pass);

  // A client that sent STARTTLS and whose handshake failed.
  policy_evidence c = client(s::ok, {"mail.example.org"});
  c.tls_offered = true;
  c.tls_tried = true;
  c.tls_used = false;
  c.tls_error = "unexpected eof";
  EXPECT_EQ(result_of(c, "tls"), r::fail);
  EXPECT_THAT(find(evaluate_policy(c), "tls")->evidence,
              HasSubstr("sent STARTTLS and the TLS handshake failed (unexpected eof)"));
  c.tls_error_local = true;
  EXPECT_EQ(result_of(c, "tls"), r::unknown);
  c.tls_error_local = false;
  c.tls_tried = false;
  EXPECT_THAT(find(evaluate_policy(c), "tls")->evidence, HasSubstr("did not send it"));
}

// The scanner names the probes it did not run: every rule they feed is
// unknown, names the probe, and carries no fix.
TEST(PolicyTest, RulesWithoutTheirProbeAreUnknownAndNameIt) {
  policy_evidence e;
  e.ip = ip;
  e.role = policy_role::server;
  e.not_run = {"ptr", "fcrdns", "smtp", "starttls", "relay"};
  const std::vector<policy_verdict> v = evaluate_policy(e);
  const std::vector<std::pair<std::string_view, std::string_view>> want = {
      {"reject_unknown_reverse_client_hostname", "ptr"},
      {"reject_unknown_client_hostname", "ptr"},
      {"reject_invalid_helo_hostname", "smtp"},
      {"reject_non_fqdn_helo_hostname", "smtp"},
      {"reject_unknown_helo_hostname", "smtp"},
      {"generic_rdns", "ptr"},
      {"ptr", "ptr"},
      {"fcrdns", "fcrdns"},
      {"tls", "smtp"},
      {"banner_ptr_match", "smtp"},
      {"smtp_tls", "smtp"},
      {"open_relay", "smtp"},
      {"connection_time", "smtp"},
  };
  ASSERT_EQ(v.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    SCOPED_TRACE(std::string(want[i].first));
    EXPECT_EQ(v[i].rule, want[i].first);
    EXPECT_EQ(v[i].result, r::unknown);
    EXPECT_THAT(v[i].evidence,
                HasSubstr("the " + std::string(want[i].second) + " probe was not run"));
    EXPECT_TRUE(v[i].fix.empty());
  }

  // PTR ran, FCrDNS not: the PTR name is known, its confirmation is not.
  policy_evidence p = client(s::ok, {"mx1.example.org"});
  p.role = policy_role::server;
  p.naming = rdns_class::mail_like;
  p.not_run = {"fcrdns"};
  p.banner_host = "mx1.example.org";
  const std::vector<policy_verdict> w = evaluate_policy(p);
  EXPECT_EQ(find(w, "reject_unknown_reverse_client_hostname")->result, r::pass);
  EXPECT_EQ(find(w, "reject_unknown_client_hostname")->result, r::unknown);
  EXPECT_THAT(find(w, "reject_unknown_client_hostname")->evidence, HasSubstr("fcrdns probe"));
  EXPECT_EQ(find(w, "fcrdns")->result, r::unknown);
  EXPECT_EQ(find(w, "ptr")->result, r::pass);
  // The relay probe ran but gave no verdict (no session reached it): no
  // evidence, left out as the listener leaves it out.
  EXPECT_EQ(find(w, "open_relay"), nullptr);
}

// A banner host equal to none of the 32 PTR names kept, when the answer
// held more: the cap is marked, never a mismatch.
TEST(PolicyTest, BannerMatchAgainstCutPtrNamesIsUnknown) {
  policy_evidence e = client(s::ok, {"a.example.org", "b.example.org"});
  e.role = policy_role::server;
  e.banner_host = "z.example.org";
  EXPECT_EQ(result_of(e, "banner_ptr_match"), r::fail);
  e.ptr_names_total = 40;
  EXPECT_EQ(result_of(e, "banner_ptr_match"), r::unknown);
  e.banner_host = "b.example.org";
  EXPECT_EQ(result_of(e, "banner_ptr_match"), r::pass);
}

// A HELO name the scan did not look up is unknown for a reason it names:
// the ptr probe was off (an SMTP-only scan asks DNS nothing), or the name
// was past --smtp-helo-names.
TEST(PolicyTest, UnaskedHeloNameSaysWhy) {
  policy_evidence e;
  e.ip = ip;
  e.role = policy_role::server;
  e.helo = "mx1.example.org";
  e.banner_host = "mx1.example.org";
  e.not_run = {"ptr", "fcrdns"};
  const std::vector<policy_verdict> off = evaluate_policy(e);
  EXPECT_EQ(find(off, "reject_unknown_helo_hostname")->result, r::unknown);
  EXPECT_THAT(find(off, "reject_unknown_helo_hostname")->evidence,
              HasSubstr("the ptr probe was not run"));

  policy_evidence c = client(s::ok, {"mx1.example.org"});
  c.role = policy_role::server;
  c.helo = "mx2.example.org";
  c.helo_capped = true;
  const std::vector<policy_verdict> capped = evaluate_policy(c);
  EXPECT_EQ(find(capped, "reject_unknown_helo_hostname")->result, r::unknown);
  EXPECT_THAT(find(capped, "reject_unknown_helo_hostname")->evidence,
              HasSubstr("--smtp-helo-names"));
  // Answered lookups decide whatever the flags say.
  c.helo_a = s::ok;
  c.helo_aaaa = s::nodata;
  c.helo_mx = s::nodata;
  EXPECT_EQ(result_of(c, "reject_unknown_helo_hostname"), r::pass);
}

TEST(PolicyTest, EveryFailureCarriesAFixAndOnlyFailures) {
  policy_evidence e = client(s::ok, {"dyn-1.pool.isp.net"}, {fwd("dyn-1.pool.isp.net", s::ok, {other})});
  e.naming = rdns_class::generic_dynamic;
  e.fcrdns = fcrdns_status::fail;
  e.helo = "box";
  e.helo_a = e.helo_aaaa = e.helo_mx = s::nxdomain;
  e.tls_offered = true;
  e.tls_used = false;
  e.spf_mail_from = spf_code::fail;
  e.spf_mail_from_domain = "example.org";
  const std::vector<policy_verdict> v = evaluate_policy(e);
  size_t fails = 0;
  for (const policy_verdict& x : v) {
    SCOPED_TRACE(std::string(x.rule));
    EXPECT_FALSE(x.evidence.empty());
    if (x.result == r::fail) {
      ++fails;
      EXPECT_FALSE(x.fix.empty());
    } else {
      EXPECT_TRUE(x.fix.empty());
    }
  }
  // All but reject_unknown_reverse_client_hostname, reject_invalid_helo_hostname
  // (a single label is a valid name) and ptr (there is one).
  EXPECT_EQ(fails, 7u);
}

}  // namespace
}  // namespace ptrscan
