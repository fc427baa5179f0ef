#include "testnet/smtp_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace ptrscan::testnet {
namespace {

using clock_type = std::chrono::steady_clock;

// Milliseconds left until `deadline`, at least 0.
int remaining_ms(clock_type::time_point deadline) {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Reads one complete SMTP reply (lines up to one with a space after the
// code) into `reply`, without the final CRLF. False on EOF, error, timeout
// or a reply over 64 KiB.
bool read_reply(int fd, std::string& buffer, std::string& reply, clock_type::time_point deadline) {
  size_t line_start = 0;
  while (true) {
    const size_t eol = buffer.find("\r\n", line_start);
    if (eol != std::string::npos) {
      const bool last = eol - line_start < 4 || buffer[line_start + 3] != '-';
      if (last) {
        reply = buffer.substr(0, eol);
        buffer.erase(0, eol + 2);
        return true;
      }
      line_start = eol + 2;
      continue;
    }
    if (buffer.size() > 65536) {
      return false;
    }
    pollfd p{fd, POLLIN, 0};
    const int wait = remaining_ms(deadline);
    if (wait == 0 || ::poll(&p, 1, wait) <= 0) {
      return false;
    }
    char chunk[4096];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) {
      return false;
    }
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

bool send_all(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    sent += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

std::optional<smtp_greeting> smtp_hello(const endpoint& server, const std::string& ehlo_name,
                                        std::chrono::milliseconds timeout, bool allow_any) {
  if (!allow_any && !is_loopback_v4(server.host)) {
    return std::nullopt;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(server.port);
  if (::inet_pton(AF_INET, server.host.c_str(), &sa.sin_addr) != 1) {
    return std::nullopt;
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    return std::nullopt;
  }
  const auto deadline = clock_type::now() + timeout;
  std::optional<smtp_greeting> result;
  do {
    if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
      if (errno != EINPROGRESS) {
        break;
      }
      pollfd p{fd, POLLOUT, 0};
      int err = 0;
      socklen_t len = sizeof err;
      if (::poll(&p, 1, remaining_ms(deadline)) <= 0 ||
          ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
        break;
      }
    }
    std::string buffer;
    smtp_greeting g;
    if (!read_reply(fd, buffer, g.greeting, deadline)) {
      break;
    }
    if (!ehlo_name.empty()) {
      if (!send_all(fd, "EHLO " + ehlo_name + "\r\n") ||
          !read_reply(fd, buffer, g.ehlo, deadline)) {
        break;
      }
    }
    send_all(fd, "QUIT\r\n");
    result = std::move(g);
  } while (false);
  ::close(fd);
  return result;
}

}  // namespace ptrscan::testnet
