#pragma once

// What the `ptrscan listen` integration tests share (listen_test.cc,
// policy_oracle_test.cc, listen_signal_test.cc): a loopback /24 of their own
// with its reverse zone name, a blocking SMTP client bound to one of its
// addresses (STARTTLS too), and the listener as a child process: started on
// port 0 against the test resolver, its address read from "listening on",
// stopped by SIGTERM and its records read back, checked against schema/.

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "testnet/dns_testbed.h"
#include "testnet/loopback.h"
#include "testnet/mta_fixture.h"
#include "testnet/ndjson.h"
#include "testnet/subprocess.h"
#include "tls/tls_client.h"

namespace ptrscan::testnet {

/// A loopback /24 for one test: `prefix` "127.A.B", its reverse zone
/// "B.A.127.in-addr.arpa", `at("10")` "127.A.B.10".
struct listen_net {
  std::string prefix;
  std::string reverse_zone;

  static listen_net pick() {
    listen_net n;
    const std::string p = random_loopback_24();  // "127.A.B."
    n.prefix = p.substr(0, p.size() - 1);
    const std::string ab = n.prefix.substr(4);
    n.reverse_zone = ab.substr(ab.find('.') + 1) + "." + ab.substr(0, ab.find('.')) +
                     ".127.in-addr.arpa";
    return n;
  }
  std::string at(const std::string& host) const { return prefix + "." + host; }
};

/// A blocking SMTP client with a receive timeout (no wait is unbounded),
/// bound to a loopback source address; STARTTLS on request.
class smtp_test_client {
 public:
  static std::optional<smtp_test_client> connect(const std::string& source,
                                                 const endpoint& server, int timeout_s = 10) {
    smtp_test_client c;
    c.fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    timeval tv{timeout_s, 0};
    ::setsockopt(c.fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    inet_pton(AF_INET, source.c_str(), &src.sin_addr);
    sockaddr_in dst{};
    dst.sin_family = AF_INET;
    dst.sin_port = htons(server.port);
    inet_pton(AF_INET, server.host.c_str(), &dst.sin_addr);
    if (::bind(c.fd_, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
        ::connect(c.fd_, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
      return std::nullopt;
    }
    return c;
  }
  smtp_test_client() = default;
  smtp_test_client(smtp_test_client&& o) noexcept
      : fd_(o.fd_), buf_(std::move(o.buf_)), tls_(std::move(o.tls_)), plain_(std::move(o.plain_)) {
    o.fd_ = -1;
  }
  smtp_test_client& operator=(smtp_test_client&&) = delete;
  ~smtp_test_client() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  void send(const std::string& s) { (void)::send(fd_, s.data(), s.size(), MSG_NOSIGNAL); }
  /// Half-close: no more is sent, replies can still be read.
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }
  /// One whole reply (its last line "ddd "), or "" on timeout or close.
  std::string reply() {
    for (;;) {
      if (std::string r = take_reply(buf_); !r.empty()) {
        return r;
      }
      char b[4096];
      const ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) {
        return "";
      }
      buf_.append(b, static_cast<size_t>(n));
    }
  }
  /// Reads to the end of the connection: 0 at a FIN, else the errno of
  /// the read that failed (ECONNRESET, EAGAIN on timeout).
  int read_to_end() {
    for (;;) {
      char b[4096];
      const ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n == 0) {
        return 0;
      }
      if (n < 0) {
        return errno;
      }
      buf_.append(b, static_cast<size_t>(n));
    }
  }
  /// The socket's pending error (SO_ERROR): a reset that came behind the
  /// FIN shows here (EPIPE in CLOSE_WAIT), not in the read that saw the FIN.
  int socket_error() const {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    return err;
  }
  /// Sends a line and returns its reply.
  std::string say(const std::string& line) {
    if (tls_) {
      tls_->write_plain(line + "\r\n");
      send(tls_->take_output());
      return tls_reply();
    }
    send(line + "\r\n");
    return reply();
  }
  /// Sends `s` over TLS as one write (after start_tls), not waiting for a
  /// reply: a pipelined group.
  void send_tls(const std::string& s) {
    tls_->write_plain(s);
    send(tls_->take_output());
  }
  /// The TLS handshake after a 220 to STARTTLS; false when it fails.
  bool start_tls(const tls_context& ctx, const std::string& sni) {
    tls_ = std::make_unique<tls_client_session>(ctx, sni);
    for (int i = 0; i < 20; ++i) {
      const tls_client_session::state st = tls_->handshake();
      send(tls_->take_output());
      if (st == tls_client_session::state::established) {
        return true;
      }
      if (st != tls_client_session::state::handshaking) {
        return false;
      }
      char b[16384];
      const ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) {
        return false;
      }
      tls_->feed_input(std::string_view(b, static_cast<size_t>(n)));
    }
    return false;
  }
  /// One whole reply over TLS, as reply().
  std::string tls_reply() {
    for (int i = 0; i < 20; ++i) {
      tls_->read_plain(plain_);
      if (std::string r = take_reply(plain_); !r.empty()) {
        return r;
      }
      char b[16384];
      const ssize_t n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) {
        return "";
      }
      tls_->feed_input(std::string_view(b, static_cast<size_t>(n)));
    }
    return "";
  }

 private:
  /// The first whole reply in `buf` (removed from it), or "".
  static std::string take_reply(std::string& buf) {
    size_t start = 0;
    for (size_t lf; (lf = buf.find('\n', start)) != std::string::npos; start = lf + 1) {
      if (lf - start >= 4 && buf[start + 3] == ' ') {
        std::string r = buf.substr(0, lf + 1);
        buf.erase(0, lf + 1);
        return r;
      }
    }
    return "";
  }

  int fd_ = -1;
  std::string buf_;
  std::unique_ptr<tls_client_session> tls_;
  std::string plain_;
};

/// `ptrscan listen` as a child process, writing its records to a file in a
/// directory of its own (removed with it).
class listen_process {
 public:
  listen_process() = default;
  listen_process(const listen_process&) = delete;
  listen_process& operator=(const listen_process&) = delete;
  ~listen_process() {
    if (proc_.pid() > 0) {
      proc_.stop();
    }
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
  }

  /// Starts `ptrscan listen -l IP:0 -o FILE --resolver R --hostname
  /// listen.test EXTRA...` and waits (20 s at most) for "listening on";
  /// false when it does not come up. `name` names its directory.
  bool start(const std::string& name, const std::string& ip, const endpoint& resolver,
             const std::vector<std::string>& extra) {
    if (proc_.pid() > 0) {
      proc_.stop();
    }
    if (!dir_.empty()) {
      std::filesystem::remove_all(dir_);
    }
    dir_ = std::filesystem::temp_directory_path() /
           ("ptrscan-" + name + "-" + std::to_string(getpid()) + "-" + std::to_string(++runs_));
    std::filesystem::create_directories(dir_);
    out_ = (dir_ / "records.ndjson").string();
    std::vector<std::string> argv = wrapper_;
    const std::vector<std::string> command = {PTRSCAN_BINARY, "listen",     "-l",
                                     ip + ":0",      "-o",         out_,
                                     "--resolver",   resolver.to_string(),
                                     "--hostname",   "listen.test"};
    argv.insert(argv.end(), command.begin(), command.end());
    argv.insert(argv.end(), extra.begin(), extra.end());
    proc_ = daemon_process::start(argv, (dir_ / "listen.log").string());
    if (!proc_.wait_ready(
            [this] { return proc_.log_tail().find("listening on") != std::string::npos; },
            std::chrono::milliseconds(20'000))) {
      return false;
    }
    const std::string log = proc_.log_tail();
    const size_t at = log.find("listening on ");
    const std::string addr = log.substr(at + 13, log.find('\n', at) - at - 13);
    address_.host = ip;
    address_.port = static_cast<uint16_t>(std::stoi(addr.substr(addr.rfind(':') + 1)));
    return true;
  }

  /// A command the listener runs under (e.g. {"prlimit", "--nofile=100:100"}).
  void set_wrapper(std::vector<std::string> wrapper) { wrapper_ = std::move(wrapper); }
  const endpoint& address() const { return address_; }
  daemon_process& process() { return proc_; }
  const std::filesystem::path& dir() const { return dir_; }

  /// The records written so far (checked against schema/ first).
  std::vector<nlohmann::json> read() const {
    const run_result v = run_process(
        {"python3", std::string(PTRSCAN_SOURCE_DIR) + "/tests/schema/validate_output.py",
         std::string(PTRSCAN_SOURCE_DIR) + "/schema", "--listen", out_});
    if (v.exit_code != 77) {  // 77: python3-jsonschema missing
      EXPECT_EQ(v.exit_code, 0) << v.out << v.err;
    }
    std::ifstream in(out_);
    std::stringstream ss;
    ss << in.rdbuf();
    ndjson_lines lines = parse_ndjson(ss.str());
    EXPECT_TRUE(lines.bad_lines.empty());
    return lines.records;
  }

  /// SIGTERM (a clean stop: 20 s at most), exit 0, then the records.
  std::vector<nlohmann::json> stop_and_read() {
    proc_.stop(std::chrono::milliseconds(20'000));
    EXPECT_THAT(proc_.exit_description(), ::testing::HasSubstr("exit 0"));
    return read();
  }

 private:
  daemon_process proc_;
  std::filesystem::path dir_;
  std::string out_;
  endpoint address_;
  std::vector<std::string> wrapper_;
  int runs_ = 0;
};

}  // namespace ptrscan::testnet
