// Flags whose effect is easy to lose on the way from the command line to
// the code that applies it: --dns-rate must reach each resolver's pacers
// whole (split over the shards, not shrunk), --fcrdns-max-names must bound
// the forward lookups. No timing: --metadata says what the pacers hold, and
// the record says which names were looked up.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "dns/reply.h"
#include "fixture_testbed_suite.h"
#include "testnet/dns_testbed.h"
#include "testnet/fixture_zones.h"
#include "testnet/ndjson.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;

class FlagEffects : public fixture_testbed_suite {
 protected:
  run_result scan(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = ptrscan_command(PTRSCAN_BINARY, bed_->resolver());
    argv.insert(argv.end(), {"--no-progress", "--dns-timeout", "3000"});
    argv.insert(argv.end(), args.begin(), args.end());
    run_options o;
    o.deadline = std::chrono::seconds(60);
    run_result r = run_process(argv, o);
    EXPECT_EQ(r.exit_code, 0) << r.describe();
    return r;
  }

  json metadata(const std::string& path) const {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return json::parse(text.str(), nullptr, false);
  }
};

TEST_F(FlagEffects, DnsRateReachesTheResolverWholeOverAnyNumberOfShards) {
  // The flag is per resolver across all shards: the shards' pacers for the
  // resolver hold shares that add up to it, whatever the shard count.
  struct rate_case {
    std::string rate;
    std::string shards;
    double want;
  };
  const std::vector<rate_case> cases = {
      {"1200", "1", 1200}, {"1200", "2", 1200}, {"1200", "3", 1200},
      {"1000", "4", 1000}, {"50", "2", 50},
  };
  for (const rate_case& c : cases) {
    SCOPED_TRACE("--dns-rate " + c.rate + " --threads " + c.shards);
    const std::string meta = dir_ + "/meta-" + c.rate + "-" + c.shards + ".json";
    scan({"--dns-rate", c.rate, "--threads", c.shards, "--metadata",
          meta, "198.18.0.1", "198.18.0.2", "198.18.0.6", "198.18.0.9"});
    const json m = metadata(meta);
    ASSERT_TRUE(m.is_object()) << meta;
    ASSERT_TRUE(m.contains("dns") && m["dns"].contains("resolvers")) << m.dump();
    const json& resolvers = m["dns"]["resolvers"];
    ASSERT_EQ(resolvers.size(), 1u) << m.dump();
    ASSERT_TRUE(resolvers[0].contains("rate_ceiling")) << resolvers.dump();
    EXPECT_NEAR(resolvers[0]["rate_ceiling"].get<double>(), c.want, 1.0) << resolvers.dump();
  }
  // Without the flag there is no ceiling.
  const std::string meta = dir_ + "/meta-none.json";
  scan({"--threads", "2", "--metadata", meta, "198.18.0.1"});
  const json m = metadata(meta);
  ASSERT_TRUE(m.is_object());
  EXPECT_EQ(m["dns"]["resolvers"][0].value("rate_ceiling", -1.0), 0.0) << m.dump();
}

TEST_F(FlagEffects, FcrdnsMaxNamesBoundsTheForwardLookups) {
  // 198.18.0.12 has fixture_big_ptr_count (120) PTR names, every one
  // resolving back: the record keeps the first 32 in sorted order, counts
  // the rest, and the names looked up are exactly the first N of those.
  static_assert(fixture_big_ptr_count > max_ptr_names);
  for (int n : {1, 3, 10, 64}) {
    SCOPED_TRACE("--fcrdns-max-names " + std::to_string(n));
    const run_result r = scan({"--fcrdns-max-names", std::to_string(n), "198.18.0.12"});
    const ndjson_lines lines = parse_ndjson(r.out);
    ASSERT_EQ(lines.records.size(), 1u) << r.out;
    const json& rec = lines.records.front();
    ASSERT_EQ(rec["ptr"].value("status", ""), "ok") << rec.dump();
    const json& names = rec["ptr"]["names"];
    ASSERT_EQ(names.size(), max_ptr_names);
    EXPECT_EQ(rec["ptr"].value("names_total", 0), fixture_big_ptr_count) << rec["ptr"].dump();
    EXPECT_EQ(rec["ptr"]["truncated"], json::array({"names"})) << rec["ptr"].dump();
    const std::vector<std::string> kept = names.get<std::vector<std::string>>();
    EXPECT_TRUE(std::is_sorted(kept.begin(), kept.end())) << names.dump();
    ASSERT_TRUE(rec["fcrdns"].contains("forward")) << rec.dump();
    const json& forward = rec["fcrdns"]["forward"];
    const size_t looked_up = std::min<size_t>(size_t(n), max_ptr_names);
    ASSERT_EQ(forward.size(), looked_up) << rec["fcrdns"].dump();
    for (size_t i = 0; i < forward.size(); ++i) {
      EXPECT_EQ(forward[i].value("name", ""), names[i].get<std::string>()) << i;
    }
    EXPECT_EQ(rec["fcrdns"].value("status", ""), "pass");
    EXPECT_EQ(rec["fcrdns"].value("unchecked", size_t{0}), fixture_big_ptr_count - looked_up);
  }
  // The default looks up every name kept.
  const run_result r = scan({"198.18.0.12"});
  const ndjson_lines lines = parse_ndjson(r.out);
  ASSERT_EQ(lines.records.size(), 1u) << r.out;
  EXPECT_EQ(lines.records.front()["fcrdns"]["forward"].size(), max_ptr_names);
}

}  // namespace
}  // namespace ptrscan::testnet
