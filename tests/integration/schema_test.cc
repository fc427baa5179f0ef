// The output's JSON Schema (schema/, issue 18 item 6) against real output: a
// scan with every probe on (PTR, FCrDNS, rDNS, SPF, SMTP with STARTTLS and
// the relay test), a domain target and a DNSBL-listed address, with
// --metadata. Validation is python3-jsonschema's (tests/schema/
// validate_output.py); without it the tests skip. Also: each record's `ts`
// and the metadata's run facts (issue 18 item 5).

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fixture_testbed_suite.h"
#include "testnet/dns_testbed.h"
#include "testnet/domain_zones.h"
#include "testnet/ndjson.h"
#include "testnet/scripted_smtp.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using json = nlohmann::json;

const std::string schema_dir = std::string(PTRSCAN_SOURCE_DIR) + "/schema";
const std::string validator =
    std::string(PTRSCAN_SOURCE_DIR) + "/tests/schema/validate_output.py";

struct scratch {
  scratch() {
    char templ[] = "/tmp/ptrscan-schema-XXXXXX";
    if (::mkdtemp(templ) != nullptr) {
      path = templ;
    }
  }
  ~scratch() {
    std::error_code ec;
    if (!path.empty()) {
      std::filesystem::remove_all(path, ec);
    }
  }
  std::string file(const std::string& name) const { return path + "/" + name; }
  std::string path;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

/// Runs the validator; 77 means python3-jsonschema is missing.
run_result validate(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"python3", validator, schema_dir};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

class Schema : public testbed_suite<domain_testbed> {
 protected:
  // One scan for the whole suite: every probe, a domain, a listed address.
  static void SetUpTestSuite() {
    testbed_suite<domain_testbed>::SetUpTestSuite();
    if (bed_ == nullptr) {
      return;
    }
    dir_ = new scratch();
    mx_ = new scripted_smtp_server(smtp_script::multiline_greeting, "127.77.0.1", 0);
    std::string listed_ip;
    for (const dnsbl_case& c : dnsbl_cases()) {
      if (c.status == "listed" && !c.reason.empty() && listed_ip.empty()) {
        listed_ip = c.ip;
      }
    }
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed_->resolver());
    for (const std::string& a :
         {std::string("--probes"), std::string("ptr,fcrdns,smtp,starttls,relay,policy"),
          std::string("--smtp-ports"), std::to_string(mx_->address().port),
          std::string("--ehlo-name"), std::string("scanner.test"), std::string("--dnsbl"),
          std::string(domain_dnsbl_zone), std::string("--seed"),
          std::string("15284988005112675655"), std::string("--notes"),
          std::string("schema test \"run\" 1"), std::string("-o"), dir_->file("out.ndjson"),
          std::string("-m"), dir_->file("meta.json"), std::string("example.test"), listed_ip,
          std::string("127.77.0.10,ip4-pass.spf.test,mx.spf.test")}) {
      argv.push_back(a);
    }
    run_options o;
    o.deadline = std::chrono::seconds(60);
    scan_ = new run_result(run_process(argv, o));
  }
  static void TearDownTestSuite() {
    delete scan_;
    delete mx_;
    delete dir_;
    scan_ = nullptr;
    mx_ = nullptr;
    dir_ = nullptr;
    testbed_suite<domain_testbed>::TearDownTestSuite();
  }
  void SetUp() override {
    testbed_suite<domain_testbed>::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    ASSERT_NE(scan_, nullptr);
    ASSERT_EQ(scan_->exit_code, 0) << scan_->describe();
  }
  static std::vector<json> records() {
    return parse_ndjson(slurp(dir_->file("out.ndjson"))).records;
  }
  static json metadata() { return json::parse(slurp(dir_->file("meta.json"))); }

  static inline scratch* dir_ = nullptr;
  static inline scripted_smtp_server* mx_ = nullptr;
  static inline run_result* scan_ = nullptr;
};

TEST_F(Schema, RealOutputValidates) {
  // The scan reached every part of the format.
  bool summary = false;
  bool mx_record = false;
  bool listed = false;
  bool relay = false;
  bool sender = false;
  bool helo_rules = false;
  bool policy = false;
  for (const json& r : records()) {
    policy = policy || (r.contains("policy") && r["policy"].contains("mxtoolbox_smtp"));
    sender = sender || r.contains("sender");
    helo_rules = helo_rules || (r.contains("checks") && !r["checks"]["helo_rules"].empty());
    summary = summary || r.contains("domain");
    mx_record = mx_record || (r.contains("mx") && r.contains("ip"));
    listed = listed || (r.contains("dnsbl") && r["dnsbl"].dump().find("\"listed\"") !=
                                                   std::string::npos);
    relay = relay || r.contains("relay");
  }
  EXPECT_TRUE(summary && mx_record && listed && relay && sender && helo_rules && policy)
      << slurp(dir_->file("out.ndjson"));
  run_result v = validate({"--records", dir_->file("out.ndjson"), "--metadata",
                           dir_->file("meta.json")});
  if (v.exit_code == 77) {
    GTEST_SKIP() << "python3-jsonschema is not installed (tools/setup.sh deps)";
  }
  EXPECT_EQ(v.exit_code, 0) << v.describe();
}

// additionalProperties: false where the format is closed: a member nobody
// documented fails validation, at the top and inside a probe's object.
TEST_F(Schema, AnUndocumentedFieldFails) {
  std::vector<json> recs = records();
  ASSERT_FALSE(recs.empty());
  for (const char* where : {"top", "ptr", "summary.mx", "metadata", "metadata.dns"}) {
    SCOPED_TRACE(where);
    const std::string w = where;
    std::string args_file;
    std::string flag;
    if (w.rfind("metadata", 0) == 0) {
      json m = metadata();
      (w == "metadata" ? m : m["dns"])["surprise"] = 1;
      args_file = dir_->file("bad_meta.json");
      std::ofstream(args_file) << m.dump() << "\n";
      flag = "--metadata";
    } else {
      json r;
      for (const json& rec : recs) {
        if ((w == "summary.mx") == rec.contains("domain") && (w != "ptr" || rec.contains("ptr"))) {
          r = rec;
          break;
        }
      }
      ASSERT_FALSE(r.is_null());
      (w == "top" ? r : (w == "ptr" ? r["ptr"] : r["mx"]))["surprise"] = 1;
      args_file = dir_->file("bad.ndjson");
      std::ofstream(args_file) << r.dump() << "\n";
      flag = "--records";
    }
    run_result v = validate({flag, args_file});
    if (v.exit_code == 77) {
      GTEST_SKIP() << "python3-jsonschema is not installed";
    }
    EXPECT_EQ(v.exit_code, 1) << v.describe();
    EXPECT_THAT(v.out, HasSubstr("surprise")) << v.describe();
  }
}

// Every record (host records, MX address records, the domain summary) has
// `ts`, within the run's start and end (second resolution there).
TEST_F(Schema, EveryRecordHasItsFinishTime) {
  const json m = metadata();
  const std::string start = m["start_time"].get<std::string>().substr(0, 19);
  const std::string end = m["end_time"].get<std::string>().substr(0, 19);
  const std::vector<json> recs = records();
  ASSERT_FALSE(recs.empty());
  for (const json& r : recs) {
    ASSERT_TRUE(r.contains("ts")) << r.dump();
    const std::string ts = r["ts"].get<std::string>();
    ASSERT_EQ(ts.size(), 24u) << ts;
    EXPECT_GE(ts.substr(0, 19), start) << r.dump();
    EXPECT_LE(ts.substr(0, 19), end) << r.dump();
  }
}

TEST_F(Schema, MetadataSaysWhereAndWithWhatItRan) {
  const json m = metadata();
  // jq 1.6 would read the number as 15284988005112676000.
  EXPECT_EQ(m["seed_text"], "15284988005112675655");
  EXPECT_EQ(m["seed"].get<uint64_t>(), 15284988005112675655u);
  EXPECT_EQ(m["notes"], "schema test \"run\" 1");
  EXPECT_EQ(m["ehlo_name"], "scanner.test");
  EXPECT_EQ(m["probes"],
            json::parse(R"(["domain","ptr","fcrdns","rdns","spf","sender","dnsbl","smtp","policy"])"))
      << m["probes"].dump();
  // The policy probe counts its verdicts by result.
  EXPECT_GT(m["policy"]["pass"].get<int>(), 0) << m.dump();
  EXPECT_GT(m["timeouts"]["dns_ms"].get<int>(), 0);
  EXPECT_GT(m["timeouts"]["smtp_session_ms"].get<int>(), 0);
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(m["hostname"], host);
  // The resolver is on loopback: so is the address the kernel sends from.
  ASSERT_EQ(m["source_addresses"].size(), 1u) << m.dump();
  EXPECT_EQ(m["source_addresses"][0].get<std::string>().rfind("127.", 0), 0u) << m.dump();
  EXPECT_FALSE(m["commit"].get<std::string>().empty());
  EXPECT_THAT(m["libraries"]["liburing"].get<std::string>(), HasSubstr("2."));
}

// The summary line of a scan of one domain, one address and one sender
// line (issue 18 item 8): hosts and domains each counted, no empty probe
// section ("; spf;").
TEST_F(Schema, SummaryLineReadsRightForADomainScan) {
  const std::string& err = scan_->err;
  const size_t at = err.find("ptrscan: 2 hosts and 1 domain (");
  ASSERT_NE(at, std::string::npos) << err;
  const std::string line = err.substr(at, err.find('\n', at) - at);
  EXPECT_THAT(line, HasSubstr("; 1 senders; spf mailfrom pass 1; spf helo none 1; helo match 1;"));
  EXPECT_THAT(line, ::testing::MatchesRegex(
                        "ptrscan: 2 hosts and 1 domain \\([0-9]+ MX address(es)?\\) in "
                        "[0-9.]+ s \\([0-9.]+ hosts/s, [0-9.]+ records/s\\);.*"));
  EXPECT_THAT(line, ::testing::Not(::testing::ContainsRegex("; [a-z]+;")));
  EXPECT_THAT(line, ::testing::Not(HasSubstr(" 0 hosts/s")));
}

TEST(Version, NamesCommitAndLibraries) {
  run_result r = run_process({PTRSCAN_BINARY, "--version"});
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  EXPECT_THAT(r.out, HasSubstr("(commit "));
  EXPECT_THAT(r.out, HasSubstr("c-ares 1."));
  EXPECT_THAT(r.out, HasSubstr("liburing 2."));
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr("2.x")));
}

}  // namespace
}  // namespace ptrscan::testnet
