#pragma once

#include <cstdint>
#include <ctime>

namespace ptrscan::simnet {

/// Monotonic clock in nanoseconds.
inline int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

/// How long each reply is held before it is sent: delay ± uniform jitter,
/// never negative. The kernel here has no netem, so latency is simulated by
/// the servers themselves. One per thread (it carries its own generator).
class reply_delay {
 public:
  reply_delay(int delay_ms, int jitter_ms, uint64_t seed)
      : delay_ns_(int64_t{delay_ms} * 1'000'000),
        jitter_ns_(int64_t{jitter_ms} * 1'000'000),
        state_(seed | 1) {}

  /// The hold time of the next reply.
  int64_t next_ns() {
    if (jitter_ns_ == 0) {
      return delay_ns_;
    }
    // xorshift64: replies need spread, not quality.
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    const int64_t span = 2 * jitter_ns_ + 1;
    const int64_t d =
        delay_ns_ - jitter_ns_ + static_cast<int64_t>(state_ % static_cast<uint64_t>(span));
    return d < 0 ? 0 : d;
  }

 private:
  int64_t delay_ns_;
  int64_t jitter_ns_;
  uint64_t state_;
};

}  // namespace ptrscan::simnet
