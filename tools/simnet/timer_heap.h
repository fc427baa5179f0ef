#pragma once

#include <cstdint>
#include <functional>
#include <queue>
#include <vector>

namespace ptrscan::simnet {

/// Payloads ordered by due time (monotonic ns), earliest first. With a
/// constant delay pushes arrive nearly in order, so the heap stays shallow
/// in practice; jitter only costs the log factor.
template <typename Payload>
class timer_heap {
 public:
  void push(int64_t due_ns, Payload p) { heap_.push(entry{due_ns, p}); }
  bool empty() const { return heap_.empty(); }
  size_t size() const { return heap_.size(); }
  /// Due time of the earliest payload; only when !empty().
  int64_t next_due() const { return heap_.top().due_ns; }
  /// Removes and returns the earliest payload; only when !empty().
  Payload pop() {
    Payload p = heap_.top().payload;
    heap_.pop();
    return p;
  }

 private:
  struct entry {
    int64_t due_ns;
    Payload payload;
    bool operator>(const entry& o) const { return due_ns > o.due_ns; }
  };
  std::priority_queue<entry, std::vector<entry>, std::greater<>> heap_;
};

}  // namespace ptrscan::simnet
