// ptrscan against knot + unbound serving the hand-written fixture zones: one
// scan of every fixture address, then one test per case on its record.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>

#include "dns/reply.h"
#include "testnet/dns_testbed.h"
#include "testnet/fixture_zones.h"
#include "testnet/ndjson.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {

// Readable parameter names in gtest's messages.
void PrintTo(const fixture_case& c, std::ostream* os) { *os << c.label << " (" << c.ip << ")"; }

namespace {

using json = nlohmann::json;
using ::testing::Contains;
using ::testing::UnorderedElementsAreArray;

// What fcrdns.forward must say about one name: status and addresses.
struct forward_expectation {
  std::string status;
  std::vector<std::string> addrs;
};

// Forward entries worth checking per case (name -> expectation). A name
// ptrscan did not check (it may stop early) is not required to be listed.
const std::map<std::string, std::map<std::string, forward_expectation>>& forward_expectations() {
  static const std::map<std::string, std::map<std::string, forward_expectation>> m = {
      {"pass", {{"mx1.example.test", {"ok", {"198.18.0.1"}}}}},
      {"several_names_one_matches",
       {{"old-mail.example.test", {"ok", {"203.0.113.9"}}},
        {"gone.example.test", {"nxdomain", {}}},
        {"mail2.example.test", {"ok", {"198.18.0.2"}}}}},
      {"name_without_address", {{"noaddr.example.test", {"nodata", {}}}}},
      {"name_nxdomain_forward", {{"nowhere.example.test", {"nxdomain", {}}}}},
      {"name_points_elsewhere", {{"elsewhere.example.test", {"ok", {"198.18.0.99"}}}}},
      {"cname_chain", {{"alias.alt.test", {"ok", {"198.18.0.6"}}}}},
      {"aaaa_only", {{"v6only.example.test", {"ok", {"2001:db8::7"}}}}},
      {"a_and_aaaa", {{"dual.example.test", {"ok", {"198.18.0.9", "2001:db8::9"}}}}},
      {"forward_servfail", {{"host.dead.test", {"servfail", {}}}}},
      {"rfc2317_classless", {{"classless.example.test", {"ok", {"198.18.200.7"}}}}},
      {"ipv6_pass", {{"v6host.example.test", {"ok", {"2001:db8::25"}}}}},
  };
  return m;
}

std::vector<std::string> strings_at(const json& obj, const char* key) {
  std::vector<std::string> out;
  if (obj.is_object() && obj.contains(key) && obj[key].is_array()) {
    for (const auto& v : obj[key]) {
      out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  return out;
}

std::string string_at(const json& obj, const char* key) {
  if (obj.is_object() && obj.contains(key) && obj[key].is_string()) {
    return obj[key].get<std::string>();
  }
  return {};
}

bool is_normalised(const std::string& name) {
  return !name.empty() && name.back() != '.' &&
         std::none_of(name.begin(), name.end(), [](unsigned char c) { return std::isupper(c); });
}

class FixtureScan : public ::testing::TestWithParam<fixture_case> {
 protected:
  static void SetUpTestSuite() {
    records_.clear();
    try {
      bed_ = dns_testbed::start(fixture_testbed()).release();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
      return;
    }
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed_->resolver());
    argv.insert(argv.end(), {"--threads", "2", "--dns-timeout", "3000", "-o", "-"});
    for (const auto& c : fixture_cases()) {
      argv.push_back(c.ip);
    }
    run_options o;
    o.deadline = std::chrono::seconds(60);
    run_ = new run_result(run_process(argv, o));
    const ndjson_lines lines = parse_ndjson(run_->out);
    bad_lines_ = lines.bad_lines.size();
    for (const auto& r : lines.records) {
      records_[string_at(r, "ip")].push_back(r);
    }
  }
  static void TearDownTestSuite() {
    delete bed_;
    bed_ = nullptr;
    delete run_;
    run_ = nullptr;
    records_.clear();
  }
  void SetUp() override {
    ASSERT_NE(bed_, nullptr) << "testbed failed to start: " << setup_error_;
    ASSERT_NE(run_, nullptr);
  }

  static inline dns_testbed* bed_ = nullptr;
  static inline std::string setup_error_;
  static inline run_result* run_ = nullptr;
  static inline std::map<std::string, std::vector<json>> records_;
  static inline size_t bad_lines_ = 0;
};

TEST_F(FixtureScan, ExitsCleanlyWithOneRecordPerTarget) {
  EXPECT_EQ(run_->exit_code, 0) << run_->describe();
  EXPECT_FALSE(run_->timed_out);
  EXPECT_EQ(bad_lines_, 0U) << run_->out;
  EXPECT_EQ(records_.size(), fixture_cases().size()) << run_->out;
  for (const auto& [ip, recs] : records_) {
    EXPECT_EQ(recs.size(), 1U) << ip;
  }
  EXPECT_FALSE(run_->err.empty()) << "expected a summary line on stderr";
}

TEST_P(FixtureScan, RecordMatches) {
  const fixture_case& c = GetParam();
  auto it = records_.find(c.ip);
  ASSERT_NE(it, records_.end()) << "no record for " << c.ip << "; run: " << run_->describe();
  ASSERT_EQ(it->second.size(), 1U);
  const json& rec = it->second.front();
  SCOPED_TRACE(rec.dump());

  ASSERT_TRUE(rec.contains("ptr") && rec["ptr"].is_object());
  const json& ptr = rec["ptr"];
  EXPECT_EQ(string_at(ptr, "status"), c.ptr_status);
  if (c.ptr_status == "ok") {
    const auto names = strings_at(ptr, "names");
    if (c.ptr_names.size() > max_ptr_names) {
      // Capped: the first 32 in sorted order kept, the rest counted.
      std::vector<std::string> kept = c.ptr_names;
      std::sort(kept.begin(), kept.end());
      kept.resize(max_ptr_names);
      EXPECT_EQ(names, kept);
      EXPECT_EQ(ptr.value("names_total", size_t{0}), c.ptr_names.size());
      EXPECT_EQ(ptr.value("truncated", json::array()), json::array({"names"}));
    } else {
      EXPECT_THAT(names, UnorderedElementsAreArray(c.ptr_names));
      EXPECT_FALSE(ptr.contains("names_total")) << ptr.dump();
      EXPECT_FALSE(ptr.contains("truncated")) << ptr.dump();
    }
    for (const auto& n : names) {
      EXPECT_TRUE(is_normalised(n)) << n;
    }
  } else {
    EXPECT_FALSE(ptr.contains("names")) << "names only when status is ok";
  }

  ASSERT_TRUE(rec.contains("fcrdns") && rec["fcrdns"].is_object());
  const json& fcrdns = rec["fcrdns"];
  EXPECT_EQ(string_at(fcrdns, "status"), c.fcrdns_status);
  if (c.fcrdns_status == "pass") {
    EXPECT_THAT(c.fcrdns_names, Contains(string_at(fcrdns, "name")));
  }

  // The forward lookups listed must be for PTR names and say what DNS says.
  const auto& expectations = forward_expectations();
  auto fe = expectations.find(c.label);
  if (fcrdns.contains("forward")) {
    ASSERT_TRUE(fcrdns["forward"].is_array());
    for (const auto& f : fcrdns["forward"]) {
      const std::string name = string_at(f, "name");
      EXPECT_THAT(c.ptr_names, Contains(name)) << "forward entry for a name not in the PTR set";
      if (fe == expectations.end()) {
        continue;
      }
      auto want = fe->second.find(name);
      if (want == fe->second.end()) {
        continue;
      }
      EXPECT_EQ(string_at(f, "status"), want->second.status) << name;
      EXPECT_THAT(strings_at(f, "addresses"), UnorderedElementsAreArray(want->second.addrs)) << name;
    }
  }
  if (c.fcrdns_status == "pass") {
    ASSERT_TRUE(fcrdns.contains("forward")) << "a pass must list the lookup that confirmed it";
    const std::string passed = string_at(fcrdns, "name");
    bool listed = false;
    for (const auto& f : fcrdns["forward"]) {
      if (string_at(f, "name") == passed) {
        listed = true;
        EXPECT_EQ(string_at(f, "status"), "ok");
        EXPECT_THAT(strings_at(f, "addresses"), Contains(c.ip));
      }
    }
    EXPECT_TRUE(listed) << passed << " is not in fcrdns.forward";
  }

  // The naming class is about the forward-confirmed name when there is one,
  // else the first PTR name; "none" without a PTR. (The classes themselves
  // are tested on the labelled dataset in tests/checks.)
  ASSERT_TRUE(rec.contains("rdns") && rec["rdns"].is_object()) << rec.dump();
  const json& rdns = rec["rdns"];
  if (c.ptr_status != "ok") {
    EXPECT_EQ(string_at(rdns, "class"), "none") << rdns.dump();
    EXPECT_FALSE(rdns.contains("name")) << rdns.dump();
  } else if (c.fcrdns_status == "pass") {
    EXPECT_EQ(string_at(rdns, "name"), string_at(fcrdns, "name"));
  } else {
    EXPECT_EQ(string_at(rdns, "name"), strings_at(ptr, "names").front());
  }
  if (c.ptr_status == "ok") {
    EXPECT_NE(string_at(rdns, "class"), "none") << rdns.dump();
  }
}

INSTANTIATE_TEST_SUITE_P(Fixture, FixtureScan, ::testing::ValuesIn(fixture_cases()),
                         [](const ::testing::TestParamInfo<fixture_case>& param_info) {
                           return param_info.param.label;
                         });

}  // namespace
}  // namespace ptrscan::testnet
