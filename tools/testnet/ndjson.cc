#include "testnet/ndjson.h"

#include <stdexcept>

namespace ptrscan::testnet {

ndjson_lines parse_ndjson(std::string_view text) {
  ndjson_lines out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    const std::string_view line = text.substr(start, end - start);
    start = end + 1;
    if (line.empty()) {
      continue;
    }
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_object()) {
      out.records.push_back(std::move(j));
    } else {
      out.bad_lines.emplace_back(line);
    }
  }
  return out;
}

std::vector<std::string> ptrscan_command(const std::string& binary, const endpoint& resolver) {
  if (!is_loopback_v4(resolver.host)) {
    throw std::invalid_argument("ptrscan_command: resolver must be on loopback: " +
                                resolver.to_string());
  }
  return {binary, "--resolver", resolver.to_string(), "--allow-reserved", "--probes",
          "ptr,fcrdns"};
}

}  // namespace ptrscan::testnet
