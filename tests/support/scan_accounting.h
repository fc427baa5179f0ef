#pragma once

// What ptrscan says about a finished run, read back for the accounting
// tests: the closing summary line on stderr and the --metadata JSON file.
// The invariant the tests check with these:
//
//   targets read = records + skipped (reserved, listed, resumed)
//                  + dropped in flight + queued but not started
//
// and, over the input the test wrote itself,
//
//   addresses in the input + bad lines = targets read + rejected lines
//                                         (+ what a signal left unread).

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <string>

namespace ptrscan::testing_faults {

/// A whole file ("" when it cannot be read).
inline std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

struct summary_counts {
  bool found = false;
  uint64_t hosts = 0;             // "N hosts in S s"
  uint64_t skipped_reserved = 0;  // "skipped R reserved"
  uint64_t skipped_listed = 0;    // "L by --blocklist/--allowlist"
  uint64_t skipped_resumed = 0;   // "S written before (--state)"
  uint64_t rejected = 0;          // "X input lines rejected"
  uint64_t dropped = 0;           // "D dropped in flight"
  uint64_t not_started = 0;       // "Q queued but not started"
  double peak_rss_mib = 0;        // "peak RSS M MiB"
  std::string line;

  uint64_t skipped() const { return skipped_reserved + skipped_listed + skipped_resumed; }
};

/// The last summary line in ptrscan's stderr.
inline summary_counts parse_summary_line(const std::string& err) {
  summary_counts s;
  std::istringstream in(err);
  std::string line;
  while (std::getline(in, line)) {
    // "ptrscan: N hosts in", "1 host in", "2 domains (...) in": the one
    // line that counts rejected input lines.
    if (line.rfind("ptrscan: ", 0) == 0 &&
        line.find("input lines rejected") != std::string::npos) {
      s.line = line;
    }
  }
  if (s.line.empty()) {
    return s;
  }
  s.found = true;
  auto number = [&](const char* pattern) -> uint64_t {
    std::smatch m;
    if (std::regex_search(s.line, m, std::regex(pattern))) {
      return std::stoull(m[1].str());
    }
    return 0;
  };
  s.hosts = number(R"(ptrscan: (\d+) hosts? )");  // absent (0) for domains only
  s.skipped_reserved = number(R"(skipped (\d+) reserved)");
  s.skipped_listed = number(R"((\d+) by --blocklist/--allowlist)");
  s.skipped_resumed = number(R"((\d+) written before \(--state\))");
  s.rejected = number(R"((\d+) input lines rejected)");
  s.dropped = number(R"((\d+) dropped in flight)");
  s.not_started = number(R"((\d+) queued but not started)");
  std::smatch m;
  if (std::regex_search(s.line, m, std::regex(R"(peak RSS ([0-9.]+) MiB)"))) {
    s.peak_rss_mib = std::stod(m[1].str());
  }
  return s;
}

struct metadata_counts {
  bool found = false;
  uint64_t targets_read = 0;
  uint64_t records = 0;
  uint64_t skipped = 0;  // all reasons added up
  uint64_t rejected = 0;
  uint64_t dropped = 0;
  int exit_code = -1;
  nlohmann::json json;
};

inline metadata_counts parse_metadata(const std::string& text) {
  metadata_counts m;
  m.json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!m.json.is_object()) {
    return m;
  }
  m.found = true;
  auto get = [&](const char* key) -> uint64_t {
    auto it = m.json.find(key);
    return it != m.json.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
  };
  m.targets_read = get("targets_read");
  m.records = get("records");
  m.rejected = get("lines_rejected");
  m.dropped = get("dropped_in_flight");
  if (auto it = m.json.find("skipped"); it != m.json.end() && it->is_object()) {
    for (const auto& [reason, n] : it->items()) {
      if (n.is_number_unsigned()) {
        m.skipped += n.get<uint64_t>();
      }
    }
  }
  if (auto it = m.json.find("exit_code"); it != m.json.end() && it->is_number_integer()) {
    m.exit_code = it->get<int>();
  }
  return m;
}

}  // namespace ptrscan::testing_faults
