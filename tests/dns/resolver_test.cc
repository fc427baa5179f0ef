// The c-ares channel driven from an io_uring, against a scripted DNS server
// on loopback: the server answers by the first label of the question, which
// covers what a real resolver will not do on request (drop, truncate).
#include "dns/resolver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "core/user_data.h"
#include "dns/answer.h"

namespace ptrscan {
namespace {

/// UDP + TCP responder on 127.0.0.1 (one port for both). Behaviour by the
/// question's first label: "ok" A 192.0.2.1; "nx" NXDOMAIN; "sf" SERVFAIL;
/// "drop" never answers; "tc" truncated over UDP, full answer over TCP.
class scripted_dns_server {
 public:
  scripted_dns_server() {
    for (int attempt = 0; attempt < 20 && port_ == 0; ++attempt) {
      udp_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
      // Room for a burst of queries, so the test measures the client and not
      // this single-threaded server's socket buffer.
      int rcvbuf = 4 << 20;
      if (setsockopt(udp_, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) != 0) {
        setsockopt(udp_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
      }
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
      bind(udp_, reinterpret_cast<sockaddr*>(&a), sizeof(a));
      socklen_t len = sizeof(a);
      getsockname(udp_, reinterpret_cast<sockaddr*>(&a), &len);
      tcp_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      setsockopt(tcp_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      if (bind(tcp_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0 && listen(tcp_, 16) == 0) {
        port_ = ntohs(a.sin_port);
      } else {
        close(udp_);
        close(tcp_);
      }
    }
    thread_ = std::thread([this] { serve(); });
  }
  ~scripted_dns_server() {
    stop_ = true;
    thread_.join();
    close(udp_);
    close(tcp_);
  }
  uint16_t port() const { return port_; }
  int udp_queries(const std::string& label) const {
    auto it = udp_counts_.find(label);
    return it == udp_counts_.end() ? 0 : it->second;
  }
  int tcp_queries() const { return tcp_count_.load(); }

 private:
  static std::string first_label(const uint8_t* q, size_t n) {
    if (n <= 13 || q[12] == 0 || 13u + q[12] > n) {
      return "";
    }
    return std::string(reinterpret_cast<const char*>(q + 13), q[12]);
  }

  static std::vector<uint8_t> respond(const uint8_t* q, size_t n, bool over_tcp) {
    std::string label = first_label(q, n);
    // Header + question as asked.
    size_t qend = 12;
    while (qend < n && q[qend] != 0) {
      qend += q[qend] + 1u;
    }
    qend += 5;
    std::vector<uint8_t> r(q, q + std::min(qend, n));
    if (r.size() < 12) {
      return r;
    }
    uint8_t* h = r.data();
    h[2] = static_cast<uint8_t>(0x80 | (q[2] & 0x01));  // QR, keep RD
    h[3] = 0x80;                                          // RA, NOERROR
    std::fill(h + 6, h + 12, 0);
    if (label == "nx") {
      h[3] |= 3;
    } else if (label == "sf") {
      h[3] |= 2;
    } else if (label == "tc" && !over_tcp) {
      h[2] |= 0x02;
    } else if (label == "ok" || label == "tc") {
      h[7] = 1;
      const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
      r.insert(r.end(), std::begin(rr), std::end(rr));
    }
    return r;
  }

  void serve() {
    uint8_t buf[2048];
    while (!stop_) {
      pollfd fds[2] = {{udp_, POLLIN, 0}, {tcp_, POLLIN, 0}};
      if (poll(fds, 2, 20) <= 0) {
        continue;
      }
      if (fds[0].revents & POLLIN) {
        sockaddr_in from{};
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(udp_, buf, sizeof(buf), 0, reinterpret_cast<sockaddr*>(&from), &fl);
        if (n > 12) {
          std::string label = first_label(buf, static_cast<size_t>(n));
          ++udp_counts_[label];
          if (label != "drop") {
            std::vector<uint8_t> r = respond(buf, static_cast<size_t>(n), false);
            sendto(udp_, r.data(), r.size(), 0, reinterpret_cast<sockaddr*>(&from), fl);
          }
        }
      }
      if (fds[1].revents & POLLIN) {
        int c = accept(tcp_, nullptr, nullptr);
        if (c < 0) {
          continue;
        }
        ++tcp_count_;
        uint8_t lenbuf[2];
        if (recv(c, lenbuf, 2, MSG_WAITALL) == 2) {
          size_t len = static_cast<size_t>((lenbuf[0] << 8) | lenbuf[1]);
          if (len <= sizeof(buf) && recv(c, buf, len, MSG_WAITALL) == static_cast<ssize_t>(len)) {
            std::vector<uint8_t> r = respond(buf, len, true);
            uint8_t hdr[2] = {static_cast<uint8_t>(r.size() >> 8), static_cast<uint8_t>(r.size())};
            send(c, hdr, 2, MSG_NOSIGNAL);
            send(c, r.data(), r.size(), MSG_NOSIGNAL);
          }
        }
        // Let the client close first; then the server side goes away.
        pollfd p{c, POLLIN, 0};
        poll(&p, 1, 1000);
        close(c);
      }
    }
  }

  int udp_ = -1;
  int tcp_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::map<std::string, int> udp_counts_;  // read after the queries are done
  std::atomic<int> tcp_count_{0};
};

struct collected {
  dns_status status = dns_status::error;
  std::vector<std::string> addrs;
  bool done = false;
};

class collector final : public resolver_client {
 public:
  std::map<uint64_t, collected> results;
  std::map<uint64_t, std::string> names;
  void on_dns_result(uint64_t cookie, int ares_status, std::span<const uint8_t> packet) override {
    collected& c = results[cookie];
    dns_answer a;
    if (!packet.empty()) {
      parse_answer(packet, names[cookie], dns_type_a, a);
    } else {
      a.status = dns_status_from_ares(ares_status);
    }
    c.status = a.status;
    for (const ip_address& ip : a.addrs) {
      c.addrs.push_back(ip.to_string());
    }
    c.done = true;
  }
};

/// Runs the ring the way a shard does until every query has an answer.
void run_until_done(ring& r, resolver& res, const collector& col, size_t want) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (col.results.size() < want && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(r.submit_and_wait(res.next_timeout_ns(100'000'000)), 0);
    r.drain([&](uint64_t data, int rc, uint32_t) {
      user_data ud = user_data::unpack(data);
      if (ud.op == op_kind::dns_poll) {
        res.on_poll_completion(ud.index, ud.generation, rc);
      }
    });
    res.process_timeouts();
  }
}

class ResolverTest : public ::testing::Test {
 protected:
  scripted_dns_server server;
  ring r;
  collector col;

  void SetUp() override {
    ASSERT_NE(server.port(), 0);
    ASSERT_TRUE(r.init(64).ok());
  }
  resolver_options options(int timeout_ms, int tries) {
    resolver_options o;
    o.servers = {"127.0.0.1:" + std::to_string(server.port())};
    o.timeout_ms = timeout_ms;
    o.tries = tries;
    return o;
  }
  void ask(resolver& res, uint64_t cookie, const std::string& name) {
    col.names[cookie] = name;
    res.query(name, dns_type_a, cookie);
  }
};

TEST_F(ResolverTest, StatusesFromTheWire) {
  resolver res(r, col);
  ASSERT_TRUE(res.init(options(500, 2)).ok());
  ask(res, 1, "ok.example");
  ask(res, 2, "nx.example");
  ask(res, 3, "sf.example");
  run_until_done(r, res, col, 3);
  ASSERT_EQ(col.results.size(), 3u);
  EXPECT_EQ(col.results[1].status, dns_status::ok);
  EXPECT_EQ(col.results[1].addrs, std::vector<std::string>{"192.0.2.1"});
  EXPECT_EQ(col.results[2].status, dns_status::nxdomain);
  // SERVFAIL is an answer, not something to retry (ARES_FLAG_NOCHECKRESP).
  EXPECT_EQ(col.results[3].status, dns_status::servfail);
  EXPECT_EQ(server.udp_queries("sf"), 1);
  EXPECT_EQ(res.in_flight(), 0u);
}

TEST_F(ResolverTest, SilenceTimesOutAfterTheConfiguredTries) {
  resolver res(r, col);
  ASSERT_TRUE(res.init(options(100, 3)).ok());
  ask(res, 1, "drop.example");
  ask(res, 2, "ok.example");
  run_until_done(r, res, col, 2);
  EXPECT_EQ(col.results[1].status, dns_status::timeout);
  EXPECT_EQ(server.udp_queries("drop"), 3);  // --retries 2 = 3 tries
  EXPECT_EQ(col.results[2].status, dns_status::ok);
}

TEST_F(ResolverTest, TruncatedUdpFallsBackToTcp) {
  resolver res(r, col);
  ASSERT_TRUE(res.init(options(1000, 2)).ok());
  ask(res, 1, "tc.example");
  run_until_done(r, res, col, 1);
  EXPECT_EQ(col.results[1].status, dns_status::ok);
  EXPECT_EQ(col.results[1].addrs, std::vector<std::string>{"192.0.2.1"});
  EXPECT_GE(server.tcp_queries(), 1);
}

TEST_F(ResolverTest, ManyQueriesInFlightOnOneChannel) {
  resolver res(r, col);
  ASSERT_TRUE(res.init(options(1000, 3)).ok());
  constexpr uint64_t n = 1000;
  for (uint64_t i = 0; i < n; ++i) {
    ask(res, i, (i % 2 == 0 ? "ok.q" : "nx.q") + std::to_string(i) + ".example");
  }
  run_until_done(r, res, col, n);
  ASSERT_EQ(col.results.size(), n);
  for (uint64_t i = 0; i < n; ++i) {
    EXPECT_EQ(col.results[i].status, i % 2 == 0 ? dns_status::ok : dns_status::nxdomain) << i;
  }
  EXPECT_EQ(res.in_flight(), 0u);
  // Regression: with the default ~208 KiB socket buffer the burst of answers
  // overflowed c-ares's socket and hundreds of queries were retried after a
  // timeout (3 s for this test). Every query must go out exactly once.
  EXPECT_EQ(server.udp_queries("ok") + server.udp_queries("nx"), static_cast<int>(n));
}

TEST(ResolverOptionsTest, BadServerListIsAUsageError) {
  ring r;
  ASSERT_TRUE(r.init(8).ok());
  collector col;
  resolver res(r, col);
  resolver_options o;
  o.servers = {"not-an-ip:53"};
  absl::Status s = res.init(o);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace ptrscan
