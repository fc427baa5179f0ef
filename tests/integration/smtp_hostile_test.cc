// ptrscan against hostile SMTP peers (issue 15, items 1, 3 and 7): scripted
// servers (tools/testnet/scripted_smtp.h) on their own loopback addresses,
// every one a closed relay (RCPT 554) that misbehaves in one way. One scan of
// all of them with `--probes smtp,starttls,relay`; one test per attack on the
// exact verdict and fields. No DNS: the resolver is a loopback port where
// nothing listens.
//
// The two forged-open cases of the issue: a relay that sends its greeting
// twice, and one that floods extra "250 ok" lines after EHLO's reply, were
// both reported `relay: open` when every reply was read as the next
// command's; now neither sends MAIL at all.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>

#include "testnet/mta_fixture.h"
#include "testnet/scripted_smtp.h"
#include "testnet/smtp_scan.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::vector<smtp_script> hostile_scripts = {
    smtp_script::double_greeting, smtp_script::ehlo_flood,      smtp_script::starttls_70th,
    smtp_script::display_hazards, smtp_script::long_rcpt_text,  smtp_script::firewall_masked,
    smtp_script::greylisting,     smtp_script::tempfail_policy, smtp_script::greet_pause};

class HostileScan : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      setup();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void setup() {
    const std::string net = random_loopback_24();
    std::vector<std::string> hosts;
    for (size_t i = 0; i < hostile_scripts.size(); ++i) {
      hosts.push_back(net + std::to_string(60 + i));
    }
    port_ = free_port_on_all(hosts);
    for (size_t i = 0; i < hostile_scripts.size(); ++i) {
      servers_[hostile_scripts[i]] = new scripted_smtp_server(hostile_scripts[i], hosts[i], port_);
    }
    smtp_scan_options o;
    o.ports = {port_};
    o.probes = "smtp,starttls,relay";
    o.connect_timeout_ms = 1'000;
    o.read_timeout_ms = 3'000;  // past greet_pause's 2.2 s
    o.session_timeout_ms = 8'000;
    o.extra = {"-T", "1", "-o", "-"};
    const endpoint no_resolver{"127.0.0.1", free_port("127.0.0.1")};
    std::vector<std::string> argv = ptrscan_smtp_command(PTRSCAN_BINARY, no_resolver, o);
    argv.insert(argv.end(), hosts.begin(), hosts.end());
    run_options ro;
    ro.deadline = std::chrono::seconds(60);
    run_ = new run_result(run_process(argv, ro));
    index_ = new records_by_ip(index_records(run_->out));
    if (const char* v = std::getenv("PTRSCAN_PRINT_RECORDS"); v != nullptr && *v == '1') {
      std::cout << run_->out << run_->err;
    }
  }

  static void TearDownTestSuite() {
    for (auto& [s, server] : servers_) {
      delete server;
    }
    servers_.clear();
    delete run_;
    run_ = nullptr;
    delete index_;
    index_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << "fixtures failed to start: " << setup_error_;
    ASSERT_NE(run_, nullptr);
  }

  static const json& record(smtp_script s) {
    static const json empty = json::object();
    auto it = index_->records.find(servers_.at(s)->address().host);
    if (it == index_->records.end()) {
      ADD_FAILURE() << "no record for " << to_string(s) << "; ptrscan " << run_->describe()
                    << "\n"
                    << run_->out;
      return empty;
    }
    return it->second;
  }

  static const json& entry(smtp_script s) {
    static const json empty = json::object();
    const json* e = smtp_entry(record(s), port_);
    if (e == nullptr) {
      ADD_FAILURE() << "no smtp entry in " << record(s).dump();
      return empty;
    }
    return *e;
  }

  /// The verbs the server read, over all its connections.
  static std::vector<std::string> verbs(smtp_script s) {
    std::vector<std::string> out;
    for (const std::string& line : servers_.at(s)->commands()) {
      out.push_back(line.substr(0, line.find_first_of(" :")));
    }
    return out;
  }

  /// A closed relay misread must never come out open: the session's relay is
  /// untested for a protocol violation, the host's too, and MAIL was never
  /// sent.
  static void expect_no_verdict(smtp_script s, const std::vector<std::string>& violations) {
    const json& e = entry(s);
    SCOPED_TRACE(e.dump());
    EXPECT_EQ(json_string(e, "status"), "ok");
    EXPECT_EQ(json_strings(e, "violations"), violations);
    EXPECT_EQ(e.value("relay", json()),
              json::parse(R"({"status":"untested","reason":"protocol_violation"})"));
    EXPECT_EQ(record(s).value("relay", json()),
              json::parse(R"({"status":"untested","reason":"protocol_violation"})"));
    EXPECT_THAT(verbs(s), ElementsAre("EHLO", "QUIT"));
  }

  static inline std::string setup_error_;
  static inline std::map<smtp_script, scripted_smtp_server*> servers_;
  static inline run_result* run_ = nullptr;
  static inline records_by_ip* index_ = nullptr;
  static inline uint16_t port_ = 0;
};

TEST_F(HostileScan, ExitsCleanlyWithOneRecordPerTarget) {
  EXPECT_EQ(run_->exit_code, 0) << run_->describe();
  EXPECT_EQ(index_->bad_lines, 0U) << run_->out;
  EXPECT_EQ(index_->records.size(), hostile_scripts.size()) << run_->out;
  // No record anywhere says open: every peer is a closed relay.
  EXPECT_THAT(run_->out, Not(HasSubstr(R"("status":"open")")));
}

// Issue 15's first forged open relay: the greeting twice. The second
// greeting was read as EHLO's reply, EHLO's as MAIL's, MAIL's 250 as RCPT's.
TEST_F(HostileScan, GreetingSentTwiceIsAnEarlyTalkerNotAnOpenRelay) {
  expect_no_verdict(smtp_script::double_greeting, {"early_talker"});
  const json& e = entry(smtp_script::double_greeting);
  // The banner is the first greeting alone; EHLO's reply is EHLO's.
  EXPECT_EQ(json_string(e, "banner"), "220 twice.example.test ESMTP scripted");
  EXPECT_EQ(json_string(e.value("ehlo", json::object()), "host"), "twice.example.test");
  EXPECT_THAT(json_strings(e.value("ehlo", json::object()), "extensions"),
              ElementsAre("PIPELINING", "8BITMIME"));
}

// The second: extra "250 ok" lines after EHLO's reply.
TEST_F(HostileScan, ExtraRepliesAfterEhloAreUnsolicitedNotAnOpenRelay) {
  expect_no_verdict(smtp_script::ehlo_flood, {"unsolicited_reply"});
  const json& e = entry(smtp_script::ehlo_flood);
  EXPECT_THAT(json_strings(e.value("ehlo", json::object()), "extensions"),
              ElementsAre("PIPELINING", "8BITMIME"));
}

// STARTTLS listed 70th is found and tried (the server refuses it: 454), past
// the 64 extensions kept; the cut is marked. The clean dialogue gives the
// closed relay its verdict.
TEST_F(HostileScan, StarttlsSeventiethIsTriedAndTheCutMarked) {
  const json& e = entry(smtp_script::starttls_70th);
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(json_string(e, "status"), "ok");
  const json ehlo = e.value("ehlo", json::object());
  const std::vector<std::string> ext = json_strings(ehlo, "extensions");
  ASSERT_EQ(ext.size(), 64U);
  EXPECT_EQ(ext.front(), "X-EXT1");
  EXPECT_EQ(ext.back(), "X-EXT64");
  EXPECT_THAT(json_strings(e, "truncated"), ElementsAre("ehlo.extensions"));
  EXPECT_THAT(json_string(e.value("tls", json::object()), "error"),
              HasSubstr("STARTTLS refused: 454"));
  EXPECT_FALSE(e.contains("violations"));
  EXPECT_EQ(json_string(e.value("relay", json::object()), "status"), "closed");
  EXPECT_THAT(verbs(smtp_script::starttls_70th),
              ElementsAre("EHLO", "STARTTLS", "MAIL", "RCPT", "RSET", "QUIT"));
}

// RCPT's 400-byte refusal: the recorded text is cut at 256 bytes and marked.
TEST_F(HostileScan, LongRelayReplyTextIsMarked) {
  const json& e = entry(smtp_script::long_rcpt_text);
  SCOPED_TRACE(e.dump());
  const json relay = e.value("relay", json::object());
  EXPECT_EQ(json_string(relay, "status"), "closed");
  const std::string text = json_string(relay.value("rcpt", json::object()), "text");
  EXPECT_EQ(text, "5.7.1 " + std::string(250, 'r'));
  EXPECT_THAT(json_strings(e, "truncated"), ElementsAre("relay.rcpt.text"));
}

// Issue 16 item 5. A firewall's SMTP inspection (Cisco's ESMTP inspection)
// masks the greeting with asterisks and STARTTLS as XXXXXXXA: both are
// named in `middlebox`, and no other peer gets the key. STARTTLS is not
// offered, so none is tried; the refusal's enhanced code is a field.
TEST_F(HostileScan, FirewallMaskingIsNamed) {
  const json& e = entry(smtp_script::firewall_masked);
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(json_string(e, "status"), "ok");
  EXPECT_THAT(json_strings(e, "middlebox"), ElementsAre("banner_masked", "starttls_masked"));
  EXPECT_TRUE(e.at("banner_host").is_null());
  EXPECT_FALSE(e.contains("tls"));
  const json relay = e.value("relay", json::object());
  EXPECT_EQ(json_string(relay, "status"), "closed");
  EXPECT_EQ(json_string(relay.value("rcpt", json::object()), "enhanced"), "5.7.1");
  EXPECT_EQ(json_string(relay.value("mail", json::object()), "enhanced"), "2.1.0");
  EXPECT_THAT(verbs(smtp_script::firewall_masked),
              ElementsAre("EHLO", "MAIL", "RCPT", "RSET", "QUIT"));
  for (smtp_script s : hostile_scripts) {
    if (s != smtp_script::firewall_masked) {
      EXPECT_FALSE(entry(s).contains("middlebox")) << to_string(s) << ": " << entry(s).dump();
    }
  }
}

// A 4xx to RCPT is tempfail; it is greylisting only when its text says so
// (postgrey's "Greylisted, see ..."), never from a code: 4.7.1 "Rate limit
// exceeded" is a tempfail that is not.
TEST_F(HostileScan, GreylistingIsTakenFromTheReplyText) {
  const json grey = entry(smtp_script::greylisting).value("relay", json::object());
  SCOPED_TRACE(grey.dump());
  EXPECT_EQ(json_string(grey, "status"), "tempfail");
  EXPECT_EQ(grey.value("greylisted", json()), json(true));
  EXPECT_EQ(json_string(grey.value("rcpt", json::object()), "enhanced"), "4.2.0");
  const json policy = entry(smtp_script::tempfail_policy).value("relay", json::object());
  SCOPED_TRACE(policy.dump());
  EXPECT_EQ(json_string(policy, "status"), "tempfail");
  EXPECT_EQ(policy.value("greylisted", json()), json(false));
  EXPECT_EQ(json_string(policy.value("rcpt", json::object()), "enhanced"), "4.7.1");
  // Only a tempfail carries the key.
  EXPECT_FALSE(entry(smtp_script::long_rcpt_text).value("relay", json::object()).contains(
      "greylisted"));
  EXPECT_EQ(json_string(record(smtp_script::greylisting).value("relay", json::object()),
                        "status"),
            "tempfail");
}

// A greeting 2.2 s after the connection is a greet pause; the prompt ones
// are not (the server cannot answer sooner than it sleeps: no timing
// guesswork on the true side).
TEST_F(HostileScan, GreetPauseIsRecorded) {
  const json& e = entry(smtp_script::greet_pause);
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(json_string(e, "status"), "ok");
  EXPECT_EQ(e.value("greet_pause", json()), json(true));
  EXPECT_GE(e.at("ms").value("banner", 0.0), 2000.0);
  EXPECT_EQ(entry(smtp_script::greylisting).value("greet_pause", json()), json(false));
}

// --starttls always sends STARTTLS though EHLO did not list it (the masked
// peer hides it as XXXXXXXA): the attempt is marked unadvertised, the
// peer's 454 is the TLS error, and the relay test still runs after it.
// Without the flag (HostileScan above) no STARTTLS is sent to that peer.
TEST(HostileStarttlsAlways, TriesStarttlsWhenNotAdvertised) {
  const std::string host = random_loopback_24() + "70";
  const uint16_t port = free_port_on_all({host});
  scripted_smtp_server server(smtp_script::firewall_masked, host, port);
  smtp_scan_options o;
  o.ports = {port};
  o.probes = "smtp,starttls,relay";
  o.connect_timeout_ms = 1'000;
  o.read_timeout_ms = 2'000;
  o.session_timeout_ms = 6'000;
  o.extra = {"-T", "1", "-o", "-", "--starttls", "always"};
  const endpoint no_resolver{"127.0.0.1", free_port("127.0.0.1")};
  std::vector<std::string> argv = ptrscan_smtp_command(PTRSCAN_BINARY, no_resolver, o);
  argv.push_back(host);
  run_options ro;
  ro.deadline = std::chrono::seconds(30);
  const run_result r = run_process(argv, ro);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const records_by_ip index = index_records(r.out);
  ASSERT_EQ(index.records.count(host), 1U) << r.out;
  const json* e = smtp_entry(index.records.at(host), port);
  ASSERT_NE(e, nullptr) << r.out;
  SCOPED_TRACE(e->dump());
  const json tls = e->value("tls", json::object());
  EXPECT_EQ(tls.value("advertised", json()), json(false));
  EXPECT_THAT(json_string(tls, "error"), HasSubstr("STARTTLS refused: 454"));
  EXPECT_THAT(json_strings(*e, "middlebox"), ElementsAre("banner_masked", "starttls_masked"));
  std::vector<std::string> verbs;
  for (const std::string& line : server.commands()) {
    verbs.push_back(line.substr(0, line.find_first_of(" :")));
  }
  EXPECT_THAT(verbs, ElementsAre("EHLO", "STARTTLS", "MAIL", "RCPT", "RSET", "QUIT"));
}

// C1 controls, bidi overrides and isolates and U+2028 from the peer are
// \u escapes in the NDJSON bytes (inert on a terminal), the same text once
// parsed.
TEST_F(HostileScan, DisplayHazardsAreEscapedInTheNdjson) {
  const json& e = entry(smtp_script::display_hazards);
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(json_string(e, "banner"),
            "220 bidi.example.test \xe2\x80\xae ESMTP \xc2\x9b"
            "31m red\xe2\x80\xa8x\xe2\x81\xa6y");
  EXPECT_THAT(json_strings(e.value("ehlo", json::object()), "extensions"),
              ElementsAre("X-\xe2\x80\xaeGNIRTS", "\xc2\x85" "8BITMIME"));
  for (const char* raw : {"\xe2\x80\xae", "\xc2\x9b", "\xe2\x80\xa8", "\xe2\x81\xa6", "\xc2\x85"}) {
    EXPECT_THAT(run_->out, Not(HasSubstr(raw)));
  }
  for (const char* escaped : {"\\u202e", "\\u009b", "\\u2028", "\\u2066", "\\u0085"}) {
    EXPECT_THAT(run_->out, HasSubstr(escaped));
  }
}

// An operator-given path with terminal escapes is shown, never obeyed, on
// stderr.
TEST(HostileStderr, PathsAreEscaped) {
  const std::string path = "/nonexistent/ptrscan-\x1b[31mred\xe2\x80\xae-\xc2\x9b.txt";
  run_options ro;
  ro.deadline = std::chrono::seconds(20);
  const run_result r = run_process({PTRSCAN_BINARY, "-i", path, "-o", "-"}, ro);
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("ptrscan-\\x1b[31mred<U+202E>-<U+009B>.txt"));
  for (const char* raw : {"\x1b", "\xe2\x80\xae", "\xc2\x9b"}) {
    EXPECT_THAT(r.err, Not(HasSubstr(raw)));
  }
}

}  // namespace
}  // namespace ptrscan::testnet
