// ptrscan-listen-load: the load of the `listen` benchmark scenario (issue
// 19). N connections to --server, each from its own source address of
// --sources (an IPv4 block local to this network namespace, such as the
// benchmark range routed to lo), at most --concurrency at once; each does
// the dialogue of a sending MTA without PIPELINING: read the 220, EHLO,
// MAIL FROM, RCPT TO (its reply is the server's verdict: 550 expected),
// QUIT, and waits for the 221 and the close. Bounded: every connection has
// --timeout-ms, and the program exits once all N have ended.
//
//   ptrscan-listen-load --server IP:PORT --sources CIDR [--connections N]
//       [--concurrency C (200)] [--timeout-ms MS (30000)]
//       [--helo NAME] [--mail-from ADDR] [--rcpt ADDR]
//
// Connection i comes from the block's (i mod B)-th /24 (B of them), host
// i / B: consecutive connections come from different /24s, so a server's
// per-/24 cap sees at most ceil(C / B) of them at once. One JSON line on
// stdout: {"connections","ok","failed","refused","timeouts","closed",
// "bad_reply","connect_failed","verdict_ptr_ok","verdict_fcrdns_pass","wall_s",
// "per_s","concurrency"} (verdict_*: RCPT replies saying ptr=ok, fcrdns=pass); exit 0 when every connection finished its dialogue, 1
// otherwise, 2 on usage errors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24  // Linux 4.2
#endif

namespace {

int64_t now_ms() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000 + ts.tv_nsec / 1'000'000;
}

struct options {
  sockaddr_in server{};
  uint32_t base = 0;
  uint64_t size = 0;
  uint64_t connections = 0;
  uint32_t concurrency = 200;
  int timeout_ms = 30'000;
  std::string helo = "loadgen.sim.test";
  std::string mail_from = "load@sim.test";
  std::string rcpt = "check@listen.test";
};

// What a connection waits for next.
enum class step : uint8_t { connect, greeting, ehlo, mail, rcpt, quit, close };

struct client {
  int fd = -1;
  uint32_t generation = 0;
  step at = step::connect;
  std::string in;
};

struct deadline {
  int64_t due;
  uint32_t slot;
  uint32_t generation;
};

class load {
 public:
  explicit load(const options& o) : o_(o), clients_(o.concurrency) {}

  int run() {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    n24_ = std::max<uint64_t>(o_.size / 256, 1);
    start_ms_ = now_ms();
    for (uint32_t i = static_cast<uint32_t>(clients_.size()); i > 0; --i) {
      idle_.push_back(i - 1);
    }
    epoll_event evs[256];
    while (ended_ < o_.connections) {
      // Refill here, never from finish(): a run of failing connects must
      // not recurse.
      while (!idle_.empty() && started_ < o_.connections) {
        const uint32_t slot = idle_.back();
        idle_.pop_back();
        start(slot);
      }
      int wait = 1000;
      if (!deadlines_.empty()) {
        wait = static_cast<int>(std::max<int64_t>(0, deadlines_.front().due - now_ms()));
      }
      const int n = epoll_wait(ep_, evs, 256, wait);
      if (n < 0 && errno != EINTR) {
        return 1;
      }
      for (int i = 0; i < n; ++i) {
        on_event(static_cast<uint32_t>(evs[i].data.u64), evs[i].events);
      }
      const int64_t now = now_ms();
      while (!deadlines_.empty() && deadlines_.front().due <= now) {
        const deadline d = deadlines_.front();
        deadlines_.pop_front();
        if (clients_[d.slot].fd >= 0 && clients_[d.slot].generation == d.generation) {
          ++timeouts_;
          finish(d.slot, false);
        }
      }
    }
    const double wall = static_cast<double>(now_ms() - start_ms_) / 1000.0;
    std::printf(
        "{\"connections\":%llu,\"ok\":%llu,\"failed\":%llu,\"refused\":%llu,\"timeouts\":%llu,"
        "\"closed\":%llu,\"bad_reply\":%llu,\"connect_failed\":%llu,\"verdict_ptr_ok\":%llu,"
        "\"verdict_fcrdns_pass\":%llu,\"wall_s\":%.3f,\"per_s\":%.0f,\"concurrency\":%u}\n",
        ull(o_.connections), ull(ok_), ull(o_.connections - ok_), ull(refused_), ull(timeouts_),
        ull(closed_), ull(bad_reply_), ull(connect_failed_), ull(verdict_ptr_ok_),
        ull(verdict_fcrdns_pass_), wall,
        wall > 0 ? static_cast<double>(o_.connections) / wall : 0.0, o_.concurrency);
    std::fflush(stdout);
    return ok_ == o_.connections ? 0 : 1;
  }

 private:
  static unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

  uint32_t source_of(uint64_t i) const {
    if (o_.size < 256) {
      return o_.base + static_cast<uint32_t>(i % o_.size);
    }
    return o_.base + static_cast<uint32_t>((i % n24_) * 256 + (i / n24_) % 256);
  }

  void start(uint32_t slot) {
    client& c = clients_[slot];
    const uint64_t i = started_++;
    c.generation++;
    c.in.clear();
    c.at = step::connect;
    c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    const int one = 1;
    // The port is picked at connect, per destination: many sources, no
    // shortage of ephemeral ports.
    ::setsockopt(c.fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(source_of(i));
    if (::bind(c.fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
        (::connect(c.fd, reinterpret_cast<const sockaddr*>(&o_.server), sizeof o_.server) != 0 &&
         errno != EINPROGRESS)) {
      ++connect_failed_;
      finish(slot, false);
      return;
    }
    epoll_event e{};
    e.events = EPOLLIN | EPOLLOUT;
    e.data.u64 = slot;
    epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &e);
    deadlines_.push_back({now_ms() + o_.timeout_ms, slot, c.generation});
  }

  void say(uint32_t slot, const std::string& line) {
    client& c = clients_[slot];
    const std::string l = line + "\r\n";
    // A line of a few dozen octets into an empty send buffer: all of it goes.
    if (::send(c.fd, l.data(), l.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(l.size())) {
      ++closed_;
      finish(slot, false);
    }
  }

  void on_event(uint32_t slot, uint32_t events) {
    client& c = clients_[slot];
    if (c.fd < 0) {
      return;
    }
    if (c.at == step::connect) {
      if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) {
        return;
      }
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err != 0) {
        ++connect_failed_;
        finish(slot, false);
        return;
      }
      c.at = step::greeting;
      epoll_event e{};
      e.events = EPOLLIN;
      e.data.u64 = slot;
      epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &e);
    }
    if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) == 0) {
      return;
    }
    char buf[4096];
    bool eof = false;
    for (;;) {
      const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        if (c.in.size() > 65536) {
          ++bad_reply_;
          finish(slot, false);
          return;
        }
        continue;
      }
      eof = n == 0 || errno != EAGAIN;
      break;
    }
    replies(slot);  // what came before the close first (the 221)
    if (eof && c.fd >= 0) {
      const bool done = c.at == step::close;
      if (!done) {
        ++closed_;
      }
      finish(slot, done);
    }
  }

  /// Takes every whole reply in the buffer, in order.
  void replies(uint32_t slot) {
    client& c = clients_[slot];
    for (;;) {
      if (c.fd < 0) {
        return;
      }
      // A reply ends with a line whose 4th octet is a space.
      size_t start = 0;
      size_t end = std::string::npos;
      for (size_t lf; (lf = c.in.find('\n', start)) != std::string::npos; start = lf + 1) {
        if (lf - start >= 4 && c.in[start + 3] == ' ') {
          end = lf + 1;
          break;
        }
      }
      if (end == std::string::npos) {
        return;
      }
      const std::string reply = c.in.substr(0, end);
      c.in.erase(0, end);
      on_reply(slot, reply);
    }
  }

  void on_reply(uint32_t slot, const std::string& r) {
    client& c = clients_[slot];
    const char code = r[0];
    switch (c.at) {
      case step::greeting:
        if (code != '2') {
          ++(r.rfind("421", 0) == 0 ? refused_ : bad_reply_);
          finish(slot, false);
          return;
        }
        c.at = step::ehlo;
        say(slot, "EHLO " + o_.helo);
        return;
      case step::ehlo:
      case step::mail:
        if (code != '2') {
          ++bad_reply_;
          finish(slot, false);
          return;
        }
        c.at = c.at == step::ehlo ? step::mail : step::rcpt;
        say(slot, c.at == step::mail ? "MAIL FROM:<" + o_.mail_from + ">"
                                     : "RCPT TO:<" + o_.rcpt + ">");
        return;
      case step::rcpt:
        if (r.rfind("550 5.7.1 ", 0) != 0) {
          ++bad_reply_;
          finish(slot, false);
          return;
        }
        if (r.find("ptr=ok") != std::string::npos) {
          ++verdict_ptr_ok_;
        }
        if (r.find(" fcrdns=pass") != std::string::npos) {
          ++verdict_fcrdns_pass_;
        }
        c.at = step::quit;
        say(slot, "QUIT");
        return;
      case step::quit:
        if (code != '2') {
          ++bad_reply_;
          finish(slot, false);
          return;
        }
        c.at = step::close;  // the server closes after its 221
        return;
      default:
        ++bad_reply_;
        finish(slot, false);
        return;
    }
  }

  void finish(uint32_t slot, bool ok) {
    client& c = clients_[slot];
    if (c.fd >= 0) {
      ::close(c.fd);
      c.fd = -1;
    }
    ok_ += ok ? 1 : 0;
    ++ended_;
    idle_.push_back(slot);
  }

  const options& o_;
  int ep_ = -1;
  std::vector<client> clients_;
  std::vector<uint32_t> idle_;
  std::deque<deadline> deadlines_;  // one duration: FIFO order is deadline order
  uint64_t n24_ = 1;
  int64_t start_ms_ = 0;
  uint64_t started_ = 0;
  uint64_t ended_ = 0;
  uint64_t ok_ = 0;
  uint64_t refused_ = 0;
  uint64_t timeouts_ = 0;
  uint64_t closed_ = 0;
  uint64_t bad_reply_ = 0;
  uint64_t connect_failed_ = 0;
  uint64_t verdict_ptr_ok_ = 0;
  uint64_t verdict_fcrdns_pass_ = 0;
};

int usage(const std::string& why) {
  std::fprintf(stderr,
               "ptrscan-listen-load: %s\n"
               "usage: ptrscan-listen-load --server IP:PORT --sources CIDR [--connections N]\n"
               "       [--concurrency C] [--timeout-ms MS] [--helo NAME] [--mail-from ADDR]\n"
               "       [--rcpt ADDR]\n",
               why.c_str());
  return 2;
}

bool parse_cidr(const std::string& s, uint32_t* base, uint64_t* size) {
  const size_t slash = s.find('/');
  in_addr a{};
  if (slash == std::string::npos || inet_pton(AF_INET, s.substr(0, slash).c_str(), &a) != 1) {
    return false;
  }
  char* end = nullptr;
  const long prefix = std::strtol(s.c_str() + slash + 1, &end, 10);
  if (*end != '\0' || prefix < 8 || prefix > 32) {
    return false;
  }
  *size = uint64_t{1} << (32 - prefix);
  *base = ntohl(a.s_addr) & ~static_cast<uint32_t>(*size - 1);
  return true;
}

int main_impl(int argc, char** argv) {
  options o;
  bool server_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) {
      return usage("missing value for " + a);
    }
    const std::string v = argv[++i];
    char* end = nullptr;
    if (a == "--server") {
      const size_t colon = v.rfind(':');
      o.server.sin_family = AF_INET;
      const unsigned long port =
          colon == std::string::npos ? 0 : std::strtoul(v.c_str() + colon + 1, nullptr, 10);
      if (colon == std::string::npos || port == 0 || port > 65535 ||
          inet_pton(AF_INET, v.substr(0, colon).c_str(), &o.server.sin_addr) != 1) {
        return usage("--server: expected IPv4:PORT");
      }
      o.server.sin_port = htons(static_cast<uint16_t>(port));
      server_given = true;
    } else if (a == "--sources") {
      if (!parse_cidr(v, &o.base, &o.size)) {
        return usage("--sources: expected an IPv4 CIDR block (/8 to /32)");
      }
    } else if (a == "--connections") {
      o.connections = std::strtoull(v.c_str(), &end, 10);
    } else if (a == "--concurrency") {
      o.concurrency = static_cast<uint32_t>(std::strtoul(v.c_str(), &end, 10));
    } else if (a == "--timeout-ms") {
      o.timeout_ms = static_cast<int>(std::strtol(v.c_str(), &end, 10));
    } else if (a == "--helo") {
      o.helo = v;
    } else if (a == "--mail-from") {
      o.mail_from = v;
    } else if (a == "--rcpt") {
      o.rcpt = v;
    } else {
      return usage("unknown option " + a);
    }
    if (end != nullptr && *end != '\0') {
      return usage("not a number: " + a + " " + v);
    }
  }
  if (!server_given || o.size == 0) {
    return usage("--server and --sources are required");
  }
  if (o.connections == 0) {
    o.connections = o.size;
  }
  if (o.connections > o.size) {
    return usage("--connections: more than the addresses of --sources");
  }
  if (o.concurrency == 0 || o.timeout_ms <= 0) {
    return usage("--concurrency and --timeout-ms must be positive");
  }
  signal(SIGPIPE, SIG_IGN);
  load l(o);
  return l.run();
}

}  // namespace

int main(int argc, char** argv) { return main_impl(argc, argv); }
