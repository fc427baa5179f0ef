// SMTP fault injection through the whole binary, for the faults
// smtp_scripted_test.cc does not already cover (it has: silent after
// connect, 554 greeting, EHLO 502, RST mid-greeting, 1 MiB greeting without
// CRLF, garbage, non-TLS bytes after STARTTLS). Here: close before the
// banner, one byte per second (cut by --session-timeout) and one byte per
// 2.5 s (cut by --read-timeout), a stall after EHLO, a 1 MiB EHLO reply
// without CRLF, STARTTLS advertised then answered 454, and an RST or a
// stall in the middle of the TLS handshake. Twenty well-behaved peers share
// the scan; their records must be exact.
//
// Every peer listens on its own 127.A.B.x address (the same port); DNS is
// the scripted fault server with a plain table (PTR mx<N>.smtp.test for
// every peer, and A back), so the match checks have something to match.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "../support/fault_dns_server.h"
#include "../support/fault_smtp_server.h"
#include "../support/scan_accounting.h"
#include "net/ip_address.h"
#include "testnet/mta_fixture.h"
#include "testnet/ndjson.h"
#include "testnet/smtp_scan.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing_faults::fault_smtp_server;
using testing_faults::smtp_fault;

constexpr int connect_timeout_ms = 1'000;
constexpr int read_timeout_ms = 1'500;
constexpr int session_timeout_ms = 4'000;
constexpr int normal_peers = 20;

struct peer {
  smtp_fault fault;
  std::chrono::milliseconds drip{1'000};
  std::string label;
};

const std::vector<peer> faulty_peers = {
    {smtp_fault::close_before_banner, {}, "close_before_banner"},
    {smtp_fault::drip, std::chrono::milliseconds(1'000), "drip_1s"},      // under read-timeout
    {smtp_fault::drip, std::chrono::milliseconds(2'500), "drip_2500ms"},  // over read-timeout
    {smtp_fault::stall_after_ehlo, {}, "stall_after_ehlo"},
    {smtp_fault::oversized_ehlo, {}, "oversized_ehlo"},
    {smtp_fault::starttls_454, {}, "starttls_454"},
    {smtp_fault::reset_mid_tls, {}, "reset_mid_tls"},
    {smtp_fault::stall_mid_tls, {}, "stall_mid_tls"},
};

class SmtpFaultsScan : public ::testing::Test {
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
    for (int i = 0; i < normal_peers; ++i) {
      hosts.push_back(net + std::to_string(10 + i));
    }
    for (size_t i = 0; i < faulty_peers.size(); ++i) {
      hosts.push_back(net + std::to_string(60 + i));
    }
    port_ = free_port_on_all(hosts);
    dns_ = new testing_faults::fault_dns_server();
    for (size_t i = 0; i < hosts.size(); ++i) {
      const std::string name = "mx" + std::to_string(i) + ".smtp.test";
      names_[hosts[i]] = name;
      testing_faults::dns_rule ptr;
      ptr.ptr = {name};
      dns_->set(ip_address::parse(hosts[i])->reverse_name(), ptr);
      testing_faults::dns_rule a;
      a.a = {hosts[i]};
      dns_->set(name, a);
      const bool normal = i < static_cast<size_t>(normal_peers);
      const peer p = normal ? peer{smtp_fault::normal, {}, "normal"}
                            : faulty_peers[i - static_cast<size_t>(normal_peers)];
      servers_[hosts[i]] =
          std::make_unique<fault_smtp_server>(p.fault, hosts[i], port_, name, p.drip);
      if (!normal) {
        by_label_[p.label] = hosts[i];
      }
    }

    char templ[] = "/tmp/ptrscan-smtpfaults-XXXXXX";
    if (::mkdtemp(templ) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = templ;
    smtp_scan_options o;
    o.ports = {port_};
    o.connect_timeout_ms = connect_timeout_ms;
    o.read_timeout_ms = read_timeout_ms;
    o.session_timeout_ms = session_timeout_ms;
    o.extra = {"--threads", "2", "-o", "-", "--dns-timeout", "500", "--retries", "1"};
    std::vector<std::string> argv =
        ptrscan_smtp_command(PTRSCAN_BINARY, {"127.0.0.1", dns_->port()}, o);
    argv.insert(argv.end(), hosts.begin(), hosts.end());
    run_options ro;
    ro.deadline = std::chrono::seconds(60);
    const auto t0 = std::chrono::steady_clock::now();
    run_ = new run_result(run_process(argv, ro));
    std::cout << "[ measure  ] scan of " << hosts.size() << " SMTP peers (" << faulty_peers.size()
              << " faulty): "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
              << " s\n";
    index_ = new records_by_ip(index_records(run_->out));
    hosts_ = hosts;
  }

  static void TearDownTestSuite() {
    servers_.clear();
    delete dns_;
    dns_ = nullptr;
    delete run_;
    run_ = nullptr;
    delete index_;
    index_ = nullptr;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << "fixtures failed to start: " << setup_error_;
    ASSERT_NE(run_, nullptr);
  }

  static const json& record_for(const std::string& ip) {
    static const json empty = json::object();
    auto it = index_->records.find(ip);
    if (it == index_->records.end()) {
      ADD_FAILURE() << "no record for " << ip << "; " << run_->describe() << "\n" << run_->out;
      return empty;
    }
    return it->second;
  }
  static const json& entry_for(const std::string& ip) {
    static const json empty = json::object();
    const json* e = smtp_entry(record_for(ip), port_);
    if (e == nullptr) {
      ADD_FAILURE() << "no smtp entry for " << ip << ": " << record_for(ip).dump();
      return empty;
    }
    return *e;
  }
  static const std::string& ip_of(const std::string& label) { return by_label_.at(label); }
  static const json& entry(const std::string& label) { return entry_for(ip_of(label)); }
  static double total_ms(const json& e) {
    if (e.contains("ms") && e["ms"].is_object() && e["ms"].contains("total") &&
        e["ms"]["total"].is_number()) {
      return e["ms"]["total"].get<double>();
    }
    return -1;
  }
  static json check(const std::string& label, const char* key) {
    const json& r = record_for(ip_of(label));
    if (!r.contains("checks") || !r["checks"].contains(key)) {
      return json("missing");
    }
    return r["checks"][key];
  }

  static inline std::string setup_error_;
  static inline std::map<std::string, std::unique_ptr<fault_smtp_server>> servers_;
  static inline std::map<std::string, std::string> names_;
  static inline std::map<std::string, std::string> by_label_;
  static inline std::vector<std::string> hosts_;
  static inline testing_faults::fault_dns_server* dns_ = nullptr;
  static inline std::string dir_;
  static inline run_result* run_ = nullptr;
  static inline records_by_ip* index_ = nullptr;
  static inline uint16_t port_ = 0;
};

TEST_F(SmtpFaultsScan, FinishesWithOneRecordPerPeer) {
  EXPECT_EQ(run_->exit_code, 0) << run_->describe();
  EXPECT_FALSE(run_->timed_out);
  EXPECT_EQ(index_->bad_lines, 0U);
  EXPECT_EQ(index_->duplicates, 0U);
  EXPECT_EQ(index_->records.size(), hosts_.size()) << run_->out;
  const auto s = testing_faults::parse_summary_line(run_->err);
  ASSERT_TRUE(s.found) << run_->err;
  EXPECT_EQ(s.hosts, hosts_.size());
  std::cout << "[ measure  ] " << s.line << "\n";
}

TEST_F(SmtpFaultsScan, WellBehavedPeersAreExact) {
  for (int i = 0; i < normal_peers; ++i) {
    const std::string& ip = hosts_[static_cast<size_t>(i)];
    const std::string& name = names_.at(ip);
    SCOPED_TRACE(ip);
    const json& r = record_for(ip);
    EXPECT_EQ(json_string(r["ptr"], "status"), "ok") << r.dump();
    EXPECT_EQ(json_strings(r["ptr"], "names"), std::vector<std::string>{name}) << r.dump();
    EXPECT_EQ(json_string(r["fcrdns"], "status"), "pass") << r.dump();
    const json& e = entry_for(ip);
    EXPECT_EQ(json_string(e, "status"), "ok") << e.dump();
    EXPECT_FALSE(e.contains("error")) << e.dump();
    EXPECT_EQ(json_string(e, "banner"), "220 " + name + " ESMTP normal");
    EXPECT_EQ(json_string(e, "banner_host"), name);
    ASSERT_TRUE(e.contains("ehlo") && e["ehlo"].is_object()) << e.dump();
    EXPECT_EQ(json_string(e["ehlo"], "host"), name);
    EXPECT_THAT(json_strings(e["ehlo"], "extensions"), ElementsAre("PIPELINING", "8BITMIME"));
    EXPECT_FALSE(e.contains("tls")) << e.dump();
    ASSERT_TRUE(r.contains("checks")) << r.dump();
    EXPECT_EQ(r["checks"]["banner_ptr_match"], json(true)) << r.dump();
    EXPECT_EQ(r["checks"]["ehlo_ptr_match"], json(true)) << r.dump();
    const auto commands = servers_.at(ip)->commands();
    EXPECT_THAT(commands, ElementsAre("EHLO scanner.test", "QUIT"));
  }
}

TEST_F(SmtpFaultsScan, CloseBeforeTheBannerIsAnError) {
  const json& e = entry("close_before_banner");
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(json_string(e, "status"), "error");
  EXPECT_THAT(json_string(e, "error"), HasSubstr("before the greeting"));
  EXPECT_FALSE(e.contains("banner"));
  EXPECT_EQ(check("close_before_banner", "banner_ptr_match"), json(nullptr));
}

TEST_F(SmtpFaultsScan, OneBytePerSecondIsCutBySessionTimeout) {
  // Each byte comes within --read-timeout, so only the session deadline can
  // end it; the greeting would need ~40 s.
  const json& e = entry("drip_1s");
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(json_string(e, "status"), "timeout");
  EXPECT_THAT(json_string(e, "error"), HasSubstr("greeting"));
  EXPECT_FALSE(e.contains("banner"));
  const double ms = total_ms(e);
  EXPECT_GE(ms, read_timeout_ms) << "it outlived a read timeout: the session deadline ended it";
  EXPECT_LT(ms, session_timeout_ms + 3'000) << "bounded by --session-timeout";
}

TEST_F(SmtpFaultsScan, OneBytePerTwoAndAHalfSecondsIsCutByReadTimeout) {
  const json& e = entry("drip_2500ms");
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(json_string(e, "status"), "timeout");
  EXPECT_THAT(json_string(e, "error"), HasSubstr("greeting"));
  EXPECT_LT(total_ms(e), session_timeout_ms) << "the read timeout struck first";
}

TEST_F(SmtpFaultsScan, StallAfterEhloTimesOutWithTheBannerKept) {
  const json& e = entry("stall_after_ehlo");
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(json_string(e, "status"), "timeout");
  EXPECT_THAT(json_string(e, "error"), HasSubstr("reply"));
  const std::string& name = names_.at(ip_of("stall_after_ehlo"));
  EXPECT_EQ(json_string(e, "banner"), "220 " + name + " ESMTP stall_after_ehlo");
  EXPECT_FALSE(e.contains("ehlo"));
  EXPECT_EQ(check("stall_after_ehlo", "banner_ptr_match"), json(true));
  EXPECT_EQ(check("stall_after_ehlo", "ehlo_ptr_match"), json(nullptr));
}

TEST_F(SmtpFaultsScan, MegabyteEhloReplyWithoutCrlfIsAnError) {
  const json& e = entry("oversized_ehlo");
  SCOPED_TRACE(e.dump().substr(0, 2'000));
  EXPECT_EQ(json_string(e, "status"), "error");
  EXPECT_THAT(json_string(e, "error"), HasSubstr("longer"));
  EXPECT_LT(record_for(ip_of("oversized_ehlo")).dump().size(), 70'000U)
      << "the oversized reply is not copied into the record";
}

TEST_F(SmtpFaultsScan, Starttls454IsAFailedUpgradeWithStatusOk) {
  const json& e = entry("starttls_454");
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(json_string(e, "status"), "ok");
  ASSERT_TRUE(e.contains("ehlo") && e["ehlo"].is_object());
  EXPECT_THAT(json_strings(e["ehlo"], "extensions"), Contains("STARTTLS"));
  ASSERT_TRUE(e.contains("tls") && e["tls"].is_object());
  EXPECT_THAT(json_string(e["tls"], "error"), HasSubstr("454"));
  EXPECT_FALSE(e["tls"].contains("version"));
  EXPECT_FALSE(e.contains("ehlo_tls"));
  const auto commands = servers_.at(ip_of("starttls_454"))->commands();
  EXPECT_THAT(commands, ElementsAre("EHLO scanner.test", "STARTTLS", "QUIT"));
}

// README: "A failed upgrade leaves `status` ok and puts the reason in
// `tls.error`." A reset in the middle of the STARTTLS handshake is a
// failed upgrade: the banner and EHLO were read, only TLS failed.
TEST_F(SmtpFaultsScan, ResetMidStarttlsHandshakeIsAFailedUpgrade) {
  EXPECT_TRUE(servers_.at(ip_of("reset_mid_tls"))->saw_client_hello())
      << "the peer reset after the ClientHello, i.e. mid-handshake";
  const json& e = entry("reset_mid_tls");
  SCOPED_TRACE(e.dump());
  EXPECT_TRUE(e.contains("banner"));
  EXPECT_TRUE(e.contains("ehlo"));
  ASSERT_TRUE(e.contains("tls") && e["tls"].is_object());
  EXPECT_FALSE(json_string(e["tls"], "error").empty()) << "tls.error must say why TLS failed";
  EXPECT_EQ(json_string(e, "status"), "ok") << "a failed upgrade leaves status ok";
}

TEST_F(SmtpFaultsScan, StallMidStarttlsHandshakeIsAFailedUpgrade) {
  EXPECT_TRUE(servers_.at(ip_of("stall_mid_tls"))->saw_client_hello());
  const json& e = entry("stall_mid_tls");
  SCOPED_TRACE(e.dump());
  EXPECT_TRUE(e.contains("banner"));
  ASSERT_TRUE(e.contains("tls") && e["tls"].is_object());
  EXPECT_FALSE(json_string(e["tls"], "error").empty()) << "tls.error must say why TLS failed";
  EXPECT_EQ(json_string(e, "status"), "ok") << "a failed upgrade leaves status ok";
  EXPECT_LT(total_ms(e), session_timeout_ms + 3'000) << "bounded by --session-timeout";
}

}  // namespace
}  // namespace ptrscan::testnet
