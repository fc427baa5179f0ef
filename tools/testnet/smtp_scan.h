#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "testnet/loopback.h"

namespace ptrscan::testnet {

/// How the SMTP integration tests run ptrscan.
struct smtp_scan_options {
  std::vector<uint16_t> ports;
  std::string probes = "ptr,fcrdns,smtp,starttls";
  std::string ehlo_name = "scanner.test";
  int connect_timeout_ms = 2'000;
  int read_timeout_ms = 5'000;
  int session_timeout_ms = 15'000;
  /// Anything else (-T 2, -o FILE, ...), before the targets.
  std::vector<std::string> extra;
};

/// ptrscan_command() with the SMTP probes and flags of the CLI contract:
/// `--probes ... --smtp-ports P[,Q] --ehlo-name N --connect-timeout MS
/// --read-timeout MS --session-timeout MS`. Targets are appended by the
/// caller: loopback addresses, or addresses inside a test namespace.
std::vector<std::string> ptrscan_smtp_command(const std::string& binary, const endpoint& resolver,
                                              const smtp_scan_options& options);

/// Records keyed by "ip" (a repeated ip keeps the first record; `duplicates`
/// counts the others).
struct records_by_ip {
  std::map<std::string, nlohmann::json> records;
  size_t duplicates = 0;
  size_t bad_lines = 0;
};
records_by_ip index_records(std::string_view ndjson);

/// The smtp[] entry for `port` in a record, or nullptr.
const nlohmann::json* smtp_entry(const nlohmann::json& record, uint16_t port);

/// obj[key] as a string ("" when absent or not a string).
std::string json_string(const nlohmann::json& obj, std::string_view key);
/// obj[key] as strings ({} when absent or not an array).
std::vector<std::string> json_strings(const nlohmann::json& obj, std::string_view key);

/// The lines of ptrscan's stderr that mention sessions or a rate: what the
/// scale test prints as its measurement.
std::string summary_lines(const std::string& err);

/// What ptrscan's closing summary line says ("ptrscan: 4096 hosts in 0.55 s
/// (...); ...; smtp ok 4094 error 2; ..."). Zeros where a part is missing.
struct scan_summary {
  uint64_t hosts = 0;
  double seconds = 0;
  uint64_t smtp_sessions = 0;  // the smtp status counts added up
  /// SMTP sessions per second, 0 when unknown.
  double sessions_per_second() const { return seconds > 0 ? smtp_sessions / seconds : 0; }
};
scan_summary parse_summary(const std::string& err);

}  // namespace ptrscan::testnet
