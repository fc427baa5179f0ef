#include "simnet/zone_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

#include "simnet/dns_answer.h"

namespace ptrscan::simnet {
namespace {

constexpr size_t max_connections = 256;
constexpr size_t max_message = 4096;  // a query is far shorter; more is garbage
constexpr int64_t idle_ns = 1'000'000'000;
constexpr int poll_ms = 100;

int open_socket(int type, uint32_t ip, uint16_t port) {
  const int fd = ::socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    throw std::runtime_error(std::string("zone server socket: ") + std::strerror(errno));
  }
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_addr.s_addr = htonl(ip);
  sa.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
      (type == SOCK_STREAM && ::listen(fd, 128) != 0)) {
    const int err = errno;
    ::close(fd);
    throw std::runtime_error("zone server " + format_ipv4(ip) + ":" + std::to_string(port) +
                             ": " + std::strerror(err));
  }
  return fd;
}

struct connection {
  int fd = -1;
  size_t server = 0;
  int64_t last = 0;
  std::string in;
};

}  // namespace

zone_servers::zone_servers(const model& m, uint16_t port) : model_(m) {
  try {
    for (const zone_server_id& id : all_servers(m)) {
      const uint32_t ip = server_address(m, id);
      server s{id};
      s.udp = open_socket(SOCK_DGRAM, ip, port);
      servers_.push_back(s);
      servers_.back().tcp = open_socket(SOCK_STREAM, ip, port);
    }
  } catch (...) {
    for (const server& s : servers_) {
      ::close(s.udp);
      if (s.tcp >= 0) {
        ::close(s.tcp);
      }
    }
    throw;
  }
}

zone_servers::~zone_servers() {
  for (const server& s : servers_) {
    ::close(s.udp);
    ::close(s.tcp);
  }
}

void zone_servers::run(const run_control& control) {
  std::vector<connection> conns;
  std::vector<pollfd> fds;
  std::array<uint8_t, max_message> buf{};
  std::array<uint8_t, max_reply_size + 2> reply{};
  auto close_conn = [&](size_t i) {
    ::close(conns[i].fd);
    conns[i] = std::move(conns.back());
    conns.pop_back();
  };
  while (!control.should_stop(now_ns())) {
    fds.clear();
    for (const server& s : servers_) {
      fds.push_back({s.udp, POLLIN, 0});
      fds.push_back({s.tcp, POLLIN, 0});
    }
    for (const connection& c : conns) {
      fds.push_back({c.fd, POLLIN, 0});
    }
    if (::poll(fds.data(), fds.size(), poll_ms) < 0 && errno != EINTR) {
      return;
    }
    const int64_t now = now_ns();
    for (size_t i = 0; i < servers_.size(); ++i) {
      const server& s = servers_[i];
      if ((fds[2 * i].revents & POLLIN) != 0) {
        for (int n = 0; n < 64; ++n) {  // a few per turn, so no socket starves the rest
          sockaddr_in peer{};
          socklen_t len = sizeof peer;
          const ssize_t got = ::recvfrom(s.udp, buf.data(), buf.size(), MSG_TRUNC,
                                         reinterpret_cast<sockaddr*>(&peer), &len);
          if (got < 0) {
            break;
          }
          const size_t out = static_cast<size_t>(got) > buf.size()
                                 ? 0
                                 : answer_server_query(model_, s.id, {buf.data(), size_t(got)},
                                                       {reply.data(), max_reply_size});
          if (out == 0 || ::sendto(s.udp, reply.data(), out, 0,
                                   reinterpret_cast<sockaddr*>(&peer), len) < 0) {
            ++stats_.dropped;
          } else {
            ++stats_.udp;
          }
        }
      }
      if ((fds[2 * i + 1].revents & POLLIN) != 0) {
        const int fd = ::accept4(s.tcp, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0 && conns.size() < max_connections) {
          conns.push_back({fd, i, now, {}});
        } else if (fd >= 0) {
          ::close(fd);
          ++stats_.dropped;
        }
      }
    }
    // Connections accepted in this turn have no pollfd yet: they are read
    // from the next turn on (their index is past the polled ones).
    const size_t polled = fds.size() - 2 * servers_.size();
    for (size_t i = std::min(polled, conns.size()); i-- > 0;) {
      connection& c = conns[i];
      bool keep = true;
      if ((fds[2 * servers_.size() + i].revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        const ssize_t got = ::recv(c.fd, buf.data(), buf.size(), 0);
        if (got <= 0) {
          keep = got < 0 && (errno == EAGAIN || errno == EINTR);
        } else {
          c.in.append(reinterpret_cast<const char*>(buf.data()), static_cast<size_t>(got));
          c.last = now;
        }
      }
      // Every whole message: two octets of length, then the query.
      while (keep && c.in.size() >= 2) {
        const size_t len = size_t{static_cast<uint8_t>(c.in[0])} << 8 | static_cast<uint8_t>(c.in[1]);
        if (len > max_message) {
          keep = false;
          ++stats_.dropped;
          break;
        }
        if (c.in.size() < 2 + len) {
          break;
        }
        const size_t out = answer_server_query(
            model_, servers_[c.server].id,
            {reinterpret_cast<const uint8_t*>(c.in.data()) + 2, len},
            {reply.data() + 2, max_reply_size});
        c.in.erase(0, 2 + len);
        if (out == 0) {
          continue;
        }
        reply[0] = static_cast<uint8_t>(out >> 8);
        reply[1] = static_cast<uint8_t>(out);
        // A reply of a few hundred octets fits an empty socket buffer.
        if (::send(c.fd, reply.data(), out + 2, MSG_NOSIGNAL) != static_cast<ssize_t>(out + 2)) {
          keep = false;
          ++stats_.dropped;
        } else {
          ++stats_.tcp;
        }
      }
      if (!keep || now - c.last > idle_ns) {
        close_conn(i);
      }
    }
  }
  for (const connection& c : conns) {
    ::close(c.fd);
  }
}

}  // namespace ptrscan::simnet
