// Issue 16 item 4: real Postfix is the oracle of `ptrscan listen`'s policy
// verdicts. One Postfix receiver (its lookups through the test resolver, in
// a mount namespace whose /etc/resolv.conf names it) applies one
// restriction per recipient address (restriction classes chosen by
// check_recipient_access), with the reject codes set so that 5xx is a
// permanent reject and 4xx a temporary one. Each case connects from a
// loopback source address whose PTR/A records the test zones vary and says
// a HELO name that varies, first to Postfix (one RCPT per restriction),
// then to `ptrscan listen`; for every case and every rule, ptrscan's
// `policy.postfix` result equals Postfix's answer: 2xx pass, 5xx fail,
// 4xx unknown.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "../support/missing_fixture.h"
#include "listen_testbed.h"
#include "testnet/dns_testbed.h"
#include "testnet/mta_fixture.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

/// The Postfix rules under test, each with the restriction class and the
/// recipient that selects it.
const std::vector<std::string> rules = {
    "reject_unknown_client_hostname", "reject_unknown_reverse_client_hostname",
    "reject_invalid_helo_hostname", "reject_non_fqdn_helo_hostname",
    "reject_unknown_helo_hostname"};

std::string word(const std::string& reply) {
  if (reply.empty()) {
    return "no reply";
  }
  switch (reply[0]) {
    case '2':
      return "pass";
    case '4':
      return "unknown";
    case '5':
      return "fail";
    default:
      return "odd reply " + reply;
  }
}

struct oracle_case {
  std::string label;
  std::string host;  // last octet of the source address
  std::string helo;  // "{P}" stands for the /24 prefix
  /// What Postfix is expected to answer, rule by rule (p/f/u): checks that
  /// the case exercises what its label says, whatever ptrscan says.
  std::string expect;
};

class PolicyOracleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = mta_missing(mta_kind::postfix); !why.empty()) {
      PTRSCAN_MISSING_FIXTURE(why);
    }
    const listen_net net = listen_net::pick();
    prefix_ = net.prefix + ".";  // "127.A.B."
    testbed_options o;
    reverse_ = net.reverse_zone;
    o.zones.push_back({reverse_,
                       "10 PTR mail.sender.test.\n"
                       "12 PTR elsewhere.sender.test.\n"
                       "13 PTR noaddr.sender.test.\n"
                       "14 PTR host.dead.test.\n"
                       "15 CNAME 15.dead.test.\n"});
    o.zones.push_back({"sender.test",
                       "mail A " + prefix_ + "10\n"
                       "elsewhere A 192.0.2.1\n"
                       "mxonly MX 10 mail.sender.test.\n"});
    o.dead_zones = {"dead.test"};
    // glibc's resolver (Postfix's) takes no port: unbound answers on 53 too.
    nameserver_ = prefix_ + "53";
    o.unbound_extra = {"interface: " + nameserver_ + "@53"};
    bed_ = dns_testbed::start(o);
    ASSERT_TRUE(bed_);

    mta_options m;
    m.hostname = "oracle.test";
    m.hosts = {prefix_ + "1"};
    m.nameserver = nameserver_;
    std::string classes;
    std::string access;
    for (size_t i = 0; i < rules.size(); ++i) {
      const std::string cls = "c" + std::to_string(i);
      classes += (i ? ", " : "") + cls;
      m.main_cf_extra.push_back(cls + " = " + rules[i] + ", permit");
      access += (i ? ", " : "") + rules[i] + "@oracle.test=" + cls;
    }
    m.main_cf_extra.insert(
        m.main_cf_extra.begin(),
        {"mynetworks = 127.0.0.0/8",
         "smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination",
         "smtpd_restriction_classes = " + classes,
         "smtpd_recipient_restrictions = check_recipient_access inline:{ " + access + " }",
         "smtpd_reject_unlisted_recipient = no",
         // 5xx only for a permanent reject: temporary failures stay 450.
         "unknown_client_reject_code = 550", "unknown_hostname_reject_code = 550",
         "smtpd_error_sleep_time = 0", "smtpd_soft_error_limit = 1000",
         "smtpd_hard_error_limit = 1000"});
    postfix_ = mta_server::start(mta_kind::postfix, m);

    ASSERT_TRUE(listener_.start("policy-oracle", prefix_ + "2", bed_->resolver(),
                                {"--per-subnet", "100"}))
        << listener_.process().log_tail();
    listen_ = listener_.address();
  }

  std::string helo_of(const oracle_case& c) const {
    std::string h = c.helo;
    if (const size_t at = h.find("{P}"); at != std::string::npos) {
      h.replace(at, 3, prefix_);
    }
    return h;
  }

  /// Postfix's answer to each rule's RCPT, as pass/fail/unknown.
  std::map<std::string, std::string> ask_postfix(const oracle_case& c) {
    std::map<std::string, std::string> out;
    std::optional<smtp_test_client> p = smtp_test_client::connect(
        prefix_ + c.host, {postfix_->hosts().front(), postfix_->port()}, 15);
    EXPECT_TRUE(p);
    if (!p) {
      return out;
    }
    EXPECT_THAT(p->reply(), HasSubstr("220 "));
    EXPECT_THAT(p->say("EHLO " + helo_of(c)), HasSubstr("250"));
    EXPECT_THAT(p->say("MAIL FROM:<probe@sender.test>"), HasSubstr("250"));
    for (const std::string& rule : rules) {
      const std::string r = p->say("RCPT TO:<" + rule + "@oracle.test>");
      out[rule] = word(r);
      last_replies_ += c.label + " " + rule + ": " + r;
    }
    p->say("QUIT");
    return out;
  }

  /// The same client dialogue with `ptrscan listen`.
  void ask_listener(const oracle_case& c) {
    std::optional<smtp_test_client> p = smtp_test_client::connect(prefix_ + c.host, listen_, 15);
    EXPECT_TRUE(p);
    if (!p) {
      return;
    }
    EXPECT_THAT(p->reply(), HasSubstr("220 "));
    EXPECT_THAT(p->say("EHLO " + helo_of(c)), HasSubstr("250"));
    EXPECT_THAT(p->say("MAIL FROM:<probe@sender.test>"), HasSubstr("250"));
    EXPECT_THAT(p->say("RCPT TO:<check@listen.test>"), HasSubstr("550 5.7.1"));
    p->say("QUIT");
  }

  std::vector<json> stop_and_read() { return listener_.stop_and_read(); }

  std::string prefix_;
  std::string nameserver_;
  std::string reverse_;  // "B.A.127.in-addr.arpa"
  std::unique_ptr<dns_testbed> bed_;
  std::unique_ptr<mta_server> postfix_;
  listen_process listener_;
  endpoint listen_;
  std::string last_replies_;
};

TEST_F(PolicyOracleTest, PtrscanAgreesWithPostfixOnEveryRule) {
  // expect: reject_unknown_client, _reverse_client, invalid_helo,
  // non_fqdn_helo, unknown_helo.
  const std::vector<oracle_case> cases = {
      {"FCrDNS ok, HELO ok", "10", "mail.sender.test", "ppppp"},
      {"no PTR", "11", "mail.sender.test", "ffppp"},
      {"PTR without matching A", "12", "mail.sender.test", "fpppp"},
      {"PTR name without A", "13", "mail.sender.test", "fpppp"},
      {"PTR name's A lookup fails", "14", "mail.sender.test", "upppp"},
      {"PTR lookup fails", "15", "mail.sender.test", "uuppp"},
      {"HELO invalid", "10", "bad..name", "ppfff"},
      {"HELO not a FQDN (its lookup refused)", "10", "mailserver", "pppfu"},
      {"HELO does not resolve", "10", "nohost.sender.test", "ppppf"},
      {"HELO with an MX only", "10", "mxonly.sender.test", "ppppp"},
      {"HELO with '_' (valid for Postfix), no record", "10", "under_score.sender.test", "ppppf"},
      {"HELO address literal", "10", "[{P}10]", "ppppp"},
      {"HELO bare address", "10", "192.0.2.9", "pppff"},
      {"HELO lookup fails", "10", "host.dead.test", "ppppu"},
      {"HELO with a trailing dot", "10", "mail.sender.test.", "ppppf"},
  };
  std::map<std::string, std::map<std::string, std::string>> postfix_says;
  for (const oracle_case& c : cases) {
    postfix_says[c.label] = ask_postfix(c);
    ask_listener(c);
  }
  const std::vector<json> records = stop_and_read();
  ASSERT_EQ(records.size(), cases.size()) << listener_.process().log_tail();
  const std::map<char, std::string> letter = {{'p', "pass"}, {'f', "fail"}, {'u', "unknown"}};
  for (const oracle_case& c : cases) {
    SCOPED_TRACE(c.label);
    const json* rec = nullptr;
    for (const json& r : records) {
      if (r.value("client", "") == prefix_ + c.host &&
          r.value("helo", json::object()).value("name", "") == helo_of(c)) {
        rec = &r;
      }
    }
    ASSERT_NE(rec, nullptr);
    std::map<std::string, json> verdicts;
    for (const json& v : rec->value("policy", json::object()).value("postfix", json::array())) {
      verdicts[v.value("rule", "")] = v;
    }
    for (size_t i = 0; i < rules.size(); ++i) {
      SCOPED_TRACE(rules[i]);
      const std::string& oracle = postfix_says[c.label][rules[i]];
      EXPECT_EQ(oracle, letter.at(c.expect[i])) << "Postfix itself: " << last_replies_;
      ASSERT_TRUE(verdicts.count(rules[i])) << rec->dump();
      const json& v = verdicts[rules[i]];
      EXPECT_EQ(v.value("result", ""), oracle) << v.dump();
      // Every failure says what to change.
      EXPECT_EQ(v.contains("fix"), oracle == "fail") << v.dump();
    }
  }
  // The fixes name the exact lines: the PTR the address lacks, and the A
  // record of the HELO name it would name (which resolves elsewhere).
  for (const json& r : records) {
    if (r.value("client", "") == prefix_ + "11") {
      const json& v = r["policy"]["postfix"][0];
      EXPECT_EQ(v.value("rule", ""), "reject_unknown_reverse_client_hostname");
      EXPECT_EQ(v.value("fix", ""), "11." + reverse_ + ". PTR mail.sender.test.; "
                                    "mail.sender.test. A " + prefix_ + "11");
    }
  }
}

}  // namespace
}  // namespace ptrscan::testnet
