#include "core/ring.h"

#include <algorithm>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "absl/strings/str_cat.h"

namespace ptrscan {
namespace {

// liburing maps and unmaps a ring's memory with raw system calls, which
// ThreadSanitizer does not see. When one shard's thread ends (its ring
// unmapped) before another's starts, the kernel may map the new ring at the
// same address, and TSan takes the new owner's first writes for a race with
// the old owner's last ones (it did, in CI, with 8 shards on a short input).
// The kernel orders the two mappings; this lock, taken around setting a ring
// up and tearing it down (once per shard), shows TSan that order. It costs
// nothing after start-up.
std::mutex& mapping_order() {
  static std::mutex mu;
  return mu;
}

}  // namespace

ring::~ring() {
  if (initialised_) {
    std::lock_guard<std::mutex> lock(mapping_order());
    io_uring_queue_exit(&ring_);
  }
}

absl::Status ring::init(unsigned entries) {
  io_uring_params p{};
  // COOP_TASKRUN: completion work waits for our next kernel entry instead
  // of interrupting the thread. Not DEFER_TASKRUN: with it, in the
  // internet-mix benchmark (thousands of DNS replies arriving 100 ms after
  // their queries, SMTP sessions beside them) readiness of the DNS sockets
  // reached the loop late, their 8 MiB buffers overflowed (UdpRcvbufErrors)
  // and one query in five came back only as a retry; without it, none was
  // lost, at 25% less CPU and a third of the peak RSS.
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_COOP_TASKRUN;
  std::lock_guard<std::mutex> lock(mapping_order());
  int rc = io_uring_queue_init_params(entries, &ring_, &p);
  if (rc == -EINVAL) {  // kernels before 6.0
    p = io_uring_params{};
    rc = io_uring_queue_init_params(entries, &ring_, &p);
  }
  if (rc < 0) {
    return absl::InternalError(absl::StrCat("io_uring_queue_init: ", std::strerror(-rc)));
  }
  initialised_ = true;
  return absl::OkStatus();
}

io_uring_sqe* ring::get_sqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    int rc = io_uring_submit(&ring_);
    if (rc < 0 && rc != -EAGAIN && rc != -EBUSY && rc != -EINTR) {
      return nullptr;
    }
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void ring::reserve(unsigned n) {
  while (io_uring_sq_space_left(&ring_) < n) {
    int rc = io_uring_submit(&ring_);
    if (rc < 0 && rc != -EAGAIN && rc != -EBUSY && rc != -EINTR) {
      return;
    }
  }
}

int ring::submit_and_wait(int64_t timeout_ns, unsigned min_completions) {
  io_uring_cqe* cqe = nullptr;
  if (timeout_ns <= 0) {
    int rc = io_uring_submit_and_get_events(&ring_);
    return rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY ? rc : 0;
  }
  __kernel_timespec ts{};
  ts.tv_sec = timeout_ns / 1'000'000'000;
  ts.tv_nsec = timeout_ns % 1'000'000'000;
  int rc = io_uring_submit_and_wait_timeout(&ring_, &cqe, std::max(1u, min_completions), &ts,
                                            nullptr);
  if (rc < 0 && rc != -ETIME && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) {
    return rc;
  }
  return 0;
}

}  // namespace ptrscan
