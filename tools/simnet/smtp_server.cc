#include "simnet/smtp_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <memory>
#include <stdexcept>
#include <thread>

#include "simnet/reply_delay.h"
#include "simnet/smtp_session.h"
#include "simnet/timer_heap.h"

namespace ptrscan::simnet {
namespace {

constexpr int64_t idle_limit_ns = 60'000'000'000;  // longer than any client's read timeout
constexpr int64_t max_wait_ns = 100'000'000;
constexpr uint32_t base_events = EPOLLIN | EPOLLRDHUP;

int open_listener(uint32_t ip, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::runtime_error(std::string("smtp socket: ") + std::strerror(errno));
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(ip);
  sa.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 65535) != 0) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error("smtp listen " + std::to_string(port) + ": " + std::strerror(err));
  }
  return fd;
}

uint32_t local_ip(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohl(sa.sin_addr.s_addr);
}

uint16_t local_port(int fd) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  return ntohs(sa.sin_port);
}

/// A reply waiting for its send time.
struct held_reply {
  int64_t due_ns;
  smtp_reply reply;
};

struct connection {
  enum class phase : uint8_t {
    plain,
    tls_pending,  // STARTTLS accepted: input ignored until the 220 is out
    handshake,
    tls,
  };

  connection(uint32_t gen, smtp_session s) : generation(gen), session(std::move(s)) {}

  uint32_t generation;
  smtp_session session;
  phase state = phase::plain;
  std::string in;   // received, not yet a complete line
  std::string out;  // released replies not yet written
  std::deque<held_reply> held;
  int64_t last_due_ns = 0;  // replies leave in order even when jitter says otherwise
  int64_t last_active_ns = 0;
  bool quitting = false;          // no more commands are read
  bool close_after_out = false;   // QUIT's reply released
  bool tls_after_out = false;     // STARTTLS's 220 released
  bool want_write = false;        // the last write or handshake step needs EPOLLOUT
  uint32_t events = base_events;  // as registered with epoll
  bssl::UniquePtr<SSL> ssl;
};

/// One thread's listener, epoll loop, connections (indexed by fd) and reply
/// timers.
class worker {
 public:
  worker(const model& m, int listener, SSL_CTX* tls, const delay_settings& d, uint64_t seed)
      : model_(m),
        listener_(listener),
        tls_(tls),
        delay_(d.delay_ms, d.jitter_ms, seed),
        epoll_(::epoll_create1(EPOLL_CLOEXEC)) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = listener_;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, listener_, &ev);
  }

  ~worker() {
    for (size_t fd = 0; fd < conns_.size(); ++fd) {
      if (conns_[fd]) {
        ::close(static_cast<int>(fd));
      }
    }
    ::close(epoll_);
  }

  worker(const worker&) = delete;
  worker& operator=(const worker&) = delete;

  void run(const run_control& control) {
    std::array<epoll_event, 256> events{};
    int64_t next_sweep = now_ns() + 1'000'000'000;
    while (true) {
      int64_t now = now_ns();
      if (control.should_stop(now)) {
        return;
      }
      const int64_t wait = timers_.empty()
                               ? max_wait_ns
                               : std::clamp<int64_t>(timers_.next_due() - now, 0, max_wait_ns);
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                                 static_cast<int>((wait + 999'999) / 1'000'000));
      now = now_ns();
      for (int i = 0; i < n; ++i) {
        if (events[i].data.fd == listener_) {
          accept_all(now);
        } else {
          on_event(events[i].data.fd, events[i].events, now);
        }
      }
      fire_timers(now_ns());
      if (now >= next_sweep) {
        next_sweep = now + 1'000'000'000;
        close_idle(now);
      }
    }
  }

  uint64_t sessions = 0;
  uint64_t quits = 0;
  uint64_t tls_ok = 0;
  uint64_t tls_failed = 0;
  uint64_t max_open = 0;

 private:
  void accept_all(int64_t now) {
    while (true) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        return;  // EAGAIN, or out of descriptors: the backlog waits for the next round
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      const host_truth t = model_.truth(local_ip(fd));
      const auto slot = static_cast<size_t>(fd);
      if (slot >= conns_.size()) {
        conns_.resize(slot + 1);
      }
      conns_[slot] =
          std::make_unique<connection>(++generation_, smtp_session(t.banner_name, t.starttls));
      connection& c = *conns_[slot];
      c.last_active_ns = now;
      epoll_event ev{};
      ev.events = c.events;
      ev.data.fd = fd;
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
      ++open_;
      ++sessions;
      max_open = std::max(max_open, open_);
      schedule(fd, c, c.session.greeting(), now);
    }
  }

  void on_event(int fd, uint32_t events, int64_t now) {
    connection* c = find(fd);
    if (c == nullptr) {
      return;
    }
    c->last_active_ns = now;
    bool alive = true;
    if (c->state == connection::phase::handshake) {
      alive = handshake(fd, *c, now);
    } else {
      if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        alive = read_input(fd, *c, now);
      }
      if (alive && (events & EPOLLOUT) != 0) {
        alive = flush(fd, *c, now);
      }
    }
    if (alive) {
      update_interest(fd, *c);
    } else {
      close_connection(fd);
    }
  }

  // Reads what the socket has and answers every complete line; false when
  // the peer closed or the connection broke.
  bool read_input(int fd, connection& c, int64_t now) {
    std::array<char, 4096> buf;
    while (true) {
      ssize_t r;
      if (c.state == connection::phase::tls) {
        const int n = SSL_read(c.ssl.get(), buf.data(), static_cast<int>(buf.size()));
        if (n <= 0) {
          const int err = SSL_get_error(c.ssl.get(), n);
          if (err == SSL_ERROR_WANT_READ) {
            break;
          }
          return false;
        }
        r = n;
      } else {
        r = ::recv(fd, buf.data(), buf.size(), 0);
        if (r < 0 && errno == EINTR) {
          continue;
        }
        if (r < 0 && errno == EAGAIN) {
          break;
        }
        if (r <= 0) {
          return false;
        }
      }
      // After QUIT, and between STARTTLS and the handshake (RFC 3207 §5: no
      // plaintext may carry over into the TLS session), input is dropped.
      if (!c.quitting && c.state != connection::phase::tls_pending) {
        c.in.append(buf.data(), static_cast<size_t>(r));
      }
    }
    answer_lines(fd, c, now);
    return true;
  }

  void answer_lines(int fd, connection& c, int64_t now) {
    size_t eol;
    while (!c.quitting && c.state != connection::phase::tls_pending &&
           (eol = c.in.find('\n')) != std::string::npos) {
      std::string_view line(c.in.data(), eol);
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      }
      smtp_reply reply = c.session.on_line(line);
      c.in.erase(0, eol + 1);
      if (reply.then == smtp_reply::then_do::start_tls) {
        c.state = connection::phase::tls_pending;
        c.in.clear();
      }
      if (reply.then == smtp_reply::then_do::close) {
        c.quitting = true;
      }
      schedule(fd, c, std::move(reply), now);
    }
    if (!c.quitting && c.in.size() > smtp_session::max_line) {
      c.quitting = true;
      schedule(fd, c, c.session.line_too_long(), now);
    }
    if (c.quitting) {
      c.in.clear();
    }
  }

  void schedule(int fd, connection& c, smtp_reply reply, int64_t now) {
    const int64_t due = std::max(now + delay_.next_ns(), c.last_due_ns);
    c.last_due_ns = due;
    c.held.push_back({due, std::move(reply)});
    timers_.push(due, timer{fd, c.generation});
  }

  void fire_timers(int64_t now) {
    while (!timers_.empty() && timers_.next_due() <= now) {
      const timer t = timers_.pop();
      connection* c = find(t.fd);
      if (c == nullptr || c->generation != t.generation) {
        continue;  // the connection closed; its fd may already serve another
      }
      release(*c, now);
      if (flush(t.fd, *c, now)) {
        update_interest(t.fd, *c);
      } else {
        close_connection(t.fd);
      }
    }
  }

  // Moves replies whose time has come to the output, in order.
  static void release(connection& c, int64_t now) {
    while (!c.held.empty() && c.held.front().due_ns <= now) {
      smtp_reply& r = c.held.front().reply;
      c.out += r.text;
      c.close_after_out |= r.then == smtp_reply::then_do::close;
      c.tls_after_out |= r.then == smtp_reply::then_do::start_tls;
      c.held.pop_front();
    }
  }

  // Writes the released output; then closes after QUIT or starts TLS after
  // STARTTLS. False when the connection is done.
  bool flush(int fd, connection& c, int64_t now) {
    c.want_write = false;
    while (!c.out.empty()) {
      ssize_t n;
      if (c.state == connection::phase::tls) {
        const int w = SSL_write(c.ssl.get(), c.out.data(), static_cast<int>(c.out.size()));
        if (w <= 0) {
          if (SSL_get_error(c.ssl.get(), w) == SSL_ERROR_WANT_WRITE) {
            c.want_write = true;
            return true;
          }
          return false;
        }
        n = w;
      } else {
        n = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) {
          continue;
        }
        if (n < 0 && errno == EAGAIN) {
          c.want_write = true;
          return true;
        }
        if (n <= 0) {
          return false;
        }
      }
      c.out.erase(0, static_cast<size_t>(n));
    }
    if (c.close_after_out) {
      ++quits;
      return false;
    }
    if (c.tls_after_out) {
      c.tls_after_out = false;
      c.ssl.reset(SSL_new(tls_));
      if (!c.ssl || SSL_set_fd(c.ssl.get(), fd) != 1) {
        return false;
      }
      // The buffer handed to SSL_write is a std::string that may move
      // between retries.
      SSL_set_mode(c.ssl.get(), SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
      SSL_set_accept_state(c.ssl.get());
      c.state = connection::phase::handshake;
      return handshake(fd, c, now);
    }
    return true;
  }

  bool handshake(int fd, connection& c, int64_t now) {
    const int r = SSL_do_handshake(c.ssl.get());
    if (r == 1) {
      ++tls_ok;
      c.state = connection::phase::tls;
      c.session.tls_started();
      // The client's first command may have arrived with its last handshake
      // flight and sit in the TLS buffer, where epoll cannot see it.
      return read_input(fd, c, now);
    }
    const int err = SSL_get_error(c.ssl.get(), r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      c.want_write = err == SSL_ERROR_WANT_WRITE;
      return true;
    }
    ++tls_failed;
    return false;
  }

  void update_interest(int fd, connection& c) {
    const uint32_t wanted = base_events | (c.want_write ? EPOLLOUT : 0U);
    if (wanted != c.events) {
      c.events = wanted;
      epoll_event ev{};
      ev.events = wanted;
      ev.data.fd = fd;
      ::epoll_ctl(epoll_, EPOLL_CTL_MOD, fd, &ev);
    }
  }

  connection* find(int fd) {
    const auto slot = static_cast<size_t>(fd);
    return slot < conns_.size() ? conns_[slot].get() : nullptr;
  }

  void close_connection(int fd) {
    ::close(fd);  // also leaves the epoll set: the descriptor is never duplicated
    conns_[static_cast<size_t>(fd)].reset();
    --open_;
  }

  void close_idle(int64_t now) {
    for (size_t fd = 0; fd < conns_.size(); ++fd) {
      if (conns_[fd] && now - conns_[fd]->last_active_ns > idle_limit_ns) {
        close_connection(static_cast<int>(fd));
      }
    }
  }

  struct timer {
    int fd;
    uint32_t generation;
  };

  const model& model_;
  int listener_;
  SSL_CTX* tls_;
  reply_delay delay_;
  int epoll_;
  std::vector<std::unique_ptr<connection>> conns_;
  timer_heap<timer> timers_;
  uint32_t generation_ = 0;
  uint64_t open_ = 0;
};

}  // namespace

smtp_server::smtp_server(const model& m, uint32_t ip, uint16_t port, int threads, SSL_CTX* tls)
    : model_(m), tls_(tls) {
  try {
    for (int i = 0; i < threads; ++i) {
      listeners_.push_back(open_listener(ip, port));
      port = local_port(listeners_.back());  // the next listeners join the port the first got
    }
  } catch (...) {
    for (int fd : listeners_) {
      ::close(fd);
    }
    throw;
  }
  port_ = port;
}

smtp_server::~smtp_server() {
  for (int fd : listeners_) {
    ::close(fd);
  }
}

void smtp_server::run(const run_control& control, const delay_settings& delay) {
  std::vector<std::thread> threads;
  for (size_t i = 0; i < listeners_.size(); ++i) {
    threads.emplace_back([this, fd = listeners_[i], &control, &delay, i] {
      worker w(model_, fd, tls_, delay, 1000 + i);
      w.run(control);
      stats_.sessions += w.sessions;
      stats_.quits += w.quits;
      stats_.tls_ok += w.tls_ok;
      stats_.tls_failed += w.tls_failed;
      uint64_t seen = stats_.max_open.load();
      while (w.max_open > seen && !stats_.max_open.compare_exchange_weak(seen, w.max_open)) {
      }
    });
  }
  for (auto& t : threads) {
    t.join();
  }
}

}  // namespace ptrscan::simnet
