#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace ptrscan {

/// RFC 6298 §2: a smoothed round-trip time and its mean deviation, and the
/// retransmit timeout SRTT + max(G, 4 RTTVAR). Shared by the DNS pacer and
/// SMTP admission; what counts as a sample (Karn's rule) and how the timeout
/// is bounded stay theirs.
class rtt_estimator {
 public:
  /// Adds one measurement (negative ones count as 0).
  void sample(int64_t rtt_ns) {
    rtt_ns = std::max<int64_t>(rtt_ns, 0);
    if (!have_) {
      have_ = true;
      srtt_ns_ = rtt_ns;
      rttvar_ns_ = rtt_ns / 2;
      return;
    }
    // §2.3 with alpha = 1/8, beta = 1/4; RTTVAR first, from the old SRTT.
    rttvar_ns_ = (3 * rttvar_ns_ + std::abs(srtt_ns_ - rtt_ns)) / 4;
    srtt_ns_ = (7 * srtt_ns_ + rtt_ns) / 8;
  }

  bool measured() const { return have_; }
  int64_t srtt_ns() const { return srtt_ns_; }
  int64_t rttvar_ns() const { return rttvar_ns_; }
  /// SRTT + max(granularity, 4 RTTVAR), unbounded (0 before a sample).
  int64_t rto_ns(int64_t granularity_ns) const {
    return srtt_ns_ + std::max(granularity_ns, 4 * rttvar_ns_);
  }

 private:
  bool have_ = false;
  int64_t srtt_ns_ = 0;
  int64_t rttvar_ns_ = 0;
};

}  // namespace ptrscan
