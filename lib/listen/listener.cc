#include "listen/listener.h"

#include "listen/listen_record.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "core/clock.h"
#include "core/deadline_fifo.h"
#include "core/ring.h"
#include "core/slab.h"
#include "core/user_data.h"
#include "dns/answer_cache.h"
#include "dns/resolver_client.h"
#include "net/ip_address.h"
#include "output/json_writer.h"
#include "output/timestamp.h"

namespace ptrscan {
namespace {

constexpr size_t recv_bytes = 4096;
constexpr int64_t ms = 1'000'000;
/// Reads of unread input (4096 bytes each) dropped before a close.
constexpr int max_linger_reads = 16;
/// How long a loop out of descriptors waits before it accepts again.
constexpr int64_t accept_pause_ms = 100;

/// A DNS cookie: session slot (24 bits), its generation's low 16 bits, and
/// the identity's question tag (24 bits).
uint64_t pack_cookie(uint32_t slot, uint32_t generation, uint32_t tag) {
  return (uint64_t{slot & 0xffffff} << 40) | (uint64_t{generation & 0xffff} << 24) |
         uint64_t{tag & 0xffffff};
}

struct sock_name {
  ip_address ip;
  uint16_t port = 0;
};

std::optional<sock_name> from_sockaddr(const sockaddr_storage& ss) {
  sock_name n;
  char text[INET6_ADDRSTRLEN] = {};
  if (ss.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&ss);
    inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    n.port = ntohs(a->sin_port);
  } else if (ss.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&ss);
    if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
      inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], text, sizeof text);  // a v4 client
    } else {
      inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    }
    n.port = ntohs(a->sin6_port);
  } else {
    return std::nullopt;
  }
  std::optional<ip_address> ip = ip_address::parse(text);
  if (!ip) {
    return std::nullopt;
  }
  n.ip = *ip;
  return n;
}

std::string endpoint_text(const sock_name& n) {
  return n.ip.is_v4() ? absl::StrCat(n.ip.to_string(), ":", n.port)
                      : absl::StrCat("[", n.ip.to_string(), "]:", n.port);
}

/// "IP:PORT" or "[IPv6]:PORT" into a sockaddr.
bool parse_endpoint(const std::string& s, sockaddr_storage* ss, socklen_t* len) {
  std::string host;
  std::string port;
  if (!s.empty() && s.front() == '[') {
    const size_t close = s.find(']');
    if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') {
      return false;
    }
    host = s.substr(1, close - 1);
    port = s.substr(close + 2);
  } else {
    const size_t colon = s.rfind(':');
    if (colon == std::string::npos) {
      return false;
    }
    host = s.substr(0, colon);
    port = s.substr(colon + 1);
  }
  char* end = nullptr;
  const unsigned long p = std::strtoul(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p > 65535) {
    return false;
  }
  std::memset(ss, 0, sizeof *ss);
  auto* a4 = reinterpret_cast<sockaddr_in*>(ss);
  auto* a6 = reinterpret_cast<sockaddr_in6*>(ss);
  if (inet_pton(AF_INET, host.c_str(), &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<uint16_t>(p));
    *len = sizeof(sockaddr_in);
    return true;
  }
  if (inet_pton(AF_INET6, host.c_str(), &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<uint16_t>(p));
    *len = sizeof(sockaddr_in6);
    return true;
  }
  return false;
}

/// The client's /24 (IPv6: /64), for the per-subnet cap.
std::string subnet_key(const ip_address& ip) {
  std::string s = ip.to_string();
  if (ip.is_v4()) {
    return s.substr(0, s.rfind('.'));
  }
  in6_addr a{};
  inet_pton(AF_INET6, s.c_str(), &a);
  return std::string(reinterpret_cast<const char*>(a.s6_addr), 8);
}

/// A socket one loop listens on, as bound: the other loops bind theirs to
/// the same address (port 0 resolved) in the same SO_REUSEPORT group.
struct bound_address {
  sockaddr_storage ss{};
  socklen_t len = 0;
  std::string text;  // "IP:PORT"
};

/// What the event loops share: the caps' counts (taken under a lock twice
/// per connection: at accept and when its record is written), the record
/// count, the stop level, and every loop's wake-up eventfd.
struct listen_shared {
  std::mutex m;
  uint32_t sessions = 0;
  absl::flat_hash_map<std::string, uint32_t> per_subnet;
  std::atomic<uint64_t> records{0};
  /// Raised by each SIGINT/SIGTERM (and to 2 by a loop's error): 1 = stop
  /// (close the listeners, end the sessions), 2 or more = stop now.
  std::atomic<int> stop_level{0};
  std::atomic<int> signal{0};
  std::vector<int> wake_fds;

  listen_shared() = default;
  listen_shared(const listen_shared&) = delete;
  listen_shared& operator=(const listen_shared&) = delete;
  ~listen_shared() {
    for (int fd : wake_fds) {
      ::close(fd);
    }
  }

  /// A place for a session from `subnet`, or the cap that refuses it
  /// ("per_subnet", "sessions").
  std::string_view admit(const std::string& subnet, uint32_t max_sessions, uint32_t per_cap) {
    std::lock_guard<std::mutex> l(m);
    const auto it = per_subnet.find(subnet);
    if (it != per_subnet.end() && it->second >= per_cap) {
      return "per_subnet";
    }
    if (sessions >= max_sessions) {
      return "sessions";
    }
    ++sessions;
    ++per_subnet[subnet];
    return {};
  }
  void release(const std::string& subnet) {
    std::lock_guard<std::mutex> l(m);
    --sessions;
    if (auto it = per_subnet.find(subnet); it != per_subnet.end() && --it->second == 0) {
      per_subnet.erase(it);
    }
  }
  void wake_all() {
    const uint64_t one = 1;
    for (int fd : wake_fds) {
      (void)!::write(fd, &one, sizeof one);  // a counter: cannot fill from a few writes
    }
  }
  void raise_stop(int level) {
    int cur = stop_level.load();
    while (cur < level && !stop_level.compare_exchange_weak(cur, level)) {
    }
    wake_all();
  }
};

struct session {
  int fd = -1;
  sock_name client;
  sock_name local;
  int64_t start_ns = 0;
  int64_t wall_ns = 0;
  std::unique_ptr<responder> r;
  std::unique_ptr<client_identity> id;
  std::unique_ptr<tls_server_session> tls;  // after STARTTLS
  std::string tls_version;
  std::string tls_cipher;
  std::string tls_sni;
  std::string tls_error;
  int64_t ms_tls = -1;  // handshake done
  std::vector<char> buf;
  std::string sending;
  size_t sent = 0;
  bool recv_armed = false;
  bool send_armed = false;
  bool fd_closed = false;
  uint32_t helo_seq = 0;
  uint32_t mail_seq = 0;
  uint32_t verdict_waits = 0;  // RCPTs that waited for the lookups
  bool verdict_wait_armed = false;
  bool verdict_timed_out = false;
  std::string last_verdict;
  int64_t ms_ptr = -1;
  int64_t ms_fcrdns = -1;
  int64_t ms_verdict = -1;
  std::string subnet;
};

class listener final : public resolver_client {
 public:
  listener(const listener_config& c, output_sink& sink, listener_stats* stats,
           listen_shared& shared, uint32_t index)
      : c_(c),
        sink_(sink),
        stats_(stats),
        shared_(shared),
        index_(index),
        sessions_(c.max_sessions),
        cache_(*this, c.dns_cache),
        dns_(ring_, cache_) {}

  ~listener() {
    for (int fd : listen_fds_) {
      ::close(fd);
    }
    if (signal_fd_ >= 0) {
      ::close(signal_fd_);
    }
    for (uint32_t i = 0; i < sessions_.capacity(); ++i) {
      if (sessions_[i].fd >= 0) {
        ::close(sessions_[i].fd);
      }
    }
  }

  /// Binds c_.addresses (the first loop), or the addresses the first loop
  /// bound (`first`: the others join its SO_REUSEPORT groups).
  absl::Status init(const std::vector<bound_address>* first);
  absl::Status run();
  const std::vector<bound_address>& bound() const { return bound_; }
  const answer_cache_stats& cache_stats() const { return cache_.stats(); }
  uint64_t dns_queries() const { return dns_.queries_sent(); }

  void on_dns_result(uint64_t cookie, dns_status transport, std::string_view reason,
                     std::span<const uint8_t> packet) override;

 private:
  int64_t since_ms(const session& s, int64_t now_ns) const {
    return (now_ns - s.start_ns) / ms;
  }
  void arm_accept(uint32_t index);
  void arm_signal();
  /// A signal read off the signalfd: the shared stop level goes up a step
  /// and every loop is woken to catch up with it.
  void take_signal();
  /// Cancels this loop's signal read before the loop ends, so no signal is
  /// taken by a loop that no longer acts on it (one taken meanwhile is
  /// acted on all the same).
  void release_signal_read();
  void arm_wake();
  /// Catches up with the shared stop level.
  void sync_stop();
  void count_record();
  void on_accept(uint32_t index, int res, uint32_t flags);
  void refuse(int fd, const sock_name& client, const sock_name& local, std::string_view reason);
  void on_recv(uint32_t slot, int res);
  void on_send(uint32_t slot, int res);
  /// Feeds ciphertext to the session's TLS and at most recv_bytes of the
  /// plaintext to the responder. True when it read plaintext or the TLS
  /// session ended (failed or closed): something moved.
  bool on_tls_bytes(session& s, std::string_view bytes, int64_t now);
  void pump(uint32_t slot);
  void close_fd(session& s);
  void finish(uint32_t slot);
  void write_record(const session& s);
  void expire(int64_t now_ns);
  void begin_stop();
  bool done() const;

  const listener_config& c_;
  output_sink& sink_;
  listener_stats* stats_;
  listen_shared& shared_;
  uint32_t index_;
  std::vector<bound_address> bound_;
  uint64_t wake_buf_ = 0;
  int stop_seen_ = 0;
  // Sessions before the ring: the ring is torn down (its operations
  // cancelled) before the buffers they read into are freed.
  slab<session> sessions_;
  ring ring_;
  // The answer cache fronts the transport: the transport reports to it,
  // it reports to this listener.
  answer_cache cache_;
  udp_resolver dns_;
  rdns_classifier classifier_;
  rfc3339_ms ts_;
  std::vector<int> listen_fds_;
  std::vector<bool> accept_armed_;
  /// When the accepts paused for want of descriptors are re-armed; 0: none.
  int64_t accept_retry_ns_ = 0;
  int signal_fd_ = -1;
  bool signal_armed_ = false;
  signalfd_siginfo sig_buf_{};
  bool stopping_ = false;
  bool stop_now_ = false;
  deadline_fifo greet_timers_;
  deadline_fifo session_timers_;
  deadline_fifo verdict_timers_;
  // Beside each verdict timer, in the same order: the session's wait it was
  // armed for (session::verdict_waits), so a timer left over from a wait
  // that was answered in time never ends a later one.
  std::deque<uint32_t> verdict_timer_waits_;
  std::string chunk_;
  /// Sessions that got a DNS answer since the last loop turn.
  std::vector<deadline_fifo::entry> pending_pumps_;
};

absl::Status listener::init(const std::vector<bound_address>* first) {
  if (absl::Status st = ring_.init(4096); !st.ok()) {
    return st;
  }
  if (absl::Status st = dns_.init(c_.dns); !st.ok()) {
    return st;
  }
  cache_.set_transport([this](std::string_view name, uint16_t type, uint64_t cookie) {
    dns_.query(name, type, cookie);
  });
  std::vector<bound_address> want;
  if (first != nullptr) {
    want = *first;
  } else {
    for (const std::string& a : c_.addresses) {
      bound_address b;
      if (!parse_endpoint(a, &b.ss, &b.len)) {
        return absl::InvalidArgumentError(absl::StrCat("listen address '", a,
                                                       "': expected IP:PORT or [IPv6]:PORT"));
      }
      b.text = a;
      want.push_back(b);
    }
  }
  for (const bound_address& a : want) {
    const int fd = ::socket(a.ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
    }
    listen_fds_.push_back(fd);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (c_.threads > 1) {
      // One socket per loop on the same address: the kernel hashes each
      // connection to one of them.
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
    }
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&a.ss), a.len) != 0 ||
        ::listen(fd, 1024) != 0) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot listen on ", a.text, ": ", strerror(errno)));
    }
    bound_address got;
    got.len = sizeof got.ss;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&got.ss), &got.len);
    std::optional<sock_name> n = from_sockaddr(got.ss);
    got.text = n ? endpoint_text(*n) : a.text;
    bound_.push_back(got);
  }
  accept_armed_.assign(listen_fds_.size(), false);
  for (uint32_t i = 0; i < listen_fds_.size(); ++i) {
    arm_accept(i);
  }
  if (c_.handle_signals) {
    // Every loop reads the signals (whichever read is done first takes
    // each one; it raises the shared stop level for all): a loop that has
    // ended leaves the others still listening for the second signal. The
    // mask is blocked in this thread (the other loops' threads are made
    // after the first loop's init, and inherit it).
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    signal_fd_ = ::signalfd(-1, &set, SFD_CLOEXEC);
    if (signal_fd_ < 0) {
      return absl::InternalError(absl::StrCat("signalfd: ", strerror(errno)));
    }
    arm_signal();
  }
  arm_wake();
  return absl::OkStatus();
}

void listener::arm_wake() {
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_read(sqe, shared_.wake_fds[index_], &wake_buf_, sizeof wake_buf_, 0);
  io_uring_sqe_set_data64(sqe, user_data{op_kind::wakeup, 0, 0}.pack());
}

void listener::sync_stop() {
  const int level = shared_.stop_level.load();
  while (stop_seen_ < level && !stop_now_) {
    ++stop_seen_;
    begin_stop();  // the second call stops at once
  }
}

void listener::count_record() {
  ++stats_->records;
  const uint64_t n = shared_.records.fetch_add(1) + 1;
  if (c_.max_records > 0 && n == c_.max_records) {
    shared_.wake_all();  // every loop sees the cap reached
  }
}

void listener::arm_accept(uint32_t index) {
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_multishot_accept(sqe, listen_fds_[index], nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, user_data{op_kind::accept, 0, index}.pack());
  accept_armed_[index] = true;
}

void listener::arm_signal() {
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_read(sqe, signal_fd_, &sig_buf_, sizeof sig_buf_, 0);
  io_uring_sqe_set_data64(sqe, user_data{op_kind::signal, 0, 0}.pack());
  signal_armed_ = true;
}

void listener::take_signal() {
  shared_.signal.store(static_cast<int>(sig_buf_.ssi_signo));
  shared_.stop_level.fetch_add(1);
  shared_.wake_all();  // this loop too: it stops in sync_stop()
}

void listener::release_signal_read() {
  if (!signal_armed_) {
    return;
  }
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_cancel64(sqe, user_data{op_kind::signal, 0, 0}.pack(), 0);
  io_uring_sqe_set_data64(sqe, user_data{op_kind::cancel, 0, 0}.pack());
  // A cancelled read completes at once; bounded all the same (1 s).
  for (int turn = 0; turn < 100 && signal_armed_; ++turn) {
    if (ring_.submit_and_wait(10 * ms, 1) < 0) {
      break;
    }
    ring_.drain([this](uint64_t data, int res, uint32_t) {
      if (user_data::unpack(data).op == op_kind::signal) {
        signal_armed_ = false;
        if (res == static_cast<int>(sizeof sig_buf_)) {
          take_signal();  // it came in before the cancel: the other loops act on it
        }
      }
    });
  }
}

void listener::refuse(int fd, const sock_name& client, const sock_name& local,
                      std::string_view reason) {
  // A fresh socket's send buffer is empty: the one line goes out at once.
  static constexpr std::string_view busy = "421 4.7.0 too many connections, try later\r\n";
  static constexpr std::string_view closing = "421 4.3.2 shutting down, try later\r\n";
  const bool stopping = reason.empty();
  const std::string_view line = stopping ? closing : busy;
  (void)::send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::close(fd);
  if (!stopping) {
    ++stats_->refused;
  }
  json_writer w(chunk_);
  write_refused_record(w, ts_.format(realtime_ns()), client.ip.to_string(), client.port,
                       endpoint_text(local), stopping ? "shutdown" : "refused", reason);
  count_record();
}

void listener::on_accept(uint32_t index, int res, uint32_t flags) {
  const bool out_of_resources =
      res == -EMFILE || res == -ENFILE || res == -ENOMEM || res == -ENOBUFS;
  if ((flags & IORING_CQE_F_MORE) == 0) {
    accept_armed_[index] = false;
    if (out_of_resources) {
      // Re-armed at once, the accept would fail again at once, and the loop
      // would spin while the connections wait in the backlog: a pause
      // lets sessions end and free descriptors (re-armed in run()).
      if (accept_retry_ns_ == 0) {
        accept_retry_ns_ = monotonic_ns() + accept_pause_ms * ms;
        ++stats_->accept_pauses;
      }
    } else if (!stopping_) {
      arm_accept(index);
    }
  }
  if (res < 0) {
    return;  // ECONNABORTED ...: the next connection may do
  }
  const int fd = res;
  ++stats_->accepted;
  sockaddr_storage peer{};
  sockaddr_storage self{};
  socklen_t pl = sizeof peer;
  socklen_t sl = sizeof self;
  ::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &pl);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&self), &sl);
  std::optional<sock_name> client = from_sockaddr(peer);
  std::optional<sock_name> local = from_sockaddr(self);
  if (!client || !local) {
    // Reset before it was read (getpeername: ENOTCONN): no address to
    // record it under; counted, so accepted = records + this.
    ::close(fd);
    ++stats_->unrecorded;
    return;
  }
  if (stopping_) {
    // Accepted by the kernel before the stop closed the listening socket:
    // told so, and recorded like every connection.
    refuse(fd, *client, *local, "");
    return;
  }
  const std::string subnet = subnet_key(client->ip);
  // The caps count every loop's sessions.
  if (const std::string_view cap = shared_.admit(subnet, c_.max_sessions, c_.per_subnet);
      !cap.empty()) {
    refuse(fd, *client, *local, cap);
    return;
  }
  const int64_t slot_or = sessions_.acquire();
  if (slot_or < 0) {
    // Not reached: each loop's slab holds max_sessions.
    shared_.release(subnet);
    refuse(fd, *client, *local, "sessions");
    return;
  }
  const uint32_t slot = static_cast<uint32_t>(slot_or);
  session& s = sessions_[slot];
  s = session{};
  s.fd = fd;
  s.client = *client;
  s.local = *local;
  s.subnet = subnet;
  s.start_ns = monotonic_ns();
  s.wall_ns = realtime_ns();
  s.buf.resize(recv_bytes);
  s.r = std::make_unique<responder>(c_.responder);
  s.id = std::make_unique<client_identity>(s.client.ip, classifier_, c_.identity);
  s.id->start();  // lookups run while the dialogue goes on
  const uint32_t gen = sessions_.generation(slot);
  session_timers_.push({s.start_ns + int64_t{c_.session_timeout_ms} * ms, slot, gen});
  if (c_.greet_delay_ms > 0) {
    greet_timers_.push({s.start_ns + int64_t{c_.greet_delay_ms} * ms, slot, gen});
  } else {
    s.r->send_greeting(0);
  }
  pump(slot);
}

void listener::on_recv(uint32_t slot, int res) {
  session& s = sessions_[slot];
  s.recv_armed = false;
  const int64_t now = since_ms(s, monotonic_ns());
  if (res > 0 && s.tls) {
    on_tls_bytes(s, std::string_view(s.buf.data(), static_cast<size_t>(res)), now);
  } else if (res > 0) {
    s.r->on_bytes(std::string_view(s.buf.data(), static_cast<size_t>(res)), now);
  } else if (res == 0) {
    s.r->peer_closed("closed", now);
  } else if (res != -ECANCELED) {
    s.r->peer_closed("reset", now);
  }
  pump(slot);
}

bool listener::on_tls_bytes(session& s, std::string_view bytes, int64_t now) {
  s.tls->feed_input(bytes);
  if (s.tls->current() == tls_server_session::state::handshaking &&
      s.tls->handshake() == tls_server_session::state::established) {
    s.tls_version = s.tls->version();
    s.tls_cipher = s.tls->cipher();
    s.tls_sni = s.tls->sni();
    s.ms_tls = now;
    s.r->tls_established(now);
  }
  bool read = false;
  if (s.tls->current() == tls_server_session::state::established) {
    std::string plain;
    s.tls->read_plain(plain, recv_bytes);
    if (!plain.empty()) {
      s.r->on_bytes(plain, now);
      read = true;
    }
  }
  if (s.tls->current() == tls_server_session::state::failed) {
    s.tls_error = s.tls->error();
    s.r->peer_closed("tls_error", now);
    return true;
  }
  if (s.tls->current() == tls_server_session::state::closed) {
    s.r->peer_closed("closed", now);
    return true;
  }
  return read;
}

void listener::on_send(uint32_t slot, int res) {
  session& s = sessions_[slot];
  s.send_armed = false;
  if (res < 0) {
    s.r->peer_closed("reset", since_ms(s, monotonic_ns()));
    s.sending.clear();
    s.sent = 0;
  } else {
    s.sent += static_cast<size_t>(res);
    if (s.sent >= s.sending.size()) {
      s.sending.clear();
      s.sent = 0;
    }
  }
  pump(slot);
}

void listener::close_fd(session& s) {
  if (s.fd_closed) {
    return;
  }
  s.fd_closed = true;
  const std::string& end = s.r->dialogue().end;
  if (end != "closed" && end != "reset" && end != "quit") {
    // This side ends the session (a cap, the deadline, a stop) and the
    // client may have sent more than was read (a pipelined group past the
    // command cap). Input left unread at close() makes the kernel answer
    // with a reset, which can destroy the last replies (the 421) before
    // the client reads them: so the FIN goes out behind them first, and
    // what has arrived is read and dropped (bounded) before the close.
    ::shutdown(s.fd, SHUT_WR);
    char discard[4096];
    for (int i = 0; i < max_linger_reads; ++i) {
      if (::recv(s.fd, discard, sizeof discard, MSG_DONTWAIT) <= 0) {
        break;
      }
    }
  }
  // shutdown ends a receive still in flight (it completes with 0), so the
  // socket really closes and the buffer is free once it has.
  ::shutdown(s.fd, SHUT_RDWR);
  ::close(s.fd);
  s.fd = -1;
}

void listener::pump(uint32_t slot) {
  session& s = sessions_[slot];
  const uint32_t gen = sessions_.generation(slot);
  const int64_t now_ns = monotonic_ns();
  const int64_t now = since_ms(s, now_ns);
  for (;;) {
    if (s.r->helo_seq() != s.helo_seq) {
      s.helo_seq = s.r->helo_seq();
      s.id->set_helo(s.r->dialogue().helo);
    }
    if (s.r->mail_seq() != s.mail_seq) {
      s.mail_seq = s.r->mail_seq();
      s.id->set_mail_from(s.r->dialogue().mail_from);
    }
    for (const identity_question& q : s.id->take_questions()) {
      cache_.query(q.name, q.type, pack_cookie(slot, gen, q.tag));
    }
    if (s.id->ptr_done() && s.ms_ptr < 0) {
      s.ms_ptr = now;
    }
    if (s.id->fcrdns_done() && s.ms_fcrdns < 0) {
      s.ms_fcrdns = now;
    }
    if (!s.r->waiting_verdict()) {
      break;
    }
    if (!s.id->verdict_ready() && !s.verdict_timed_out && !stopping_) {
      if (!s.verdict_wait_armed) {
        s.verdict_wait_armed = true;
        ++s.verdict_waits;
        verdict_timers_.push({now_ns + int64_t{c_.verdict_wait_ms} * ms, slot, gen});
        verdict_timer_waits_.push_back(s.verdict_waits);
      }
      break;
    }
    s.verdict_wait_armed = false;
    s.last_verdict = s.id->verdict_line();
    if (s.ms_verdict < 0) {
      s.ms_verdict = now;
    }
    s.r->answer_rcpt(s.last_verdict, now);
  }
  if (!s.fd_closed && !s.send_armed && s.sending.empty() && !s.r->has_output() &&
      s.r->starttls_pending() && !s.tls && c_.tls != nullptr) {
    // Our 220 to STARTTLS is out: what comes next is the ClientHello.
    s.tls = std::make_unique<tls_server_session>(*c_.tls);
    s.tls->handshake();
  }
  if (!s.fd_closed && !s.send_armed && s.sending.empty()) {
    if (s.tls) {
      if (s.tls->current() == tls_server_session::state::established && s.r->has_output()) {
        s.tls->write_plain(s.r->take_output());
      }
      s.sending = s.tls->take_output();
    } else if (s.r->has_output()) {
      s.sending = s.r->take_output();
    }
    s.sent = 0;
  }
  if (!s.fd_closed && !s.send_armed) {
    if (!s.sending.empty()) {
      io_uring_sqe* sqe = ring_.get_sqe();
      io_uring_prep_send(sqe, s.fd, s.sending.data() + s.sent, s.sending.size() - s.sent,
                         MSG_NOSIGNAL);
      io_uring_sqe_set_data64(sqe, user_data{op_kind::peer_send, gen, slot}.pack());
      s.send_armed = true;
    }
  }
  if (!s.fd_closed) {
    if (s.r->closing() && !s.send_armed) {
      close_fd(s);
    } else if (!s.r->closing() && !s.recv_armed && !s.r->waiting_verdict() &&
               (!s.r->starttls_pending() || s.tls)) {
      if (s.tls && s.tls->input_pending() && on_tls_bytes(s, {}, now)) {
        // Plaintext is read in steps of recv_bytes, as the socket is: what
        // a step left in the TLS buffers is taken before waiting for more
        // (a pipelined group past 4096 bytes arrives all at once). A step
        // that read nothing (a record not complete yet) waits on the
        // socket; every other consumes input, so this ends.
        pump(slot);
        return;
      }
      io_uring_sqe* sqe = ring_.get_sqe();
      io_uring_prep_recv(sqe, s.fd, s.buf.data(), s.buf.size(), 0);
      io_uring_sqe_set_data64(sqe, user_data{op_kind::peer_recv, gen, slot}.pack());
      s.recv_armed = true;
    }
  }
  if (s.fd_closed && !s.recv_armed && !s.send_armed && s.id->idle()) {
    finish(slot);
  }
}

void listener::on_dns_result(uint64_t cookie, dns_status transport, std::string_view reason,
                             std::span<const uint8_t> packet) {
  const uint32_t slot = static_cast<uint32_t>(cookie >> 40);
  const uint32_t gen = static_cast<uint32_t>((cookie >> 24) & 0xffff);
  if (slot >= sessions_.capacity() || (sessions_.generation(slot) & 0xffff) != gen ||
      !sessions_[slot].id) {
    return;
  }
  sessions_[slot].id->on_answer(static_cast<uint32_t>(cookie & 0xffffff), transport, reason,
                                packet);
  // Answers can arrive inside dns_.query(), called from pump(): the next
  // loop turn pumps every session that got one.
  pending_pumps_.push_back({0, slot, sessions_.generation(slot)});
}

void listener::finish(uint32_t slot) {
  session& s = sessions_[slot];
  write_record(s);
  count_record();
  shared_.release(s.subnet);
  s = session{};
  sessions_.release(slot);
}

void listener::write_record(const session& s) {
  session_facts f;
  f.ts = std::string(ts_.format(s.wall_ns));
  f.client = s.client.ip.to_string();
  f.client_port = s.client.port;
  f.local = endpoint_text(s.local);
  f.tls_started = s.tls != nullptr;
  // The EHLO reply lists STARTTLS when the listener has a certificate and
  // the session is not in TLS yet: a client that said EHLO was offered it.
  f.tls_offered = c_.tls != nullptr && c_.responder.tls_available &&
                  (s.tls != nullptr || s.r->dialogue().helo_verb == "EHLO" ||
                   s.r->dialogue().ms_starttls >= 0);
  f.tls_version = s.tls_version;
  f.tls_cipher = s.tls_cipher;
  f.tls_sni = s.tls_sni;
  f.tls_error = s.tls_error;
  f.verdict = s.last_verdict;
  f.verdict_timeout = s.verdict_timed_out;
  f.ms_tls = s.ms_tls;
  f.ms_ptr = s.ms_ptr;
  f.ms_fcrdns = s.ms_fcrdns;
  f.ms_verdict = s.ms_verdict;
  f.ms_total = since_ms(s, monotonic_ns());
  json_writer w(chunk_);
  write_session_record(w, f, s.r->dialogue(), *s.id, c_.policy);
}

void listener::expire(int64_t now_ns) {
  auto live = [this](const deadline_fifo::entry& e) {
    return sessions_.generation(e.index) == e.generation && sessions_[e.index].r != nullptr;
  };
  while (!greet_timers_.empty() && greet_timers_.front().deadline_ns <= now_ns) {
    const deadline_fifo::entry e = greet_timers_.front();
    greet_timers_.pop();
    if (live(e)) {
      session& s = sessions_[e.index];
      s.r->send_greeting(since_ms(s, now_ns));
      pump(e.index);
    }
  }
  while (!verdict_timers_.empty() && verdict_timers_.front().deadline_ns <= now_ns) {
    const deadline_fifo::entry e = verdict_timers_.front();
    verdict_timers_.pop();
    const uint32_t wait = verdict_timer_waits_.front();
    verdict_timer_waits_.pop_front();
    if (live(e) && sessions_[e.index].verdict_wait_armed &&
        sessions_[e.index].verdict_waits == wait) {
      // Every later RCPT of the session is answered with what is known.
      sessions_[e.index].verdict_timed_out = true;
      pump(e.index);
    }
  }
  while (!session_timers_.empty() && session_timers_.front().deadline_ns <= now_ns) {
    const deadline_fifo::entry e = session_timers_.front();
    session_timers_.pop();
    if (live(e)) {
      session& s = sessions_[e.index];
      s.r->abort("timeout", since_ms(s, now_ns));
      pump(e.index);
    }
  }
}

void listener::begin_stop() {
  if (stopping_) {
    stop_now_ = true;
    return;
  }
  stopping_ = true;
  for (size_t i = 0; i < listen_fds_.size(); ++i) {
    // Closing the socket ends its multishot accept (and refuses new
    // connections at once).
    ::shutdown(listen_fds_[i], SHUT_RDWR);
  }
  const int64_t now_ns = monotonic_ns();
  for (uint32_t i = 0; i < sessions_.capacity(); ++i) {
    session& s = sessions_[i];
    if (s.r) {
      s.r->abort("shutdown", since_ms(s, now_ns));
      pump(i);
    }
  }
}

bool listener::done() const {
  if (stop_now_) {
    return true;
  }
  if (c_.max_records > 0 && shared_.records.load() >= c_.max_records) {
    return true;
  }
  return stopping_ && sessions_.in_use() == 0;
}

absl::Status listener::run() {
  while (!done()) {
    const int64_t now = monotonic_ns();
    int64_t next = std::min({greet_timers_.next_deadline(), verdict_timers_.next_deadline(),
                             session_timers_.next_deadline(),
                             accept_retry_ns_ == 0 ? INT64_MAX : accept_retry_ns_});
    int64_t wait = next == INT64_MAX ? 1000 * ms : std::max<int64_t>(next - now, 0);
    wait = dns_.next_timeout_ns(std::min<int64_t>(wait, 1000 * ms));
    if (int rc = ring_.submit_and_wait(std::max<int64_t>(wait, 1), 1); rc < 0) {
      return absl::InternalError(absl::StrCat("listen: io_uring wait: ", strerror(-rc)));
    }
    ring_.drain([this](uint64_t data, int res, uint32_t flags) {
      const user_data ud = user_data::unpack(data);
      switch (ud.op) {
        case op_kind::accept:
          on_accept(ud.index, res, flags);
          break;
        case op_kind::peer_recv:
        case op_kind::peer_send:
          if (ud.index < sessions_.capacity() &&
              sessions_.generation(ud.index) == ud.generation && sessions_[ud.index].r) {
            if (ud.op == op_kind::peer_recv) {
              on_recv(ud.index, res);
            } else {
              on_send(ud.index, res);
            }
          }
          break;
        case op_kind::signal:
          signal_armed_ = false;
          if (res == static_cast<int>(sizeof sig_buf_)) {
            take_signal();
          }
          if (shared_.stop_level.load() < 2) {
            arm_signal();
          }
          break;
        case op_kind::wakeup:
          sync_stop();
          if (!stop_now_) {
            arm_wake();
          }
          break;
        case op_kind::dns_recv:
        case op_kind::dns_send:
        case op_kind::dns_tcp:
        case op_kind::dns_tcp_timeout:
          dns_.on_completion(data, res, flags);
          break;
        default:
          break;
      }
    });
    dns_.process_timeouts();
    expire(monotonic_ns());
    if (accept_retry_ns_ != 0 && monotonic_ns() >= accept_retry_ns_) {
      accept_retry_ns_ = 0;
      for (uint32_t i = 0; i < accept_armed_.size() && !stopping_; ++i) {
        if (!accept_armed_[i]) {
          arm_accept(i);
        }
      }
    }
    while (!pending_pumps_.empty()) {
      std::vector<deadline_fifo::entry> todo;
      todo.swap(pending_pumps_);
      for (const deadline_fifo::entry& e : todo) {
        if (sessions_.generation(e.index) == e.generation && sessions_[e.index].r) {
          pump(e.index);
        }
      }
    }
    if (!chunk_.empty()) {
      sink_.submit(std::move(chunk_));
      chunk_.clear();
    }
  }
  // A second signal or the record cap: what is still open is written as it
  // stands (its lookups, if any, show as timeout).
  for (uint32_t i = 0; i < sessions_.capacity(); ++i) {
    session& s = sessions_[i];
    if (s.r) {
      s.r->abort(stop_now_ ? "shutdown" : "stopped", since_ms(s, monotonic_ns()));
      write_record(s);
      count_record();
    }
  }
  if (!chunk_.empty()) {
    sink_.submit(std::move(chunk_));
    chunk_.clear();
  }
  release_signal_read();
  return absl::OkStatus();
}

}  // namespace

absl::Status run_listener(const listener_config& config, output_sink& sink,
                          listener_stats* stats) {
  listener_stats local;
  listener_stats* st = stats != nullptr ? stats : &local;
  const uint32_t n = std::max<uint32_t>(config.threads, 1);
  // Declared before the loops: their rings (reading the eventfds) are torn
  // down before the eventfds close.
  listen_shared shared;
  for (uint32_t i = 0; i < n; ++i) {
    const int fd = ::eventfd(0, EFD_CLOEXEC);
    if (fd < 0) {
      return absl::InternalError(absl::StrCat("eventfd: ", strerror(errno)));
    }
    shared.wake_fds.push_back(fd);
  }
  std::vector<listener_stats> per(n);
  std::vector<std::unique_ptr<listener>> loops;
  for (uint32_t i = 0; i < n; ++i) {
    loops.push_back(std::make_unique<listener>(config, sink, &per[i], shared, i));
  }
  // The first loop binds the addresses (port 0 resolved). Every other loop
  // sets its ring up in its own thread (the ring is single-issuer: only the
  // thread that made it may submit), joins the SO_REUSEPORT groups there,
  // and runs once every loop is ready.
  if (absl::Status s = loops[0]->init(nullptr); !s.ok()) {
    return s;
  }
  std::vector<absl::Status> results(n);
  std::mutex gate_m;
  std::condition_variable gate_cv;
  uint32_t inited = 1;
  bool go = false;
  std::vector<std::thread> threads;
  for (uint32_t i = 1; i < n; ++i) {
    threads.emplace_back([&, i] {
      absl::Status init_status = loops[i]->init(&loops[0]->bound());
      {
        std::unique_lock<std::mutex> l(gate_m);
        results[i] = init_status;
        ++inited;
        gate_cv.notify_all();
        gate_cv.wait(l, [&] { return go; });
      }
      if (!init_status.ok() || shared.stop_level.load() >= 2) {
        return;
      }
      results[i] = loops[i]->run();
      if (!results[i].ok()) {
        shared.raise_stop(2);
      }
    });
  }
  bool all_up = true;
  {
    std::unique_lock<std::mutex> l(gate_m);
    gate_cv.wait(l, [&] { return inited == n; });
    for (const absl::Status& r : results) {
      all_up = all_up && r.ok();
    }
    if (!all_up) {
      shared.stop_level.store(2);
    }
    go = true;
    gate_cv.notify_all();
  }
  if (all_up) {
    if (config.ready) {
      std::vector<std::string> bound;
      for (const bound_address& b : loops[0]->bound()) {
        bound.push_back(b.text);
      }
      config.ready(bound);
    }
    results[0] = loops[0]->run();
    if (!results[0].ok()) {
      shared.raise_stop(2);
    }
  }
  for (std::thread& t : threads) {
    t.join();
  }
  *st = listener_stats{};
  for (uint32_t i = 0; i < n; ++i) {
    per[i].dns_queries = loops[i]->dns_queries();
    per[i].dns_cache = loops[i]->cache_stats();
  }
  for (const listener_stats& p : per) {
    st->dns_queries += p.dns_queries;
    st->dns_cache.add(p.dns_cache);
    st->accepted += p.accepted;
    st->records += p.records;
    st->refused += p.refused;
    st->accept_pauses += p.accept_pauses;
    st->unrecorded += p.unrecorded;
    st->accepted_per_thread.push_back(p.accepted);
  }
  st->signal = shared.signal.load();
  for (const absl::Status& r : results) {
    if (!r.ok()) {
      return r;
    }
  }
  return absl::OkStatus();
}

}  // namespace ptrscan
