#pragma once

#include <atomic>
#include <cstdint>

#include "simnet/reply_delay.h"

namespace ptrscan::simnet {

/// When the serving threads stop: at a signal (`stop`) or at the deadline
/// that --max-seconds sets, whichever comes first. Servers check it at least
/// every 100 ms, so they always exit by themselves.
struct run_control {
  const std::atomic<bool>* stop = nullptr;
  int64_t deadline_ns = 0;  // monotonic, see now_ns()

  bool should_stop(int64_t now) const {
    return now >= deadline_ns || stop->load(std::memory_order_relaxed);
  }
};

/// The hold time settings every server thread builds its reply_delay from.
struct delay_settings {
  int delay_ms = 0;
  int jitter_ms = 0;
};

}  // namespace ptrscan::simnet
