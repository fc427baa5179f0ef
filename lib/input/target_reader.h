#pragma once

#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "input/target.h"

namespace ptrscan {

/// A rejected input line, reported as "SOURCE:LINE: message: 'text'".
struct rejected_line {
  std::string source;  // file path, "<stdin>" or "<arguments>"
  uint64_t line = 0;   // 1-based; for positional arguments, the argument index
  std::string text;    // the offending line, truncated to 200 bytes
  std::string message;
};

/// Reads targets from positional arguments, then from each `-i` file in order
/// ("-" is stdin). With neither, reads stdin. All files are opened by open(),
/// so an unreadable file is reported before any scanning starts.
class target_reader {
 public:
  static absl::StatusOr<std::unique_ptr<target_reader>> open(
      std::vector<std::string> positional, std::vector<std::string> files);
  ~target_reader();

  /// Next target, or nullopt at the end of all input. Rejected lines are
  /// passed to `on_reject` and skipped. A read error (EIO ...) after open() is
  /// returned as a non-OK status.
  absl::StatusOr<std::optional<target_spec>> next(
      const std::function<void(const rejected_line&)>& on_reject);

  /// Where the target last returned by next() came from, for messages about
  /// it ("<arguments>" and the argument index for positional targets).
  const std::string& last_source() const { return last_source_; }
  uint64_t last_line() const { return last_line_; }

  uint64_t lines_read() const { return lines_read_; }        // non-blank, non-comment
  uint64_t lines_rejected() const { return lines_rejected_; }

 private:
  target_reader() = default;
  struct source;
  std::vector<std::string> positional_;
  size_t positional_next_ = 0;
  std::vector<std::unique_ptr<source>> sources_;
  size_t source_next_ = 0;
  std::string last_source_;
  uint64_t last_line_ = 0;
  uint64_t lines_read_ = 0;
  uint64_t lines_rejected_ = 0;
};

}  // namespace ptrscan
