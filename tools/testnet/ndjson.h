#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "testnet/loopback.h"

namespace ptrscan::testnet {

/// Parsed NDJSON: the objects, and the lines that were not JSON objects.
struct ndjson_lines {
  std::vector<nlohmann::json> records;
  std::vector<std::string> bad_lines;
};

/// Splits `text` at newlines and parses each non-empty line.
ndjson_lines parse_ndjson(std::string_view text);

/// The start of every ptrscan command line the tests and the demo run: the
/// binary, the loopback resolver, --allow-reserved (the test ranges are
/// special-purpose) and --probes ptr,fcrdns (so that ptrscan never opens a
/// connection to a scanned address, whatever its default probes become).
std::vector<std::string> ptrscan_command(const std::string& binary, const endpoint& resolver);

}  // namespace ptrscan::testnet
