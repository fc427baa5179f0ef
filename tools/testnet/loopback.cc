#include "testnet/loopback.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <stdexcept>

namespace ptrscan::testnet {
namespace {

sockaddr_in make_addr(const std::string& host, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  if (::inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
    throw std::runtime_error("not an IPv4 address: " + host);
  }
  return sa;
}

// Binds a socket of `type` to host:port; returns the bound port or 0.
uint16_t try_bind(const std::string& host, uint16_t port, int type) {
  int fd = ::socket(AF_INET, type | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return 0;
  }
  sockaddr_in sa = make_addr(host, port);
  uint16_t bound = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
    socklen_t len = sizeof sa;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len) == 0) {
      bound = ntohs(sa.sin_port);
    }
  }
  ::close(fd);
  return bound;
}

}  // namespace

std::string random_loopback_v4() {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> a(10, 250);
  std::uniform_int_distribution<int> bc(1, 254);
  return "127." + std::to_string(a(rng)) + "." + std::to_string(bc(rng)) + "." +
         std::to_string(bc(rng));
}

uint16_t free_port(const std::string& host) {
  if (!is_loopback_v4(host)) {
    throw std::runtime_error("refusing a non-loopback address: " + host);
  }
  for (int attempt = 0; attempt < 64; ++attempt) {
    uint16_t port = try_bind(host, 0, SOCK_STREAM);
    if (port != 0 && try_bind(host, port, SOCK_DGRAM) == port) {
      return port;
    }
  }
  throw std::runtime_error("no free port on " + host);
}

bool is_loopback_v4(const std::string& host) {
  in_addr a{};
  if (::inet_pton(AF_INET, host.c_str(), &a) != 1) {
    return false;
  }
  return (ntohl(a.s_addr) >> 24) == 127;
}

}  // namespace ptrscan::testnet
