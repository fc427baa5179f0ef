#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ptrscan::diff {

/// The command line of `ptrscan diff`, validated.
struct diff_args {
  std::string old_input;
  std::string new_input;
  std::string output = "-";  ///< "-": stdout; a name ending in .zst is compressed
  uint64_t max_memory = uint64_t{512} << 20;
  std::string tmp_dir;
  bool help = false;
};

/// Parses the words after `diff`; a string is the usage error.
std::variant<diff_args, std::string> parse_diff_args(const std::vector<std::string>& args);

/// "512M", "64k", "1G", "4096": bytes; nullopt when not a size.
std::optional<uint64_t> parse_size(const std::string& text);

const char* diff_usage();

/// `ptrscan diff OLD NEW [-o OUT] [--max-memory SIZE] [--tmp-dir DIR]`.
/// Exit status: 0 done; 1 a runtime failure (spill or output could not be
/// written); 2 usage error or an input that cannot be read; 3 an input holds
/// no record; 130 interrupted (SIGINT/SIGTERM; the spilled runs are removed).
int diff_main(const std::vector<std::string>& args);

}  // namespace ptrscan::diff
