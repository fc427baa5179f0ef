// SMTP side of ptrscan-epoll-ref: connect, greeting, EHLO, STARTTLS, TLS
// handshake and EHLO again with BoringSSL over the nonblocking socket, QUIT.

#include <arpa/inet.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "reference/client.h"

namespace ptrscan::ref {

// --------------------------------------------------------------------------
// SMTP

void client::arm(ring<timer_entry>& fifo, int64_t timeout_ns, uint32_t slot) {
  host& h = hosts_[slot];
  fifo.push({now_ + timeout_ns, slot, ++h.timer_tag});
}

void client::start_smtp(uint32_t slot) {
  host& h = hosts_[slot];
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    ++c_.outcomes[o_local_error];
    return;
  }
  h.fd = fd;
  ++h.gen;
  h.smtp = smtp_state::connecting;
  sockaddr_in to = smtp_addr_;
  to.sin_addr.s_addr = htonl(h.ip);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 && errno != EINPROGRESS) {
    end_session(slot, errno == ECONNREFUSED ? o_refused : o_local_error, false);
    return;
  }
  // Registered once, edge-triggered, for both directions; close() removes it.
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = uint64_t{h.gen & 0x7FFFFFFF} << 32 | slot;
  ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
  arm(connect_timers_, o_.connect_timeout_ns, slot);
}

void client::on_tcp_event(uint32_t slot, uint32_t gen, uint32_t events) {
  host& h = hosts_[slot];
  if (h.fd < 0 || (h.gen & 0x7FFFFFFF) != gen) {
    return;  // the session this event was for has ended
  }
  switch (h.smtp) {
    case smtp_state::connecting:
      if ((events & (EPOLLERR | EPOLLHUP)) != 0) {
        end_session(slot, o_refused, false);
        return;
      }
      if ((events & EPOLLOUT) == 0) {
        return;
      }
      h.smtp = smtp_state::greeting;
      h.reader.reset();
      arm(read_timers_, o_.read_timeout_ns, slot);
      if ((events & (EPOLLIN | EPOLLRDHUP)) != 0) {
        on_readable(slot);
      }
      return;
    case smtp_state::handshake:
      step_handshake(slot);
      return;
    default:
      if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLERR | EPOLLHUP)) != 0) {
        on_readable(slot);
      }
      return;
  }
}

void client::on_readable(uint32_t slot) {
  static char buf[tcp_rx];
  host& h = hosts_[slot];
  const uint32_t gen = h.gen;
  while (h.gen == gen && h.smtp != smtp_state::handshake) {
    ssize_t n;
    if (h.ssl != nullptr) {
      const int r = SSL_read(h.ssl, buf, sizeof buf);
      if (r <= 0) {
        const int err = SSL_get_error(h.ssl, r);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
          end_session(slot, err == SSL_ERROR_ZERO_RETURN ? o_closed : o_tls_failed, false);
        }
        return;
      }
      n = r;
    } else {
      n = ::recv(h.fd, buf, sizeof buf, 0);
      if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
          return;
        }
        end_session(slot, n == 0 ? o_closed : o_reset, false);
        return;
      }
    }
    size_t off = 0;
    while (off < static_cast<size_t>(n) && h.gen == gen) {
      size_t used = 0;
      const reply_reader::result r = h.reader.feed(buf + off, static_cast<size_t>(n) - off, used);
      off += used;
      if (r == reply_reader::result::bad) {
        end_session(slot, o_bad_reply, true);
        return;
      }
      if (r == reply_reader::result::more) {
        break;
      }
      if (!on_reply(slot)) {
        return;  // ended, or TLS started (plaintext after the 220 is dropped)
      }
    }
    // A short plain read drained the socket: the next arrival raises a new
    // edge, so no recv() just to meet EAGAIN.
    if (h.ssl == nullptr && static_cast<size_t>(n) < sizeof buf) {
      return;
    }
  }
}

// A whole reply has been read in the current state; false when the session
// ended or moved to the TLS handshake.
bool client::on_reply(uint32_t slot) {
  host& h = hosts_[slot];
  const uint16_t code = h.reader.code();
  const bool offers_starttls = h.reader.starttls();
  h.reader.reset();
  switch (h.smtp) {
    case smtp_state::greeting:
      if (code / 100 != 2) {
        end_session(slot, o_rejected, true);
        return false;
      }
      if (!send_plain(slot, ehlo_.data(), ehlo_.size())) {
        return false;
      }
      h.smtp = smtp_state::ehlo;
      arm(read_timers_, o_.read_timeout_ns, slot);
      return true;
    case smtp_state::ehlo:
      if (code / 100 != 2) {
        end_session(slot, o_rejected, true);
        return false;
      }
      h.smtp_ok = true;
      if (!o_.starttls || !offers_starttls) {
        end_session(slot, o_quit, true);
        return false;
      }
      if (!send_plain(slot, "STARTTLS\r\n", 10)) {
        return false;
      }
      h.smtp = smtp_state::starttls;
      arm(read_timers_, o_.read_timeout_ns, slot);
      return true;
    case smtp_state::starttls: {
      if (code != 220) {
        end_session(slot, o_rejected, true);
        return false;
      }
      h.ssl = SSL_new(tls_);
      if (h.ssl == nullptr || SSL_set_fd(h.ssl, h.fd) != 1) {
        end_session(slot, o_tls_failed, false);
        return false;
      }
      SSL_set_connect_state(h.ssl);
      // The client's Finished and its EHLO leave back to back: no Nagle wait.
      const int one = 1;
      ::setsockopt(h.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      h.smtp = smtp_state::handshake;
      arm(read_timers_, o_.read_timeout_ns, slot);
      step_handshake(slot);
      return false;
    }
    case smtp_state::tls_ehlo:
      h.tls_ok = code / 100 == 2;
      end_session(slot, h.tls_ok ? o_quit : o_rejected, true);
      return false;
    default:
      return false;
  }
}

void client::step_handshake(uint32_t slot) {
  host& h = hosts_[slot];
  const int r = SSL_do_handshake(h.ssl);
  if (r != 1) {
    const int err = SSL_get_error(h.ssl, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      end_session(slot, o_tls_failed, false);
    }
    return;  // the next edge resumes it
  }
  // EHLO (a few octets into an empty send buffer: the write completes).
  if (SSL_write(h.ssl, ehlo_.data(), static_cast<int>(ehlo_.size())) !=
      static_cast<int>(ehlo_.size())) {
    end_session(slot, o_tls_failed, false);
    return;
  }
  h.smtp = smtp_state::tls_ehlo;
  arm(read_timers_, o_.read_timeout_ns, slot);
  // The reply cannot have come yet: its arrival raises the next edge, and
  // on_readable then drains SSL_read to WANT_READ (session tickets too).
}

bool client::send_plain(uint32_t slot, const char* data, size_t len) {
  host& h = hosts_[slot];
  const ssize_t n = ::send(h.fd, data, len, MSG_NOSIGNAL);
  if (n != static_cast<ssize_t>(len)) {
    end_session(slot, o_reset, false);
    return false;
  }
  return true;
}

// Ends the session: QUIT (not waiting for its reply) when asked, close,
// count, and maybe finish the host.
void client::end_session(uint32_t slot, outcome why, bool send_quit) {
  host& h = hosts_[slot];
  if (send_quit) {
    if (h.ssl != nullptr) {
      SSL_write(h.ssl, "QUIT\r\n", 6);
    } else {
      ::send(h.fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
    }
  }
  if (h.ssl != nullptr) {
    SSL_free(h.ssl);
    h.ssl = nullptr;
  }
  ::close(h.fd);
  h.fd = -1;
  ++h.gen;
  ++h.timer_tag;
  h.smtp = smtp_state::none;
  ++c_.outcomes[why];
  maybe_finish(slot);
}

}  // namespace ptrscan::ref
