#include "e2e/simnet.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "testnet/subprocess.h"

namespace ptrscan::bench {
namespace {

// The simulator prints one JSON object; anything before it (a warning on
// stdout) is skipped.
nlohmann::json last_json_line(const std::string& out) {
  const size_t end = out.find_last_not_of("\r\n");
  if (end == std::string::npos) {
    return nlohmann::json();
  }
  const size_t start = out.rfind('\n', end);
  const std::string line = out.substr(start == std::string::npos ? 0 : start + 1, end + 1);
  return nlohmann::json::parse(line, nullptr, false);
}

// A string member, "" when absent or not a string. (json::value() with a
// string default trips g++ 12's -Wnull-dereference inside the header.)
std::string string_member(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get_ref<const std::string&>() : std::string();
}

testnet::run_result run(const std::vector<std::string>& argv, std::chrono::seconds deadline) {
  testnet::run_options o;
  o.deadline = deadline;
  return testnet::run_process(argv, o);
}

}  // namespace

std::vector<std::string> simnet_cli::command(const std::string& subcommand) const {
  std::vector<std::string> argv = {binary_, subcommand};
  argv.insert(argv.end(), mix_.begin(), mix_.end());
  return argv;
}

std::vector<zone_file> simnet_cli::write_zones(const std::string& dir) const {
  std::vector<std::string> argv = command("zones");
  argv.insert(argv.end(), {"--out", dir});
  const testnet::run_result r = run(argv, std::chrono::seconds(300));
  const nlohmann::json j = last_json_line(r.out);
  std::vector<zone_file> zones;
  if (r.exit_code == 0 && j.is_object() && j.contains("zones") && j["zones"].is_array()) {
    for (const auto& z : j["zones"]) {
      zones.push_back({string_member(z, "origin"), string_member(z, "file")});
    }
  }
  if (zones.empty()) {
    throw std::runtime_error("ptrscan-simnet zones: " + r.describe() + "; stdout: " + r.out);
  }
  return zones;
}

std::string simnet_cli::nft_script(uint16_t smtp_port) const {
  std::vector<std::string> argv = command("nft");
  argv.insert(argv.end(), {"--smtp-port", std::to_string(smtp_port)});
  const testnet::run_result r = run(argv, std::chrono::seconds(60));
  if (r.exit_code != 0 || r.out.empty()) {
    throw std::runtime_error("ptrscan-simnet nft: " + r.describe());
  }
  return r.out;
}

std::vector<std::string> simnet_cli::serve_command(const std::vector<std::string>& flags) const {
  std::vector<std::string> argv = command("serve");
  argv.insert(argv.end(), flags.begin(), flags.end());
  return argv;
}

check_result simnet_cli::check(const std::string& targets, const std::string& probes,
                               const std::string& file, bool timeouts_ok) const {
  std::vector<std::string> argv = command("check");
  argv.insert(argv.end(), {"--targets", targets, "--probes", probes});
  if (timeouts_ok) {
    argv.push_back("--timeouts-ok");
  }
  argv.push_back(file);
  const testnet::run_result r = run(argv, std::chrono::seconds(300));
  check_result c;
  const nlohmann::json j = last_json_line(r.out);
  if (!j.is_object() || !j.contains("records")) {
    c.error = "ptrscan-simnet check: " + r.describe();
    return c;
  }
  auto get = [&j](const char* key) { return j.value(key, uint64_t{0}); };
  c.records = get("records");
  c.checked = get("checked");
  c.mismatched = get("mismatched");
  c.missing = get("missing");
  c.duplicates = get("duplicates");
  c.outside = get("outside");
  if (j.contains("timed_out")) {
    c.timed_out = get("timed_out");
  }
  if (j.contains("zones")) {
    c.zones = get("zones");
    c.zones_checked = get("zones_checked");
    c.zones_missing = get("zones_missing");
    c.zone_duplicates = get("zone_duplicates");
    c.zone_mismatched = get("zone_mismatched");
    c.zone_queries = get("zone_queries");
  }
  c.ok = r.exit_code == 0;
  if (!c.ok) {
    // The first complaint says what kind of mismatch it is; the rest are
    // more of the same (the kept work dir has the output to look into).
    const size_t from = std::min(r.err.find_first_not_of("\r\n"), r.err.size());
    c.error = "exit " + std::to_string(r.exit_code) + ": " +
              r.err.substr(from, r.err.find_first_of("\r\n", from) - from);
  }
  return c;
}

}  // namespace ptrscan::bench
