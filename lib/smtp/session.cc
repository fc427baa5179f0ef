#include "smtp/session.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "core/clock.h"
#include "core/user_data.h"

namespace ptrscan {
namespace {

constexpr size_t recv_buffer_bytes = 4096;


/// Banner text as recorded: the greeting without its final line ending.
std::string banner_text(const smtp_reply& r) {
  std::string_view raw = r.raw;
  while (!raw.empty() && (raw.back() == '\n' || raw.back() == '\r')) {
    raw.remove_suffix(1);
  }
  return std::string(raw);
}

std::string reply_summary(const smtp_reply& r) {
  std::string s = std::to_string(r.code);
  std::string_view first = r.first_line();
  if (!first.empty()) {
    s += ' ';
    s.append(first.substr(0, 200));
  }
  return s;
}

// Bytes read per drain before a command: 16 receive buffers. A peer that
// keeps more than that coming has made its point (the violation is recorded).
constexpr int max_drain_reads = 16;

}  // namespace

const char* smtp_prober::phase_name(phase ph) {
  switch (ph) {
    case phase::idle:
      return "idle";
    case phase::connecting:
      return "connect";
    case phase::greeting:
      return "greeting";
    case phase::ehlo:
      return "EHLO";
    case phase::helo:
      return "HELO";
    case phase::starttls:
      return "STARTTLS";
    case phase::tls_handshake:
      return "TLS handshake";
    case phase::ehlo_tls:
      return "EHLO after STARTTLS";
    case phase::relay_mail:
      return "MAIL";
    case phase::relay_rcpt:
      return "RCPT";
    case phase::rset:
      return "RSET";
    case phase::quit:
      return "QUIT";
  }
  return "?";
}

namespace {

bool is_ip_literal_or_empty(std::string_view host) {
  return host.empty() || host.front() == '[' || ip_address::parse(host).has_value();
}

}  // namespace

smtp_prober::smtp_prober(ring& r, smtp_client& client, const smtp_options& options,
                         const tls_context* tls, uint32_t capacity)
    : ring_(r), client_(client), options_(options), tls_ctx_(tls), sessions_(capacity) {}

smtp_prober::~smtp_prober() {
  // Only reached when the shard stops; sessions still open are abandoned.
  for (uint32_t i = 0; i < sessions_.capacity(); ++i) {
    if (sessions_[i].fd >= 0) {
      ::close(sessions_[i].fd);
      sessions_[i].fd = -1;
    }
  }
}

double smtp_prober::ms_since(int64_t from_ns) const {
  return static_cast<double>(monotonic_ns() - from_ns) / 1e6;
}

smtp_prober::start_result smtp_prober::start(const ip_address& ip, uint16_t port,
                                             smtp_result* out, uint64_t owner) {
  int64_t got = sessions_.acquire();
  if (got < 0) {
    return start_result::busy;
  }
  const auto slot = static_cast<uint32_t>(got);
  prepare(slot, port, out, owner);
  session& s = at(slot);

  std::memset(&s.addr, 0, sizeof(s.addr));
  if (ip.is_v4()) {
    auto* a = reinterpret_cast<sockaddr_in*>(&s.addr);
    a->sin_family = AF_INET;
    a->sin_port = htons(port);
    std::memcpy(&a->sin_addr, ip.bytes.data(), 4);
    s.addr_len = sizeof(sockaddr_in);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&s.addr);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(port);
    std::memcpy(&a->sin6_addr, ip.bytes.data(), 16);
    s.addr_len = sizeof(sockaddr_in6);
  }
  // A blocking socket: io_uring tries every operation non-blocking first and
  // polls by itself. With O_NONBLOCK, a connect that io_uring runs from a
  // worker thread returns -EINPROGRESS instead of completing (seen in the
  // namespace scale test: 2 of 4096 hosts).
  s.fd = ::socket(ip.is_v4() ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s.fd < 0) {
    // Out of descriptors or memory: the host is reported, not lost. The
    // owner is told after start() returns, never from inside it.
    out->status = smtp_status::error;
    out->error = std::string("socket: ") + std::strerror(errno);
    out->ms_total = 0;
    s.ph = phase::idle;
    sessions_.release(slot);
    return start_result::finished;
  }
  submit_connect(slot);
  return start_result::started;
}

void smtp_prober::prepare(uint32_t slot, uint16_t port, smtp_result* out, uint64_t owner) {
  session& s = at(slot);
  if (!s.buf) {
    s.buf = std::make_unique_for_overwrite<char[]>(recv_buffer_bytes);
  }
  s.ph = phase::connecting;
  s.owner = owner;
  s.out = out;
  out->clear();
  out->port = port;
  out->relay_enabled = options_.relay;
  s.implicit_tls = port == 465;
  s.start_ns = monotonic_ns();
  s.deadline_ns = s.start_ns + int64_t{options_.session_timeout_ms} * 1'000'000;
  s.phase_ns = s.start_ns;
  s.reader.reset();
  s.outbox.clear();
  s.outbox_off = 0;
  s.inbox.clear();
  s.tls.reset();
  s.sending = false;
  s.stopped = false;
}

smtp_prober::start_result smtp_prober::adopt(int fd, uint16_t port, smtp_result* out,
                                             uint64_t owner) {
  int64_t got = sessions_.acquire();
  if (got < 0) {
    ::close(fd);
    return start_result::busy;
  }
  const auto slot = static_cast<uint32_t>(got);
  prepare(slot, port, out, owner);
  at(slot).fd = fd;
  on_connected(slot);
  return start_result::started;
}

void smtp_prober::stop_all() {
  for (uint32_t slot = 0; slot < sessions_.capacity(); ++slot) {
    session& s = at(slot);
    if (s.ph == phase::idle || s.stopped) {
      continue;
    }
    s.stopped = true;
    // Every open session has exactly one operation in flight (all of its
    // operations carry this user_data); canceling it ends its linked
    // timeout too. A completion already on its way finds `stopped` set.
    io_uring_sqe* sqe = ring_.get_sqe();
    io_uring_prep_cancel64(
        sqe, user_data{op_kind::smtp_io, sessions_.generation(slot), slot}.pack(), 0);
    io_uring_sqe_set_data64(sqe, user_data{op_kind::cancel, 0, 0}.pack());
  }
}

void smtp_prober::link_timeout(uint32_t slot, int timeout_ms) {
  session& s = at(slot);
  const int64_t now = monotonic_ns();
  int64_t until = std::min(now + int64_t{timeout_ms} * 1'000'000, s.deadline_ns);
  int64_t ns = std::max<int64_t>(until - now, 1'000'000);
  s.timeout.tv_sec = ns / 1'000'000'000;
  s.timeout.tv_nsec = ns % 1'000'000'000;
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_link_timeout(sqe, &s.timeout, 0);
  io_uring_sqe_set_data64(
      sqe, user_data{op_kind::smtp_timeout, sessions_.generation(slot), slot}.pack());
}

void smtp_prober::submit_connect(uint32_t slot) {
  session& s = at(slot);
  ring_.reserve(2);  // the operation and its linked timeout, submitted together
  s.sending = false;
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_connect(sqe, s.fd, reinterpret_cast<sockaddr*>(&s.addr), s.addr_len);
  io_uring_sqe_set_data64(sqe,
                          user_data{op_kind::smtp_io, sessions_.generation(slot), slot}.pack());
  sqe->flags |= IOSQE_IO_LINK;
  link_timeout(slot, options_.connect_timeout_ms);
}

void smtp_prober::submit_recv(uint32_t slot) {
  session& s = at(slot);
  ring_.reserve(2);  // the operation and its linked timeout, submitted together
  s.sending = false;
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_recv(sqe, s.fd, s.buf.get(), recv_buffer_bytes, 0);
  io_uring_sqe_set_data64(sqe,
                          user_data{op_kind::smtp_io, sessions_.generation(slot), slot}.pack());
  sqe->flags |= IOSQE_IO_LINK;
  link_timeout(slot, options_.read_timeout_ms);
}

void smtp_prober::submit_send(uint32_t slot) {
  session& s = at(slot);
  ring_.reserve(2);  // the operation and its linked timeout, submitted together
  s.sending = true;
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_send(sqe, s.fd, s.outbox.data() + s.outbox_off, s.outbox.size() - s.outbox_off,
                     MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe,
                          user_data{op_kind::smtp_io, sessions_.generation(slot), slot}.pack());
  sqe->flags |= IOSQE_IO_LINK;
  link_timeout(slot, options_.read_timeout_ms);
}

void smtp_prober::on_completion(uint64_t data, int res) {
  const user_data ud = user_data::unpack(data);
  if (ud.op != op_kind::smtp_io || ud.index >= sessions_.capacity() ||
      sessions_.generation(ud.index) != ud.generation) {
    return;  // a linked timeout's own completion, or a late one for a reused slot
  }
  const uint32_t slot = ud.index;
  session& s = at(slot);
  if (s.ph == phase::idle) {
    return;
  }
  if (s.stopped) {
    // Canceled by stop_all() (or done just before the cancel took): the
    // scan is stopping, whatever this completion says.
    finish(slot, smtp_status::stopped, std::string("scan stopped after --stop-grace, during ") +
                                           phase_name(s.ph));
    return;
  }
  if (s.ph == phase::connecting) {
    if (res < 0) {
      // A refusal says it all; anything else gets its reason.
      const smtp_status st = smtp_status_from_errno(res);
      // An RST or an ICMP error is the target's (or its network's) answer;
      // a timeout or a local failure (EADDRNOTAVAIL, ENOBUFS) is none.
      const int err = -res;
      client_.on_smtp_connect(s.owner,
                              err == ECONNREFUSED || err == ECONNRESET || err == EHOSTUNREACH ||
                                  err == ENETUNREACH || err == EHOSTDOWN,
                              false);
      finish(slot, st,
             st == smtp_status::refused ? std::string()
             : res == -ECANCELED        ? std::string("timeout connecting")
                                        : std::string("connect: ") + std::strerror(-res));
      return;
    }
    client_.on_smtp_connect(s.owner, true, true);
    on_connected(slot);
    return;
  }
  if (res < 0 && s.ph == phase::tls_handshake) {
    handshake_io_failed(slot, res);
    return;
  }
  if (s.sending) {
    if (res < 0) {
      finish(slot, smtp_status_from_errno(res),
             res == -ECANCELED ? "timeout sending" : std::string("send: ") + std::strerror(-res));
      return;
    }
    s.outbox_off += static_cast<size_t>(res);
    if (s.outbox_off < s.outbox.size()) {
      submit_send(slot);  // a short write: send the rest
      return;
    }
    s.outbox.clear();
    s.outbox_off = 0;
    after_send(slot);
    return;
  }
  // A receive.
  if (res < 0) {
    const char* where = s.ph == phase::greeting        ? "greeting"
                        : s.ph == phase::tls_handshake ? "TLS handshake"
                                                       : "reply";
    // Timeouts say where they struck; a reset says it all.
    const smtp_status st = smtp_status_from_errno(res);
    finish(slot, st,
           res == -ECANCELED        ? std::string("timeout waiting for ") + where
           : st == smtp_status::reset ? std::string()
                                      : std::string("recv: ") + std::strerror(-res));
    return;
  }
  if (res == 0) {
    if (s.ph == phase::tls_handshake && s.tls) {
      s.tls->feed_eof();
      drive_handshake(slot);
      return;
    }
    finish(slot, smtp_status::error,
           s.ph == phase::greeting && s.reader.reply().raw.empty()
               ? "connection closed before the greeting"
               : "connection closed by the server mid-session");
    return;
  }
  on_bytes(slot, std::string_view(s.buf.get(), static_cast<size_t>(res)));
}

void smtp_prober::on_connected(uint32_t slot) {
  session& s = at(slot);
  const int64_t now = monotonic_ns();
  s.out->ms_connect = static_cast<double>(now - s.start_ns) / 1e6;
  s.phase_ns = now;
  if (s.implicit_tls) {
    start_tls(slot);
    return;
  }
  s.ph = phase::greeting;
  submit_recv(slot);
}

void smtp_prober::on_bytes(uint32_t slot, std::string_view data) {
  session& s = at(slot);
  if (s.tls) {
    s.tls->feed_input(data);
    if (s.ph == phase::tls_handshake) {
      drive_handshake(slot);
      return;
    }
    tls_client_session::state st = s.tls->read_plain(s.inbox);
    if (st == tls_client_session::state::failed) {
      s.out->tls_error = s.tls->error();
      finish(slot, smtp_status::error, "TLS: " + s.tls->error());
      return;
    }
  } else {
    s.inbox.append(data);
  }
  parse_inbox(slot);
}

void smtp_prober::parse_inbox(uint32_t slot) {
  session& s = at(slot);
  std::string_view view = s.inbox;
  reply_reader::result r = s.reader.feed(view);
  s.inbox.erase(0, s.inbox.size() - view.size());
  switch (r) {
    case reply_reader::result::need_more:
      if (s.tls && s.tls->current() == tls_client_session::state::closed) {
        finish(slot, smtp_status::error, "TLS closed by the server mid-reply");
        return;
      }
      submit_recv(slot);
      return;
    case reply_reader::result::too_long:
      if (s.ph == phase::greeting) {
        // What came is the banner, cut: recorded and marked as such.
        s.out->has_banner = true;
        s.out->banner = banner_text(s.reader.reply());
        s.out->banner_truncated = true;
      }
      finish(slot, smtp_status::error, "reply longer than the reply cap without ending");
      return;
    case reply_reader::result::complete: {
      // Copy out: on_reply resets the reader for the next command.
      smtp_reply reply = s.reader.reply();
      s.reader.reset();
      on_reply(slot, reply);
      return;
    }
  }
}

bool smtp_prober::drain_unsolicited(uint32_t slot) {
  session& s = at(slot);
  // Left over from the last read: more than the one reply asked for.
  bool surplus = !s.inbox.empty();
  s.inbox.clear();
  // Arrived since: checked with a non-blocking read right before the
  // command goes out, outside the ring on purpose, so that nothing the
  // server said before it could see the command is taken as its reply. No
  // operation of this session is in flight here (one at a time, and this
  // runs from a completion).
  std::string plain;
  for (int i = 0; i < max_drain_reads; ++i) {
    const ssize_t n = ::recv(s.fd, s.buf.get(), recv_buffer_bytes, MSG_DONTWAIT);
    if (n <= 0) {
      break;  // nothing there (EAGAIN), or an end or error the next I/O reports
    }
    if (s.tls) {
      // Ciphertext: only application data counts (TLS 1.3 sends session
      // tickets after the handshake, unasked and harmless). A record cut
      // short here is not seen (BoringSSL keeps it without a trace); a
      // server that splits a record around our command on purpose could
      // as well answer 250 to RCPT outright.
      s.tls->feed_input(std::string_view(s.buf.get(), static_cast<size_t>(n)));
      plain.clear();
      (void)s.tls->read_plain(plain);
      surplus = surplus || !plain.empty();
    } else {
      surplus = true;
    }
    if (static_cast<size_t>(n) < recv_buffer_bytes) {
      break;
    }
  }
  return surplus;
}

void smtp_prober::check_unsolicited(uint32_t slot) {
  session& s = at(slot);
  if (drain_unsolicited(slot)) {
    s.out->add_violation(s.ph == phase::greeting ? smtp_violation::early_talker
                                                 : smtp_violation::unsolicited_reply);
  }
}

void smtp_prober::send_command(uint32_t slot, std::string_view line, phase next) {
  session& s = at(slot);
  check_unsolicited(slot);
  s.ph = next;
  s.phase_ns = monotonic_ns();
  if (s.tls) {
    if (!s.tls->write_plain(line)) {
      finish(slot, smtp_status::error, "TLS: " + s.tls->error());
      return;
    }
    s.outbox += s.tls->take_output();
  } else {
    s.outbox.append(line);
  }
  s.outbox_off = 0;
  submit_send(slot);
}

void smtp_prober::after_send(uint32_t slot) {
  session& s = at(slot);
  switch (s.ph) {
    case phase::quit:
      // QUIT is sent; its 221 is not worth waiting for (Exim holds it).
      finish(slot, s.out->status);
      return;
    case phase::tls_handshake:
      // Handshake bytes are out; what comes next comes from the server.
      if (s.tls && s.tls->current() == tls_client_session::state::established) {
        drive_handshake(slot);
        return;
      }
      submit_recv(slot);
      return;
    default:
      // A command is out: its reply is what comes from now on (send_command
      // set aside everything before).
      submit_recv(slot);
      return;
  }
}

bool smtp_prober::out_of_step(phase ph, int code) {
  const int klass = code / 100;
  if (klass == 4 || klass == 5) {
    return false;  // refusals come in many codes; each is an answer
  }
  switch (ph) {
    case phase::ehlo:
    case phase::helo:
    case phase::ehlo_tls:
    case phase::relay_mail:
    case phase::rset:
      return code != 250;
    case phase::relay_rcpt:
      return code != 250 && code != 251;
    case phase::starttls:
      return code != 220;
    default:
      return false;  // the greeting has its own checks
  }
}

void smtp_prober::on_reply(uint32_t slot, const smtp_reply& reply) {
  session& s = at(slot);
  smtp_result& out = *s.out;
  const int klass = reply.code / 100;
  if (out_of_step(s.ph, reply.code)) {
    // No code, an intermediate code, or another command's success (a
    // second greeting's 220 read after EHLO): the dialogue is out of step,
    // so nothing more it says can be paired with what we ask.
    out.add_violation(smtp_violation::unexpected_code);
    switch (s.ph) {
      case phase::ehlo:
        out.ms_ehlo = ms_since(s.phase_ns);
        break;
      case phase::starttls:
        out.tls_attempted = true;
        out.tls_error = "STARTTLS answered out of step: " + reply_summary(reply);
        break;
      case phase::relay_mail:
      case phase::relay_rcpt:
        record_relay_reply(slot, reply);
        // A transaction may be open: drop it before QUIT, never DATA.
        send_command(slot, "RSET\r\n", phase::rset);
        return;
      default:
        break;
    }
    quit(slot);
    return;
  }
  switch (s.ph) {
    case phase::greeting:
      out.has_banner = true;
      out.banner = banner_text(reply);
      out.banner_host = reply_host(reply);
      out.ms_banner = ms_since(s.phase_ns);
      if (reply.code == 0) {
        out.status = smtp_status::error;
        out.error = "malformed greeting";
        quit(slot);
        return;
      }
      if (klass != 2) {
        out.status = smtp_status::rejected;
        quit(slot);
        return;
      }
      out.status = smtp_status::ok;
      send_command(slot, "EHLO " + options_.ehlo_name + "\r\n", phase::ehlo);
      return;
    case phase::ehlo:
      out.ms_ehlo = ms_since(s.phase_ns);
      if (klass == 2) {
        out.has_ehlo = true;
        out.ehlo = parse_ehlo(reply);
        // Over implicit TLS (465) there is nothing to upgrade.
        if (!s.tls && options_.starttls && tls_ctx_ != nullptr &&
            (out.ehlo.starttls || options_.starttls_always)) {
          out.tls_unadvertised = !out.ehlo.starttls;
          send_command(slot, "STARTTLS\r\n", phase::starttls);
          return;
        }
        after_hello(slot);
        return;
      }
      // EHLO refused (RFC 5321 §4.1.4: a client falls back to HELO).
      send_command(slot, "HELO " + options_.ehlo_name + "\r\n", phase::helo);
      return;
    case phase::helo:
      if (klass == 2) {
        out.has_ehlo = true;
        out.helo = true;
        out.ehlo = ehlo_info{};
        out.ehlo.host = reply_host(reply);
        after_hello(slot);
        return;
      }
      out.error = "EHLO and HELO refused: " + reply_summary(reply);
      quit(slot);
      return;
    case phase::starttls:
      if (reply.code == 220) {
        start_tls(slot);
        return;
      }
      out.tls_attempted = true;
      out.tls_error = "STARTTLS refused: " + reply_summary(reply);
      // Still in the clear-text session the first EHLO opened.
      after_hello(slot);
      return;
    case phase::ehlo_tls:
      if (klass == 2) {
        out.has_ehlo_tls = true;
        out.ehlo_tls = parse_ehlo(reply);
        after_hello(slot);
        return;
      }
      // TLS reset the session (RFC 3207 §4.2) and the new EHLO was refused:
      // MAIL would only be out of sequence.
      quit(slot);
      return;
    case phase::relay_mail:
    case phase::relay_rcpt:
      on_relay_reply(slot, reply);
      return;
    case phase::rset:
      // Whatever RSET said, the relay test is over.
      quit(slot);
      return;
    default:
      quit(slot);
      return;
  }
}

void smtp_prober::start_tls(uint32_t slot) {
  session& s = at(slot);
  s.out->tls_attempted = true;
  s.ph = phase::tls_handshake;
  s.phase_ns = monotonic_ns();
  if (tls_ctx_ == nullptr) {
    s.out->tls_error = "TLS is not available";
    s.out->tls_local_error = true;
    finish(slot, s.implicit_tls ? smtp_status::error : s.out->status, "TLS is not available");
    return;
  }
  // SNI: the name the server gave itself, when it is a name; never an IP.
  std::string_view sni = s.out->banner_host;
  if (s.out->has_ehlo && !s.out->ehlo.host.empty()) {
    sni = s.out->ehlo.host;
  }
  if (is_ip_literal_or_empty(sni)) {
    sni = {};
  }
  // Nothing sent in clear text after STARTTLS's 220 counts, and anything
  // sent is a violation (an injection ahead of the handshake, CVE-2011-0411
  // the other way round).
  if (!s.implicit_tls && drain_unsolicited(slot)) {
    s.out->add_violation(smtp_violation::unsolicited_reply);
  }
  s.inbox.clear();
  s.tls = std::make_unique<tls_client_session>(*tls_ctx_, sni);
  drive_handshake(slot);
}

void smtp_prober::drive_handshake(uint32_t slot) {
  session& s = at(slot);
  tls_client_session::state st = s.tls->handshake();
  std::string bytes = s.tls->take_output();
  if (st == tls_client_session::state::failed || st == tls_client_session::state::closed) {
    smtp_result& out = *s.out;
    out.tls = s.tls->info();
    out.tls_error = s.tls->error().empty() ? "TLS handshake failed" : s.tls->error();
    out.tls_local_error = s.tls->local_failure();
    // Nothing more can be said in clear text after a failed upgrade: close.
    if (s.implicit_tls) {
      finish(slot, smtp_status::error, "TLS handshake failed: " + out.tls_error);
    } else {
      finish(slot, out.status);
    }
    return;
  }
  if (st == tls_client_session::state::established) {
    smtp_result& out = *s.out;
    out.tls_ok = true;
    out.tls = s.tls->info();
    out.ms_tls = ms_since(s.phase_ns);
    s.outbox += bytes;
    if (!s.outbox.empty()) {
      // Finished messages (TLS 1.2) still to go out; after_send comes back.
      s.outbox_off = 0;
      submit_send(slot);
      return;
    }
    if (s.implicit_tls) {
      s.ph = phase::greeting;
      s.phase_ns = monotonic_ns();
      // Data that arrived with the last handshake record is already there.
      tls_client_session::state rs = s.tls->read_plain(s.inbox);
      (void)rs;
      if (!s.inbox.empty()) {
        parse_inbox(slot);
        return;
      }
      submit_recv(slot);
      return;
    }
    send_command(slot, "EHLO " + options_.ehlo_name + "\r\n", phase::ehlo_tls);
    return;
  }
  // Still handshaking.
  if (!bytes.empty()) {
    s.outbox += bytes;
    s.outbox_off = 0;
    submit_send(slot);
    return;
  }
  submit_recv(slot);
}

void smtp_prober::handshake_io_failed(uint32_t slot, int res) {
  session& s = at(slot);
  smtp_result& out = *s.out;
  const smtp_status st = smtp_status_from_errno(res);
  // The same contract as a handshake the TLS library gave up on (and as a
  // FIN at this point, which goes through feed_eof): the failed upgrade is
  // told in tls.error. Regression: a reset or a stall used to become the
  // session's status with an empty "tls":{}.
  out.tls = s.tls->info();
  out.tls_error = res == -ECANCELED       ? std::string("timeout during TLS handshake")
                  : st == smtp_status::reset ? std::string("connection reset during TLS handshake")
                                             : std::string("TLS handshake: ") + std::strerror(-res);
  // Our deadline ran out: a slow path or a slow server, not a refusal.
  out.tls_local_error = res == -ECANCELED;
  if (s.implicit_tls) {
    // Port 465 has nothing but TLS: the session failed as the socket did.
    finish(slot, st, out.tls_error);
  } else {
    // STARTTLS: greeting and EHLO stand; only the upgrade failed.
    finish(slot, out.status);
  }
}

void smtp_prober::after_hello(uint32_t slot) {
  // A dialogue already out of step gives no relay verdict: MAIL is not sent.
  if (options_.relay) {
    check_unsolicited(slot);
  }
  if (!options_.relay || at(slot).out->violations != 0) {
    quit(slot);
    return;
  }
  send_command(slot, "MAIL FROM:<" + options_.relay_local + "@" + options_.relay_from + ">\r\n",
               phase::relay_mail);
}

void smtp_prober::record_relay_reply(uint32_t slot, const smtp_reply& reply) {
  session& s = at(slot);
  smtp_result& out = *s.out;
  const bool is_mail = s.ph == phase::relay_mail;
  relay_reply& recorded = is_mail ? out.relay_mail : out.relay_rcpt;
  recorded.received = true;
  recorded.code = reply.code;
  const std::string_view first = reply.first_line();
  recorded.text = std::string(first.substr(0, relay_reply::max_text));
  recorded.truncated = first.size() > relay_reply::max_text || reply.line_truncated;
  // RCPT follows MAIL's reply at once: the two phases add up to the test.
  const double ms = ms_since(s.phase_ns);
  out.ms_relay = is_mail ? ms : out.ms_relay + ms;
}

void smtp_prober::on_relay_reply(uint32_t slot, const smtp_reply& reply) {
  session& s = at(slot);
  smtp_result& out = *s.out;
  const bool is_mail = s.ph == phase::relay_mail;
  record_relay_reply(slot, reply);
  // Only a clean dialogue gives a verdict (finish() enforces it for
  // violations seen later, up to QUIT). A second reply to this command
  // would be here already.
  check_unsolicited(slot);
  if (out.violations != 0) {
    send_command(slot, "RSET\r\n", phase::rset);
    return;
  }
  switch (reply.code / 100) {
    case 2:
      if (is_mail) {
        send_command(slot, "RCPT TO:<" + options_.relay_local + "@" + options_.relay_to + ">\r\n",
                     phase::relay_rcpt);
        return;
      }
      out.relay = relay_status::open;
      break;
    case 4:
      out.relay = relay_status::tempfail;
      break;
    case 5:
      out.relay = relay_status::closed;
      break;
    default:
      // No code, or 1xx/3xx: no answer to the question asked.
      break;
  }
  // Drop the transaction before QUIT, whatever it said: never DATA.
  send_command(slot, "RSET\r\n", phase::rset);
}

void smtp_prober::quit(uint32_t slot) { send_command(slot, "QUIT\r\n", phase::quit); }

void smtp_prober::finish(uint32_t slot, smtp_status status, std::string error) {
  session& s = at(slot);
  smtp_result& out = *s.out;
  if (s.ph == phase::rset) {
    // RSET only tidies up after the relay verdict: a server that hangs up
    // or stalls there (some drop the connection once they refused to relay)
    // has answered what was asked, so the session keeps its status.
    status = out.status;
    error.clear();
  }
  out.status = status;
  if (out.violations != 0) {
    // Replies may have been paired with the wrong commands: whatever RCPT
    // seemed to say is no verdict.
    out.relay = relay_status::untested;
  }
  if (!error.empty() && out.error.empty()) {
    out.error = std::move(error);
  }
  out.ms_total = ms_since(s.start_ns);
  if (s.fd >= 0) {
    // No operation of this session is in flight here (finish runs from a
    // completion); a linked timeout may still report, and is ignored.
    ::close(s.fd);
    s.fd = -1;
  }
  s.tls.reset();
  s.ph = phase::idle;
  const uint64_t owner = s.owner;
  sessions_.release(slot);
  client_.on_smtp_done(owner);
}

}  // namespace ptrscan
