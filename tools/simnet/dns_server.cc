#include "simnet/dns_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <thread>

#include "simnet/dns_answer.h"
#include "simnet/timer_heap.h"

namespace ptrscan::simnet {
namespace {

constexpr int batch = 64;  // datagrams per recvmmsg/sendmmsg
// Batches per wakeup in each direction: a burst of due replies must not
// starve the receive queue (or the reverse) long enough for it to overflow.
constexpr int rounds = 8;
constexpr size_t rx_size = 2048;     // longer queries are dropped (MSG_TRUNC)
constexpr size_t max_held = 262144;  // per thread: ~170 MB of held replies at most
constexpr int socket_buffer = 32 << 20;
constexpr int64_t max_wait_ns = 100'000'000;

/// A reply waiting for its send time.
struct held_reply {
  sockaddr_in peer;
  uint16_t len;
  std::array<uint8_t, max_reply_size> data;
};

/// Reply buffers in fixed chunks: a buffer never moves while held, and memory
/// grows with the number held at once, not with the query rate.
class reply_pool {
 public:
  std::optional<uint32_t> take() {
    if (!free_.empty()) {
      const uint32_t i = free_.back();
      free_.pop_back();
      return i;
    }
    if (next_ == max_held) {
      return std::nullopt;
    }
    if (next_ % chunk == 0) {
      chunks_.push_back(std::make_unique<held_reply[]>(chunk));
    }
    return next_++;
  }
  void give(uint32_t i) { free_.push_back(i); }
  held_reply& operator[](uint32_t i) { return chunks_[i / chunk][i % chunk]; }

 private:
  static constexpr uint32_t chunk = 4096;
  std::vector<std::unique_ptr<held_reply[]>> chunks_;
  std::vector<uint32_t> free_;
  uint32_t next_ = 0;
};

void set_buffer(int fd, int force_option, int option) {
  // As root the FORCE variant goes past net.core.[rw]mem_max; otherwise the
  // plain one takes what the limit allows.
  if (::setsockopt(fd, SOL_SOCKET, force_option, &socket_buffer, sizeof socket_buffer) != 0) {
    ::setsockopt(fd, SOL_SOCKET, option, &socket_buffer, sizeof socket_buffer);
  }
}

int open_socket(uint32_t ip, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::runtime_error(std::string("dns socket: ") + std::strerror(errno));
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF);
  set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(ip);
  sa.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error("dns bind " + std::to_string(port) + ": " + std::strerror(err));
  }
  return fd;
}

uint16_t bound_port(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

/// The per-thread loop state: one socket, its held replies, its counters.
class socket_loop {
 public:
  socket_loop(const model& m, bool delegations, int fd, const delay_settings& d, uint64_t seed)
      : model_(m),
        delegations_(delegations),
        fd_(fd),
        delay_(d.delay_ms, d.jitter_ms, seed),
        rx_(batch * rx_size) {}

  void run(const run_control& control) {
    while (true) {
      const int64_t now = now_ns();
      if (control.should_stop(now)) {
        return;
      }
      pollfd p{fd_, static_cast<short>(POLLIN | (send_blocked_ ? POLLOUT : 0)), 0};
      const int64_t wait = wait_ns(now);
      const timespec ts{static_cast<time_t>(wait / 1'000'000'000),
                        static_cast<long>(wait % 1'000'000'000)};
      if (::ppoll(&p, 1, &ts, nullptr) > 0) {
        if ((p.revents & POLLOUT) != 0) {
          send_blocked_ = false;
        }
        if ((p.revents & POLLIN) != 0) {
          receive();
        }
      }
      send_due();
    }
  }

  uint64_t received = 0;
  uint64_t sent = 0;
  uint64_t dropped = 0;
  uint64_t max_held = 0;

 private:
  int64_t wait_ns(int64_t now) const {
    if (!sending_.empty() && !send_blocked_) {
      return 0;
    }
    if (held_.empty() || send_blocked_) {
      return max_wait_ns;
    }
    return std::clamp<int64_t>(held_.next_due() - now, 0, max_wait_ns);
  }

  void receive() {
    std::array<mmsghdr, batch> msgs{};
    std::array<iovec, batch> iov{};
    std::array<sockaddr_in, batch> peers{};
    for (int round = 0; round < rounds; ++round) {
      for (int i = 0; i < batch; ++i) {
        iov[i] = {rx_.data() + i * rx_size, rx_size};
        msgs[i].msg_hdr = {};
        msgs[i].msg_hdr.msg_name = &peers[i];
        msgs[i].msg_hdr.msg_namelen = sizeof peers[i];
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
      }
      const int n = ::recvmmsg(fd_, msgs.data(), batch, MSG_DONTWAIT, nullptr);
      if (n <= 0) {
        return;
      }
      const int64_t now = now_ns();
      received += static_cast<uint64_t>(n);
      for (int i = 0; i < n; ++i) {
        if ((msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
          ++dropped;
          continue;
        }
        hold(std::span<const uint8_t>(rx_.data() + i * rx_size, msgs[i].msg_len), peers[i], now);
      }
      if (n < batch) {
        return;
      }
    }
  }

  void hold(std::span<const uint8_t> query, const sockaddr_in& peer, int64_t now) {
    const auto slot = pool_.take();
    if (!slot) {
      ++dropped;
      return;
    }
    held_reply& r = pool_[*slot];
    const size_t len = answer_query(model_, query, r.data, delegations_);
    if (len == 0) {
      pool_.give(*slot);
      ++dropped;
      return;
    }
    r.peer = peer;
    r.len = static_cast<uint16_t>(len);
    held_.push(now + delay_.next_ns(), *slot);
    max_held = std::max<uint64_t>(max_held, held_.size() + sending_.size());
  }

  // Sends replies whose time has come, a few batches at a time; stops early
  // when the socket buffer is full (then waits for POLLOUT with the rest
  // still held).
  void send_due() {
    const int64_t now = now_ns();
    for (int round = 0; round < rounds && !send_blocked_; ++round) {
      while (sending_.size() < batch && !held_.empty() && held_.next_due() <= now) {
        sending_.push_back(held_.pop());
      }
      if (sending_.empty()) {
        return;
      }
      send_batch();
    }
  }

  void send_batch() {
    std::array<mmsghdr, batch> msgs{};
    std::array<iovec, batch> iov{};
    const size_t n = sending_.size();
    for (size_t i = 0; i < n; ++i) {
      held_reply& r = pool_[sending_[i]];
      iov[i] = {r.data.data(), r.len};
      msgs[i].msg_hdr.msg_name = &r.peer;
      msgs[i].msg_hdr.msg_namelen = sizeof r.peer;
      msgs[i].msg_hdr.msg_iov = &iov[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int r = ::sendmmsg(fd_, msgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT);
    size_t done = 0;
    if (r > 0) {
      done = static_cast<size_t>(r);
      sent += done;
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      send_blocked_ = true;
      return;
    } else if (errno != EINTR) {
      done = 1;  // this datagram cannot be sent (e.g. peer unreachable): drop it
      ++dropped;
    }
    for (size_t i = 0; i < done; ++i) {
      pool_.give(sending_[i]);
    }
    sending_.erase(sending_.begin(), sending_.begin() + static_cast<ptrdiff_t>(done));
  }

  const model& model_;
  bool delegations_;
  int fd_;
  reply_delay delay_;
  std::vector<uint8_t> rx_;
  reply_pool pool_;
  timer_heap<uint32_t> held_;
  std::vector<uint32_t> sending_;  // popped from held_, in send order
  bool send_blocked_ = false;
};

}  // namespace

dns_server::dns_server(const model& m, uint32_t ip, uint16_t port, int threads, bool delegations)
    : model_(m), delegations_(delegations) {
  try {
    for (int i = 0; i < threads; ++i) {
      fds_.push_back(open_socket(ip, port));
      port = bound_port(fds_.back());  // the next sockets join the port the first got
    }
  } catch (...) {
    for (int fd : fds_) {
      ::close(fd);
    }
    throw;
  }
  port_ = port;
}

dns_server::~dns_server() {
  for (int fd : fds_) {
    ::close(fd);
  }
}

void dns_server::run(const run_control& control, const delay_settings& delay) {
  std::vector<std::thread> threads;
  for (size_t i = 0; i < fds_.size(); ++i) {
    threads.emplace_back(
        [this, fd = fds_[i], &control, &delay, i] { serve_socket(fd, control, delay, i + 1); });
  }
  for (auto& t : threads) {
    t.join();
  }
}

void dns_server::serve_socket(int fd, const run_control& control, const delay_settings& delay,
                              uint64_t seed) {
  socket_loop loop(model_, delegations_, fd, delay, seed);
  loop.run(control);
  stats_.received += loop.received;
  stats_.sent += loop.sent;
  stats_.dropped += loop.dropped;
  uint64_t seen = stats_.max_held.load();
  while (loop.max_held > seen && !stats_.max_held.compare_exchange_weak(seen, loop.max_held)) {
  }
}

}  // namespace ptrscan::simnet
