// The listener's client checks (lib/probes/client_identity.cc) against a
// zone held in the test: PTR, FCrDNS, naming, HELO rules and check_host for
// MAIL FROM and HELO, and the RCPT verdict line built from them.
#include "probes/client_identity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "../dns/dns_packet_builder.h"
#include "checks/helo_rules.h"
#include "dns/reply.h"
#include "output/json_writer.h"
#include "probes/helo_names.h"

namespace ptrscan {
namespace {

using testing::dns_packet_builder;

std::vector<uint8_t> txt(std::string_view s) {
  std::vector<uint8_t> v{static_cast<uint8_t>(s.size())};
  v.insert(v.end(), s.begin(), s.end());
  return v;
}

/// Name + type -> rdatas; a name with no entry at all is NXDOMAIN.
class zone {
 public:
  void add(std::string name, uint16_t type, std::vector<uint8_t> rdata) {
    records_[{std::move(name), type}].push_back(std::move(rdata));
  }
  /// Questions whose answer never comes (a silent resolver).
  std::vector<std::string> silent;
  /// Questions (name, type) whose lookup fails (the transport's timeout).
  std::vector<std::pair<std::string, uint16_t>> failing;

  /// Answers every question until none is left; returns how many.
  int serve(client_identity& id) {
    int n = 0;
    for (int round = 0; round < 50; ++round) {
      std::vector<identity_question> qs = id.take_questions();
      if (qs.empty()) {
        break;
      }
      for (const identity_question& q : qs) {
        ++n;
        if (std::find(silent.begin(), silent.end(), q.name) != silent.end()) {
          continue;
        }
        if (std::find(failing.begin(), failing.end(), std::make_pair(q.name, q.type)) !=
            failing.end()) {
          id.on_answer(q.tag, dns_status::timeout, "", {});
          continue;
        }
        id.on_answer(q.tag, dns_status::ok, "", packet(q.name, q.type));
      }
    }
    return n;
  }

  /// The packet this zone answers (name, type) with.
  std::vector<uint8_t> answer(const std::string& name, uint16_t type) const {
    return packet(name, type);
  }

 private:
  std::vector<uint8_t> packet(const std::string& name, uint16_t type) const {
    bool exists = false;
    for (const auto& [k, v] : records_) {
      exists = exists || k.first == name;
    }
    dns_packet_builder b(1, exists ? 0 : 3, name, type);
    if (auto it = records_.find({name, type}); it != records_.end()) {
      for (const std::vector<uint8_t>& r : it->second) {
        b.rr(name, type, r);
      }
    }
    return b.bytes();
  }
  std::map<std::pair<std::string, uint16_t>, std::vector<std::vector<uint8_t>>> records_;
};

const rdns_classifier& classifier() {
  static const rdns_classifier c;
  return c;
}

ip_address client_ip() { return *ip_address::parse("192.0.2.25"); }

/// mail.sender.example <-> 192.0.2.25, with SPF for sender.example
/// (ip4 of the client) and for the HELO name (a: itself).
zone good_zone() {
  zone z;
  z.add("25.2.0.192.in-addr.arpa", dns_type_ptr, dns_packet_builder::name("mail.sender.example"));
  z.add("mail.sender.example", dns_type_a, dns_packet_builder::ipv4(192, 0, 2, 25));
  z.add("sender.example", dns_type_txt, txt("v=spf1 ip4:192.0.2.0/24 -all"));
  z.add("mail.sender.example", dns_type_txt, txt("v=spf1 a -all"));
  z.add("other.example", dns_type_a, dns_packet_builder::ipv4(198, 51, 100, 1));
  z.add("soft.example", dns_type_txt, txt("v=spf1 ~all"));
  return z;
}

std::string json(const client_identity& id) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  id.write_json(w);
  w.end_object();
  return out;
}

TEST(ClientIdentity, AllGood) {
  zone z = good_zone();
  client_identity id(client_ip(), classifier());
  id.start();
  id.set_helo("mail.sender.example");
  id.set_mail_from("bounce@sender.example");
  z.serve(id);
  ASSERT_TRUE(id.idle());
  ASSERT_TRUE(id.verdict_ready());
  EXPECT_EQ(id.verdict_line(), "ptr=ok fcrdns=pass rdns=mail-like helo=match spf=pass");
  const std::string j = json(id);
  EXPECT_NE(j.find(R"("helo":{"name":"mail.sender.example","syntax":"fqdn","fqdn":true,)"
                   R"("addresses":["192.0.2.25"],"mx":false,"resolves":true,"resolves_to_client":true,)"
                   R"("equals_ptr":true,"verdict":"match"})"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find(R"("mail_from":{"identity":"mailfrom","domain":"sender.example","result":"pass")"),
            std::string::npos)
      << j;
  EXPECT_NE(j.find(R"("helo":{"identity":"helo","domain":"mail.sender.example","result":"pass")"),
            std::string::npos)
      << j;
}

TEST(ClientIdentity, HeloElsewhereAndSoftfail) {
  zone z = good_zone();
  client_identity id(client_ip(), classifier());
  id.start();
  id.set_helo("other.example");
  id.set_mail_from("x@soft.example");
  z.serve(id);
  EXPECT_EQ(id.verdict_line(), "ptr=ok fcrdns=pass rdns=mail-like helo=mismatch spf=softfail");
}

TEST(ClientIdentity, NoPtrAndUnresolvedHelo) {
  zone z;
  client_identity id(client_ip(), classifier());
  id.start();
  id.set_helo("nowhere.example");
  z.serve(id);
  EXPECT_EQ(id.verdict_line(), "ptr=nxdomain fcrdns=none rdns=none helo=unresolved");
}

TEST(ClientIdentity, HeloForms) {
  EXPECT_EQ(read_helo("Mail.Example.ORG.").syntax, helo_syntax::fqdn);
  EXPECT_EQ(read_helo("Mail.Example.ORG.").name, "mail.example.org");
  EXPECT_EQ(read_helo("localhost").syntax, helo_syntax::not_fqdn);
  EXPECT_EQ(read_helo("[192.0.2.25]").syntax, helo_syntax::address_literal);
  EXPECT_EQ(read_helo("[IPv6:2001:db8::1]").syntax, helo_syntax::address_literal);
  EXPECT_EQ(read_helo("[2001:db8::1]").syntax, helo_syntax::invalid);
  EXPECT_EQ(read_helo("192.0.2.25").syntax, helo_syntax::invalid);
  EXPECT_EQ(read_helo("bad_name.example").syntax, helo_syntax::invalid);
  EXPECT_EQ(read_helo("-a.example").syntax, helo_syntax::invalid);
  EXPECT_EQ(read_helo("").syntax, helo_syntax::invalid);

  zone z = good_zone();
  client_identity lit(client_ip(), classifier());
  lit.start();
  lit.set_helo("[192.0.2.25]");
  z.serve(lit);
  EXPECT_EQ(lit.verdict_line(), "ptr=ok fcrdns=pass rdns=mail-like helo=literal");
  client_identity other(client_ip(), classifier());
  other.start();
  other.set_helo("[192.0.2.26]");
  z.serve(other);
  EXPECT_EQ(other.verdict_line(), "ptr=ok fcrdns=pass rdns=mail-like helo=literal-mismatch");
  client_identity bad(client_ip(), classifier());
  bad.start();
  bad.set_helo("under_score");
  z.serve(bad);
  EXPECT_EQ(bad.verdict_line(), "ptr=ok fcrdns=pass rdns=mail-like helo=invalid");
}

// The null sender's identity is the HELO name (RFC 7208 §2.4).
TEST(ClientIdentity, NullSenderUsesHelo) {
  zone z = good_zone();
  client_identity id(client_ip(), classifier());
  id.start();
  id.set_helo("mail.sender.example");
  id.set_mail_from("");
  z.serve(id);
  EXPECT_EQ(id.verdict_line(), "ptr=ok fcrdns=pass rdns=mail-like helo=match spf=pass");
  EXPECT_NE(json(id).find(R"("mail_from":{"identity":"helo","domain":"mail.sender.example")"),
            std::string::npos);
}

// What has not answered is "timeout" in the verdict, never a guess.
TEST(ClientIdentity, SilentLookupsAreTimeoutInTheVerdict) {
  zone z = good_zone();
  z.silent = {"mail.sender.example"};  // forward lookups and HELO lookups never answer
  client_identity id(client_ip(), classifier());
  id.start();
  id.set_helo("mail.sender.example");
  z.serve(id);
  EXPECT_FALSE(id.verdict_ready());
  EXPECT_FALSE(id.idle());
  EXPECT_EQ(id.verdict_line(), "ptr=ok fcrdns=timeout helo=timeout");
}

// A malformed answer is an error, not a verdict.
TEST(ClientIdentity, MalformedPtrAnswerIsError) {
  client_identity id(client_ip(), classifier());
  id.start();
  std::vector<identity_question> qs = id.take_questions();
  ASSERT_EQ(qs.size(), 1u);
  const std::vector<uint8_t> junk{0x00, 0x01, 0x81};
  id.on_answer(qs[0].tag, dns_status::ok, "", junk);
  EXPECT_EQ(id.verdict_line(), "ptr=error fcrdns=error rdns=none helo=none");
  EXPECT_NE(json(id).find(R"("ptr":{"status":"error","error":"malformed"})"), std::string::npos)
      << json(id);
}

// A client that keeps changing MAIL FROM gets a bounded number of checks.
TEST(ClientIdentity, SenderChecksCapped) {
  zone z = good_zone();
  identity_limits lim;
  lim.max_sender_checks = 2;
  client_identity id(client_ip(), classifier(), lim);
  id.start();
  id.set_helo("mail.sender.example");
  for (int i = 0; i < 4; ++i) {
    id.set_mail_from("a@d" + std::to_string(i) + ".example");
    z.serve(id);
  }
  EXPECT_EQ(id.truncated(), std::vector<std::string>{"mail_from_checks"});
  EXPECT_NE(id.verdict_line().find("spf=unchecked"), std::string::npos);
}

// The null sender's identity is postmaster@HELO: a null sender again under
// another HELO name is another identity, checked again (issue 19 review).
TEST(ClientIdentity, NullSenderFollowsTheHeloName) {
  zone z = good_zone();
  client_identity id(client_ip(), classifier());
  id.start();
  id.set_helo("mail.sender.example");
  id.set_mail_from("");
  z.serve(id);
  ASSERT_NE(id.verdict_line().find("spf=pass"), std::string::npos) << id.verdict_line();
  id.set_helo("soft.example");  // RSET, EHLO soft.example, MAIL FROM:<>
  id.set_mail_from("");
  z.serve(id);
  const std::string line = id.verdict_line();
  EXPECT_NE(line.find("spf=softfail"), std::string::npos) << line;
  EXPECT_NE(json(id).find(R"("mail_from":{"identity":"helo","domain":"soft.example")"),
            std::string::npos)
      << json(id);
  // A non-FQDN HELO has no identity (none); an FQDN one after it has.
  client_identity id2(client_ip(), classifier());
  id2.start();
  id2.set_helo("localhost");
  id2.set_mail_from("");
  z.serve(id2);
  ASSERT_NE(id2.verdict_line().find("spf=none"), std::string::npos) << id2.verdict_line();
  id2.set_helo("mail.sender.example");
  id2.set_mail_from("");
  z.serve(id2);
  EXPECT_NE(id2.verdict_line().find("spf=pass"), std::string::npos) << id2.verdict_line();
  // The same null sender under the same HELO name is not checked again.
  id2.set_mail_from("");
  EXPECT_EQ(z.serve(id2), 0);
}

// The cap marks the senders it skips; the verdict follows the sender that
// spf.mail_from shows, so a later one without a domain is none, and a later
// one with a new domain past the cap is unchecked again (issue 19 review).
TEST(ClientIdentity, SenderCapVerdictFollowsTheLastSender) {
  zone z = good_zone();
  identity_limits lim;
  lim.max_sender_checks = 2;
  client_identity id(client_ip(), classifier(), lim);
  id.start();
  id.set_helo("mail.sender.example");
  for (int i = 0; i < 3; ++i) {
    id.set_mail_from("a@d" + std::to_string(i) + ".example");
    z.serve(id);
  }
  ASSERT_NE(id.verdict_line().find("spf=unchecked"), std::string::npos) << id.verdict_line();
  // The record says the same: no SPF result for a domain not looked up.
  EXPECT_NE(json(id).find(R"("domain":"d2.example","result":"unchecked")"), std::string::npos)
      << json(id);
  id.set_mail_from("postmaster");  // no domain
  z.serve(id);
  EXPECT_NE(id.verdict_line().find("spf=none"), std::string::npos) << id.verdict_line();
  EXPECT_NE(json(id).find("no domain"), std::string::npos) << json(id);
  EXPECT_EQ(id.truncated(), std::vector<std::string>{"mail_from_checks"});  // still marked
  id.set_mail_from("b@d3.example");  // past the cap again
  z.serve(id);
  EXPECT_NE(id.verdict_line().find("spf=unchecked"), std::string::npos) << id.verdict_line();
}

// The HELO name resolves elsewhere, but the AAAA lookup that could hold
// the (IPv6) client failed: whether it resolves to the client is unknown,
// so the verdict is error, not mismatch.
TEST(ClientIdentity, HeloLookupFailureIsNotMismatch) {
  zone z = good_zone();
  z.failing = {{"other.example", dns_type_aaaa}};
  client_identity id(*ip_address::parse("2001:db8::25"), classifier());
  id.start();
  id.set_helo("other.example");
  z.serve(id);
  ASSERT_TRUE(id.idle());
  EXPECT_NE(id.verdict_line().find(" helo=error"), std::string::npos) << id.verdict_line();
}

// The PTR lookup failed: the HELO name might equal a PTR name, so a name
// that resolves elsewhere is error, not mismatch.
TEST(ClientIdentity, PtrLookupFailureIsNotHeloMismatch) {
  zone z = good_zone();
  z.failing = {{"25.2.0.192.in-addr.arpa", dns_type_ptr}};
  client_identity id(client_ip(), classifier());
  id.start();
  id.set_helo("other.example");
  z.serve(id);
  ASSERT_TRUE(id.idle());
  EXPECT_NE(id.verdict_line().find(" helo=error"), std::string::npos) << id.verdict_line();
}

// FCrDNS looks up the first 10 PTR names: `fail` says none of those
// resolves back (the scanner's convention), and `unchecked` counts every
// name not looked up, those past the 32 kept from the answer too.
TEST(ClientIdentity, FcrdnsUncheckedCountsEveryNameLeft) {
  zone z;
  for (int i = 0; i < 40; ++i) {
    z.add("25.2.0.192.in-addr.arpa", dns_type_ptr,
          dns_packet_builder::name("h" + std::to_string(10 + i) + ".example"));
  }
  client_identity id(client_ip(), classifier());
  id.start();
  z.serve(id);
  ASSERT_TRUE(id.idle());
  EXPECT_NE(id.verdict_line().find("fcrdns=fail"), std::string::npos) << id.verdict_line();
  EXPECT_NE(json(id).find(R"("unchecked":30)"), std::string::npos) << json(id);
  // Review finding: the policy rules see the cap, so bulk_senders_2024's
  // fcrdns is unknown (an unchecked name might resolve back), never fail.
  const policy_evidence e = id.evidence();
  EXPECT_EQ(e.fcrdns, fcrdns_status::fail);
  EXPECT_EQ(e.fcrdns_unchecked, 30u);
  bool seen = false;
  for (const policy_verdict& v : evaluate_policy(e)) {
    if (v.set == "bulk_senders_2024" && v.rule == "fcrdns") {
      seen = true;
      EXPECT_EQ(v.result, rule_result::unknown) << v.evidence;
      EXPECT_NE(v.evidence.find("30 more were not looked up"), std::string::npos) << v.evidence;
    }
  }
  EXPECT_TRUE(seen);
}

// Review finding: a HELO naming a PTR name past the 32 kept (sorted) is no
// mismatch: equals_ptr is null and marked, the verdict is error, not
// mismatch; a kept name still matches.
TEST(ClientIdentity, HeloAgainstPtrNamesPastTheCapIsNoMismatch) {
  zone z;
  for (int i = 0; i < 40; ++i) {
    z.add("25.2.0.192.in-addr.arpa", dns_type_ptr,
          dns_packet_builder::name("h" + std::to_string(10 + i) + ".example"));
  }
  z.add("h45.example", dns_type_a, dns_packet_builder::ipv4(198, 51, 100, 1));
  z.add("h12.example", dns_type_a, dns_packet_builder::ipv4(198, 51, 100, 1));
  {
    client_identity id(client_ip(), classifier());
    id.start();
    id.set_helo("h45.example");  // the 36th name: not kept
    z.serve(id);
    ASSERT_TRUE(id.idle());
    const std::string j = json(id);
    EXPECT_NE(j.find(R"("equals_ptr":null)"), std::string::npos) << j;
    EXPECT_NE(j.find(R"("truncated":["ptr_names"])"), std::string::npos) << j;
    EXPECT_EQ(id.verdict_line().find("helo=mismatch"), std::string::npos) << id.verdict_line();
    EXPECT_NE(id.verdict_line().find("helo=error"), std::string::npos) << id.verdict_line();
  }
  {
    client_identity id(client_ip(), classifier());
    id.start();
    id.set_helo("h12.example");  // kept
    z.serve(id);
    ASSERT_TRUE(id.idle());
    const std::string j = json(id);
    EXPECT_NE(j.find(R"("equals_ptr":true)"), std::string::npos) << j;
    EXPECT_EQ(j.find("ptr_names"), std::string::npos) << j;
  }
}

// The policy evidence: what the lookups found, for evaluate_policy(). The
// HELO name's MX is asked too (Postfix's reject_unknown_helo_hostname
// accepts a name with an MX only), and a name Postfix's syntax allows
// ('_') is looked up though the HELO rules call it invalid.
TEST(ClientIdentity, PolicyEvidence) {
  zone z = good_zone();
  std::vector<uint8_t> mx{0, 10};
  const std::vector<uint8_t> target = dns_packet_builder::name("mail.sender.example");
  mx.insert(mx.end(), target.begin(), target.end());
  z.add("mxonly.example", dns_type_mx, mx);
  {
    client_identity id(client_ip(), classifier());
    id.start();
    id.set_helo("mxonly.example");
    id.set_mail_from("bounce@sender.example");
    z.serve(id);
    ASSERT_TRUE(id.idle());
    const policy_evidence e = id.evidence();
    EXPECT_EQ(e.ptr_status, dns_status::ok);
    EXPECT_EQ(e.fcrdns, fcrdns_status::pass);
    EXPECT_EQ(e.naming, rdns_class::mail_like);
    ASSERT_EQ(e.forward.size(), 1u);
    EXPECT_EQ(e.helo, "mxonly.example");
    EXPECT_EQ(e.helo_a, dns_status::nodata);
    EXPECT_EQ(e.helo_mx, dns_status::ok);
    EXPECT_EQ(e.spf_mail_from, spf_code::pass);
    EXPECT_EQ(e.spf_mail_from_domain, "sender.example");
    // The record says so too, as the scanner's HELO objects do.
    EXPECT_NE(json(id).find(R"("addresses":[],"mx":true)"), std::string::npos) << json(id);
    const std::vector<policy_verdict> v = evaluate_policy(e);
    for (const policy_verdict& x : v) {
      if (x.rule == "reject_unknown_helo_hostname") {
        EXPECT_EQ(x.result, rule_result::pass) << x.evidence;
      }
    }
  }
  {
    client_identity id(client_ip(), classifier());
    id.start();
    id.set_helo("Under_Score.example.");
    z.serve(id);
    ASSERT_TRUE(id.idle());
    EXPECT_NE(id.verdict_line().find("helo=invalid"), std::string::npos);
    const policy_evidence e = id.evidence();
    EXPECT_EQ(e.helo_a, dns_status::nxdomain);
    EXPECT_EQ(e.helo_mx, dns_status::nxdomain);
    // Looked up for the Postfix rules only: the HELO object, like its
    // addresses, does not show it for a name the HELO rules call invalid.
    EXPECT_EQ(json(id).find(R"("mx")"), std::string::npos) << json(id);
  }
  {
    // A bare address is not looked up (Postfix does not either).
    client_identity id(client_ip(), classifier());
    id.start();
    id.set_helo("192.0.2.25");
    z.serve(id);
    EXPECT_FALSE(id.evidence().helo_a.has_value());
  }
  {
    // Before any answer: nothing is known, so the rules say unknown.
    client_identity id(client_ip(), classifier());
    id.start();
    const policy_evidence e = id.evidence();
    EXPECT_FALSE(e.ptr_status.has_value());
    EXPECT_FALSE(e.fcrdns.has_value());
  }
}

// The listener's HELO verdict is the scanner's: for every HELO case the
// verdict line, the record's helo.verdict and resolves say what
// helo_name::assess (the sender and SMTP probes' assess_helo) says for the
// same answers. An MX-only name resolves (Postfix: "no A, AAAA or MX
// record"), so it is a mismatch, not unresolved; a failed MX lookup of a
// name without addresses leaves it undecided (error).
TEST(ClientIdentity, HeloVerdictIsTheScannersAssessHelo) {
  zone z = good_zone();
  std::vector<uint8_t> mx{0, 10};
  const std::vector<uint8_t> target = dns_packet_builder::name("mail.sender.example");
  mx.insert(mx.end(), target.begin(), target.end());
  z.add("mxonly.example", dns_type_mx, mx);
  z.add("mxfail.example", dns_type_txt, txt("x"));  // exists: its A/AAAA are nodata
  z.failing.push_back({"mxfail.example", dns_type_mx});
  z.add("v6only.example", dns_type_aaaa,
        {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  struct helo_case {
    std::string helo;
    std::string verdict;
  };
  const std::vector<helo_case> cases = {
      {"mail.sender.example", "match"},   {"other.example", "mismatch"},
      {"mxonly.example", "mismatch"},     {"nowhere.example", "unresolved"},
      {"mxfail.example", "error"},        {"v6only.example", "mismatch"},
      {"localhost", "not-fqdn"},          {"[192.0.2.25]", "literal"},
      {"[192.0.2.26]", "literal-mismatch"}, {"bad..name", "invalid"},
  };
  for (const helo_case& c : cases) {
    SCOPED_TRACE(c.helo);
    client_identity id(client_ip(), classifier());
    id.start();
    id.set_helo(c.helo);
    z.serve(id);
    ASSERT_TRUE(id.idle());

    // The scanner's side: the same name, the same zone's answers.
    helo_name scanner;
    scanner.reset(c.helo);
    if (scanner.lookable()) {
      scanner.asked = true;
      for (uint32_t k = 0; k < helo_ask_count; ++k) {
        const helo_ask which = static_cast<helo_ask>(k);
        dns_reply reply;
        if (std::find(z.failing.begin(), z.failing.end(),
                      std::make_pair(scanner.form.name, helo_name::qtype(which))) !=
            z.failing.end()) {
          reply.status = dns_status::timeout;
        } else {
          parse_reply(z.answer(scanner.form.name, helo_name::qtype(which)), scanner.form.name,
                      helo_name::qtype(which), reply);
        }
        scanner.on_answer(which, reply, client_ip());
      }
    }
    const std::vector<std::string> ptr_names = {"mail.sender.example"};
    const helo_assessment want = scanner.assess(client_ip(), ptr_names, ptr_evidence::known);
    EXPECT_EQ(to_string(want.verdict), c.verdict);
    EXPECT_NE(id.verdict_line().find(" helo=" + c.verdict), std::string::npos)
        << id.verdict_line();
    const std::string j = json(id);
    EXPECT_NE(j.find("\"verdict\":\"" + c.verdict + "\""), std::string::npos) << j;
    auto word = [](std::optional<bool> v) {
      return v ? std::string(*v ? "true" : "false") : std::string("null");
    };
    if (c.helo.front() != '[' && c.verdict != "invalid") {
      EXPECT_NE(j.find("\"resolves\":" + word(want.rules.resolves) + ","), std::string::npos)
          << j;
    }
  }
}

// The section's JSON: one array per set, fix only with fail.
TEST(ClientIdentity, PolicyJson) {
  std::vector<policy_verdict> v(2);
  v[0].set = "postfix";
  v[0].rule = "reject_unknown_client_hostname";
  v[0].result = rule_result::fail;
  v[0].evidence = "no PTR";
  v[0].fix = "x. PTR y.";
  v[1].set = "bulk_senders_2024";
  v[1].rule = "ptr";
  v[1].result = rule_result::unknown;
  v[1].evidence = "timeout";
  std::string out;
  json_writer w(out);
  w.begin_object();
  write_policy_json(w, v);
  w.end_object();
  EXPECT_EQ(out,
            R"({"policy":{"postfix":[{"rule":"reject_unknown_client_hostname","result":"fail",)"
            R"("evidence":"no PTR","fix":"x. PTR y."}],"bulk_senders_2024":[{"rule":"ptr",)"
            R"("result":"unknown","evidence":"timeout"}]}})");
}

}  // namespace
}  // namespace ptrscan
