#pragma once

// A scripted TCP peer on 127.0.0.1 for state-machine tests: it accepts one
// connection at a time and plays a script of steps (send, expect a line,
// pause, close, reset). For what real servers will not do on request.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace ptrscan::testing {

struct script_step {
  enum class kind { send, expect, pause_ms, close, reset } what;
  std::string text;  // send: bytes; expect: line prefix
  int ms = 0;

  static script_step send(std::string s) { return {kind::send, std::move(s), 0}; }
  static script_step expect(std::string prefix) { return {kind::expect, std::move(prefix), 0}; }
  static script_step pause(int ms) { return {kind::pause_ms, {}, ms}; }
  static script_step close() { return {kind::close, {}, 0}; }
  static script_step reset() { return {kind::reset, {}, 0}; }
};

class scripted_tcp_server {
 public:
  explicit scripted_tcp_server(std::vector<script_step> script) : script_(std::move(script)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
    socklen_t len = sizeof(a);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    ::listen(fd_, 128);
    thread_ = std::thread([this] { serve(); });
  }
  ~scripted_tcp_server() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }
  /// Lines the client sent, in order (read after the session is over).
  std::vector<std::string> lines() const { return lines_; }
  /// Whether every step of the script ran; waits up to 2 s for the server
  /// thread, which may still be reading what the client sent last.
  bool completed() const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!completed_.load() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return completed_.load();
  }

 private:
  bool read_line(int c, std::string& line) {
    line.clear();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline && !stop_) {
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) {
        continue;
      }
      char ch;
      if (::recv(c, &ch, 1, 0) != 1) {
        return false;
      }
      if (ch == '\n') {
        return true;
      }
      if (ch != '\r') {
        line.push_back(ch);
      }
    }
    return false;
  }

  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) {
        continue;
      }
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) {
        continue;
      }
      bool ok = true;
      bool closed = false;
      for (const script_step& s : script_) {
        if (!ok || stop_) {
          break;
        }
        switch (s.what) {
          case script_step::kind::send: {
            size_t off = 0;
            while (off < s.text.size()) {
              ssize_t n = ::send(c, s.text.data() + off, s.text.size() - off, MSG_NOSIGNAL);
              if (n <= 0) {
                ok = false;
                break;
              }
              off += static_cast<size_t>(n);
            }
            break;
          }
          case script_step::kind::expect: {
            std::string line;
            ok = read_line(c, line) && line.rfind(s.text, 0) == 0;
            lines_.push_back(line);
            break;
          }
          case script_step::kind::pause_ms:
            std::this_thread::sleep_for(std::chrono::milliseconds(s.ms));
            break;
          case script_step::kind::close:
            ::close(c);
            closed = true;
            break;
          case script_step::kind::reset: {
            linger l{1, 0};  // close with RST
            ::setsockopt(c, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
            ::close(c);
            closed = true;
            break;
          }
        }
      }
      completed_ = ok;
      if (!closed) {
        // Let the client finish (it closes after QUIT), then go away.
        pollfd q{c, POLLIN, 0};
        char sink[4096];
        while (::poll(&q, 1, 500) > 0 && ::recv(c, sink, sizeof(sink), 0) > 0) {
        }
        ::close(c);
      }
    }
  }

  std::vector<script_step> script_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> completed_{false};
  std::vector<std::string> lines_;
  std::thread thread_;
};

}  // namespace ptrscan::testing
