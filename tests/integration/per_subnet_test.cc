// --per-subnet end to end: inside a network namespace of its own, one
// listener answers for two /24s of 198.18.0.0/15, holding every greeting for
// a while and counting how many connections each /24 has open at once.
// ptrscan must never exceed the limit in any /24, must use it (the sessions
// of a /24 overlap), and must still write every record.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "../support/missing_fixture.h"
#include "testnet/ndjson.h"
#include "testnet/netns.h"
#include "testnet/smtp_scan.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

constexpr uint16_t port = 2525;  // the namespace is ours

/// Greets after `hold_ms`, answers EHLO with 250 and anything else by
/// closing. Counts concurrent connections per /24 of the address dialled.
class counting_server {
 public:
  explicit counting_server(int hold_ms) : hold_ms_(hold_ms) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);  // INADDR_ANY: only inside our namespace
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || ::listen(fd_, 256) != 0) {
      ::close(fd_);
      fd_ = -1;
      return;
    }
    acceptor_ = std::thread([this] { accept_loop(); });
  }
  ~counting_server() {
    stop_ = true;
    if (acceptor_.joinable()) {
      acceptor_.join();
    }
    for (std::thread& t : sessions_) {
      t.join();
    }
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  bool ok() const { return fd_ >= 0; }
  std::map<uint32_t, int> peaks() {
    std::lock_guard<std::mutex> l(mu_);
    return peak_;
  }

 private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) {
        continue;
      }
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        sessions_.emplace_back([this, c] { session(c); });
      }
    }
  }
  void session(int c) {
    sockaddr_in local{};
    socklen_t len = sizeof(local);
    ::getsockname(c, reinterpret_cast<sockaddr*>(&local), &len);
    const uint32_t net = ntohl(local.sin_addr.s_addr) >> 8;
    {
      std::lock_guard<std::mutex> l(mu_);
      peak_[net] = std::max(peak_[net], ++open_[net]);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(hold_ms_));
    const std::string greeting = "220 held.test ESMTP\r\n";
    ::send(c, greeting.data(), greeting.size(), MSG_NOSIGNAL);
    char buf[512];
    pollfd p{c, POLLIN, 0};
    const bool ehlo = ::poll(&p, 1, 2000) > 0 && ::recv(c, buf, sizeof(buf), 0) > 0;
    {
      // The session ends for the client with this reply (it sends QUIT and
      // closes without waiting): count it closed before sending, so a next
      // session to this /24 can only be counted after this one is gone.
      std::lock_guard<std::mutex> l(mu_);
      --open_[net];
    }
    if (ehlo) {
      const std::string ok = "250 held.test\r\n";
      ::send(c, ok.data(), ok.size(), MSG_NOSIGNAL);
      ::poll(&p, 1, 2000);  // QUIT, then ptrscan closes
    }
    ::close(c);
  }

  const int hold_ms_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::vector<std::thread> sessions_;  // touched by the acceptor thread only
  std::mutex mu_;
  std::map<uint32_t, int> open_;
  std::map<uint32_t, int> peak_;
};

TEST(PerSubnet, NeverMoreSessionsPerSlash24ThanAllowed) {
  if (const std::string why = net_namespace::unavailable_reason(); !why.empty()) {
    PTRSCAN_MISSING_FIXTURE(why);
  }
  std::unique_ptr<net_namespace> ns = net_namespace::create();
  ns->add_local_route("198.18.0.0/15");
  netns_scope inside(*ns);
  counting_server server(150);
  ASSERT_TRUE(server.ok());

  smtp_scan_options o;
  o.ports = {port};
  o.probes = "smtp";
  o.extra = {"--per-subnet", "3", "--threads", "2", "--max-inflight", "64", "-o", "-",
             "198.18.1.0/28", "198.18.2.0/28"};
  // No DNS is asked with --probes smtp; the resolver is never used.
  const std::vector<std::string> argv =
      ptrscan_smtp_command(PTRSCAN_BINARY, endpoint{"127.0.0.1", 53}, o);
  run_options ro;
  ro.deadline = std::chrono::seconds(60);
  const run_result r = run_process(argv, ro);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  const records_by_ip index = index_records(r.out);
  EXPECT_EQ(index.records.size(), 32u);
  for (const auto& [ip, rec] : index.records) {
    const nlohmann::json* e = smtp_entry(rec, port);
    ASSERT_NE(e, nullptr) << rec.dump();
    EXPECT_EQ(json_string(*e, "status"), "ok") << rec.dump();
  }
  const std::map<uint32_t, int> peaks = server.peaks();
  ASSERT_EQ(peaks.size(), 2u);
  for (const auto& [net, peak] : peaks) {
    EXPECT_LE(peak, 3) << "subnet " << (net >> 16) << "." << ((net >> 8) & 0xff) << "."
                       << (net & 0xff) << ".0/24";
    EXPECT_GE(peak, 2) << "the limit should still allow overlap";
  }
}

}  // namespace
}  // namespace ptrscan::testnet
