// DNS fault injection through the whole binary: ptrscan's only resolver is a
// scripted server on loopback (tests/support/fault_dns_server.h) that
// answers most names correctly and breaks the rules for some, on the PTR
// lookup or on the forward (A/AAAA) lookup of a PTR name. One scan holds
// them all, mixed with ~300 well-behaved hosts: each faulty host gets the
// documented ptr/fcrdns status, the scan finishes with exit 0, and every
// other host's record is exact.

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

#include "../support/fault_dns_server.h"
#include "../support/scan_accounting.h"
#include "net/ip_address.h"
#include "testnet/ndjson.h"
#include "testnet/smtp_scan.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using testing_faults::dns_fault;
using testing_faults::dns_rule;
using testing_faults::fault_dns_server;

// --dns-timeout 250 --retries 1: a silent name costs 250 + 500 ms.
constexpr int dns_timeout_ms = 250;

struct expected_record {
  std::string ptr_status;
  std::vector<std::string> names;  // with ptr ok
  std::string fcrdns_status;
  std::string fcrdns_name;  // with pass
  std::string what;         // for messages
  std::string ptr_reason;   // ptr.reason, with ptr status error
};

struct fault_expectation {
  dns_fault fault;
  // When the PTR lookup meets the fault:
  const char* ptr_status;
  const char* ptr_fcrdns;
  // When the A/AAAA lookup of the (good) PTR name meets it:
  const char* forward_fcrdns;
  // Why, when the PTR status is error (ptr.reason).
  const char* ptr_reason = "";
};

// The documented statuses (README "Output"): a lookup that failed is
// timeout/servfail/refused/error and makes fcrdns "error"; an answer that
// gets through whatever preceded it is exact.
const std::vector<fault_expectation> expectations = {
    {dns_fault::drop, "timeout", "error", "error"},
    {dns_fault::late, "timeout", "error", "error"},
    {dns_fault::late_first, "ok", "pass", "pass"},
    {dns_fault::wrong_id, "timeout", "error", "error"},
    {dns_fault::wrong_port, "timeout", "error", "error"},
    {dns_fault::truncated, "ok", "pass", "pass"},
    // truncated_tcp_closed: see TcpClosedForOneNameSparesOtherTruncatedAnswers.
    {dns_fault::malformed_answer, "error", "error", "error", "malformed"},
    {dns_fault::short_garbage, "timeout", "error", "error"},
    {dns_fault::owner_pointer_loop, "error", "error", "error", "malformed"},
    // An unreadable PTR target is a malformed answer (error, never nodata);
    // for A/AAAA the loop is a CNAME target, as malformed: verdict unknown.
    {dns_fault::rdata_pointer_loop, "error", "error", "error", "malformed"},
    {dns_fault::servfail, "servfail", "error", "error"},
    {dns_fault::refused, "refused", "error", "error"},
    {dns_fault::flood, "ok", "pass", "pass"},
    // Longer than the EDNS size ptrscan asks for, without TC (within the
    // receive buffer, and past it): error at once, never a timeout.
    {dns_fault::over_edns, "error", "error", "error", "oversized"},
    {dns_fault::oversized, "error", "error", "error", "oversized"},
};

class DnsFaultsScan : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      setup();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }

  static void setup() {
    testing_faults::fault_dns_options o;
    o.late_ms = 2'000;      // past 250 + 500 ms
    o.late_first_ms = 400;  // past the first try only
    o.flood_count = 200;
    server_ = new fault_dns_server(o);
    char templ[] = "/tmp/ptrscan-dnsfaults-XXXXXX";
    if (::mkdtemp(templ) == nullptr) {
      throw std::runtime_error("mkdtemp failed");
    }
    dir_ = templ;

    std::ostringstream targets;
    targets << "# normal hosts: PTR mail<N>.normal.test, whose A/AAAA is the address\n";
    // 256 IPv4 hosts as one CIDR, 16 IPv6 hosts as another.
    add_normal_block("198.18.20.0/24", 0, 256, targets);
    add_normal_block("2001:db8::a:0/124", 1000, 16, targets);
    // 16 hosts without a PTR at all (no rule: NXDOMAIN).
    targets << "198.18.21.0/28\n";
    for (int i = 0; i < 16; ++i) {
      const std::string ip = "198.18.21." + std::to_string(i);
      expected_[ip] = {"nxdomain", {}, "none", "", "no PTR", ""};
    }
    // Each fault three times on the PTR lookup, three times on the forward one.
    int n = 0;
    for (const fault_expectation& e : expectations) {
      for (int k = 0; k < 3; ++k, ++n) {
        // On the PTR: 198.18.30.N
        const std::string ip = "198.18.30." + std::to_string(n);
        const std::string ptr_name = "ptr" + std::to_string(n) + ".fault.test";
        dns_rule rule;
        rule.fault = e.fault;
        rule.ptr = {ptr_name};
        server_->set(reverse(ip), rule);
        dns_rule fwd;
        fwd.a = {ip};
        server_->set(ptr_name, fwd);
        expected_record rec{e.ptr_status,
                            {},
                            e.ptr_fcrdns,
                            "",
                            std::string("PTR ") + testing_faults::to_string(e.fault),
                            e.ptr_reason};
        if (rec.ptr_status == "ok") {
          rec.names = {ptr_name};
        }
        if (rec.fcrdns_status == "pass") {
          rec.fcrdns_name = ptr_name;
        }
        expected_[ip] = rec;
        targets << ip << "\n";

        // On the forward lookup: 198.18.31.N -> fwd<N>.fault.test (faulty).
        const std::string fip = "198.18.31." + std::to_string(n);
        const std::string fname = "fwd" + std::to_string(n) + ".fault.test";
        dns_rule ptr;
        ptr.ptr = {fname};
        server_->set(reverse(fip), ptr);
        dns_rule bad;
        bad.fault = e.fault;
        bad.a = {fip};
        bad.ptr = {"not-asked.fault.test"};
        server_->set(fname, bad);
        expected_record frec{"ok",
                             {fname},
                             e.forward_fcrdns,
                             "",
                             std::string("forward ") + testing_faults::to_string(e.fault), ""};
        if (frec.fcrdns_status == "pass") {
          frec.fcrdns_name = fname;
        }
        expected_[fip] = frec;
        targets << fip << "\n";
      }
    }
    const std::string targets_path = dir_ + "/targets.txt";
    std::ofstream(targets_path) << targets.str();

    out_path_ = dir_ + "/out.ndjson";
    meta_path_ = dir_ + "/meta.json";
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, {"127.0.0.1", server_->port()});
    argv.insert(argv.end(),
                {"--dns-timeout", std::to_string(dns_timeout_ms), "--retries", "1", "--threads", "2",
                 "-o", out_path_, "--metadata", meta_path_, "-i", targets_path});
    run_options ro;
    ro.deadline = std::chrono::seconds(60);
    const auto t0 = std::chrono::steady_clock::now();
    run_ = new run_result(run_process(argv, ro));
    std::cout << "[ measure  ] scan of " << expected_.size() << " hosts, "
              << expectations.size() * 6 << " of them faulty: "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
              << " s\n";
    std::ifstream f(out_path_);
    std::ostringstream buf;
    buf << f.rdbuf();
    output_ = buf.str();
    index_ = new records_by_ip(index_records(output_));
  }

  static void add_normal_block(const std::string& cidr, int base, int count,
                               std::ostringstream& targets) {
    targets << cidr << "\n";
    const std::string first = cidr.substr(0, cidr.find('/'));
    const ip_address start = *ip_address::parse(first);
    for (int i = 0; i < count; ++i) {
      ip_address ip = start;
      ip.bytes[ip.byte_len() - 1] = static_cast<uint8_t>(ip.bytes[ip.byte_len() - 1] + i);
      const std::string text = ip.to_string();
      const std::string name = "mail" + std::to_string(base + i) + ".normal.test";
      dns_rule ptr;
      ptr.ptr = {name};
      server_->set(ip.reverse_name(), ptr);
      dns_rule fwd;
      (ip.is_v4() ? fwd.a : fwd.aaaa) = {text};
      server_->set(name, fwd);
      expected_[text] = {"ok", {name}, "pass", name, "normal", ""};
    }
  }

  static std::string reverse(const std::string& ip) {
    return ip_address::parse(ip)->reverse_name();
  }

  static void TearDownTestSuite() {
    delete run_;
    run_ = nullptr;
    delete index_;
    index_ = nullptr;
    delete server_;
    server_ = nullptr;
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void SetUp() override {
    ASSERT_TRUE(setup_error_.empty()) << setup_error_;
    ASSERT_NE(run_, nullptr);
  }

  static void expect_record(const std::string& ip, const expected_record& want) {
    SCOPED_TRACE(ip + " (" + want.what + ")");
    auto it = index_->records.find(ip);
    ASSERT_NE(it, index_->records.end()) << "no record";
    const json& r = it->second;
    ASSERT_TRUE(r.contains("ptr") && r["ptr"].is_object()) << r.dump();
    EXPECT_EQ(json_string(r["ptr"], "status"), want.ptr_status) << r.dump();
    // An error says why; no other status carries a reason.
    EXPECT_EQ(json_string(r["ptr"], "error"), want.ptr_reason) << r.dump();
    if (want.ptr_status == "ok") {
      EXPECT_EQ(json_strings(r["ptr"], "names"), want.names) << r.dump();
    } else {
      EXPECT_FALSE(r["ptr"].contains("names")) << r.dump();
    }
    ASSERT_TRUE(r.contains("fcrdns") && r["fcrdns"].is_object()) << r.dump();
    EXPECT_EQ(json_string(r["fcrdns"], "status"), want.fcrdns_status) << r.dump();
    EXPECT_EQ(json_string(r["fcrdns"], "name"), want.fcrdns_name) << r.dump();
    // Nothing a decoy or a spoofed answer carried made it into any record.
    const std::string text = r.dump();
    EXPECT_EQ(text.find("evil.flood.test"), std::string::npos) << text;
    EXPECT_EQ(text.find("203.0.113.66"), std::string::npos) << text;
    EXPECT_EQ(text.find("198.51.100."), std::string::npos) << text;
    EXPECT_EQ(text.find("not-asked"), std::string::npos) << text;
  }

  static inline std::string setup_error_;
  static inline fault_dns_server* server_ = nullptr;
  static inline std::string dir_;
  static inline std::string out_path_;
  static inline std::string meta_path_;
  static inline std::string output_;
  static inline run_result* run_ = nullptr;
  static inline records_by_ip* index_ = nullptr;
  static inline std::map<std::string, expected_record> expected_;
};

TEST_F(DnsFaultsScan, FinishesWithOneRecordPerTarget) {
  EXPECT_EQ(run_->exit_code, 0) << run_->describe();
  EXPECT_FALSE(run_->timed_out);
  EXPECT_EQ(index_->bad_lines, 0U);
  EXPECT_EQ(index_->duplicates, 0U);
  EXPECT_EQ(index_->records.size(), expected_.size());
  for (const auto& [ip, rec] : index_->records) {
    EXPECT_TRUE(expected_.count(ip)) << "record for an address not in the input: " << ip;
  }
  const auto meta = testing_faults::parse_metadata(testing_faults::read_file(meta_path_));
  ASSERT_TRUE(meta.found);
  EXPECT_EQ(meta.targets_read, expected_.size());
  EXPECT_EQ(meta.records, expected_.size());
  EXPECT_EQ(meta.dropped, 0U);
}

TEST_F(DnsFaultsScan, WellBehavedHostsAreExact) {
  int checked = 0;
  for (const auto& [ip, want] : expected_) {
    if (want.what == "normal" || want.what == "no PTR") {
      expect_record(ip, want);
      ++checked;
    }
  }
  EXPECT_EQ(checked, 256 + 16 + 16);
}

TEST_F(DnsFaultsScan, EachPtrFaultGetsItsStatus) {
  for (const auto& [ip, want] : expected_) {
    if (want.what.rfind("PTR ", 0) == 0) {
      expect_record(ip, want);
    }
  }
}

TEST_F(DnsFaultsScan, EachForwardFaultGetsItsVerdict) {
  for (const auto& [ip, want] : expected_) {
    if (want.what.rfind("forward ", 0) == 0) {
      expect_record(ip, want);
    }
  }
}

TEST_F(DnsFaultsScan, SummaryCountsEveryStatus) {
  std::map<std::string, uint64_t> ptr;
  for (const auto& [ip, r] : index_->records) {
    ++ptr[json_string(r["ptr"], "status")];
  }
  const auto s = testing_faults::parse_summary_line(run_->err);
  ASSERT_TRUE(s.found) << run_->err;
  EXPECT_EQ(s.hosts, expected_.size());
  for (const auto& [status, n] : ptr) {
    EXPECT_THAT(s.line, ::testing::HasSubstr(" " + status + " " + std::to_string(n)))
        << "ptr " << status;
  }
  std::cout << "[ measure  ] " << s.line << "\n";
}

// A truncated answer is asked again over TCP. When the server closes the
// TCP connection on one name (its PTR becomes "error"), the other hosts
// whose PTR answers were truncated too must still get them, each at its
// first TCP try: one name's closed connection must not fail the others'
// queries (it did when c-ares carried every TCP retry of a shard on one
// connection).
TEST(DnsFaultsTcp, TcpClosedForOneNameSparesOtherTruncatedAnswers) {
  fault_dns_server server;
  std::vector<std::string> targets;
  std::map<std::string, std::string> names;
  std::vector<std::string> truncated;  // reverse names answered over TCP
  for (int i = 0; i < 40; ++i) {
    const std::string ip = "198.18.40." + std::to_string(i);
    const std::string name = "host" + std::to_string(i) + ".tcp.test";
    dns_rule ptr;
    // Every 10th: the connection is closed on it; 1 in 2 of the others:
    // truncated, answered over TCP; the rest: plain UDP answers.
    ptr.fault = i % 10 == 0  ? dns_fault::truncated_tcp_closed
                : i % 2 == 1 ? dns_fault::truncated
                             : dns_fault::none;
    ptr.ptr = {name};
    server.set(ip_address::parse(ip)->reverse_name(), ptr);
    dns_rule a;
    a.a = {ip};
    server.set(name, a);
    targets.push_back(ip);
    names[ip] = i % 10 == 0 ? "" : name;
    if (ptr.fault == dns_fault::truncated) {
      truncated.push_back(ip_address::parse(ip)->reverse_name());
    }
  }
  std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, {"127.0.0.1", server.port()});
  argv.insert(argv.end(), {"--dns-timeout", "250", "--threads", "1", "-o", "-"});
  argv.insert(argv.end(), targets.begin(), targets.end());
  run_options ro;
  ro.deadline = std::chrono::seconds(60);
  const run_result r = run_process(argv, ro);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const records_by_ip index = index_records(r.out);
  ASSERT_EQ(index.records.size(), targets.size()) << r.out;
  int innocent_failed = 0;
  for (const auto& [ip, name] : names) {
    const json& rec = index.records.at(ip);
    SCOPED_TRACE(rec.dump());
    if (name.empty()) {
      EXPECT_EQ(json_string(rec["ptr"], "status"), "error");
      continue;
    }
    if (json_string(rec["ptr"], "status") != "ok") {
      ++innocent_failed;
    }
    EXPECT_EQ(json_string(rec["ptr"], "status"), "ok");
    EXPECT_EQ(json_strings(rec["ptr"], "names"), std::vector<std::string>{name});
    EXPECT_EQ(json_string(rec["fcrdns"], "status"), "pass");
  }
  for (const std::string& reverse : truncated) {
    EXPECT_EQ(server.tcp_queries(reverse), 1) << reverse;
  }
  std::cout << "[ measure  ] " << server.tcp_queries() << " TCP queries; " << innocent_failed
            << " hosts failed by another name's closed TCP connection\n";
}

}  // namespace
}  // namespace ptrscan::testnet
