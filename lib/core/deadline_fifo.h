#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ptrscan {

/// Timers that all share one duration, so they expire in the order they were
/// armed: a FIFO is a complete timer queue for them, with O(1) arm and
/// expiry and no per-timer allocation (a ring buffer that doubles when full).
/// Cancelling is lazy: the owner recognises a stale entry by its generation
/// when it expires (the way the shard drops late completions).
class deadline_fifo {
 public:
  struct entry {
    int64_t deadline_ns = 0;
    uint32_t index = 0;
    uint32_t generation = 0;
  };

  /// `deadline_ns` must not be earlier than the last one pushed.
  void push(const entry& e) {
    if (size_ == buf_.size()) {
      grow();
    }
    buf_[(head_ + size_) & (buf_.size() - 1)] = e;
    ++size_;
  }

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  const entry& front() const { return buf_[head_]; }
  void pop() {
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
  }

  /// The earliest deadline, or INT64_MAX when empty.
  int64_t next_deadline() const { return size_ == 0 ? INT64_MAX : buf_[head_].deadline_ns; }

 private:
  void grow() {
    std::vector<entry> bigger(buf_.empty() ? 64 : buf_.size() * 2);
    for (size_t i = 0; i < size_; ++i) {
      bigger[i] = buf_[(head_ + i) & (buf_.size() - 1)];
    }
    buf_.swap(bigger);
    head_ = 0;
  }

  std::vector<entry> buf_;  // capacity is a power of two
  size_t head_ = 0;
  size_t size_ = 0;
};

}  // namespace ptrscan
