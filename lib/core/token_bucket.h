#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace ptrscan {

/// A token bucket (the --rate limiter): `rate` tokens a second accrue up to
/// `burst`. It reads no clock: every call takes the time, so tests drive it
/// with a clock of their own (as dns_pacer is driven) and the engine passes
/// monotonic_ns().
class token_bucket {
 public:
  token_bucket() = default;
  /// Empty at `now_ns`. `rate` <= 0: unlimited (every take succeeds).
  /// `burst` below 1 is raised to 1, so a token can always be taken.
  token_bucket(double rate, double burst, int64_t now_ns)
      : rate_(rate), burst_(std::max(1.0, burst)), refilled_ns_(now_ns) {}

  /// Refills to `now_ns`, then takes one token if there is a whole one.
  bool try_take(int64_t now_ns) {
    if (rate_ <= 0) {
      return true;
    }
    refill(now_ns);
    if (tokens_ < 1) {
      return false;
    }
    tokens_ -= 1;
    return true;
  }

  /// Nanoseconds from the last refill until a whole token is there (0 when
  /// one is, or when unlimited).
  int64_t wait_ns() const {
    if (rate_ <= 0 || tokens_ >= 1) {
      return 0;
    }
    return static_cast<int64_t>(std::ceil((1 - tokens_) / rate_ * 1e9));
  }

  /// Tokens as of the last refill (fractions included).
  double tokens() const { return tokens_; }
  double rate() const { return rate_; }
  double burst() const { return burst_; }

 private:
  void refill(int64_t now_ns) {
    // A clock read earlier on another path may be a little behind the last
    // refill: time never runs backwards for the bucket.
    const int64_t elapsed = std::max<int64_t>(0, now_ns - refilled_ns_);
    tokens_ = std::min(burst_, tokens_ + rate_ * (double(elapsed) / 1e9));
    refilled_ns_ = std::max(refilled_ns_, now_ns);
  }

  double rate_ = 0;
  double burst_ = 1;
  double tokens_ = 0;
  int64_t refilled_ns_ = 0;
};

}  // namespace ptrscan
