#pragma once

#include <liburing.h>

#include <cstdint>
#include <ctime>

#include "absl/status/status.h"

namespace ptrscan {

/// One shard's io_uring. Owned by, and used only from, the shard's thread
/// (it is created with SINGLE_ISSUER + COOP_TASKRUN where the kernel has
/// them: see ring::init for why not DEFER_TASKRUN).
class ring {
 public:
  ring() = default;
  ring(const ring&) = delete;
  ring& operator=(const ring&) = delete;
  ~ring();

  /// Sets up the ring on the calling thread.
  absl::Status init(unsigned entries);

  /// A free SQE. A full submission queue is normal: submit what is queued and
  /// try again (liburing's proxy.c get_sqe). Never returns null once init()
  /// succeeded, short of a kernel error, which is reported by the next wait.
  io_uring_sqe* get_sqe();

  /// Makes room for `n` SQEs that must go to the kernel in one submission
  /// (an operation and its linked timeout): a link split across two
  /// submissions loses its timeout. Submits what is queued if needed.
  void reserve(unsigned n);

  /// Submits queued SQEs and waits until `min_completions` (at least one)
  /// are ready or `timeout_ns` passes (0: do not wait). Returns 0 or a
  /// negative errno other than ETIME/EINTR (those are normal).
  int submit_and_wait(int64_t timeout_ns, unsigned min_completions = 1);

  /// Calls f(user_data, res, flags) for every ready completion, then advances
  /// the completion queue once. Returns how many were handled.
  template <class F>
  unsigned drain(F&& f) {
    unsigned head;
    unsigned n = 0;
    io_uring_cqe* cqe;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      f(cqe->user_data, cqe->res, cqe->flags);
      ++n;
    }
    io_uring_cq_advance(&ring_, n);
    return n;
  }

  io_uring* raw() { return &ring_; }

 private:
  io_uring ring_{};
  bool initialised_ = false;
};

}  // namespace ptrscan
