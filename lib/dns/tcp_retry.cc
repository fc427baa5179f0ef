#include "dns/tcp_retry.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <random>

#include "core/clock.h"
#include "core/user_data.h"

namespace ptrscan {
namespace {

/// A failed operation's -errno as a status: our linked timeout is a timeout
/// (-ECANCELED, or -EINTR when it interrupts an operation io_uring runs in a
/// worker thread), as is the kernel's own; a refused, reset or unreachable
/// connection is an error of the transport.
tcp_retry::outcome outcome_of_errno(int res) {
  if (res == -ECANCELED || res == -EINTR || res == -ETIMEDOUT) {
    return {dns_status::timeout, {}};
  }
  return {dns_status::error, dns_reason::transport};
}

constexpr tcp_retry::outcome transport_failure{dns_status::error, dns_reason::transport};

}  // namespace

tcp_retry::~tcp_retry() {
  // Only reached when the shard stops. A receive still in flight would write
  // into its connection's buffer after we are gone: cancel every open
  // connection's operations (a receive waiting for data is cancelled inside
  // the submit call) before the descriptors close.
  bool cancelled = false;
  for (connection& c : connections_) {
    if (c.fd >= 0) {
      io_uring_sqe* sqe = ring_.get_sqe();
      if (sqe != nullptr) {
        io_uring_prep_cancel_fd(sqe, c.fd, IORING_ASYNC_CANCEL_ALL);
        io_uring_sqe_set_data64(sqe, user_data{op_kind::cancel, 0, 0}.pack());
        cancelled = true;
      }
    }
  }
  if (cancelled) {
    ring_.submit_and_wait(0);
  }
  for (connection& c : connections_) {
    close_fd(c);
  }
}

void tcp_retry::init(const tcp_retry_options& options) {
  options_ = options;
  // --retries allows 20; the bound keeps the doubled timeouts in range.
  options_.tries = std::clamp(options_.tries, 1, 32);
  options_.max_connections = std::max<uint32_t>(1, options_.max_connections);
  connections_ = std::vector<connection>(options_.max_connections);
  free_head_ = UINT32_MAX;
  for (uint32_t i = options_.max_connections; i-- > 0;) {
    connections_[i].next_free = free_head_;
    free_head_ = i;
  }
  rng_state_ = std::random_device{}() | 1;
}

uint16_t tcp_retry::next_id() {
  // xorshift32, as the UDP transport draws its IDs.
  rng_state_ ^= rng_state_ << 13;
  rng_state_ ^= rng_state_ >> 17;
  rng_state_ ^= rng_state_ << 5;
  return static_cast<uint16_t>(rng_state_);
}

void tcp_retry::start(uint64_t cookie, std::span<const uint8_t> query, uint32_t first_server) {
  ++in_flight_;
  request req;
  req.cookie = cookie;
  req.server = static_cast<uint32_t>(first_server % options_.servers.size());
  req.len = static_cast<uint16_t>(std::min(query.size(), req.packet.size()));
  std::copy_n(query.begin(), req.len, req.packet.begin());
  if (free_head_ == UINT32_MAX || !waiting_.empty()) {
    waiting_.push_back(req);
    return;
  }
  const uint32_t conn = free_head_;
  free_head_ = connections_[conn].next_free;
  begin(conn, req);
}

void tcp_retry::begin(uint32_t conn, const request& req) {
  connection& c = connections_[conn];
  c.req = req;
  c.tries = 0;
  ++open_;
  begin_try(conn);
}

void tcp_retry::begin_try(uint32_t conn) {
  connection& c = connections_[conn];
  // A new try is a new connection: nothing of the last one may count.
  c.generation = (c.generation + 1) & user_data::generation_mask;
  const dns_server_address& server =
      options_.servers[(c.req.server + c.tries) % options_.servers.size()];
  const int try_index = c.tries++;
  c.deadline_ns = monotonic_ns() + (int64_t{options_.timeout_ms} << try_index) * 1'000'000;
  c.id = next_id();
  c.out[0] = static_cast<uint8_t>(c.req.len >> 8);
  c.out[1] = static_cast<uint8_t>(c.req.len);
  std::copy_n(c.req.packet.begin(), c.req.len, c.out.begin() + 2);
  c.out[2] = static_cast<uint8_t>(c.id >> 8);
  c.out[3] = static_cast<uint8_t>(c.id);
  c.done = 0;
  // A blocking socket, as the SMTP sessions use: io_uring tries every
  // operation non-blocking first and polls by itself, while with O_NONBLOCK
  // a connect that io_uring runs from a worker thread returns -EINPROGRESS
  // instead of completing.
  c.fd = ::socket(server.addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c.fd < 0) {
    // Out of descriptors: a failed try like a refused connection.
    try_failed(conn, transport_failure);
    return;
  }
  ++queries_sent_;
  c.ph = phase::connecting;
  ring_.reserve(2);  // the operation and its linked timeout, submitted together
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_connect(sqe, c.fd, reinterpret_cast<const sockaddr*>(&server.addr), server.len);
  io_uring_sqe_set_data64(sqe, user_data{op_kind::dns_tcp, c.generation, conn}.pack());
  sqe->flags |= IOSQE_IO_LINK;
  link_timeout(conn);
}

void tcp_retry::link_timeout(uint32_t conn) {
  connection& c = connections_[conn];
  // Each operation gets what is left of the try, so a server that dribbles
  // its answer cannot stretch the try past its deadline.
  const int64_t ns = std::max<int64_t>(c.deadline_ns - monotonic_ns(), 1'000'000);
  c.timeout.tv_sec = ns / 1'000'000'000;
  c.timeout.tv_nsec = ns % 1'000'000'000;
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_link_timeout(sqe, &c.timeout, 0);
  io_uring_sqe_set_data64(sqe, user_data{op_kind::dns_tcp_timeout, c.generation, conn}.pack());
}

void tcp_retry::submit_send(uint32_t conn) {
  connection& c = connections_[conn];
  ring_.reserve(2);
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_send(sqe, c.fd, c.out.data() + c.done, 2u + c.req.len - c.done, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, user_data{op_kind::dns_tcp, c.generation, conn}.pack());
  sqe->flags |= IOSQE_IO_LINK;
  link_timeout(conn);
}

void tcp_retry::submit_recv(uint32_t conn, uint8_t* buf, uint32_t len) {
  connection& c = connections_[conn];
  ring_.reserve(2);
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_recv(sqe, c.fd, buf, len, 0);
  io_uring_sqe_set_data64(sqe, user_data{op_kind::dns_tcp, c.generation, conn}.pack());
  sqe->flags |= IOSQE_IO_LINK;
  link_timeout(conn);
}

void tcp_retry::on_completion(uint64_t data, int res) {
  const user_data ud = user_data::unpack(data);
  if (ud.op != op_kind::dns_tcp || ud.index >= connections_.size() ||
      connections_[ud.index].generation != ud.generation) {
    return;  // a linked timeout's own completion, or one for a finished try
  }
  const uint32_t conn = ud.index;
  connection& c = connections_[conn];
  switch (c.ph) {
    case phase::idle:
      return;
    case phase::connecting:
      if (res < 0) {
        try_failed(conn, outcome_of_errno(res));
        return;
      }
      c.ph = phase::sending;
      submit_send(conn);
      return;
    case phase::sending:
      if (res < 0) {
        try_failed(conn, outcome_of_errno(res));
        return;
      }
      c.done += static_cast<uint32_t>(res);
      if (c.done < 2u + c.req.len) {
        submit_send(conn);  // a short write: send the rest
        return;
      }
      c.ph = phase::reading_length;
      c.done = 0;
      submit_recv(conn, c.length.data(), 2);
      return;
    case phase::reading_length:
    case phase::reading_message:
      on_read(conn, res);
      return;
  }
}

void tcp_retry::on_read(uint32_t conn, int res) {
  connection& c = connections_[conn];
  if (res <= 0) {
    // 0: the server closed the connection before a whole answer.
    try_failed(conn, res == 0 ? transport_failure : outcome_of_errno(res));
    return;
  }
  c.done += static_cast<uint32_t>(res);
  if (c.ph == phase::reading_length) {
    if (c.done < 2) {
      submit_recv(conn, c.length.data() + c.done, 2 - c.done);
      return;
    }
    const uint32_t len = static_cast<uint32_t>(c.length[0] << 8 | c.length[1]);
    if (len < dns_header_bytes) {
      try_failed(conn, {dns_status::error, dns_reason::malformed});
      return;
    }
    c.answer.resize(len);
    c.ph = phase::reading_message;
    c.done = 0;
    submit_recv(conn, c.answer.data(), len);
    return;
  }
  if (c.done < c.answer.size()) {
    submit_recv(conn, c.answer.data() + c.done, static_cast<uint32_t>(c.answer.size()) - c.done);
    return;
  }
  // The connection carried only our query, so anything but its answer (by
  // ID and question, as over UDP) means the server is broken: try again.
  response_header h;
  if (!read_header(c.answer, h) || !h.is_response || h.id != c.id ||
      !question_matches(c.answer, std::span<const uint8_t>(c.req.packet.data(), c.req.len))) {
    try_failed(conn, {dns_status::error, dns_reason::mismatch});
    return;
  }
  finish(conn, {dns_status::ok, {}}, c.answer);
}

void tcp_retry::try_failed(uint32_t conn, outcome failure) {
  connection& c = connections_[conn];
  ++failed_tries_;
  close_fd(c);
  if (c.tries < options_.tries) {
    begin_try(conn);
    return;
  }
  finish(conn, failure, {});
}

void tcp_retry::finish(uint32_t conn, outcome result, std::span<const uint8_t> packet) {
  connection& c = connections_[conn];
  close_fd(c);
  c.ph = phase::idle;
  c.generation = (c.generation + 1) & user_data::generation_mask;
  --open_;
  --in_flight_;
  // `packet` is this connection's buffer: the connection goes back to the
  // pool only after the client has read it. The client may issue queries
  // from inside the callback.
  client_.on_dns_result(c.req.cookie, result.status, result.reason, packet);
  c.next_free = free_head_;
  free_head_ = conn;
  if (pumping_) {
    return;  // the loop below, further up the stack, takes the next one
  }
  // A loop, not recursion: a try that fails at once (no descriptor) finishes
  // its query inside begin().
  pumping_ = true;
  while (free_head_ != UINT32_MAX && !waiting_.empty()) {
    const uint32_t next = free_head_;
    free_head_ = connections_[next].next_free;
    const request req = waiting_.front();
    waiting_.pop_front();
    begin(next, req);
  }
  pumping_ = false;
}

void tcp_retry::close_fd(connection& c) {
  if (c.fd >= 0) {
    // No operation of this connection is in flight here (we run from its
    // last completion, or from the destructor after cancelling); a linked
    // timeout may still report, and is ignored.
    ::close(c.fd);
    c.fd = -1;
  }
}

}  // namespace ptrscan
