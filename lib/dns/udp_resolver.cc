#include "dns/udp_resolver.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <random>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/absl_compat.h"
#include "core/clock.h"
#include "core/ip_address.h"
#include "core/user_data.h"

namespace ptrscan {
namespace {

// Datagrams read per recvmmsg call, and the room for each: larger than the
// EDNS size we advertise. A server that ignores EDNS and sends more gets its
// datagram cut (MSG_TRUNC), which is dropped like any bad answer.
constexpr unsigned batch_datagrams = 64;
constexpr size_t datagram_bytes = 2048;

/// Parses "IP:PORT" / "[IPv6]:PORT" (what resolver::servers() returns).
bool parse_server(std::string_view text, sockaddr_storage& out, socklen_t& len) {
  std::string_view host = text;
  std::string_view port = "53";
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return false;
    }
    host = text.substr(1, close - 1);
    if (close + 1 < text.size()) {
      if (text[close + 1] != ':') {
        return false;
      }
      port = text.substr(close + 2);
    }
  } else if (const size_t colon = text.rfind(':');
             colon != std::string_view::npos && text.find(':') == colon) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  uint32_t port_value = 0;
  if (!absl::SimpleAtoi(av(port), &port_value) || port_value == 0 || port_value > 65535) {
    return false;
  }
  std::optional<ip_address> ip = ip_address::parse(host);
  if (!ip) {
    return false;
  }
  std::memset(&out, 0, sizeof(out));
  if (ip->is_v4()) {
    auto* a = reinterpret_cast<sockaddr_in*>(&out);
    a->sin_family = AF_INET;
    a->sin_port = htons(static_cast<uint16_t>(port_value));
    std::memcpy(&a->sin_addr, ip->bytes.data(), 4);
    len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&out);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(static_cast<uint16_t>(port_value));
    std::memcpy(&a->sin6_addr, ip->bytes.data(), 16);
    len = sizeof(sockaddr_in6);
  }
  return true;
}

}  // namespace

udp_resolver::udp_resolver(ring& r, resolver_client& client)
    : ring_(r), client_(client), tcp_(r, client) {}

udp_resolver::~udp_resolver() {
  // The ring goes away with the shard; its pending receives die with it.
  for (udp_socket& s : sockets_) {
    if (s.fd >= 0) {
      ::close(s.fd);
    }
  }
}

absl::Status udp_resolver::init(const udp_resolver_options& options) {
  options_ = options;
  if (options_.servers.empty()) {
    return absl::InvalidArgumentError("no DNS server to send to");
  }
  options_.tries = std::max(1, options_.tries);
  options_.sockets_per_server = std::clamp(options_.sockets_per_server, 1, 64);
  options_.max_inflight = std::max<uint32_t>(1, options_.max_inflight);
  timers_.resize(static_cast<size_t>(options_.tries));
  rng_state_ = std::random_device{}() | 1;

  batch_buffers_.resize(size_t{batch_datagrams} * datagram_bytes);
  batch_iov_.resize(batch_datagrams);
  batch_msgs_.resize(batch_datagrams);
  for (unsigned i = 0; i < batch_datagrams; ++i) {
    batch_iov_[i] = iovec{batch_buffers_.data() + size_t{i} * datagram_bytes, datagram_bytes};
    batch_msgs_[i] = mmsghdr{};
    batch_msgs_[i].msg_hdr.msg_iov = &batch_iov_[i];
    batch_msgs_[i].msg_hdr.msg_iovlen = 1;
  }

  tcp_retry_options tcp;
  tcp.timeout_ms = options_.timeout_ms;
  tcp.tries = options_.tries;
  tcp.max_connections = options_.max_tcp_connections;
  for (const std::string& server : options_.servers) {
    sockaddr_storage addr{};
    socklen_t addr_len = 0;
    if (!parse_server(server, addr, addr_len)) {
      return absl::InvalidArgumentError(absl::StrCat("bad DNS server address '", server, "'"));
    }
    tcp.servers.push_back(dns_server_address{addr, addr_len});
    for (int k = 0; k < options_.sockets_per_server; ++k) {
      const int fd = ::socket(addr.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) {
        return absl::ResourceExhaustedError(absl::StrCat("DNS socket: ", strerror(errno)));
      }
      sockets_.push_back(udp_socket{fd, false, std::vector<uint32_t>(65536, 0)});
      int size = options_.socket_buffer_bytes;
      // Replies come back in bursts (a slow resolver answers thousands at
      // once): a receive buffer capped at the default rmem_max (~208 KiB,
      // a few hundred datagrams) overflows and every loss costs a retry
      // timeout. The FORCE variants pass the cap where we may (root or
      // CAP_NET_ADMIN); elsewhere the plain ones take what the kernel allows.
      if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) != 0) {
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
      }
      if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0) {
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
      }
      // connect() fixes the peer: the kernel drops datagrams from any other
      // address or port, and reports ICMP unreachable as ECONNREFUSED.
      if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), addr_len) != 0) {
        return absl::UnavailableError(
            absl::StrCat("DNS server ", server, ": connect: ", strerror(errno)));
      }
      if (sockets_.size() > 255) {
        return absl::InvalidArgumentError("too many DNS sockets (servers x sockets > 255)");
      }
    }
  }
  tcp_.init(tcp);
  for (uint32_t i = 0; i < sockets_.size(); ++i) {
    arm_recv(i);
  }
  return absl::OkStatus();
}

uint32_t udp_resolver::alloc_slot() {
  if (free_head_ != UINT32_MAX) {
    const uint32_t i = free_head_;
    free_head_ = slots_[i].next_free;
    return i;
  }
  slots_.emplace_back();
  return static_cast<uint32_t>(slots_.size() - 1);
}

void udp_resolver::free_slot(uint32_t i) {
  query_slot& q = slots_[i];
  q.generation = (q.generation + 1) & user_data::generation_mask;
  q.on_wire = false;
  q.next_free = free_head_;
  free_head_ = i;
}

uint16_t udp_resolver::pick_id(const udp_socket& s) {
  // xorshift32: unpredictable enough that an off-path guess is a 1-in-65536
  // shot per datagram, and cheap. Probe past IDs this socket has in use.
  rng_state_ ^= rng_state_ << 13;
  rng_state_ ^= rng_state_ >> 17;
  rng_state_ ^= rng_state_ << 5;
  auto id = static_cast<uint16_t>(rng_state_);
  while (s.by_id[id] != 0) {
    ++id;
  }
  return id;
}

void udp_resolver::query(std::string_view name, uint16_t type, uint64_t cookie) {
  ++in_flight_;
  const uint32_t slot = alloc_slot();
  query_slot& q = slots_[slot];
  q.cookie = cookie;
  q.tries = 0;
  std::array<uint8_t, max_wire_name> wire;
  const size_t wire_len = encode_name(name, wire);
  if (wire_len == 0) {
    finish(slot, ARES_EBADNAME, {});
    return;
  }
  // The ID is written at send time; it changes per try.
  q.len = static_cast<uint16_t>(build_query(
      0, std::span<const uint8_t>(wire.data(), wire_len), type, options_.edns_udp_size, q.packet));
  if (on_wire_ >= options_.max_inflight || !backlog_.empty() || !take_token()) {
    backlog_.push_back(slot);
    return;
  }
  send(slot);
}

bool udp_resolver::take_token() {
  if (options_.rate <= 0) {
    return true;
  }
  const int64_t now = monotonic_ns();
  const double burst = std::max(1.0, options_.rate / 100);
  tokens_ = std::min(burst, tokens_ + options_.rate * double(now - refilled_ns_) * 1e-9);
  refilled_ns_ = now;
  if (tokens_ < 1) {
    return false;
  }
  tokens_ -= 1;
  return true;
}

void udp_resolver::send(uint32_t slot) {
  query_slot& q = slots_[slot];
  // Tries rotate over the sockets, and so over the servers.
  q.socket = static_cast<uint8_t>(next_socket_);
  next_socket_ = (next_socket_ + 1) % static_cast<uint32_t>(sockets_.size());
  udp_socket& s = sockets_[q.socket];
  q.id = pick_id(s);
  s.by_id[q.id] = slot + 1;
  q.packet[0] = static_cast<uint8_t>(q.id >> 8);
  q.packet[1] = static_cast<uint8_t>(q.id);
  if (!q.on_wire) {
    q.on_wire = true;
    ++on_wire_;
  }
  const int try_index = q.tries++;
  ++queries_sent_;
  timers_[static_cast<size_t>(try_index)].push(
      {monotonic_ns() + (int64_t{options_.timeout_ms} << try_index) * 1'000'000, slot,
       q.generation});
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_send(sqe, s.fd, q.packet.data(), q.len, 0);
  // Only a failed send posts a completion; a lost query is the timer's job.
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  io_uring_sqe_set_data64(sqe, user_data{op_kind::dns_send, q.generation, slot}.pack());
}

void udp_resolver::arm_recv(uint32_t socket) {
  // A multishot poll says "readable"; drain() then reads everything there is.
  // (A multishot receive into provided buffers read only a few dozen
  // datagrams each time the loop entered the kernel: with thousands of
  // replies arriving at once the sockets overflowed while the shard waited.)
  udp_socket& s = sockets_[socket];
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_poll_multishot(sqe, s.fd, POLLIN);
  io_uring_sqe_set_data64(sqe, user_data{op_kind::dns_recv, 0, socket}.pack());
  s.recv_armed = true;
}

void udp_resolver::on_completion(uint64_t data, int res, uint32_t flags) {
  const user_data ud = user_data::unpack(data);
  if (ud.op == op_kind::dns_tcp || ud.op == op_kind::dns_tcp_timeout) {
    tcp_.on_completion(data, res);
    return;
  }
  if (ud.op == op_kind::dns_send) {
    // The send failed (ECONNREFUSED after an ICMP unreachable, ENOBUFS):
    // the query's timer retries it, as if the datagram had been lost.
    return;
  }
  if (ud.index >= sockets_.size()) {
    return;
  }
  drain(ud.index);
  (void)res;  // readable or an error: recvmmsg says which
  if ((flags & IORING_CQE_F_MORE) == 0) {
    sockets_[ud.index].recv_armed = false;
    arm_recv(ud.index);
  }
}

void udp_resolver::drain(uint32_t socket) {
  const int fd = sockets_[socket].fd;
  for (;;) {
    const int n = ::recvmmsg(fd, batch_msgs_.data(), batch_datagrams, MSG_DONTWAIT, nullptr);
    if (n <= 0) {
      // EAGAIN: drained. ECONNREFUSED (an ICMP unreachable on the connected
      // socket) is consumed by this call; the next read goes on.
      if (n < 0 && errno == ECONNREFUSED) {
        continue;
      }
      return;
    }
    for (int i = 0; i < n; ++i) {
      const mmsghdr& m = batch_msgs_[static_cast<size_t>(i)];
      if ((m.msg_hdr.msg_flags & MSG_TRUNC) != 0) {
        ++unmatched_;
        continue;
      }
      on_datagram(socket, std::span<const uint8_t>(
                              reinterpret_cast<const uint8_t*>(batch_iov_[static_cast<size_t>(i)].iov_base),
                              m.msg_len));
    }
    if (static_cast<unsigned>(n) < batch_datagrams) {
      return;
    }
  }
}

void udp_resolver::on_datagram(uint32_t socket, std::span<const uint8_t> packet) {
  response_header h;
  if (!read_header(packet, h) || !h.is_response) {
    ++unmatched_;
    return;
  }
  udp_socket& s = sockets_[socket];
  const uint32_t entry = s.by_id[h.id];
  if (entry == 0) {
    ++unmatched_;
    return;
  }
  const uint32_t slot = entry - 1;
  query_slot& q = slots_[slot];
  if (!question_matches(packet, std::span<const uint8_t>(q.packet.data(), q.len))) {
    ++unmatched_;  // a guessed ID is not enough; keep waiting for the real one
    return;
  }
  s.by_id[h.id] = 0;
  if (h.truncated) {
    // RFC 7766: ask the same question again over TCP, first of the server
    // that truncated it (sockets are grouped by server). tcp_ reports to our
    // client under the same cookie; the slot is free before it can.
    ++truncated_;
    const uint64_t cookie = q.cookie;
    const uint32_t server = socket / static_cast<uint32_t>(options_.sockets_per_server);
    std::array<uint8_t, max_query_bytes> query;
    const uint16_t len = q.len;
    std::copy_n(q.packet.begin(), len, query.begin());
    --on_wire_;
    free_slot(slot);
    --in_flight_;
    tcp_.start(cookie, std::span<const uint8_t>(query.data(), len), server);
    fill_from_backlog();
    return;
  }
  finish(slot, ARES_SUCCESS, packet);
}

void udp_resolver::finish(uint32_t slot, int ares_status, std::span<const uint8_t> packet) {
  const uint64_t cookie = slots_[slot].cookie;
  if (slots_[slot].on_wire) {
    --on_wire_;
  }
  free_slot(slot);
  --in_flight_;
  // The client may issue new queries from inside the callback: our state is
  // consistent before it runs.
  client_.on_dns_result(cookie, ares_status, packet);
  fill_from_backlog();
}

void udp_resolver::fill_from_backlog() {
  while (on_wire_ < options_.max_inflight && !backlog_.empty() && take_token()) {
    const uint32_t slot = backlog_.front();
    backlog_.pop_front();
    send(slot);
  }
}

int64_t udp_resolver::next_timeout_ns(int64_t cap_ns) const {
  int64_t next = INT64_MAX;
  for (const deadline_fifo& t : timers_) {
    next = std::min(next, t.next_deadline());
  }
  if (!backlog_.empty() && options_.rate > 0 && on_wire_ < options_.max_inflight) {
    // Waiting for a --dns-rate token: wake when the next one is due.
    const auto until_token = static_cast<int64_t>((1 - tokens_) / options_.rate * 1e9);
    next = std::min(next, refilled_ns_ + std::max<int64_t>(until_token, 0));
  }
  if (next == INT64_MAX) {
    return cap_ns;
  }
  return std::clamp<int64_t>(next - monotonic_ns(), 100'000, cap_ns);
}

void udp_resolver::process_timeouts() {
  const int64_t now = monotonic_ns();
  for (size_t t = 0; t < timers_.size(); ++t) {
    deadline_fifo& fifo = timers_[t];
    while (!fifo.empty() && fifo.front().deadline_ns <= now) {
      const deadline_fifo::entry e = fifo.front();
      fifo.pop();
      query_slot& q = slots_[e.index];
      // Stale: answered (generation moved on) or already resent (a later
      // try's timer owns it now).
      if (q.generation != e.generation || !q.on_wire || q.tries != t + 1) {
        continue;
      }
      sockets_[q.socket].by_id[q.id] = 0;
      if (q.tries < options_.tries) {
        ++retransmits_;
        if (take_token()) {
          send(e.index);
        } else {
          // Off the wire until a --dns-rate token comes; first in line.
          q.on_wire = false;
          --on_wire_;
          backlog_.push_front(e.index);
        }
      } else {
        finish(e.index, ARES_ETIMEOUT, {});
      }
    }
  }
  fill_from_backlog();  // tokens may have come in since the last answer
}

}  // namespace ptrscan
