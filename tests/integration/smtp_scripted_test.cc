// ptrscan's SMTP probe against scripted servers that misbehave on purpose
// (tools/testnet/scripted_smtp.h): each script listens on its own loopback
// address, all on the same port, plus one address where nothing listens.
// One scan of all of them with short timeouts; one test per script on the
// status and fields the output contract gives it.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <map>
#include <random>

#include "testnet/dns_testbed.h"
#include "testnet/mta_fixture.h"
#include "testnet/scripted_smtp.h"
#include "testnet/smtp_scan.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;

constexpr int read_timeout_ms = 1'000;

const std::vector<smtp_script> all_scripts = {smtp_script::multiline_greeting,
                                              smtp_script::greeting_554,
                                              smtp_script::ehlo_502,
                                              smtp_script::silent,
                                              smtp_script::reset_mid_reply,
                                              smtp_script::endless_line,
                                              smtp_script::garbage,
                                              smtp_script::starttls_garbage,
                                              smtp_script::ehlo_other_host};

class ScriptedScan : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      setup();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void setup() {
    std::mt19937 rng{std::random_device{}()};
    const std::string a = std::to_string(std::uniform_int_distribution<int>(10, 250)(rng));
    const std::string b = std::to_string(std::uniform_int_distribution<int>(1, 254)(rng));
    const std::string net = "127." + a + "." + b + ".";
    std::vector<std::string> hosts;
    for (size_t i = 0; i < all_scripts.size(); ++i) {
      hosts.push_back(net + std::to_string(30 + i));
    }
    refused_ip_ = net + "99";
    hosts.push_back(refused_ip_);
    port_ = free_port_on_all(hosts);
    for (size_t i = 0; i < all_scripts.size(); ++i) {
      servers_[all_scripts[i]] = new scripted_smtp_server(all_scripts[i], hosts[i], port_);
    }

    // PTRs: the multi-line greeter's matches its banner, the HELO-only one's
    // does not, the silent one has a PTR but no banner to compare, the one
    // whose EHLO names another host than its banner has its EHLO host's;
    // the rest have none (unbound answers NXDOMAIN for them).
    const auto last_octet = [](const std::string& ip) { return ip.substr(ip.rfind('.') + 1); };
    testbed_options dns;
    dns.zones.push_back(
        {b + "." + a + ".127.in-addr.arpa",
         last_octet(ip(smtp_script::multiline_greeting)) + " PTR a.example.test.\n" +
             last_octet(ip(smtp_script::ehlo_502)) + " PTR other.example.test.\n" +
             last_octet(ip(smtp_script::greeting_554)) + " PTR reject.example.test.\n" +
             last_octet(ip(smtp_script::silent)) + " PTR silent.example.test.\n" +
             last_octet(ip(smtp_script::ehlo_other_host)) + " PTR " +
             script_ehlo_host(smtp_script::ehlo_other_host) + ".\n"});
    bed_ = dns_testbed::start(dns).release();

    smtp_scan_options o;
    o.ports = {port_};
    o.connect_timeout_ms = 1'000;
    o.read_timeout_ms = read_timeout_ms;
    o.session_timeout_ms = 4'000;
    o.extra = {"--threads", "2", "-o", "-"};
    std::vector<std::string> argv = ptrscan_smtp_command(PTRSCAN_BINARY, bed_->resolver(), o);
    argv.insert(argv.end(), hosts.begin(), hosts.end());
    run_options ro;
    ro.deadline = std::chrono::seconds(60);
    const auto t0 = std::chrono::steady_clock::now();
    run_ = new run_result(run_process(argv, ro));
    std::cout << "[ measure  ] scan of " << hosts.size() << " scripted hosts: "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
              << " s\n";
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
    delete bed_;
    bed_ = nullptr;
    delete run_;
    run_ = nullptr;
    delete index_;
    index_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << "fixtures failed to start: " << setup_error_;
    ASSERT_NE(run_, nullptr);
  }

  static const std::string& ip(smtp_script s) { return servers_.at(s)->address().host; }

  static const json& record_for(const std::string& address) {
    static const json empty = json::object();
    auto it = index_->records.find(address);
    if (it == index_->records.end()) {
      ADD_FAILURE() << "no record for " << address << "; ptrscan " << run_->describe() << "\n"
                    << run_->out;
      return empty;
    }
    return it->second;
  }

  static const json& entry_for(const std::string& address) {
    static const json empty = json::object();
    const json* e = smtp_entry(record_for(address), port_);
    if (e == nullptr) {
      ADD_FAILURE() << "no smtp entry in " << record_for(address).dump();
      return empty;
    }
    return *e;
  }

  static const json& entry(smtp_script s) { return entry_for(ip(s)); }

  // status, and `error`: required with status error; allowed with timeout
  // and reset (where it says which step; README); absent otherwise.
  static void expect_status(const json& e, const std::string& status) {
    EXPECT_EQ(json_string(e, "status"), status) << e.dump();
    if (status == "error") {
      EXPECT_FALSE(json_string(e, "error").empty())
          << "status error needs error text: " << e.dump();
    } else if (status != "timeout" && status != "reset") {
      EXPECT_FALSE(e.contains("error")) << e.dump();
    }
  }

  static json check(smtp_script s, const char* key) {
    const json& r = record_for(ip(s));
    if (!r.contains("checks") || !r["checks"].is_object() || !r["checks"].contains(key)) {
      ADD_FAILURE() << "no checks." << key << " in " << r.dump();
      return json("missing");
    }
    return r["checks"][key];
  }

  static inline std::string setup_error_;
  static inline std::map<smtp_script, scripted_smtp_server*> servers_;
  static inline dns_testbed* bed_ = nullptr;
  static inline run_result* run_ = nullptr;
  static inline records_by_ip* index_ = nullptr;
  static inline std::string refused_ip_;
  static inline uint16_t port_ = 0;
};

TEST_F(ScriptedScan, ExitsCleanlyWithOneRecordPerTarget) {
  EXPECT_EQ(run_->exit_code, 0) << run_->describe();
  EXPECT_FALSE(run_->timed_out);
  EXPECT_EQ(index_->bad_lines, 0U) << run_->out;
  EXPECT_EQ(index_->duplicates, 0U) << run_->out;
  EXPECT_EQ(index_->records.size(), all_scripts.size() + 1) << run_->out;
}

TEST_F(ScriptedScan, MultilineGreetingKeepsInnerLineBreaks) {
  const json& e = entry(smtp_script::multiline_greeting);
  SCOPED_TRACE(e.dump());
  expect_status(e, "ok");
  EXPECT_EQ(json_string(e, "banner"), "220-a.example.test hello\r\n220-more\r\n220 done");
  EXPECT_EQ(json_string(e, "banner_host"), "a.example.test");
  ASSERT_TRUE(e.contains("ehlo") && e["ehlo"].is_object());
  EXPECT_EQ(json_string(e["ehlo"], "host"), "a.example.test");
  EXPECT_THAT(json_strings(e["ehlo"], "extensions"), ElementsAre("PIPELINING", "8BITMIME"));
  EXPECT_FALSE(e.contains("tls")) << "no STARTTLS advertised";
  EXPECT_EQ(check(smtp_script::multiline_greeting, "banner_ptr_match"), json(true));
  EXPECT_EQ(check(smtp_script::multiline_greeting, "ehlo_ptr_match"), json(true));
  // What the server saw: our EHLO name, then QUIT.
  const auto commands = servers_.at(smtp_script::multiline_greeting)->commands();
  ASSERT_FALSE(commands.empty());
  EXPECT_EQ(commands.front(), "EHLO scanner.test");
}

TEST_F(ScriptedScan, Greeting554IsRejectedWithBanner) {
  const json& e = entry(smtp_script::greeting_554);
  SCOPED_TRACE(e.dump());
  expect_status(e, "rejected");
  EXPECT_EQ(json_string(e, "banner"), "554 reject.example.test no SMTP service here");
  EXPECT_EQ(json_string(e, "banner_host"), "reject.example.test");
  EXPECT_FALSE(e.contains("tls"));
  for (const auto& c : servers_.at(smtp_script::greeting_554)->commands()) {
    EXPECT_NE(c.rfind("EHLO", 0), 0U) << "no EHLO after a 554 greeting";
  }
}

TEST_F(ScriptedScan, Ehlo502FallsBackToHelo) {
  const json& e = entry(smtp_script::ehlo_502);
  SCOPED_TRACE(e.dump());
  expect_status(e, "ok");
  EXPECT_EQ(json_string(e, "banner"), "220 helo.example.test ESMTP scripted");
  ASSERT_TRUE(e.contains("ehlo") && e["ehlo"].is_object());
  EXPECT_EQ(e["ehlo"].value("helo", false), true);
  EXPECT_EQ(json_string(e["ehlo"], "host"), "helo.example.test");
  const auto commands = servers_.at(smtp_script::ehlo_502)->commands();
  EXPECT_THAT(commands, Contains("EHLO scanner.test"));
  EXPECT_THAT(commands, Contains("HELO scanner.test"));
  EXPECT_EQ(check(smtp_script::ehlo_502, "banner_ptr_match"), json(false));
  EXPECT_EQ(check(smtp_script::ehlo_502, "ehlo_ptr_match"), json(false));
}

TEST_F(ScriptedScan, EhloMatchIsDecidedByTheEhloHostNotTheBanner) {
  // Greeting "220 banner.example.test", EHLO reply "250-ehlo.example.test",
  // PTR ehlo.example.test: each check compares its own host with the PTR.
  const json& e = entry(smtp_script::ehlo_other_host);
  SCOPED_TRACE(e.dump());
  expect_status(e, "ok");
  EXPECT_EQ(json_string(e, "banner_host"), "banner.example.test");
  ASSERT_TRUE(e.contains("ehlo") && e["ehlo"].is_object());
  EXPECT_EQ(json_string(e["ehlo"], "host"), "ehlo.example.test");
  EXPECT_EQ(check(smtp_script::ehlo_other_host, "banner_ptr_match"), json(false));
  EXPECT_EQ(check(smtp_script::ehlo_other_host, "ehlo_ptr_match"), json(true));
}

TEST_F(ScriptedScan, SilentServerTimesOut) {
  const json& e = entry(smtp_script::silent);
  SCOPED_TRACE(e.dump());
  expect_status(e, "timeout");
  EXPECT_FALSE(e.contains("banner"));
  // A PTR but no banner: nothing to compare.
  EXPECT_EQ(check(smtp_script::silent, "banner_ptr_match"), json(nullptr));
  EXPECT_EQ(check(smtp_script::silent, "ehlo_ptr_match"), json(nullptr));
}

TEST_F(ScriptedScan, ResetMidReplyIsReset) {
  expect_status(entry(smtp_script::reset_mid_reply), "reset");
}

TEST_F(ScriptedScan, EndlessLineIsAnError) {
  const json& e = entry(smtp_script::endless_line);
  expect_status(e, "error");
  EXPECT_LT(e.dump().size(), 70'000U) << "the oversized reply is not copied into the record";
}

TEST_F(ScriptedScan, GarbageIsAnError) { expect_status(entry(smtp_script::garbage), "error"); }

TEST_F(ScriptedScan, StarttlsGarbageKeepsStatusOkWithTlsError) {
  const json& e = entry(smtp_script::starttls_garbage);
  SCOPED_TRACE(e.dump());
  expect_status(e, "ok");
  EXPECT_EQ(json_string(e, "banner"), "220 tlsbad.example.test ESMTP scripted");
  ASSERT_TRUE(e.contains("ehlo") && e["ehlo"].is_object());
  EXPECT_THAT(json_strings(e["ehlo"], "extensions"), Contains("STARTTLS"));
  ASSERT_TRUE(e.contains("tls") && e["tls"].is_object());
  EXPECT_FALSE(json_string(e["tls"], "error").empty());
  EXPECT_FALSE(e["tls"].contains("version"));
  EXPECT_FALSE(e.contains("ehlo_tls"));
  EXPECT_THAT(servers_.at(smtp_script::starttls_garbage)->commands(), Contains("STARTTLS"));
  // A banner but no PTR: nothing to compare.
  EXPECT_EQ(check(smtp_script::starttls_garbage, "banner_ptr_match"), json(nullptr));
  EXPECT_EQ(check(smtp_script::starttls_garbage, "ehlo_ptr_match"), json(nullptr));
}

TEST_F(ScriptedScan, NothingListeningIsRefused) {
  const json& e = entry_for(refused_ip_);
  SCOPED_TRACE(e.dump());
  expect_status(e, "refused");
  EXPECT_FALSE(e.contains("banner"));
}

}  // namespace
}  // namespace ptrscan::testnet
