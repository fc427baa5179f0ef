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
#include "net/absl_compat.h"
#include "core/clock.h"
#include "net/ip_address.h"
#include "core/user_data.h"

namespace ptrscan {
namespace {

// Datagrams read per recvmmsg call. Each gets room for more than the EDNS
// size we advertise (at least 2048 octets): a server that ignores it and
// sends more without TC is seen doing so, and its answer ends as
// error/oversized (a datagram beyond even that room arrives cut, MSG_TRUNC,
// and is judged by its header and question alone).
constexpr unsigned batch_datagrams = 64;
constexpr size_t min_datagram_bytes = 2048;
constexpr size_t plain_dns_limit = 512;  // RFC 1035 §4.2.1, without EDNS

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
  rng_state_ = std::random_device{}() | 1;

  answer_limit_ = std::max<size_t>(plain_dns_limit, options_.edns_udp_size);
  datagram_bytes_ = std::max(min_datagram_bytes, answer_limit_ + 1);
  batch_buffers_.resize(size_t{batch_datagrams} * datagram_bytes_);
  batch_iov_.resize(batch_datagrams);
  batch_msgs_.resize(batch_datagrams);
  for (unsigned i = 0; i < batch_datagrams; ++i) {
    batch_iov_[i] = iovec{batch_buffers_.data() + size_t{i} * datagram_bytes_, datagram_bytes_};
    batch_msgs_[i] = mmsghdr{};
    batch_msgs_[i].msg_hdr.msg_iov = &batch_iov_[i];
    batch_msgs_[i].msg_hdr.msg_iovlen = 1;
  }

  pacer_options pacing;
  pacing.max_window = options_.max_inflight;
  pacing.initial_window = options_.initial_window;
  pacing.max_rto_ns = int64_t{options_.timeout_ms} * 1'000'000;
  // Before the first answer nothing is known of the path: a first try
  // waits the whole --dns-timeout (RFC 6298's 1 s would resend every query
  // of a resolver that takes longer, and mark it down before it answered).
  pacing.initial_rto_ns = pacing.max_rto_ns;
  pacing.min_rto_ns = options_.min_rto_ns;
  pacing.rate_ceiling = options_.rate;
  const int64_t now = monotonic_ns();

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
    server_state st;
    st.address = server;
    st.pacer.reset(pacing, now);
    st.first_socket = static_cast<uint32_t>(sockets_.size());
    servers_.push_back(std::move(st));
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
  q.lingering = false;
  std::array<uint8_t, max_wire_name> wire;
  const size_t wire_len = encode_name(name, wire);
  if (wire_len == 0) {
    finish(slot, dns_status::error, dns_reason::bad_name, {});
    return;
  }
  // The ID is written at send time; it changes per try.
  q.len = static_cast<uint16_t>(build_query(
      0, std::span<const uint8_t>(wire.data(), wire_len), type, options_.edns_udp_size, q.packet));
  if (backlog_.empty() && on_wire_ < options_.max_inflight) {
    const int64_t now = monotonic_ns();
    if (const int server = pick_server(q, now); server >= 0) {
      send(slot, static_cast<uint32_t>(server), now);
      return;
    }
  }
  backlog_.push_back({slot, q.generation});
}

int udp_resolver::pick_server(const query_slot& q, int64_t now_ns) {
  // The last try's server, which a retry avoids when another can take it.
  const int last = q.tries == 0
                       ? -1
                       : static_cast<int>(server_of(q.sent[(q.tries - 1) % tracked_tries].socket));
  int best = -1;
  uint32_t best_room = 0;
  bool any_up = false;
  for (size_t i = 0; i < servers_.size(); ++i) {
    dns_pacer& p = servers_[i].pacer;
    if (p.down()) {
      continue;
    }
    any_up = true;
    if (!p.can_send(now_ns)) {
      continue;
    }
    // Room, less a little for the last try's server: a retry goes
    // elsewhere when it can.
    const uint32_t room = static_cast<int>(i) == last && servers_.size() > 1 ? 1 : p.room() + 1;
    if (room > best_room) {
      best_room = room;
      best = static_cast<int>(i);
    }
  }
  if (best >= 0) {
    if (last >= 0 && best != last && servers_[static_cast<size_t>(last)].pacer.down()) {
      ++servers_[static_cast<size_t>(last)].moved;
    }
    return best;
  }
  if (any_up) {
    // Up servers are busy: a down one may still take its probe.
    for (size_t i = 0; i < servers_.size(); ++i) {
      if (servers_[i].pacer.down() && servers_[i].pacer.can_send(now_ns)) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }
  // Every server is down: no answers come back to pace by and nothing is
  // left to protect, so queries go out as the ceilings allow (within
  // --dns-inflight and --dns-rate) and end in their timeouts, as without
  // pacing. Round robin by the query's tries.
  for (size_t k = 0; k < servers_.size(); ++k) {
    const size_t i = (static_cast<size_t>(last + 1) + k) % servers_.size();
    if (servers_[i].pacer.can_send_ignoring_window(now_ns)) {
      return static_cast<int>(i);
    }
  }
  return -1;
}

void udp_resolver::send(uint32_t slot, uint32_t server, int64_t now_ns) {
  query_slot& q = slots_[slot];
  server_state& srv = servers_[server];
  const auto socket = srv.first_socket + srv.next_socket;
  srv.next_socket = (srv.next_socket + 1) % static_cast<uint32_t>(options_.sockets_per_server);
  udp_socket& s = sockets_[socket];
  const int try_index = q.tries;
  try_record& t = q.sent[static_cast<size_t>(try_index % tracked_tries)];
  if (try_index >= tracked_tries) {
    // The oldest tracked try's ID is let go: its answer now counts as
    // unmatched.
    std::vector<uint32_t>& old_ids = sockets_[t.socket].by_id;
    if (old_ids[t.id] == slot + 1) {
      old_ids[t.id] = 0;
    }
  }
  t.id = pick_id(s);
  t.socket = static_cast<uint8_t>(socket);
  t.sent_ns = now_ns;
  t.seq = srv.pacer.on_send(now_ns);
  ++srv.queries;
  s.by_id[t.id] = slot + 1;
  q.packet[0] = static_cast<uint8_t>(t.id >> 8);
  q.packet[1] = static_cast<uint8_t>(t.id);
  if (!q.on_wire) {
    q.on_wire = true;
    ++on_wire_;
  }
  ++q.tries;
  ++queries_sent_;
  // Retries follow the measured timer; the last try waits the whole
  // --dns-timeout, so "timeout" means the resolver had that long to answer,
  // not that a few quick tries were lost in a burst. It holds its place in
  // the window only for the measured timer, as every try does: past that
  // the pacer counts it lost and it lingers (process_timeouts). Held for
  // the whole timeout, last tries lost to a policer out of quota filled the
  // window and stopped every send for seconds after the quota came back.
  const int64_t rto = srv.pacer.timeout_ns(try_index);
  int64_t timeout = rto;
  if (try_index + 1 >= options_.tries) {
    const int64_t full = int64_t{options_.timeout_ms} * 1'000'000;
    q.final_ns = now_ns + full;
    timeout = std::min(rto, full);
  }
  q.deadline_ns = timers_.arm(now_ns, timeout, slot, q.generation);
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
      break;
    }
    for (int i = 0; i < n; ++i) {
      const mmsghdr& m = batch_msgs_[static_cast<size_t>(i)];
      on_datagram(socket,
                  std::span<const uint8_t>(
                      reinterpret_cast<const uint8_t*>(batch_iov_[static_cast<size_t>(i)].iov_base),
                      m.msg_len),
                  (m.msg_hdr.msg_flags & MSG_TRUNC) != 0);
    }
    if (static_cast<unsigned>(n) < batch_datagrams) {
      break;
    }
  }
  // Once per batch, not per answer: the windows the answers opened.
  fill_from_backlog();
}

void udp_resolver::on_datagram(uint32_t socket, std::span<const uint8_t> packet, bool cut) {
  response_header h;
  if (!read_header(packet, h) || !h.is_response) {
    ++unmatched_;
    return;
  }
  const uint32_t entry = sockets_[socket].by_id[h.id];
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
  // Which try this answers: the latest, or an earlier one that timed out.
  int answered = -1;
  const int oldest = std::max(0, q.tries - tracked_tries);
  for (int k = q.tries - 1; k >= oldest; --k) {
    const try_record& t = q.sent[static_cast<size_t>(k % tracked_tries)];
    if (t.socket == socket && t.id == h.id) {
      answered = k;
      break;
    }
  }
  if (answered < 0) {
    ++unmatched_;
    return;
  }
  const int64_t now = monotonic_ns();
  const try_record& t = q.sent[static_cast<size_t>(answered % tracked_tries)];
  // A lingering last try has left the window as lost: its answer is late.
  const bool latest = answered == q.tries - 1 && q.on_wire && !q.lingering;
  if (latest) {
    servers_[server_of(socket)].pacer.on_answer(now, t.seq, t.sent_ns, answered == 0);
  } else {
    servers_[server_of(socket)].pacer.on_late_answer(now, t.seq, t.sent_ns, answered == 0);
    if (q.on_wire && !q.lingering) {
      // The latest try is still out: it will never be answered for us.
      const try_record& last = q.sent[static_cast<size_t>((q.tries - 1) % tracked_tries)];
      servers_[server_of(last.socket)].pacer.on_abandon();
    }
  }
  if (h.truncated) {
    // RFC 7766: ask the same question again over TCP, first of the server
    // that truncated it. tcp_ reports to our client under the same cookie;
    // the slot is free before it can.
    ++truncated_;
    const uint64_t cookie = q.cookie;
    std::array<uint8_t, max_query_bytes> query;
    const uint16_t len = q.len;
    std::copy_n(q.packet.begin(), len, query.begin());
    release_ids(slot);
    if (q.on_wire) {
      --on_wire_;
    }
    free_slot(slot);
    --in_flight_;
    tcp_.start(cookie, std::span<const uint8_t>(query.data(), len), server_of(socket));
    return;
  }
  if (cut || packet.size() > answer_limit_) {
    // Longer than we asked for and not truncated: the server ignored our
    // size. What was read may be cut, or was never meant to arrive whole
    // over UDP; neither is an answer, nor a reason to wait for a timeout.
    ++oversized_;
    finish(slot, dns_status::error, dns_reason::oversized, {});
    return;
  }
  finish(slot, dns_status::ok, {}, packet);
}

void udp_resolver::release_ids(uint32_t slot) {
  const query_slot& q = slots_[slot];
  const int oldest = std::max(0, q.tries - tracked_tries);
  for (int k = oldest; k < q.tries; ++k) {
    const try_record& t = q.sent[static_cast<size_t>(k % tracked_tries)];
    uint32_t& e = sockets_[t.socket].by_id[t.id];
    if (e == slot + 1) {
      e = 0;
    }
  }
}

void udp_resolver::finish(uint32_t slot, dns_status transport, std::string_view reason,
                          std::span<const uint8_t> packet) {
  const uint64_t cookie = slots_[slot].cookie;
  release_ids(slot);
  if (slots_[slot].on_wire) {
    --on_wire_;
  }
  free_slot(slot);
  --in_flight_;
  // The client may issue new queries from inside the callback: our state is
  // consistent before it runs.
  client_.on_dns_result(cookie, transport, reason, packet);
}

void udp_resolver::fill_from_backlog() {
  if (backlog_.empty()) {
    return;
  }
  const int64_t now = monotonic_ns();
  while (!backlog_.empty() && on_wire_ < options_.max_inflight) {
    const waiting w = backlog_.front();
    query_slot& q = slots_[w.slot];
    if (q.generation != w.generation) {
      backlog_.pop_front();  // ended while it waited (a late answer)
      continue;
    }
    const int server = pick_server(q, now);
    if (server < 0) {
      return;  // head of line waits for room or a token
    }
    backlog_.pop_front();
    send(w.slot, static_cast<uint32_t>(server), now);
  }
}

int64_t udp_resolver::next_timeout_ns(int64_t cap_ns) const {
  int64_t next = timers_.next_deadline();
  if (!backlog_.empty() && on_wire_ < options_.max_inflight) {
    // Waiting for a pacing token: wake when the first is due.
    for (const server_state& s : servers_) {
      next = std::min(next, s.pacer.next_token_ns());
    }
  }
  if (next == INT64_MAX) {
    return cap_ns;
  }
  return std::clamp<int64_t>(next - monotonic_ns(), 50'000, cap_ns);
}

void udp_resolver::process_timeouts() {
  const int64_t now = monotonic_ns();
  timers_.expire(now, [&](const timer_classes::entry& e) {
    query_slot& q = slots_[e.index];
    // Stale: answered (generation moved on), or a later try's timer owns it.
    if (q.generation != e.generation || !q.on_wire || q.deadline_ns != e.deadline_ns) {
      return;
    }
    if (q.lingering) {
      // The rest of --dns-timeout has passed too (the pacer has had it).
      q.on_wire = false;
      --on_wire_;
      ++timeouts_;
      finish(e.index, dns_status::timeout, {}, {});
      return;
    }
    const try_record& t = q.sent[static_cast<size_t>((q.tries - 1) % tracked_tries)];
    servers_[server_of(t.socket)].pacer.on_timeout(now, t.seq);
    if (q.tries >= options_.tries && now < q.final_ns) {
      // The last try's measured timer: lost as far as pacing goes; its
      // answer may still come until final_ns (still on the wire, so it
      // keeps its ID and counts against --dns-inflight).
      q.lingering = true;
      q.deadline_ns = timers_.arm(now, q.final_ns - now, e.index, q.generation);
      return;
    }
    // Off the wire; its ID stays reserved for a late answer.
    q.on_wire = false;
    --on_wire_;
    if (q.tries < options_.tries) {
      ++retransmits_;
      backlog_.push_front({e.index, q.generation});  // first in line
    } else {
      ++timeouts_;
      finish(e.index, dns_status::timeout, {}, {});
    }
  });
  fill_from_backlog();  // room and tokens may have come since the last answer
}

uint64_t udp_resolver::lost() const {
  uint64_t n = 0;
  for (const server_state& s : servers_) {
    n += s.pacer.losses();
  }
  return n;
}

uint64_t udp_resolver::server_downs() const {
  uint64_t n = 0;
  for (const server_state& s : servers_) {
    n += s.pacer.downs();
  }
  return n;
}

uint64_t udp_resolver::moved() const {
  uint64_t n = 0;
  for (const server_state& s : servers_) {
    n += s.moved;
  }
  return n;
}

std::vector<dns_server_stats> udp_resolver::server_stats() const {
  std::vector<dns_server_stats> out;
  out.reserve(servers_.size());
  for (const server_state& s : servers_) {
    dns_server_stats st;
    st.address = s.address;
    st.queries = s.queries;
    st.answers = s.pacer.answers();
    st.losses = s.pacer.losses();
    st.loss_events = s.pacer.loss_events();
    st.spurious = s.pacer.spurious();
    st.downs = s.pacer.downs();
    st.moved = s.moved;
    st.window = s.pacer.window();
    st.pacing_rate = s.pacer.pacing_rate();
    st.rate_ceiling = s.pacer.rate_ceiling();
    st.srtt_ns = s.pacer.srtt_ns();
    st.rto_ns = s.pacer.rto_ns();
    st.down = s.pacer.down();
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace ptrscan
