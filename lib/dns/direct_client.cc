#include "dns/direct_client.h"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "dns/message.h"

namespace ptrscan {
namespace {

constexpr uint32_t udp4_index = UINT32_MAX - 1;
constexpr uint32_t udp6_index = UINT32_MAX - 2;

int open_udp(int family) {
  const int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  return fd;
}

void to_sockaddr(const ip_address& ip, uint16_t port, sockaddr_storage& out, socklen_t& len) {
  std::memset(&out, 0, sizeof(out));
  if (ip.is_v4()) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, ip.bytes.data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    std::memcpy(&a->sin6_addr, ip.bytes.data(), 16);
    len = sizeof(sockaddr_in6);
  }
}

bool same_peer(const sockaddr_storage& a, const sockaddr_storage& b) {
  if (a.ss_family != b.ss_family) {
    return false;
  }
  if (a.ss_family == AF_INET) {
    const auto* x = reinterpret_cast<const sockaddr_in*>(&a);
    const auto* y = reinterpret_cast<const sockaddr_in*>(&b);
    return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
  }
  const auto* x = reinterpret_cast<const sockaddr_in6*>(&a);
  const auto* y = reinterpret_cast<const sockaddr_in6*>(&b);
  return x->sin6_port == y->sin6_port &&
         std::memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(in6_addr)) == 0;
}

}  // namespace

direct_client::direct_client(ring& r, op_kind op, direct_client_sink& sink)
    : ring_(r), op_(op), sink_(sink), by_id_(65536, 0) {}

direct_client::~direct_client() {
  for (slot& s : slots_) {
    if (s.fd >= 0) {
      ::close(s.fd);
    }
  }
  if (fd4_ >= 0) {
    ::close(fd4_);
  }
  if (fd6_ >= 0) {
    ::close(fd6_);
  }
}

absl::Status direct_client::init(const direct_client_options& o, int64_t now_ns) {
  (void)now_ns;
  options_ = o;
  fd4_ = open_udp(AF_INET);
  if (fd4_ < 0) {
    return absl::InternalError(absl::StrCat("direct DNS socket: ", strerror(errno)));
  }
  fd6_ = open_udp(AF_INET6);  // may fail on a host without IPv6: v6 queries then fail
  for (const auto& [fd, index] : {std::pair{fd4_, udp4_index}, std::pair{fd6_, udp6_index}}) {
    if (fd < 0) {
      continue;
    }
    io_uring_sqe* sqe = ring_.get_sqe();
    io_uring_prep_poll_multishot(sqe, fd, POLLIN);
    io_uring_sqe_set_data64(sqe, user_data{op_, 0, index}.pack());
  }
  return absl::OkStatus();
}

token_bucket& direct_client::bucket(const direct_query& route, int64_t now_ns) {
  server_key k{route.server.bytes, route.port, route.server.is_v4()};
  auto it = buckets_.find(k);
  if (it == buckets_.end()) {
    const double rate = route.resolver ? options_.resolver_rate : options_.server_rate;
    const double burst = route.resolver ? std::max(1.0, rate) : options_.server_burst;
    // A new server may be asked at once: its bucket starts full (as if it
    // had been filling for burst / rate seconds).
    const int64_t filled = rate > 0 ? static_cast<int64_t>(burst / rate * 1e9) : 0;
    it = buckets_.emplace(k, token_bucket(rate, burst, now_ns - filled)).first;
  }
  return it->second;
}

void direct_client::query(const direct_query& route, std::string_view name, uint16_t type,
                          uint64_t cookie) {
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  slot& s = slots_[index];
  s.ph = phase::queued;
  s.route = route;
  s.cookie = cookie;
  s.tries = 0;
  s.got = 0;
  s.fd = -1;
  to_sockaddr(route.server, route.port, s.addr, s.addr_len);
  std::array<uint8_t, max_wire_name> wire{};
  const size_t wlen = encode_name(name, wire);
  s.len = 0;
  if (wlen != 0) {
    s.len = static_cast<uint16_t>(build_iterative_query(
        0, std::span<const uint8_t>(wire.data(), wlen), type,
        route.transport == direct_transport::udp ? options_.edns_udp_size : 0,
        std::span<uint8_t>(s.packet.data() + 2, max_query_bytes)));
    if (route.recursive) {
      s.packet[2 + 2] |= 0x01;
    }
  }
  ++accepted_;
  queue_.push_back(index);
}

void direct_client::process(int64_t now_ns) {
  if (delivering_) {
    return;
  }
  delivering_ = true;
  // Tries past their deadline.
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    slot& s = slots_[i];
    if ((s.ph == phase::udp_wait || s.ph == phase::tcp_connect || s.ph == phase::tcp_read) &&
        now_ns >= s.deadline_ns) {
      if (s.ph == phase::udp_wait && s.tries < options_.tries) {
        release_id(i);
        --on_wire_;
        s.ph = phase::queued;
        queue_.push_front(i);
      } else {
        finish(i, dns_status::timeout, {}, {});
      }
    }
  }
  // Queued questions, in order, as far as the window and the buckets allow;
  // one whose server has no token waits without holding up the others.
  const size_t n = queue_.size();
  for (size_t k = 0; k < n && on_wire_ < options_.max_inflight; ++k) {
    const uint32_t index = queue_.front();
    queue_.pop_front();
    if (!try_send(index, now_ns)) {
      queue_.push_back(index);
    }
  }
  delivering_ = false;
}

bool direct_client::try_send(uint32_t index, int64_t now_ns) {
  slot& s = slots_[index];
  if (s.len == 0) {
    finish(index, dns_status::error, dns_reason::bad_name, {});
    return true;
  }
  if (!bucket(s.route, now_ns).try_take(now_ns)) {
    return false;
  }
  if (s.route.transport == direct_transport::udp) {
    send_udp(index, now_ns);
  } else {
    start_tcp(index, now_ns);
  }
  return true;
}

void direct_client::send_udp(uint32_t index, int64_t now_ns) {
  slot& s = slots_[index];
  const int fd = s.route.server.is_v4() ? fd4_ : fd6_;
  if (fd < 0) {
    finish(index, dns_status::error, dns_reason::local, {});
    return;
  }
  uint16_t id;
  do {
    rng_ = rng_ * 1664525u + 1013904223u;
    id = static_cast<uint16_t>(rng_ >> 16);
  } while (by_id_[id] != 0);
  s.id = id;
  by_id_[id] = index + 1;
  s.packet[2] = static_cast<uint8_t>(id >> 8);
  s.packet[3] = static_cast<uint8_t>(id);
  ++s.tries;
  ++sent_;
  ++on_wire_;
  s.ph = phase::udp_wait;
  s.deadline_ns = now_ns + int64_t{options_.timeout_ms} * 1'000'000;
  // A plain sendto: a few queries per zone, not the hot path. A full
  // buffer (EAGAIN, ENOBUFS) is left to the try's timer; any other failure
  // (no route from here: ENETUNREACH, EADDRNOTAVAIL, ...) means the
  // question never left, so it ends now as a local error, not a timeout.
  if (::sendto(fd, s.packet.data() + 2, s.len, MSG_DONTWAIT,
               reinterpret_cast<const sockaddr*>(&s.addr), s.addr_len) < 0 &&
      errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS && errno != EINTR &&
      errno != ECONNREFUSED) {
    finish(index, dns_status::error, dns_reason::local, {});
  }
}

void direct_client::start_tcp(uint32_t index, int64_t now_ns) {
  slot& s = slots_[index];
  s.fd = ::socket(s.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s.fd < 0) {
    finish(index, dns_status::error, dns_reason::local, {});
    return;
  }
  rng_ = rng_ * 1664525u + 1013904223u;
  s.id = static_cast<uint16_t>(rng_ >> 16);
  s.packet[0] = static_cast<uint8_t>(s.len >> 8);
  s.packet[1] = static_cast<uint8_t>(s.len);
  s.packet[2] = static_cast<uint8_t>(s.id >> 8);
  s.packet[3] = static_cast<uint8_t>(s.id);
  ++s.tries;
  ++sent_;
  ++on_wire_;
  s.deadline_ns = now_ns + int64_t{options_.timeout_ms} * 1'000'000;
  const int rc = ::connect(s.fd, reinterpret_cast<const sockaddr*>(&s.addr), s.addr_len);
  if (rc != 0 && errno != EINPROGRESS) {
    // ECONNREFUSED and the like come from the server; no route is local.
    const bool local = errno == ENETUNREACH || errno == EADDRNOTAVAIL || errno == EAFNOSUPPORT;
    finish(index, dns_status::error, local ? dns_reason::local : dns_reason::transport, {});
    return;
  }
  s.ph = phase::tcp_connect;
  poll(index, POLLOUT);
}

void direct_client::poll(uint32_t index, short events) {
  slot& s = slots_[index];
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_poll_add(sqe, s.fd, static_cast<unsigned>(events));
  io_uring_sqe_set_data64(sqe, user_data{op_, s.generation, index}.pack());
}

void direct_client::on_completion(uint64_t data, int res, uint32_t flags) {
  const user_data ud = user_data::unpack(data);
  if (ud.index == udp4_index || ud.index == udp6_index) {
    const int fd = ud.index == udp4_index ? fd4_ : fd6_;
    drain_udp(fd);
    if ((flags & IORING_CQE_F_MORE) == 0 && fd >= 0) {
      io_uring_sqe* sqe = ring_.get_sqe();
      io_uring_prep_poll_multishot(sqe, fd, POLLIN);
      io_uring_sqe_set_data64(sqe, data);
    }
    return;
  }
  if (ud.index >= slots_.size() ||
      (slots_[ud.index].generation & user_data::generation_mask) != ud.generation) {
    return;  // a poll of a TCP try that already ended
  }
  on_tcp(ud.index, res);
}

void direct_client::drain_udp(int fd) {
  for (;;) {
    sockaddr_storage from{};
    socklen_t from_len = sizeof(from);
    const ssize_t n = ::recvfrom(fd, buf_.data(), buf_.size(), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR || errno == ECONNREFUSED) {
        continue;
      }
      return;  // EAGAIN: drained
    }
    const std::span<const uint8_t> pkt(buf_.data(), static_cast<size_t>(n));
    response_header h;
    if (!read_header(pkt, h) || !h.is_response) {
      continue;
    }
    const uint32_t ref = by_id_[h.id];
    if (ref == 0) {
      continue;
    }
    const uint32_t index = ref - 1;
    slot& s = slots_[index];
    if (s.ph != phase::udp_wait || !same_peer(s.addr, from) ||
        !question_matches(pkt, std::span<const uint8_t>(s.packet.data() + 2, s.len))) {
      continue;  // not from the server asked, or not our question: dropped
    }
    if (h.truncated) {
      // Ask again over TCP (RFC 7766): the full answer decides.
      release_id(index);
      --on_wire_;
      s.route.transport = direct_transport::tcp;
      s.packet[2 + 11] = 0;  // ARCOUNT: no OPT over TCP
      if (options_.edns_udp_size != 0) {
        s.len = static_cast<uint16_t>(s.len - 11);
      }
      s.ph = phase::queued;
      queue_.push_front(index);
      continue;
    }
    finish(index, dns_status::ok, {}, pkt);
  }
}

void direct_client::on_tcp(uint32_t index, int res) {
  slot& s = slots_[index];
  if (res < 0 || (res & (POLLERR | POLLHUP)) != 0) {
    if (s.ph == phase::tcp_read && (res & POLLIN) != 0) {
      // data and a hang-up together: read what is there first
    } else {
      finish(index, dns_status::error, dns_reason::transport, {});
      return;
    }
  }
  if (s.ph == phase::tcp_connect) {
    int err = 0;
    socklen_t len = sizeof(err);
    ::getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    // The query is ~60 octets: one send fits any socket buffer.
    if (err != 0 || ::send(s.fd, s.packet.data(), size_t{s.len} + 2, MSG_NOSIGNAL) !=
                        static_cast<ssize_t>(s.len) + 2) {
      finish(index, dns_status::error, dns_reason::transport, {});
      return;
    }
    s.ph = phase::tcp_read;
    s.answer.resize(2);
    s.got = 0;
    poll(index, POLLIN);
    return;
  }
  for (;;) {
    const ssize_t n = ::recv(s.fd, s.answer.data() + s.got, s.answer.size() - s.got, 0);
    if (n < 0 && errno == EAGAIN) {
      poll(index, POLLIN);
      return;
    }
    if (n <= 0) {
      finish(index, dns_status::error, dns_reason::transport, {});
      return;
    }
    s.got += static_cast<size_t>(n);
    if (s.got < s.answer.size()) {
      continue;
    }
    if (s.answer.size() == 2) {
      const size_t want = size_t{s.answer[0]} << 8 | s.answer[1];
      if (want < dns_header_bytes) {
        finish(index, dns_status::error, dns_reason::malformed, {});
        return;
      }
      s.answer.resize(2 + want);
      continue;
    }
    const std::span<const uint8_t> pkt(s.answer.data() + 2, s.answer.size() - 2);
    response_header h;
    if (!read_header(pkt, h) || h.id != s.id ||
        !question_matches(pkt, std::span<const uint8_t>(s.packet.data() + 2, s.len))) {
      finish(index, dns_status::error, dns_reason::mismatch, {});
      return;
    }
    // The answer lives in the slot, which finish() frees: hand over a copy.
    std::vector<uint8_t> copy(pkt.begin(), pkt.end());
    finish(index, dns_status::ok, {}, copy);
    return;
  }
}

void direct_client::release_id(uint32_t index) {
  slot& s = slots_[index];
  if (by_id_[s.id] == index + 1) {
    by_id_[s.id] = 0;
  }
}

void direct_client::finish(uint32_t index, dns_status st, std::string_view reason,
                           std::span<const uint8_t> packet) {
  slot& s = slots_[index];
  if (s.ph == phase::udp_wait) {
    release_id(index);
  }
  if (s.ph == phase::udp_wait || s.ph == phase::tcp_connect || s.ph == phase::tcp_read) {
    --on_wire_;
  }
  if (s.fd >= 0) {
    // A poll still armed holds the socket open past close(): remove it (its
    // completion, if any, carries the old generation and is dropped).
    if (st != dns_status::ok) {
      io_uring_sqe* sqe = ring_.get_sqe();
      io_uring_prep_poll_remove(sqe, user_data{op_, s.generation, index}.pack());
      io_uring_sqe_set_data64(sqe, user_data{op_kind::cancel, 0, 0}.pack());
    }
    ::close(s.fd);
    s.fd = -1;
  }
  s.ph = phase::free;
  ++s.generation;
  const uint64_t cookie = s.cookie;
  free_.push_back(index);
  --accepted_;
  sink_.on_direct_result(cookie, st, reason, packet);
}

int64_t direct_client::next_timeout_ns(int64_t now_ns, int64_t cap_ns) const {
  int64_t wait = cap_ns;
  for (const slot& s : slots_) {
    if (s.ph == phase::udp_wait || s.ph == phase::tcp_connect || s.ph == phase::tcp_read) {
      wait = std::min(wait, std::max<int64_t>(0, s.deadline_ns - now_ns));
    }
  }
  if (!queue_.empty()) {
    // Waiting for a token: look again soon (buckets refill continuously).
    wait = std::min<int64_t>(wait, 5'000'000);
  }
  return wait;
}

}  // namespace ptrscan
