#pragma once

#include <atomic>
#include <bit>
#include <cstddef>
#include <memory>
#include <new>
#include <optional>
#include <type_traits>

namespace ptrscan {

/// Bounded single-producer/single-consumer queue (Seastar's smp_message_queue
/// idea): one writer thread, one reader thread, no locks. Capacity is rounded
/// up to a power of two. T must be trivially copyable: items are small values
/// (a target address), never owners of memory.
template <class T>
class spsc_queue {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  explicit spsc_queue(size_t capacity)
      : mask_(std::bit_ceil(capacity < 2 ? size_t{2} : capacity) - 1),
        items_(std::make_unique<T[]>(mask_ + 1)) {}

  /// Producer side. False when full.
  bool try_push(const T& v) {
    size_t head = head_.load(std::memory_order_relaxed);
    if (head - tail_cache_ > mask_) {
      tail_cache_ = tail_.load(std::memory_order_acquire);
      if (head - tail_cache_ > mask_) {
        return false;
      }
    }
    items_[head & mask_] = v;
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  /// Consumer side. nullopt when empty.
  std::optional<T> try_pop() {
    size_t tail = tail_.load(std::memory_order_relaxed);
    if (tail == head_cache_) {
      head_cache_ = head_.load(std::memory_order_acquire);
      if (tail == head_cache_) {
        return std::nullopt;
      }
    }
    T v = items_[tail & mask_];
    tail_.store(tail + 1, std::memory_order_release);
    return v;
  }

  /// Approximate: exact only from the consumer when the producer is idle.
  size_t size() const {
    return head_.load(std::memory_order_acquire) - tail_.load(std::memory_order_acquire);
  }
  size_t capacity() const { return mask_ + 1; }

 private:
  static constexpr size_t line = 64;
  const size_t mask_;
  std::unique_ptr<T[]> items_;
  alignas(line) std::atomic<size_t> head_{0};
  size_t tail_cache_ = 0;  // producer's view of tail_
  alignas(line) std::atomic<size_t> tail_{0};
  size_t head_cache_ = 0;  // consumer's view of head_
};

}  // namespace ptrscan
