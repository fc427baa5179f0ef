#include "testnet/smtp_scan.h"

#include <regex>
#include <sstream>
#include <stdexcept>

#include "testnet/ndjson.h"

namespace ptrscan::testnet {

std::vector<std::string> ptrscan_smtp_command(const std::string& binary, const endpoint& resolver,
                                              const smtp_scan_options& options) {
  if (options.ports.empty()) {
    throw std::invalid_argument("ptrscan_smtp_command: no ports");
  }
  std::vector<std::string> argv = ptrscan_command(binary, resolver);
  // ptrscan_command ends with "--probes", "ptr,fcrdns": replace the list.
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--probes") {
      argv[i + 1] = options.probes;
    }
  }
  std::string ports;
  for (uint16_t p : options.ports) {
    ports += (ports.empty() ? "" : ",") + std::to_string(p);
  }
  argv.insert(argv.end(), {"--smtp-ports", ports, "--ehlo-name", options.ehlo_name,
                           "--connect-timeout", std::to_string(options.connect_timeout_ms),
                           "--read-timeout", std::to_string(options.read_timeout_ms),
                           "--session-timeout", std::to_string(options.session_timeout_ms)});
  argv.insert(argv.end(), options.extra.begin(), options.extra.end());
  return argv;
}

records_by_ip index_records(std::string_view ndjson) {
  records_by_ip out;
  ndjson_lines lines = parse_ndjson(ndjson);
  out.bad_lines = lines.bad_lines.size();
  for (auto& r : lines.records) {
    const std::string ip = json_string(r, "ip");
    if (ip.empty()) {
      continue;  // a domain summary record
    }
    if (!out.records.emplace(ip, std::move(r)).second) {
      ++out.duplicates;
    }
  }
  return out;
}

const nlohmann::json* smtp_entry(const nlohmann::json& record, uint16_t port) {
  if (!record.is_object() || !record.contains("smtp") || !record["smtp"].is_array()) {
    return nullptr;
  }
  for (const auto& e : record["smtp"]) {
    if (e.is_object() && e.contains("port") && e["port"].is_number_integer() &&
        e["port"].get<int>() == port) {
      return &e;
    }
  }
  return nullptr;
}

std::string json_string(const nlohmann::json& obj, std::string_view key) {
  const std::string k(key);
  if (obj.is_object() && obj.contains(k) && obj[k].is_string()) {
    return obj[k].get<std::string>();
  }
  return {};
}

std::vector<std::string> json_strings(const nlohmann::json& obj, std::string_view key) {
  std::vector<std::string> out;
  const std::string k(key);
  if (obj.is_object() && obj.contains(k) && obj[k].is_array()) {
    for (const auto& v : obj[k]) {
      out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
    }
  }
  return out;
}

std::string summary_lines(const std::string& err) {
  std::istringstream in(err);
  std::string line;
  std::string out;
  while (std::getline(in, line)) {
    if (line.find("session") != std::string::npos || line.find("/s") != std::string::npos) {
      out += line + "\n";
    }
  }
  return out;
}

scan_summary parse_summary(const std::string& err) {
  scan_summary out;
  static const std::regex hosts_re(R"(ptrscan: (\d+) hosts? in ([0-9.]+) s)");
  static const std::regex smtp_re(R"((?:^|; )smtp ((?:[a-z]+ \d+ ?)+)(?:;|$))");
  static const std::regex count_re(R"([a-z]+ (\d+))");
  std::istringstream in(err);
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_search(line, m, hosts_re)) {
      continue;
    }
    out = {};
    out.hosts = std::stoull(m[1].str());
    out.seconds = std::stod(m[2].str());
    if (std::smatch s; std::regex_search(line, s, smtp_re)) {
      const std::string counts = s[1].str();
      for (auto it = std::sregex_iterator(counts.begin(), counts.end(), count_re);
           it != std::sregex_iterator(); ++it) {
        out.smtp_sessions += std::stoull((*it)[1].str());
      }
    }
  }
  return out;
}

}  // namespace ptrscan::testnet
