// ptrscan's opt-in open-relay test against real Postfix on loopback: one
// instance configured as an open relay, one closed, both on the same port of
// their own 127.A.B.C address. Two scans of both: one in clear text with the
// default relay addresses, one with STARTTLS (and port 465 when it is free)
// and --relay-from/--relay-to. Whatever the verdict, Postfix must have
// queued nothing: ptrscan never sends DATA.
//
//   127.A.B.40  Postfix open.example.test    relay_policy::open
//               also implicit TLS on 465 when that port is free
//   127.A.B.41  Postfix closed.example.test  relay_policy::closed
//
// No DNS: the probes are smtp and relay only, so the resolver ptrscan is
// given is a loopback port where nothing listens.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "../support/missing_fixture.h"
#include "testnet/mta_fixture.h"
#include "testnet/smtp_scan.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class RelayScan : public ::testing::Test {
 protected:
  /// One run of ptrscan and its records.
  struct scan_output {
    run_result run;
    records_by_ip records;
  };

  static void SetUpTestSuite() {
    try {
      setup();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void setup() {
    if (const std::string why = mta_missing(mta_kind::postfix); !why.empty()) {
      throw std::runtime_error(why);
    }
    const std::string net = random_loopback_24();
    open_ip_ = net + "40";
    closed_ip_ = net + "41";
    port_ = free_port_on_all({open_ip_, closed_ip_});
    tls_port_ = tcp_port_free(open_ip_, 465) ? 465 : 0;

    mta_options open;
    open.hostname = "open.example.test";
    open.hosts = {open_ip_};
    open.port = port_;
    open.implicit_tls_port = tls_port_;
    open.relay = relay_policy::open;
    open_ = mta_server::start(mta_kind::postfix, open).release();

    mta_options closed;
    closed.hostname = "closed.example.test";
    closed.hosts = {closed_ip_};
    closed.port = port_;
    closed.relay = relay_policy::closed;
    closed_ = mta_server::start(mta_kind::postfix, closed).release();

    plain_ = scan("smtp,relay", {port_}, {});
    std::vector<uint16_t> tls_ports = {port_};
    if (tls_port_ != 0) {
      tls_ports.push_back(tls_port_);
    }
    starttls_ = scan("smtp,starttls,relay", tls_ports,
                     {"--relay-from", "sender.test", "--relay-to", "victim.test"});
  }

  static scan_output* scan(const std::string& probes, const std::vector<uint16_t>& ports,
                           const std::vector<std::string>& relay_flags) {
    smtp_scan_options o;
    o.ports = ports;
    o.probes = probes;
    o.extra = relay_flags;
    o.extra.insert(o.extra.end(), {"--threads", "1", "-o", "-"});
    const endpoint no_resolver{"127.0.0.1", free_port("127.0.0.1")};
    std::vector<std::string> argv = ptrscan_smtp_command(PTRSCAN_BINARY, no_resolver, o);
    argv.insert(argv.end(), {open_ip_, closed_ip_});
    run_options ro;
    ro.deadline = std::chrono::seconds(60);
    auto* out = new scan_output{run_process(argv, ro), {}};
    out->records = index_records(out->run.out);
    if (const char* v = std::getenv("PTRSCAN_PRINT_RECORDS"); v != nullptr && *v == '1') {
      std::cout << out->run.out << out->run.err;
    }
    return out;
  }

  static void TearDownTestSuite() {
    delete closed_;
    delete open_;
    delete plain_;
    delete starttls_;
    closed_ = open_ = nullptr;
    plain_ = starttls_ = nullptr;
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << "fixtures failed to start: " << setup_error_;
    ASSERT_NE(plain_, nullptr);
    ASSERT_NE(starttls_, nullptr);
  }

  // The smtp[] entry for ip:port in the output of `scan`; fails the test
  // when there is none.
  static const json& entry(const scan_output& scan, const std::string& ip, uint16_t port = port_) {
    static const json empty = json::object();
    auto it = scan.records.records.find(ip);
    if (it == scan.records.records.end()) {
      ADD_FAILURE() << "no record for " << ip << "; ptrscan " << scan.run.describe() << "\n"
                    << scan.run.out;
      return empty;
    }
    const json* e = smtp_entry(it->second, port);
    if (e == nullptr) {
      ADD_FAILURE() << "no smtp entry for port " << port << " in " << it->second.dump();
      return empty;
    }
    return *e;
  }

  // The code of relay.mail or relay.rcpt (`which`); -1 when absent.
  static int reply_code(const json& relay, const char* which) {
    return relay.value(which, json::object()).value("code", -1);
  }

  static void expect_open(const json& e) {
    SCOPED_TRACE(e.dump());
    EXPECT_EQ(json_string(e, "status"), "ok");
    ASSERT_TRUE(e.contains("relay") && e["relay"].is_object());
    const json& relay = e["relay"];
    EXPECT_EQ(json_string(relay, "status"), "open");
    EXPECT_EQ(reply_code(relay, "mail"), 250);
    EXPECT_EQ(reply_code(relay, "rcpt"), 250);
    EXPECT_EQ(json_string(relay["rcpt"], "text"), "2.1.5 Ok");
    ASSERT_TRUE(e.contains("ms") && e["ms"].contains("relay"));
    EXPECT_GE(e["ms"]["relay"].get<double>(), 0.0);
  }

  static void expect_closed(const json& e, const std::string& recipient) {
    SCOPED_TRACE(e.dump());
    EXPECT_EQ(json_string(e, "status"), "ok");
    ASSERT_TRUE(e.contains("relay") && e["relay"].is_object());
    const json& relay = e["relay"];
    EXPECT_EQ(json_string(relay, "status"), "closed");
    EXPECT_EQ(reply_code(relay, "mail"), 250);
    EXPECT_EQ(reply_code(relay, "rcpt"), 554);
    EXPECT_EQ(json_string(relay["rcpt"], "text"), "5.7.1 <" + recipient + ">: Relay access denied");
  }

  // Fails the test unless `mta` logs `text` within 5 s: Postfix logs the
  // end of a session just after ptrscan has hung up.
  static void expect_logged(const mta_server& mta, const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (mta.log().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline) {
        ADD_FAILURE() << mta.hostname() << " never logged \"" << text << "\":\n" << mta.log();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  static inline std::string setup_error_;
  static inline mta_server* open_ = nullptr;
  static inline mta_server* closed_ = nullptr;
  static inline scan_output* plain_ = nullptr;
  static inline scan_output* starttls_ = nullptr;
  static inline std::string open_ip_, closed_ip_;
  static inline uint16_t port_ = 0;
  static inline uint16_t tls_port_ = 0;
};

TEST_F(RelayScan, ExitsCleanlyWithOneRecordPerTarget) {
  for (const scan_output* scan : {plain_, starttls_}) {
    EXPECT_EQ(scan->run.exit_code, 0) << scan->run.describe();
    EXPECT_FALSE(scan->run.timed_out);
    EXPECT_EQ(scan->records.bad_lines, 0U) << scan->run.out;
    EXPECT_EQ(scan->records.records.size(), 2U) << scan->run.out;
  }
  EXPECT_TRUE(open_->running() && closed_->running());
}

TEST_F(RelayScan, OpenPostfixIsOpen) {
  const json& e = entry(*plain_, open_ip_);
  expect_open(e);
  EXPECT_FALSE(e.contains("tls")) << "starttls was not among the probes";
}

TEST_F(RelayScan, ClosedPostfixIsClosed) {
  const json& e = entry(*plain_, closed_ip_);
  // The default recipient: ptrscan-relay-test@example.net.
  expect_closed(e, "ptrscan-relay-test@example.net");
}

// The record's own `relay` (DESIGN.md's contract) is the host's verdict
// over its ports, naming the port that decided it.
TEST_F(RelayScan, RecordCarriesTheHostVerdict) {
  for (const auto& [ip, status] :
       {std::pair{open_ip_, std::string("open")}, std::pair{closed_ip_, std::string("closed")}}) {
    const auto it = plain_->records.records.find(ip);
    ASSERT_NE(it, plain_->records.records.end()) << plain_->run.out;
    const json& rec = it->second;
    ASSERT_TRUE(rec.contains("relay")) << rec.dump();
    EXPECT_EQ(json_string(rec["relay"], "status"), status) << rec.dump();
    EXPECT_EQ(rec["relay"].value("port", 0), port_) << rec.dump();
  }
  EXPECT_THAT(plain_->run.err, ::testing::HasSubstr("relay open 1 closed 1"));
}

TEST_F(RelayScan, AfterStarttlsWithTheConfiguredAddresses) {
  for (const std::string& ip : {open_ip_, closed_ip_}) {
    const json& e = entry(*starttls_, ip);
    SCOPED_TRACE(e.dump());
    // The test ran inside TLS, after the second EHLO.
    EXPECT_EQ(json_string(e.value("tls", json::object()), "version"), "TLSv1.3");
    EXPECT_TRUE(e.contains("ehlo_tls"));
  }
  expect_open(entry(*starttls_, open_ip_));
  expect_closed(entry(*starttls_, closed_ip_), "ptrscan-relay-test@victim.test");
  // Postfix logs the refused transaction with the sender it was given.
  EXPECT_THAT(closed_->log(), HasSubstr("from=<ptrscan-relay-test@sender.test> "
                                        "to=<ptrscan-relay-test@victim.test>"));
}

TEST_F(RelayScan, OverImplicitTlsOn465) {
  if (tls_port_ == 0) {
    PTRSCAN_MISSING_FIXTURE("port 465 is taken on " + open_ip_);
  }
  const json& e = entry(*starttls_, open_ip_, tls_port_);
  EXPECT_EQ(json_string(e.value("tls", json::object()), "version"), "TLSv1.3") << e.dump();
  expect_open(e);
}

// Where nothing listens the test never ran: untested (the session ended
// before a reply decided), and no replies.
TEST_F(RelayScan, RefusedIsUntested) {
  if (tls_port_ == 0) {
    PTRSCAN_MISSING_FIXTURE("only one port scanned (465 was taken)");
  }
  const json& e = entry(*starttls_, closed_ip_, tls_port_);
  EXPECT_EQ(json_string(e, "status"), "refused") << e.dump();
  EXPECT_EQ(e.value("relay", json()), json::parse(R"({"status":"untested","reason":"session_ended"})")) << e.dump();
}

// Postfix counts the commands of every session when it ends: after the
// EHLOs, MAIL, RCPT, RSET and QUIT, and never DATA.
TEST_F(RelayScan, PostfixSawMailRcptRsetQuitAndNoData) {
  expect_logged(*open_, "ehlo=1 mail=1 rcpt=1 rset=1 quit=1 commands=5");
  expect_logged(*open_, "ehlo=2 starttls=1 mail=1 rcpt=1 rset=1 quit=1 commands=7");
  expect_logged(*closed_, "ehlo=1 mail=1 rcpt=0/1 rset=1 quit=1 commands=4/5");
  expect_logged(*closed_, "ehlo=2 starttls=1 mail=1 rcpt=0/1 rset=1 quit=1 commands=6/7");
  for (const mta_server* mta : {open_, closed_}) {
    EXPECT_THAT(mta->log(), Not(HasSubstr(" data="))) << mta->hostname();
  }
}

// So nothing was queued, not even by the open relay. The file Postfix opens
// once a recipient is accepted goes when RSET aborts the transaction; its
// cleanup process may take a moment.
TEST_F(RelayScan, PostfixQueuedNothing) {
  for (const mta_server* mta : {open_, closed_}) {
    SCOPED_TRACE(mta->hostname());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (mta->queue_files() != 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(mta->queue_files(), 0U) << mta->log_tail();
  }
}

}  // namespace
}  // namespace ptrscan::testnet
