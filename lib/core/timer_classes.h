#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>

#include "core/deadline_fifo.h"

namespace ptrscan {

/// Timers of varying durations with FIFO costs: a duration is rounded up to
/// one of four steps per octave (at most 19% longer), and the timers of one
/// step expire in the order they were armed, so each step is a
/// deadline_fifo. Retransmit timers that follow a measured RTT change
/// duration all the time; a heap would cost a log per timer, and a single
/// FIFO would hold a short timer behind a long one.
///
/// Cancelling is lazy as in deadline_fifo: the owner recognises a stale
/// entry when it expires.
class timer_classes {
 public:
  using entry = deadline_fifo::entry;

  /// Arms a timer `duration_ns` from `now_ns` (rounded up to its step) and
  /// returns its deadline, which the owner keeps to recognise the entry.
  int64_t arm(int64_t now_ns, int64_t duration_ns, uint32_t index, uint32_t generation) {
    const unsigned c = class_of(duration_ns);
    const int64_t deadline = now_ns + duration_of(c);
    fifos_[c].push({deadline, index, generation});
    used_ |= uint64_t{1} << (c / 2);  // one bit per two steps: 64 bits cover 128
    return deadline;
  }

  /// The earliest deadline, or INT64_MAX.
  int64_t next_deadline() const {
    int64_t next = INT64_MAX;
    for (uint64_t bits = used_; bits != 0; bits &= bits - 1) {
      const unsigned pair = static_cast<unsigned>(std::countr_zero(bits));
      for (unsigned c = pair * 2; c < pair * 2 + 2; ++c) {
        const int64_t d = fifos_[c].next_deadline();
        next = d < next ? d : next;
      }
    }
    return next;
  }

  /// Calls f(entry) for every timer due at `now_ns`, earliest step first
  /// within each step's order. `f` may arm new timers.
  template <class F>
  void expire(int64_t now_ns, F&& f) {
    for (uint64_t bits = used_; bits != 0; bits &= bits - 1) {
      const unsigned pair = static_cast<unsigned>(std::countr_zero(bits));
      for (unsigned c = pair * 2; c < pair * 2 + 2; ++c) {
        deadline_fifo& fifo = fifos_[c];
        while (!fifo.empty() && fifo.front().deadline_ns <= now_ns) {
          const entry e = fifo.front();
          fifo.pop();
          f(e);  // may arm: that sets bits, never clears them
        }
      }
      if (fifos_[pair * 2].empty() && fifos_[pair * 2 + 1].empty()) {
        used_ &= ~(uint64_t{1} << pair);
      }
    }
  }

  bool empty() const { return used_ == 0; }

  /// The step `duration_ns` is rounded up to (exposed for tests).
  static unsigned class_of(int64_t duration_ns) {
    // Units of 1,024 ns; steps are (4 + m) << (e - 2) units, m in 0..3.
    const uint64_t u = duration_ns <= 0 ? 1 : (static_cast<uint64_t>(duration_ns) + 1023) >> 10;
    if (u < 4) {
      return static_cast<unsigned>(u);  // 0..3 units exactly (0 only for 0)
    }
    const unsigned e = static_cast<unsigned>(std::bit_width(u)) - 1;  // 2.. ; u in [2^e, 2^(e+1))
    uint64_t m = (u >> (e - 2)) & 3;
    unsigned c = 4 * (e - 1) + static_cast<unsigned>(m);
    if (((4 + m) << (e - 2)) < u) {
      ++c;  // round up to the next step
    }
    return c < classes ? c : classes - 1;
  }
  static int64_t duration_of(unsigned c) {
    if (c < 4) {
      return int64_t{c} << 10;
    }
    const unsigned e = c / 4 + 1;
    const uint64_t m = c % 4;
    return static_cast<int64_t>(((4 + m) << (e - 2)) << 10);
  }

 private:
  // 4 steps per octave from 4 us up: class 127 is ~2^32 us (over an hour),
  // far past any --dns-timeout.
  static constexpr unsigned classes = 128;
  std::array<deadline_fifo, classes> fifos_;
  uint64_t used_ = 0;
};

}  // namespace ptrscan
