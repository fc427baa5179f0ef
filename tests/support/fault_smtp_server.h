#pragma once

// SMTP peers that fail in the ways tools/testnet/scripted_smtp.h does not
// cover (that one has: silent after connect, 554 greeting, EHLO 502, reset
// mid-greeting, 1 MiB greeting without CRLF, garbage, non-TLS bytes after
// STARTTLS): closing before the banner, dripping one byte at a time,
// stalling after EHLO, 454 to STARTTLS, a reset or a stall in the middle of
// the TLS handshake, a 1 MiB EHLO reply without CRLF. Plus a well-behaved
// peer, so faulty and normal hosts share one scan.
//
// One listener per loopback address (all on the same port in a scan), one
// thread per connection; every connection ends by itself within
// `connection_limit`, and the destructor wakes and joins everything.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ptrscan::testing_faults {

enum class smtp_fault : uint8_t {
  normal,               // greeting, EHLO (no STARTTLS), QUIT
  close_before_banner,  // accept, then FIN before a single byte
  drip,                 // the greeting one byte every `drip_interval`
  stall_after_ehlo,     // greeting, then nothing after EHLO
  starttls_454,         // advertises STARTTLS, answers it 454, goes on
  reset_mid_tls,        // 220 to STARTTLS, reads the ClientHello, then RST
  stall_mid_tls,        // 220 to STARTTLS, reads the ClientHello, then nothing
  oversized_ehlo,       // "250-" and 1 MiB without CRLF in reply to EHLO
};

inline const char* to_string(smtp_fault f) {
  switch (f) {
    case smtp_fault::normal:
      return "normal";
    case smtp_fault::close_before_banner:
      return "close_before_banner";
    case smtp_fault::drip:
      return "drip";
    case smtp_fault::stall_after_ehlo:
      return "stall_after_ehlo";
    case smtp_fault::starttls_454:
      return "starttls_454";
    case smtp_fault::reset_mid_tls:
      return "reset_mid_tls";
    case smtp_fault::stall_mid_tls:
      return "stall_mid_tls";
    case smtp_fault::oversized_ehlo:
      return "oversized_ehlo";
  }
  return "?";
}

class fault_smtp_server {
 public:
  fault_smtp_server(smtp_fault fault, std::string host, uint16_t port, std::string name,
                    std::chrono::milliseconds drip_interval = std::chrono::milliseconds(1'000),
                    std::chrono::milliseconds connection_limit = std::chrono::seconds(10))
      : fault_(fault),
        host_(std::move(host)),
        name_(std::move(name)),
        drip_interval_(drip_interval),
        connection_limit_(connection_limit) {
    if (host_.rfind("127.", 0) != 0) {
      throw std::runtime_error("fault_smtp_server: loopback only, not " + host_);
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    ::inet_pton(AF_INET, host_.c_str(), &sa.sin_addr);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
      const std::string err = std::strerror(errno);
      ::close(listen_fd_);
      ::close(wake_fd_);
      throw std::runtime_error("fault_smtp_server: bind " + host_ + ":" + std::to_string(port) +
                               ": " + err);
    }
    socklen_t len = sizeof(sa);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sa), &len);
    port_ = ntohs(sa.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  fault_smtp_server(const fault_smtp_server&) = delete;
  fault_smtp_server& operator=(const fault_smtp_server&) = delete;
  ~fault_smtp_server() {
    stopping_ = true;
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof(one));
    acceptor_.join();
    std::vector<std::thread> workers;
    {
      std::lock_guard lock(mu_);
      workers.swap(workers_);
    }
    for (std::thread& w : workers) {
      w.join();
    }
    ::close(listen_fd_);
    ::close(wake_fd_);
  }

  const std::string& host() const { return host_; }
  uint16_t port() const { return port_; }
  smtp_fault fault() const { return fault_; }
  int connections() const { return connections_.load(); }
  /// Connections whose thread has not finished yet.
  int open_connections() const { return open_.load(); }
  /// True once a TLS record (0x16, a ClientHello) arrived after STARTTLS.
  bool saw_client_hello() const { return saw_client_hello_.load(); }
  std::vector<std::string> commands() const {
    std::lock_guard lock(mu_);
    return commands_;
  }

 private:
  using clock = std::chrono::steady_clock;

  class conn {
   public:
    conn(int fd, int wake_fd, clock::time_point deadline)
        : fd_(fd), wake_fd_(wake_fd), deadline_(deadline) {}
    ~conn() {
      if (fd_ >= 0) {
        ::close(fd_);
      }
    }
    bool send(std::string_view data) {
      size_t sent = 0;
      while (sent < data.size()) {
        if (!wait(POLLOUT, deadline_)) {
          return false;
        }
        const ssize_t n =
            ::send(fd_, data.data() + sent, data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
          continue;
        }
        if (n <= 0) {
          return false;
        }
        sent += static_cast<size_t>(n);
      }
      return true;
    }
    std::optional<std::string> read_line() {
      while (true) {
        const size_t eol = buffer_.find('\n');
        if (eol != std::string::npos) {
          std::string line = buffer_.substr(0, eol);
          buffer_.erase(0, eol + 1);
          if (!line.empty() && line.back() == '\r') {
            line.pop_back();
          }
          return line;
        }
        if (buffer_.size() > 4096 || !fill(deadline_)) {
          return std::nullopt;
        }
      }
    }
    /// Whatever arrives within `window`; empty on EOF or silence.
    std::string read_some(std::chrono::milliseconds window) {
      buffer_.clear();
      fill(std::min(deadline_, clock::now() + window));
      std::string out;
      out.swap(buffer_);
      return out;
    }
    /// Sleeps `d`, unless the peer closes or the test stops first (false).
    bool pause(std::chrono::milliseconds d) {
      const auto until = std::min(deadline_, clock::now() + d);
      while (clock::now() < until) {
        pollfd p[2] = {{fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count();
        if (::poll(p, 2, static_cast<int>(std::max<long>(left, 0))) > 0) {
          if (p[1].revents & POLLIN) {
            return false;
          }
          char c[512];
          const ssize_t n = ::recv(fd_, c, sizeof(c), MSG_DONTWAIT);
          if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            return false;
          }
        }
      }
      return clock::now() < deadline_;
    }
    void wait_close() {
      while (fill(deadline_)) {
        buffer_.clear();
      }
    }
    void reset() {
      linger l{1, 0};
      ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
      ::close(fd_);
      fd_ = -1;
    }
    void close_now() {
      ::close(fd_);
      fd_ = -1;
    }

   private:
    bool wait(short events, clock::time_point until) {
      while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count();
        if (left <= 0) {
          return false;
        }
        pollfd p[2] = {{fd_, events, 0}, {wake_fd_, POLLIN, 0}};
        const int r = ::poll(p, 2, static_cast<int>(left));
        if (r < 0 && errno == EINTR) {
          continue;
        }
        if (r < 0 || (p[1].revents & POLLIN) != 0) {
          return false;
        }
        if (r > 0) {
          return true;
        }
      }
    }
    bool fill(clock::time_point until) {
      if (!wait(POLLIN, until)) {
        return false;
      }
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof(chunk), MSG_DONTWAIT);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
        return true;
      }
      if (n <= 0) {
        return false;
      }
      buffer_.append(chunk, static_cast<size_t>(n));
      return true;
    }

    int fd_;
    int wake_fd_;
    clock::time_point deadline_;
    std::string buffer_;
  };

  void accept_loop() {
    while (!stopping_) {
      pollfd p[2] = {{listen_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      if (::poll(p, 2, -1) < 0 && errno != EINTR) {
        return;
      }
      if (p[1].revents & POLLIN) {
        return;
      }
      if ((p[0].revents & POLLIN) == 0) {
        continue;
      }
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        continue;
      }
      if (connections_.fetch_add(1) >= 64) {
        ::close(fd);
        continue;
      }
      ++open_;
      std::lock_guard lock(mu_);
      workers_.emplace_back([this, fd] {
        serve(fd);
        --open_;
      });
    }
  }

  void record(const std::string& line) {
    std::lock_guard lock(mu_);
    commands_.push_back(line);
  }

  static std::string verb_of(const std::string& line) {
    std::string verb = line.substr(0, line.find(' '));
    std::transform(verb.begin(), verb.end(), verb.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return verb;
  }

  void serve(int fd) {
    conn c(fd, wake_fd_, clock::now() + connection_limit_);
    const std::string greeting = "220 " + name_ + " ESMTP " + to_string(fault_) + "\r\n";
    switch (fault_) {
      case smtp_fault::close_before_banner:
        c.close_now();
        return;
      case smtp_fault::drip:
        for (char ch : greeting) {
          if (!c.send(std::string_view(&ch, 1)) || !c.pause(drip_interval_)) {
            return;
          }
        }
        break;
      default:
        if (!c.send(greeting)) {
          return;
        }
        break;
    }
    const bool offers_tls = fault_ == smtp_fault::starttls_454 ||
                            fault_ == smtp_fault::reset_mid_tls ||
                            fault_ == smtp_fault::stall_mid_tls;
    while (auto line = c.read_line()) {
      record(*line);
      const std::string verb = verb_of(*line);
      if (verb == "QUIT") {
        c.send("221 2.0.0 " + name_ + " bye\r\n");
        return;
      }
      if (verb == "EHLO") {
        if (fault_ == smtp_fault::stall_after_ehlo) {
          c.wait_close();
          return;
        }
        if (fault_ == smtp_fault::oversized_ehlo) {
          const std::string chunk(64 * 1024, 'x');
          if (c.send("250-")) {
            for (int i = 0; i < 16 && c.send(chunk); ++i) {
            }
          }
          c.wait_close();
          return;
        }
        c.send("250-" + name_ + " hello\r\n250-PIPELINING\r\n" +
               (offers_tls ? "250-8BITMIME\r\n250 STARTTLS\r\n" : "250 8BITMIME\r\n"));
      } else if (verb == "HELO") {
        c.send("250 " + name_ + "\r\n");
      } else if (verb == "STARTTLS" && fault_ == smtp_fault::starttls_454) {
        c.send("454 4.7.0 TLS not available due to local problem\r\n");
      } else if (verb == "STARTTLS" &&
                 (fault_ == smtp_fault::reset_mid_tls || fault_ == smtp_fault::stall_mid_tls)) {
        c.send("220 2.0.0 Ready to start TLS\r\n");
        const std::string hello = c.read_some(std::chrono::milliseconds(3'000));
        if (!hello.empty() && static_cast<uint8_t>(hello[0]) == 0x16) {
          saw_client_hello_ = true;
        }
        if (fault_ == smtp_fault::reset_mid_tls) {
          c.reset();
        } else {
          c.wait_close();
        }
        return;
      } else {
        c.send("502 5.5.2 not implemented\r\n");
      }
    }
  }

  smtp_fault fault_;
  std::string host_;
  std::string name_;
  std::chrono::milliseconds drip_interval_;
  std::chrono::milliseconds connection_limit_;
  uint16_t port_ = 0;
  int listen_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> open_{0};
  std::atomic<bool> saw_client_hello_{false};
  std::thread acceptor_;
  mutable std::mutex mu_;
  std::vector<std::thread> workers_;
  std::vector<std::string> commands_;
};

}  // namespace ptrscan::testing_faults
