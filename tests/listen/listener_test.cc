// run_listener in-process over loopback (lib/listen/listener.cc): the
// receiver-policy hook is called for every session record with what the
// client did, and what it writes lands in the record. DNS goes to a
// loopback port where nothing answers (the lookups time out quickly).
#include "listen/listener.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <poll.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace ptrscan {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(Listener, PolicyHookWritesIntoEveryRecord) {
  const std::string out = ::testing::TempDir() + "/listener_test.ndjson";
  listener_config c;
  c.addresses = {"127.0.0.1:0"};
  c.responder.hostname = "listen.test";
  c.dns.servers = {"127.0.0.1:9"};  // discard: nothing answers
  c.dns.timeout_ms = 100;
  c.dns.tries = 1;
  c.verdict_wait_ms = 50;
  c.max_records = 1;
  c.handle_signals = false;
  c.policy = [](const session_facts&, const listen_dialogue& d, const client_identity&,
                json_writer& w) {
    w.key("policy").begin_object().key("helo_seen").value(d.helo).end_object();
  };
  uint16_t port = 0;
  std::mutex m;
  std::condition_variable cv;
  c.ready = [&](const std::vector<std::string>& bound) {
    std::lock_guard<std::mutex> l(m);
    port = static_cast<uint16_t>(std::stoi(bound.at(0).substr(bound.at(0).rfind(':') + 1)));
    cv.notify_all();
  };
  absl::StatusOr<std::unique_ptr<output_sink>> sink = output_sink::open(out);
  ASSERT_TRUE(sink.ok());
  absl::Status result;
  listener_stats stats;
  std::thread t([&] { result = run_listener(c, **sink, &stats); });
  {
    std::unique_lock<std::mutex> l(m);
    ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(30), [&] { return port != 0; }));
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const std::string say = "EHLO hook.test\r\nQUIT\r\n";
  ASSERT_EQ(::send(fd, say.data(), say.size(), MSG_NOSIGNAL), static_cast<ssize_t>(say.size()));
  std::string got;
  char b[1024];
  for (ssize_t n; (n = ::recv(fd, b, sizeof b, 0)) > 0;) {
    got.append(b, static_cast<size_t>(n));
  }
  ::close(fd);
  t.join();  // -n 1: it returns after the one record
  ASSERT_TRUE(result.ok()) << result;
  ASSERT_TRUE((*sink)->close().ok());
  EXPECT_NE(got.find("221 2.0.0"), std::string::npos) << got;
  EXPECT_EQ(stats.records, 1u);
  const std::string rec = read_file(out);
  EXPECT_NE(rec.find(R"("policy":{"helo_seen":"hook.test"})"), std::string::npos) << rec;
  EXPECT_NE(rec.find(R"("end":"quit")"), std::string::npos) << rec;
}

TEST(Listener, BadAddressIsAnError) {
  listener_config c;
  c.addresses = {"not-an-address"};
  c.dns.servers = {"127.0.0.1:9"};
  c.handle_signals = false;
  absl::StatusOr<std::unique_ptr<output_sink>> sink =
      output_sink::open(::testing::TempDir() + "/listener_bad.ndjson");
  ASSERT_TRUE(sink.ok());
  const absl::Status s = run_listener(c, **sink, nullptr);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("not-an-address"), std::string_view::npos);
  (*sink)->close().IgnoreError();
}

/// A loopback DNS server for the test: every answer is NXDOMAIN after
/// `fast_ms`, but the TXT of slow.example is "v=spf1 -all" after `slow_ms`.
class delayed_dns {
 public:
  delayed_dns(int fast_ms, int slow_ms) : fast_ms_(fast_ms), slow_ms_(slow_ms) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    t_ = std::thread([this] { run(); });
  }
  ~delayed_dns() {
    stop_ = true;
    t_.join();
    ::close(fd_);
  }
  uint16_t port() const { return port_; }

 private:
  struct pending {
    std::chrono::steady_clock::time_point due;
    std::vector<uint8_t> reply;
    sockaddr_in to;
  };
  void run() {
    std::vector<pending> q;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, 5);
      if ((p.revents & POLLIN) != 0) {
        uint8_t b[512];
        sockaddr_in from{};
        socklen_t fl = sizeof from;
        const ssize_t n = ::recvfrom(fd_, b, sizeof b, 0, reinterpret_cast<sockaddr*>(&from), &fl);
        const size_t len = n > 0 ? static_cast<size_t>(n) : 0;
        size_t i = 12;
        std::string name;
        while (i < len && b[i] != 0 && i + 1 + b[i] < len) {
          if (!name.empty()) {
            name += '.';
          }
          for (size_t k = 0; k < b[i]; ++k) {
            name += static_cast<char>(std::tolower(b[i + 1 + k]));  // 0x20 mixing
          }
          i += 1 + b[i];
        }
        const size_t qend = i + 5;  // root label, type, class
        if (len > 12 && qend <= len) {
          const uint16_t type = static_cast<uint16_t>(b[i + 1] << 8 | b[i + 2]);
          std::vector<uint8_t> r(qend);
          std::memcpy(r.data(), b, qend);
          r[2] = 0x81;  // QR, RD
          r[7] = 0;
          r[8] = r[9] = r[10] = r[11] = 0;  // no authority, no additional (OPT dropped)
          const bool slow = type == 16 && name == "slow.example";
          if (slow) {
            r[3] = 0x80;  // RA, NOERROR
            r[7] = 1;
            const std::string t = "v=spf1 -all";
            const uint8_t rr[] = {0xc0, 0x0c, 0, 16, 0, 1, 0, 0, 0, 60, 0,
                                  static_cast<uint8_t>(t.size() + 1),
                                  static_cast<uint8_t>(t.size())};
            r.insert(r.end(), rr, rr + sizeof rr);
            r.insert(r.end(), t.begin(), t.end());
          } else {
            r[3] = 0x83;  // RA, NXDOMAIN
          }
          q.push_back({std::chrono::steady_clock::now() +
                           std::chrono::milliseconds(slow ? slow_ms_ : fast_ms_),
                       std::move(r), from});
        }
      }
      const auto now = std::chrono::steady_clock::now();
      for (size_t k = 0; k < q.size();) {
        if (q[k].due <= now) {
          ::sendto(fd_, q[k].reply.data(), q[k].reply.size(), 0,
                   reinterpret_cast<const sockaddr*>(&q[k].to), sizeof q[k].to);
          q.erase(q.begin() + static_cast<std::ptrdiff_t>(k));
        } else {
          ++k;
        }
      }
    }
  }
  int fast_ms_;
  int slow_ms_;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread t_;
};

// RCPT 1 is answered in time (its lookups take 600 ms of the 2000 ms
// wait); after a new MAIL, RCPT 2 waits for an SPF answer due at ~2300 ms.
// The timer left over from RCPT 1 (due at 2000 ms) must not end the wait
// of RCPT 2 (due at ~2600 ms): its reply carries spf=fail, not timeout.
TEST(Listener, StaleVerdictTimerDoesNotCutALaterWait) {
  delayed_dns dns(600, 1700);
  const std::string out = ::testing::TempDir() + "/listener_stale.ndjson";
  listener_config c;
  c.addresses = {"127.0.0.1:0"};
  c.responder.hostname = "listen.test";
  c.responder.tls_available = false;
  c.dns.servers = {"127.0.0.1:" + std::to_string(dns.port())};
  c.dns.timeout_ms = 5000;
  c.dns.tries = 1;
  c.verdict_wait_ms = 2000;
  c.max_records = 1;
  c.handle_signals = false;
  uint16_t port = 0;
  std::mutex m;
  std::condition_variable cv;
  c.ready = [&](const std::vector<std::string>& bound) {
    std::lock_guard<std::mutex> l(m);
    port = static_cast<uint16_t>(std::stoi(bound.at(0).substr(bound.at(0).rfind(':') + 1)));
    cv.notify_all();
  };
  absl::StatusOr<std::unique_ptr<output_sink>> sink = output_sink::open(out);
  ASSERT_TRUE(sink.ok());
  absl::Status result;
  std::thread t([&] { result = run_listener(c, **sink, nullptr); });
  {
    std::unique_lock<std::mutex> l(m);
    ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(30), [&] { return port != 0; }));
  }
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  std::string got;
  auto read_until = [&](const std::string& what, size_t count) {
    char b[1024];
    for (;;) {
      size_t seen = 0;
      for (size_t p = got.find(what); p != std::string::npos; p = got.find(what, p + 1)) {
        ++seen;
      }
      if (seen >= count) {
        return true;
      }
      const ssize_t n = ::recv(fd, b, sizeof b, 0);
      if (n < 0 && errno == EINTR) {
        continue;  // a signal of another thread of the test binary
      }
      if (n <= 0) {
        got += "[recv " + std::to_string(n) + ": " + std::strerror(errno) + "]";
        return false;
      }
      got.append(b, static_cast<size_t>(n));
    }
  };
  const std::string one = "EHLO client.test\r\nMAIL FROM:<a@fast.example>\r\nRCPT TO:<x@y.test>\r\n";
  ASSERT_EQ(::send(fd, one.data(), one.size(), MSG_NOSIGNAL), static_cast<ssize_t>(one.size()));
  ASSERT_TRUE(read_until("550 5.7.1", 1)) << got;
  const std::string two = "RSET\r\nMAIL FROM:<a@slow.example>\r\nRCPT TO:<x@y.test>\r\n";
  ASSERT_EQ(::send(fd, two.data(), two.size(), MSG_NOSIGNAL), static_cast<ssize_t>(two.size()));
  ASSERT_TRUE(read_until("550 5.7.1", 2)) << got;
  ::send(fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
  read_until("221 ", 1);
  ::close(fd);
  t.join();
  ASSERT_TRUE(result.ok()) << result;
  ASSERT_TRUE((*sink)->close().ok());
  const size_t second = got.rfind("550 5.7.1");
  const std::string line2 = got.substr(second, got.find("\r\n", second) - second);
  EXPECT_NE(line2.find("spf=fail"), std::string::npos) << got;
  const std::string rec = read_file(out);
  EXPECT_NE(rec.find(R"("verdict_timeout":false)"), std::string::npos) << rec;
}

/// A blocking client from `source` (a loopback address) with a 10 s
/// receive timeout; -1 when it cannot connect.
int connect_from(const std::string& source, uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &src.sin_addr);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// The first reply line (up to its LF), or "" on timeout or close.
std::string first_line(int fd) {
  std::string got;
  char c;
  while (got.find('\n') == std::string::npos) {
    const ssize_t n = ::recv(fd, &c, 1, 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return "";
    }
    got.push_back(c);
  }
  return got;
}

size_t count_lines(const std::string& path) {
  const std::string text = read_file(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// -T 2: two loops on SO_REUSEPORT sockets of one port. --per-subnet and
// --max-sessions count the sessions of both: with 1 per /24 and 2 in all,
// every further connection is refused whichever loop the kernel hands it
// to (32 of them: with per-loop counts about half would be let in), and a
// place freed on one loop is free for the other.
TEST(Listener, CapsHoldAcrossThreads) {
  delayed_dns dns(0, 0);  // every lookup: NXDOMAIN at once
  const std::string out = ::testing::TempDir() + "/listener_threads.ndjson";
  const std::string net = "127." + std::to_string(20 + getpid() % 200) + ".";
  listener_config c;
  c.threads = 2;
  c.addresses = {"127.0.0.1:0"};
  c.responder.hostname = "listen.test";
  c.dns.servers = {"127.0.0.1:" + std::to_string(dns.port())};
  c.dns.timeout_ms = 2000;
  c.dns.tries = 1;
  c.max_sessions = 2;
  c.per_subnet = 1;
  c.max_records = 35;
  c.handle_signals = false;
  uint16_t port = 0;
  std::mutex m;
  std::condition_variable cv;
  c.ready = [&](const std::vector<std::string>& bound) {
    std::lock_guard<std::mutex> l(m);
    port = static_cast<uint16_t>(std::stoi(bound.at(0).substr(bound.at(0).rfind(':') + 1)));
    cv.notify_all();
  };
  absl::StatusOr<std::unique_ptr<output_sink>> sink = output_sink::open(out);
  ASSERT_TRUE(sink.ok());
  absl::Status result;
  listener_stats stats;
  std::thread t([&] { result = run_listener(c, **sink, &stats); });
  {
    std::unique_lock<std::mutex> l(m);
    ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(30), [&] { return port != 0; }));
  }
  const int held1 = connect_from(net + "1.10", port);
  ASSERT_GE(held1, 0);
  EXPECT_EQ(first_line(held1).substr(0, 4), "220 ");
  for (int i = 0; i < 16; ++i) {  // the same /24: per_subnet
    const int fd = connect_from(net + "1." + std::to_string(11 + i), port);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(first_line(fd).substr(0, 9), "421 4.7.0") << i;
    ::close(fd);
  }
  const int held2 = connect_from(net + "2.10", port);
  ASSERT_GE(held2, 0);
  EXPECT_EQ(first_line(held2).substr(0, 4), "220 ");
  for (int i = 0; i < 16; ++i) {  // other /24s: sessions
    const int fd = connect_from(net + std::to_string(3 + i) + ".10", port);
    ASSERT_GE(fd, 0);
    EXPECT_EQ(first_line(fd).substr(0, 9), "421 4.7.0") << i;
    ::close(fd);
  }
  for (int fd : {held1, held2}) {
    ::send(fd, "QUIT\r\n", 6, MSG_NOSIGNAL);
    EXPECT_EQ(first_line(fd).substr(0, 4), "221 ");
    ::close(fd);
  }
  // Both records written means both places released (bounded: 20 s).
  for (int i = 0; i < 400 && count_lines(out) < 34; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(count_lines(out), 34u);
  const int again = connect_from(net + "1.99", port);
  ASSERT_GE(again, 0);
  EXPECT_EQ(first_line(again).substr(0, 4), "220 ");
  ::send(again, "QUIT\r\n", 6, MSG_NOSIGNAL);
  EXPECT_EQ(first_line(again).substr(0, 4), "221 ");
  ::close(again);
  t.join();  // -n 35
  ASSERT_TRUE(result.ok()) << result;
  ASSERT_TRUE((*sink)->close().ok());
  EXPECT_EQ(stats.records, 35u);
  EXPECT_EQ(stats.refused, 32u);
  ASSERT_EQ(stats.accepted_per_thread.size(), 2u);
  // The kernel spread the 35 connections over both loops (all on one:
  // a chance of 2^-34).
  EXPECT_GT(stats.accepted_per_thread[0], 0u);
  EXPECT_GT(stats.accepted_per_thread[1], 0u);
  const std::string rec = read_file(out);
  size_t per_subnet = 0;
  size_t sessions = 0;
  for (size_t p = rec.find(R"("truncated":["per_subnet"])"); p != std::string::npos;
       p = rec.find(R"("truncated":["per_subnet"])", p + 1)) {
    ++per_subnet;
  }
  for (size_t p = rec.find(R"("truncated":["sessions"])"); p != std::string::npos;
       p = rec.find(R"("truncated":["sessions"])", p + 1)) {
    ++sessions;
  }
  EXPECT_EQ(per_subnet, 16u);
  EXPECT_EQ(sessions, 16u);
}

// The answer cache in front of the loop's DNS transport: two sessions in a
// row with the same MAIL FROM domain; the second one's TXT lookup is
// answered from the first one's answer (TTL 60 s), and its verdict is the
// same. NXDOMAIN without an SOA (every other answer of delayed_dns) is not
// kept: those are asked again. With --dns-cache 0 nothing is kept.
TEST(Listener, AnswerCacheServesARepeatedSenderDomain) {
  for (const size_t entries : {size_t{10'000}, size_t{0}}) {
    SCOPED_TRACE(entries);
    delayed_dns dns(0, 0);
    const std::string out = ::testing::TempDir() + "/listener_cache.ndjson";
    listener_config c;
    c.addresses = {"127.0.0.1:0"};
    c.responder.hostname = "listen.test";
    c.responder.tls_available = false;
    c.dns.servers = {"127.0.0.1:" + std::to_string(dns.port())};
    c.dns.timeout_ms = 5000;
    c.dns.tries = 1;
    c.dns_cache.max_entries = entries;
    c.max_records = 2;
    c.handle_signals = false;
    uint16_t port = 0;
    std::mutex m;
    std::condition_variable cv;
    c.ready = [&](const std::vector<std::string>& bound) {
      std::lock_guard<std::mutex> l(m);
      port = static_cast<uint16_t>(std::stoi(bound.at(0).substr(bound.at(0).rfind(':') + 1)));
      cv.notify_all();
    };
    absl::StatusOr<std::unique_ptr<output_sink>> sink = output_sink::open(out);
    ASSERT_TRUE(sink.ok());
    absl::Status result;
    listener_stats stats;
    std::thread t([&] { result = run_listener(c, **sink, &stats); });
    {
      std::unique_lock<std::mutex> l(m);
      ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(30), [&] { return port != 0; }));
    }
    std::vector<std::string> verdicts;
    for (int session = 0; session < 2; ++session) {
      const int fd = connect_from("127.0.0.1", port);
      ASSERT_GE(fd, 0);
      const std::string say =
          "EHLO client.test\r\nMAIL FROM:<a@slow.example>\r\nRCPT TO:<x@y.test>\r\nQUIT\r\n";
      ASSERT_EQ(::send(fd, say.data(), say.size(), MSG_NOSIGNAL),
                static_cast<ssize_t>(say.size()));
      std::string got;
      char b[1024];
      for (ssize_t n; (n = ::recv(fd, b, sizeof b, 0)) > 0 || (n < 0 && errno == EINTR);) {
        if (n > 0) {
          got.append(b, static_cast<size_t>(n));
        }
      }
      ::close(fd);
      const size_t at = got.find("550 5.7.1");
      ASSERT_NE(at, std::string::npos) << got;
      verdicts.push_back(got.substr(at, got.find("\r\n", at) - at));
    }
    t.join();  // -n 2
    ASSERT_TRUE(result.ok()) << result;
    ASSERT_TRUE((*sink)->close().ok());
    ASSERT_EQ(verdicts.size(), 2u);
    EXPECT_NE(verdicts[0].find("spf=fail"), std::string::npos) << verdicts[0];
    EXPECT_EQ(verdicts[1], verdicts[0]);
    if (entries > 0) {
      EXPECT_EQ(stats.dns_cache.hits, 1u);  // the second session's TXT
      EXPECT_EQ(stats.dns_cache.stored, 1u);
    } else {
      EXPECT_EQ(stats.dns_cache.hits, 0u);
      EXPECT_EQ(stats.dns_cache.stored, 0u);
    }
    EXPECT_EQ(stats.dns_queries, stats.dns_cache.misses);
  }
}

}  // namespace
}  // namespace ptrscan
