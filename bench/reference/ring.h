#pragma once

// A growable FIFO ring for the epoll reference client. It grows to its
// high-water mark and then never allocates again. With one ring per timeout
// duration, deadlines are pushed in order and the front is always the next
// to expire: O(1) arm, O(1) expiry, cancellation by tag (stale entries are
// skipped when they reach the front).

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ptrscan::ref {

template <typename T>
class ring {
 public:
  explicit ring(size_t capacity = 1024) : buf_(round_up(capacity)) {}

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  const T& front() const { return buf_[head_]; }

  void push(const T& v) {
    if (size_ == buf_.size()) {
      grow();
    }
    buf_[(head_ + size_) & (buf_.size() - 1)] = v;
    ++size_;
  }

  T pop() {
    const T v = buf_[head_];
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
    return v;
  }

 private:
  static size_t round_up(size_t n) {
    size_t c = 16;
    while (c < n) {
      c <<= 1;
    }
    return c;
  }

  void grow() {
    std::vector<T> bigger(buf_.size() * 2);
    for (size_t i = 0; i < size_; ++i) {
      bigger[i] = buf_[(head_ + i) & (buf_.size() - 1)];
    }
    buf_.swap(bigger);
    head_ = 0;
  }

  std::vector<T> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

/// A deadline in a timer ring: `index` names a host slot or a DNS query;
/// the entry is live only while the owner's tag still equals `tag`.
struct timer_entry {
  int64_t due_ns;
  uint32_t index;
  uint32_t tag;
};

}  // namespace ptrscan::ref
