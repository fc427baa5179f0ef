// ptrscan-smtp-farm: one SMTP listener that plays every address routed to it.
// Inside a test network namespace with `ip route add local 198.18.0.0/15 dev
// lo`, a listener on 0.0.0.0:PORT answers for all 131,072 addresses; each
// connection greets with a name made from the address it was made to
// (getsockname): "220 mx-198-18-3-7.farm.test ESMTP farm". It answers EHLO
// (a few extensions, no STARTTLS), HELO, NOOP, RSET and QUIT, refuses the
// rest with 502, delivers nothing, and exits by itself after --max-seconds.
//
//   ptrscan-smtp-farm --port 2525 [--listen 0.0.0.0] [--threads 1]
//                     [--domain farm.test] [--max-seconds 300]
//
// A wildcard listen address is refused unless lo is the only interface
// (i.e. inside a namespace a test made): the farm is for namespaces only.

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct farm_options {
  std::string listen = "0.0.0.0";
  uint16_t port = 0;
  int threads = 1;
  std::string domain = "farm.test";
  int max_seconds = 300;
  int idle_seconds = 30;
};

std::atomic<bool> g_stop{false};
std::atomic<uint64_t> g_sessions{0};
std::atomic<uint64_t> g_quits{0};

void on_signal(int) { g_stop = true; }

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "ptrscan-smtp-farm: %s\nusage: ptrscan-smtp-farm --port PORT [--listen ADDR] "
               "[--threads N] [--domain D] [--max-seconds S]\n",
               why);
  std::exit(2);
}

farm_options parse(int argc, char** argv) {
  farm_options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        usage(("missing value for " + a).c_str());
      }
      return argv[++i];
    };
    if (a == "--port") {
      o.port = static_cast<uint16_t>(std::atoi(value().c_str()));
    } else if (a == "--listen") {
      o.listen = value();
    } else if (a == "--threads") {
      o.threads = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--domain") {
      o.domain = value();
    } else if (a == "--max-seconds") {
      o.max_seconds = std::max(1, std::atoi(value().c_str()));
    } else if (a == "--idle-seconds") {
      o.idle_seconds = std::max(1, std::atoi(value().c_str()));
    } else {
      usage(("unknown argument " + a).c_str());
    }
  }
  if (o.port == 0) {
    usage("--port is required");
  }
  return o;
}

// True when every interface of this network namespace is lo.
bool only_loopback_interfaces() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    return false;
  }
  bool only_lo = true;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (std::strcmp(i->ifa_name, "lo") != 0) {
      only_lo = false;
    }
  }
  ::freeifaddrs(list);
  return only_lo;
}

struct client {
  std::string name;  // mx-198-18-3-7.farm.test
  std::string in;
  std::string out;
  bool closing = false;
  clock_type::time_point last_active;
};

std::string name_for(int fd, const std::string& domain) {
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    return "mx-unknown." + domain;
  }
  char text[INET_ADDRSTRLEN] = {};
  ::inet_ntop(AF_INET, &sa.sin_addr, text, sizeof text);
  std::string name = "mx-";
  for (const char* p = text; *p != '\0'; ++p) {
    name += *p == '.' ? '-' : *p;
  }
  return name + "." + domain;
}

std::string upper_verb(const std::string& line) {
  std::string verb = line.substr(0, line.find(' '));
  std::transform(verb.begin(), verb.end(), verb.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return verb;
}

// Appends the replies to every complete line in c.in.
void handle_lines(client& c) {
  size_t eol;
  while (!c.closing && (eol = c.in.find('\n')) != std::string::npos) {
    std::string line = c.in.substr(0, eol);
    c.in.erase(0, eol + 1);
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    const std::string verb = upper_verb(line);
    if (verb == "EHLO") {
      c.out += "250-" + c.name +
               " hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n"
               "250-8BITMIME\r\n250 SMTPUTF8\r\n";
    } else if (verb == "HELO") {
      c.out += "250 " + c.name + "\r\n";
    } else if (verb == "NOOP" || verb == "RSET") {
      c.out += "250 2.0.0 OK\r\n";
    } else if (verb == "QUIT") {
      c.out += "221 2.0.0 " + c.name + " closing\r\n";
      c.closing = true;
      g_quits.fetch_add(1, std::memory_order_relaxed);
    } else {
      c.out += "502 5.5.2 not implemented by the farm\r\n";
    }
  }
  if (c.in.size() > 4096) {
    c.out += "500 5.5.0 line too long\r\n";
    c.closing = true;
  }
}

// Writes what it can; false when the connection is done (error, or all sent
// after QUIT).
bool flush(int fd, client& c) {
  while (!c.out.empty()) {
    const ssize_t n = ::send(fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && errno == EAGAIN) {
      return true;
    }
    if (n <= 0) {
      return false;
    }
    c.out.erase(0, static_cast<size_t>(n));
  }
  return !c.closing;
}

int make_listener(const farm_options& o) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(o.port);
  if (::inet_pton(AF_INET, o.listen.c_str(), &sa.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(fd, 4096) != 0) {
    std::fprintf(stderr, "ptrscan-smtp-farm: bind %s:%u: %s\n", o.listen.c_str(), o.port,
                 std::strerror(errno));
    ::close(fd);
    return -1;
  }
  return fd;
}

void close_client(int ep, int fd, std::unordered_map<int, client>& clients) {
  ::epoll_ctl(ep, EPOLL_CTL_DEL, fd, nullptr);
  ::close(fd);
  clients.erase(fd);
}

void serve(int listener, const farm_options& o, clock_type::time_point end) {
  const int ep = ::epoll_create1(EPOLL_CLOEXEC);
  epoll_event lev{};
  lev.events = EPOLLIN;
  lev.data.fd = listener;
  ::epoll_ctl(ep, EPOLL_CTL_ADD, listener, &lev);
  std::unordered_map<int, client> clients;
  std::vector<epoll_event> events(256);
  auto next_sweep = clock_type::now() + std::chrono::seconds(1);
  while (!g_stop && clock_type::now() < end) {
    const int n = ::epoll_wait(ep, events.data(), static_cast<int>(events.size()), 200);
    const auto now = clock_type::now();
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listener) {
        while (true) {
          const int cfd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) {
            break;
          }
          const int one = 1;
          ::setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          client& c = clients[cfd];
          c.name = name_for(cfd, o.domain);
          c.out = "220 " + c.name + " ESMTP farm\r\n";
          c.last_active = now;
          g_sessions.fetch_add(1, std::memory_order_relaxed);
          epoll_event ev{};
          ev.events = EPOLLIN | EPOLLRDHUP;
          ev.data.fd = cfd;
          ::epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &ev);
          if (!flush(cfd, c)) {
            close_client(ep, cfd, clients);
          }
        }
        continue;
      }
      auto it = clients.find(fd);
      if (it == clients.end()) {
        continue;
      }
      client& c = it->second;
      c.last_active = now;
      bool alive = true;
      if ((events[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
        char buf[4096];
        while (true) {
          const ssize_t r = ::recv(fd, buf, sizeof buf, 0);
          if (r > 0) {
            c.in.append(buf, static_cast<size_t>(r));
            continue;
          }
          if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
            break;
          }
          alive = false;  // EOF or error: whatever is pending is dropped
          break;
        }
        handle_lines(c);
      }
      if (alive) {
        alive = flush(fd, c);
      }
      if (!alive) {
        close_client(ep, fd, clients);
        continue;
      }
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP | (c.out.empty() ? 0U : static_cast<uint32_t>(EPOLLOUT));
      ev.data.fd = fd;
      ::epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
    }
    if (now >= next_sweep) {
      next_sweep = now + std::chrono::seconds(1);
      std::vector<int> idle;
      for (const auto& [fd, c] : clients) {
        if (now - c.last_active > std::chrono::seconds(o.idle_seconds)) {
          idle.push_back(fd);
        }
      }
      for (int fd : idle) {
        close_client(ep, fd, clients);
      }
    }
  }
  for (const auto& [fd, c] : clients) {
    ::close(fd);
  }
  ::close(ep);
}

}  // namespace

int main(int argc, char** argv) {
  const farm_options o = parse(argc, argv);
  in_addr addr{};
  if (::inet_pton(AF_INET, o.listen.c_str(), &addr) != 1) {
    usage("--listen must be an IPv4 address");
  }
  const bool loopback = (ntohl(addr.s_addr) >> 24) == 127;
  if (!loopback && !only_loopback_interfaces()) {
    std::fprintf(stderr,
                 "ptrscan-smtp-farm: refusing to listen on %s outside a namespace whose only "
                 "interface is lo\n",
                 o.listen.c_str());
    return 2;
  }
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const auto end = clock_type::now() + std::chrono::seconds(o.max_seconds);
  std::vector<int> listeners;
  for (int i = 0; i < o.threads; ++i) {
    const int fd = make_listener(o);
    if (fd < 0) {
      return 1;
    }
    listeners.push_back(fd);
  }
  std::fprintf(stderr, "ptrscan-smtp-farm: listening on %s:%u (%d threads, domain %s)\n",
               o.listen.c_str(), o.port, o.threads, o.domain.c_str());
  std::vector<std::thread> threads;
  for (int fd : listeners) {
    threads.emplace_back([fd, &o, end] { serve(fd, o, end); });
  }
  for (auto& t : threads) {
    t.join();
  }
  for (int fd : listeners) {
    ::close(fd);
  }
  std::fprintf(stderr, "ptrscan-smtp-farm: %llu sessions, %llu QUITs\n",
               static_cast<unsigned long long>(g_sessions.load()),
               static_cast<unsigned long long>(g_quits.load()));
  return 0;
}
