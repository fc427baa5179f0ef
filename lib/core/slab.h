#pragma once

#include <cstdint>
#include <vector>

#include "core/user_data.h"

namespace ptrscan {

/// Fixed-capacity pool of T with a free list and a generation per slot.
/// Slots are allocated once; acquire/release never touch the heap, so a
/// host job's vectors keep their capacity from one host to the next.
template <class T>
class slab {
 public:
  explicit slab(uint32_t capacity) : slots_(capacity), generation_(capacity, 1) {
    free_.reserve(capacity);
    for (uint32_t i = capacity; i > 0; --i) {
      free_.push_back(i - 1);
    }
  }

  /// Index of a free slot, or -1 when full.
  int64_t acquire() {
    if (free_.empty()) {
      return -1;
    }
    uint32_t i = free_.back();
    free_.pop_back();
    return i;
  }
  void release(uint32_t i) {
    generation_[i] = (generation_[i] + 1) & user_data::generation_mask;
    free_.push_back(i);
  }

  T& operator[](uint32_t i) { return slots_[i]; }
  const T& operator[](uint32_t i) const { return slots_[i]; }
  uint32_t generation(uint32_t i) const { return generation_[i]; }
  uint32_t capacity() const { return static_cast<uint32_t>(slots_.size()); }
  uint32_t in_use() const { return capacity() - static_cast<uint32_t>(free_.size()); }
  bool full() const { return free_.empty(); }

 private:
  std::vector<T> slots_;
  std::vector<uint32_t> generation_;
  std::vector<uint32_t> free_;
};

}  // namespace ptrscan
