// ptrscan's SMTP and STARTTLS probes against real MTAs on loopback: two
// Postfix instances and one Exim, with knot + unbound serving PTRs for the
// addresses they listen on. One scan of every address; one test per thing
// the output contract promises (banner, EHLO, TLS, timings, verdicts).
//
//   127.A.B.10  Postfix mx1.example.test, PTR mx1.example.test   (match)
//               also implicit TLS on 465 when that port is free
//   127.A.B.11  Postfix mx3.example.test, PTR wrong-name.example.test
//               (mismatch), certificate for smtp.example.net only
//   127.A.B.20  Exim mx2.example.test, PTR mx2.example.test      (match)
//   127.A.B.21  the same Exim, PTR relay.example.test            (mismatch)
//
// Certificates are self-signed: chain_valid is false everywhere.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>
#include <random>

#include "../support/missing_fixture.h"
#include "testnet/dns_testbed.h"
#include "testnet/mta_fixture.h"
#include "testnet/ndjson.h"
#include "testnet/smtp_scan.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using ::testing::AnyOf;
using ::testing::Contains;
using ::testing::Eq;
using ::testing::IsSupersetOf;
using ::testing::Not;

const std::vector<std::string> tls13_ciphers = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                                "TLS_CHACHA20_POLY1305_SHA256"};

class MtaScan : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      setup();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void setup() {
    for (auto kind : {mta_kind::postfix, mta_kind::exim}) {
      if (const std::string why = mta_missing(kind); !why.empty()) {
        throw std::runtime_error(why);
      }
    }
    std::mt19937 rng{std::random_device{}()};
    const std::string a = std::to_string(std::uniform_int_distribution<int>(10, 250)(rng));
    const std::string b = std::to_string(std::uniform_int_distribution<int>(1, 254)(rng));
    const std::string net = "127." + a + "." + b + ".";
    mx1_ip_ = net + "10";
    mx3_ip_ = net + "11";
    exim_ip_ = net + "20";
    exim_mismatch_ip_ = net + "21";

    testbed_options dns;
    dns.zones.push_back({b + "." + a + ".127.in-addr.arpa",
                         "10 PTR mx1.example.test.\n"
                         "11 PTR wrong-name.example.test.\n"
                         "20 PTR mx2.example.test.\n"
                         "21 PTR relay.example.test.\n"});
    dns.zones.push_back({"example.test", "mx1 A " + mx1_ip_ + "\nwrong-name A " + mx3_ip_ +
                                             "\nmx2 A " + exim_ip_ + "\nrelay A " +
                                             exim_mismatch_ip_ + "\n"});
    bed_ = dns_testbed::start(dns).release();

    port_ = free_port_on_all({mx1_ip_, mx3_ip_, exim_ip_, exim_mismatch_ip_});
    tls_port_ = tcp_port_free(mx1_ip_, 465) ? 465 : 0;

    mta_options mx1;
    mx1.hostname = "mx1.example.test";
    mx1.hosts = {mx1_ip_};
    mx1.port = port_;
    mx1.implicit_tls_port = tls_port_;
    postfix_ = mta_server::start(mta_kind::postfix, mx1).release();

    mta_options mx3;
    mx3.hostname = "mx3.example.test";
    mx3.hosts = {mx3_ip_};
    mx3.port = port_;
    mx3.cert.names = {"smtp.example.net"};
    postfix_other_ = mta_server::start(mta_kind::postfix, mx3).release();

    mta_options mx2;
    mx2.hostname = "mx2.example.test";
    mx2.hosts = {exim_ip_, exim_mismatch_ip_};
    mx2.port = port_;
    mx2.cert.names = {"*.example.test"};
    exim_ = mta_server::start(mta_kind::exim, mx2).release();
    std::cout << "[ measure  ] ready: postfix " << postfix_->ready_time().count() << " ms, "
              << postfix_other_->ready_time().count() << " ms; exim " << exim_->ready_time().count()
              << " ms\n";

    smtp_scan_options o;
    o.ports = {port_};
    if (tls_port_ != 0) {
      o.ports.push_back(tls_port_);
    }
    o.extra = {"--threads", "2", "-o", "-"};
    std::vector<std::string> argv = ptrscan_smtp_command(PTRSCAN_BINARY, bed_->resolver(), o);
    argv.insert(argv.end(), {mx1_ip_, mx3_ip_, exim_ip_, exim_mismatch_ip_});
    run_options ro;
    ro.deadline = std::chrono::seconds(60);
    run_ = new run_result(run_process(argv, ro));
    index_ = new records_by_ip(index_records(run_->out));
    if (const char* v = std::getenv("PTRSCAN_PRINT_RECORDS"); v != nullptr && *v == '1') {
      std::cout << run_->out << run_->err;
    }
  }

  static void TearDownTestSuite() {
    delete exim_;
    delete postfix_other_;
    delete postfix_;
    delete bed_;
    delete run_;
    delete index_;
    exim_ = postfix_other_ = postfix_ = nullptr;
    bed_ = nullptr;
    run_ = nullptr;
    index_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << "fixtures failed to start: " << setup_error_;
    ASSERT_NE(run_, nullptr);
  }

  // The record for `ip`; fails the test when there is none.
  static const json& record(const std::string& ip) {
    static const json empty = json::object();
    auto it = index_->records.find(ip);
    if (it == index_->records.end()) {
      ADD_FAILURE() << "no record for " << ip << "; ptrscan " << run_->describe() << "\n"
                    << run_->out;
      return empty;
    }
    return it->second;
  }

  // The smtp[] entry for ip:port; fails the test when there is none.
  static const json& entry(const std::string& ip, uint16_t port) {
    static const json empty = json::object();
    const json* e = smtp_entry(record(ip), port);
    if (e == nullptr) {
      ADD_FAILURE() << "no smtp entry for port " << port << " in " << record(ip).dump();
      return empty;
    }
    return *e;
  }

  // What every ok session on a STARTTLS-capable MTA must show.
  static void expect_starttls_session(const json& e, const std::string& host,
                                      const std::string& banner) {
    SCOPED_TRACE(e.dump());
    EXPECT_EQ(json_string(e, "status"), "ok");
    EXPECT_FALSE(e.contains("error")) << "error only with status error";
    EXPECT_EQ(json_string(e, "banner"), banner);
    EXPECT_EQ(json_string(e, "banner_host"), host);
    ASSERT_TRUE(e.contains("ehlo") && e["ehlo"].is_object());
    EXPECT_EQ(json_string(e["ehlo"], "host"), host);
    EXPECT_THAT(json_strings(e["ehlo"], "extensions"), Contains("STARTTLS"));
    EXPECT_NE(e["ehlo"].value("helo", false), true) << "EHLO worked: no HELO fallback";
    ASSERT_TRUE(e.contains("tls") && e["tls"].is_object());
    const json& tls = e["tls"];
    EXPECT_FALSE(tls.contains("error")) << tls.dump();
    EXPECT_EQ(json_string(tls, "version"), "TLSv1.3");
    EXPECT_THAT(tls13_ciphers, Contains(json_string(tls, "cipher")));
    EXPECT_EQ(tls.value("chain_valid", true), false) << "self-signed";
    EXPECT_FALSE(json_string(tls, "chain_error").empty()) << "a reason for chain_valid false";
    EXPECT_EQ(json_string(tls, "not_after"), iso8601_not_after(cert_options{}));
    ASSERT_TRUE(e.contains("ehlo_tls") && e["ehlo_tls"].is_object());
    EXPECT_EQ(json_string(e["ehlo_tls"], "host"), host);
    EXPECT_FALSE(json_strings(e["ehlo_tls"], "extensions").empty());
    EXPECT_THAT(json_strings(e["ehlo_tls"], "extensions"), Not(Contains("STARTTLS")))
        << "no STARTTLS offered inside TLS";
    ASSERT_TRUE(e.contains("ms") && e["ms"].is_object());
    for (const char* k : {"connect", "banner", "ehlo", "tls", "total"}) {
      ASSERT_TRUE(e["ms"].contains(k) && e["ms"][k].is_number()) << "ms." << k;
      EXPECT_GE(e["ms"][k].get<double>(), 0.0) << "ms." << k;
    }
    EXPECT_GE(e["ms"]["total"].get<double>(), e["ms"]["tls"].get<double>());
  }

  static void expect_checks(const std::string& ip, bool banner_match, bool ehlo_match) {
    const json& r = record(ip);
    SCOPED_TRACE(r.dump());
    ASSERT_TRUE(r.contains("checks") && r["checks"].is_object());
    EXPECT_EQ(r["checks"].value("banner_ptr_match", json()), json(banner_match));
    EXPECT_EQ(r["checks"].value("ehlo_ptr_match", json()), json(ehlo_match));
  }

  static inline std::string setup_error_;
  static inline dns_testbed* bed_ = nullptr;
  static inline mta_server* postfix_ = nullptr;
  static inline mta_server* postfix_other_ = nullptr;
  static inline mta_server* exim_ = nullptr;
  static inline run_result* run_ = nullptr;
  static inline records_by_ip* index_ = nullptr;
  static inline std::string mx1_ip_, mx3_ip_, exim_ip_, exim_mismatch_ip_;
  static inline uint16_t port_ = 0;
  static inline uint16_t tls_port_ = 0;
};

TEST_F(MtaScan, ExitsCleanlyWithOneRecordPerTarget) {
  EXPECT_EQ(run_->exit_code, 0) << run_->describe();
  EXPECT_FALSE(run_->timed_out);
  EXPECT_EQ(index_->bad_lines, 0U) << run_->out;
  EXPECT_EQ(index_->duplicates, 0U) << run_->out;
  EXPECT_EQ(index_->records.size(), 4U) << run_->out;
  EXPECT_TRUE(postfix_->running() && postfix_other_->running() && exim_->running());
}

TEST_F(MtaScan, PostfixBannerEhloAndStarttls) {
  const json& e = entry(mx1_ip_, port_);
  expect_starttls_session(e, "mx1.example.test", "220 mx1.example.test ESMTP Postfix-test");
  EXPECT_THAT(json_strings(e["ehlo"], "extensions"),
              IsSupersetOf({"PIPELINING", "SIZE 10240000", "8BITMIME", "STARTTLS"}));
  EXPECT_THAT(json_strings(e["tls"], "cert_names"), Contains("mx1.example.test"));
  EXPECT_EQ(e["tls"].value("name_match", false), true);
}

TEST_F(MtaScan, PostfixPtrMatchesBanner) {
  const json& r = record(mx1_ip_);
  EXPECT_THAT(json_strings(r.value("ptr", json::object()), "names"), Contains("mx1.example.test"));
  EXPECT_EQ(json_string(r.value("fcrdns", json::object()), "status"), "pass");
  expect_checks(mx1_ip_, true, true);
}

TEST_F(MtaScan, SecondPostfixPtrDoesNotMatchBanner) {
  const json& e = entry(mx3_ip_, port_);
  expect_starttls_session(e, "mx3.example.test", "220 mx3.example.test ESMTP Postfix-test");
  EXPECT_THAT(json_strings(e["tls"], "cert_names"), Contains("smtp.example.net"));
  EXPECT_EQ(e["tls"].value("name_match", true), false)
      << "smtp.example.net names neither the PTR nor the banner host";
  EXPECT_THAT(json_strings(record(mx3_ip_).value("ptr", json::object()), "names"),
              Contains("wrong-name.example.test"));
  expect_checks(mx3_ip_, false, false);
}

TEST_F(MtaScan, PostfixImplicitTlsOn465) {
  if (tls_port_ == 0) {
    PTRSCAN_MISSING_FIXTURE("port 465 is taken on " + mx1_ip_);
  }
  const json& e = entry(mx1_ip_, tls_port_);
  SCOPED_TRACE(e.dump());
  EXPECT_EQ(json_string(e, "status"), "ok");
  EXPECT_EQ(json_string(e, "banner"), "220 mx1.example.test ESMTP Postfix-test");
  ASSERT_TRUE(e.contains("tls") && e["tls"].is_object());
  EXPECT_EQ(json_string(e["tls"], "version"), "TLSv1.3");
  EXPECT_THAT(json_strings(e["tls"], "cert_names"), Contains("mx1.example.test"));
  // The EHLO inside the implicit TLS session, under either key.
  const std::string ehlo_host = e.contains("ehlo_tls")
                                    ? json_string(e["ehlo_tls"], "host")
                                    : json_string(e.value("ehlo", json::object()), "host");
  EXPECT_EQ(ehlo_host, "mx1.example.test");
}

TEST_F(MtaScan, RefusedWhereNothingListens) {
  if (tls_port_ == 0) {
    PTRSCAN_MISSING_FIXTURE("only one port scanned (465 was taken)");
  }
  // Exim does not listen on 465: a real "connection refused".
  const json& e = entry(exim_ip_, tls_port_);
  EXPECT_EQ(json_string(e, "status"), "refused") << e.dump();
  EXPECT_FALSE(e.contains("banner")) << e.dump();
}

TEST_F(MtaScan, EximBannerEhloAndStarttls) {
  const json& e = entry(exim_ip_, port_);
  expect_starttls_session(e, "mx2.example.test", "220 mx2.example.test ESMTP Exim-test");
  EXPECT_THAT(json_strings(e["ehlo"], "extensions"),
              IsSupersetOf({"PIPELINING", "SIZE 52428800", "8BITMIME", "STARTTLS"}));
  EXPECT_THAT(json_strings(e["tls"], "cert_names"), Contains("*.example.test"));
  EXPECT_EQ(e["tls"].value("name_match", false), true) << "*.example.test covers mx2.example.test";
  expect_checks(exim_ip_, true, true);
}

TEST_F(MtaScan, EximSecondAddressPtrDoesNotMatchBanner) {
  const json& e = entry(exim_mismatch_ip_, port_);
  expect_starttls_session(e, "mx2.example.test", "220 mx2.example.test ESMTP Exim-test");
  EXPECT_EQ(e["tls"].value("name_match", false), true) << "matches the banner host";
  expect_checks(exim_mismatch_ip_, false, false);
}

}  // namespace
}  // namespace ptrscan::testnet
