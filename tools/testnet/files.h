#pragma once

#include <string>

namespace ptrscan::testnet {

/// A fresh directory "$TMPDIR/<prefix>-XXXXXX" (default /tmp). Throws
/// std::runtime_error when it cannot be made.
std::string make_temp_dir(const std::string& prefix);

/// Writes `text` to `path`, replacing it. Throws std::runtime_error on failure.
void write_file(const std::string& path, const std::string& text);

/// PTRSCAN_KEEP_TESTBED=1: leave fixture directories behind for debugging.
bool keep_requested();

}  // namespace ptrscan::testnet
