#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace ptrscan {

/// Wall-clock time, nanoseconds since the Unix epoch (CLOCK_REALTIME).
int64_t realtime_ns();

/// Where a record's `ts` comes from: realtime_ns unless a test injects a
/// clock of its own (shard_config::wall_clock).
using wall_clock = std::function<int64_t()>;

/// RFC 3339 in UTC with milliseconds ("2026-12-07T12:19:24.123Z"), for the
/// `ts` of every record. Records finish thousands a second, so the text is
/// kept: a time in the same millisecond costs a compare, a new millisecond of
/// the same second rewrites three digits, and only a new second calls
/// gmtime_r. One per shard (not thread-safe).
class rfc3339_ms {
 public:
  static constexpr size_t length = 24;

  /// The text of `ns`; valid until the next call. Years outside 0..9999
  /// are clamped to them (RFC 3339 has four year digits).
  std::string_view format(int64_t ns);

 private:
  int64_t ms_ = INT64_MIN;   // the millisecond buf_ holds
  int64_t sec_ = INT64_MIN;  // the second buf_'s date and time hold
  char buf_[length] = {};
};

}  // namespace ptrscan
