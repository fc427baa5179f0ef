// Stopping fast (issue 15 item 8): the first SIGINT must not wait on silent
// servers. Six targets in one /24 (127.0.0.0/24, one silent listener on each
// address) with --per-subnet 1: one session connects and waits for a
// greeting that never comes, the other five wait for the /24's place. With
// --read-timeout 60 s the old "finish hosts in flight" took minutes; now
// the waiting hosts are written as stopped at once, and the open session is
// ended after --stop-grace. No DNS: the resolver is a loopback port where
// nothing listens (--probes smtp makes no query).

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <thread>
#include <vector>

#include "../support/child_process.h"
#include "../support/scan_accounting.h"
#include "testnet/loopback.h"
#include "testnet/mta_fixture.h"
#include "testnet/ndjson.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;
using testing_faults::child_options;
using testing_faults::child_process;

/// Listeners on `hosts`:`port` that accept and never say a word (nor
/// close) until the test ends: a silent SMTP server.
class silent_listeners {
 public:
  silent_listeners(const std::vector<std::string>& hosts, uint16_t port) {
    for (const std::string& h : hosts) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      int one = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(port);
      ::inet_pton(AF_INET, h.c_str(), &a.sin_addr);
      if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || ::listen(fd, 16) != 0) {
        ::close(fd);
        error_ = "cannot listen on " + h + ":" + std::to_string(port);
        continue;
      }
      listen_fds_.push_back(fd);
    }
    thread_ = std::thread([this] { accept_loop(); });
  }
  ~silent_listeners() {
    stop_ = true;
    thread_.join();
    for (int fd : listen_fds_) {
      ::close(fd);
    }
    for (int fd : accepted_) {
      ::close(fd);
    }
  }
  const std::string& error() const { return error_; }
  int accepted() const { return count_.load(); }
 private:
  void accept_loop() {
    std::vector<pollfd> p;
    for (int fd : listen_fds_) {
      p.push_back({fd, POLLIN, 0});
    }
    while (!stop_) {
      if (::poll(p.data(), p.size(), 20) <= 0) {
        continue;
      }
      for (pollfd& q : p) {
        if (q.revents & POLLIN) {
          const int c = ::accept4(q.fd, nullptr, nullptr, SOCK_CLOEXEC);
          if (c >= 0) {
            accepted_.push_back(c);  // this thread's only; closed by the destructor
            ++count_;
          }
        }
      }
    }
  }

  std::vector<int> listen_fds_;
  std::vector<int> accepted_;
  std::atomic<int> count_{0};
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::string error_;
};

TEST(StopFast, FirstSigintWritesWaitingHostsAsStoppedAndEndsOpenSessions) {
  const std::vector<std::string> hosts = {"127.0.0.71", "127.0.0.72", "127.0.0.73",
                                          "127.0.0.74", "127.0.0.75", "127.0.0.76"};
  const uint16_t port = free_port_on_all(hosts);
  ASSERT_NE(port, 0);
  silent_listeners servers(hosts, port);
  ASSERT_TRUE(servers.error().empty()) << servers.error();

  char dir_templ[] = "/tmp/ptrscan-stop-XXXXXX";
  ASSERT_NE(::mkdtemp(dir_templ), nullptr);
  const std::string dir = dir_templ;
  const std::string out = dir + "/out.ndjson";
  const std::string meta = dir + "/meta.json";
  // clang-format off
  std::vector<std::string> argv = {PTRSCAN_BINARY,
      "--resolver", "127.0.0.1:" + std::to_string(free_port("127.0.0.1")),
      "--allow-reserved",
      "--probes", "smtp",
      "--smtp-ports", std::to_string(port),
      "--ehlo-name", "scanner.test",
      "--per-subnet", "1",
      "--threads", "1",
      "--connect-timeout", "60000",
      "--read-timeout", "60000",
      "--session-timeout", "120000",
      "--stop-grace", "300",
      "--metadata", meta,
      "-o", out};
  // clang-format on
  argv.insert(argv.end(), hosts.begin(), hosts.end());
  child_options o;
  o.stderr_path = dir + "/stderr";
  // Far above the grace, far below what waiting on the servers would take
  // (six sessions in turn, each up to the 60 s read timeout).
  o.deadline = std::chrono::seconds(40);
  // The signal once the /24's one session is connected and the other five
  // hosts queue behind it.
  const testing_faults::child_result r =
      child_process::run(argv, o, {{[&servers] { return servers.accepted() >= 1; }, SIGINT}});
  const std::string err = testing_faults::read_file(o.stderr_path);
  const std::string output = testing_faults::read_file(out);
  const std::string meta_text = testing_faults::read_file(meta);
  std::filesystem::remove_all(dir);

  ASSERT_EQ(r.signals_sent.size(), 1U) << r.describe() << "\n" << err;
  EXPECT_FALSE(r.timed_out) << "the first SIGINT waited on silent servers: " << err;
  EXPECT_EQ(r.exit_code, 130) << r.describe() << "\n" << err;
  EXPECT_EQ(servers.accepted(), 1) << "--per-subnet 1 let a second session in, or one started "
                                      "after the stop";

  const ndjson_lines lines = parse_ndjson(output);
  EXPECT_TRUE(lines.bad_lines.empty());
  std::map<std::string, json> by_ip;
  for (const json& rec : lines.records) {
    by_ip[rec.value("ip", "")] = rec;
  }
  ASSERT_EQ(by_ip.size(), hosts.size()) << "every target has a record\n" << output;
  int talking = 0;
  int queued = 0;
  for (const std::string& h : hosts) {
    const json& smtp = by_ip[h]["smtp"];
    ASSERT_TRUE(smtp.is_array() && smtp.size() == 1) << by_ip[h].dump();
    EXPECT_EQ(smtp[0].value("status", ""), "stopped") << by_ip[h].dump();
    const std::string why = smtp[0].value("error", "");
    if (smtp[0].contains("ms") && smtp[0]["ms"].contains("connect")) {
      ++talking;
      EXPECT_THAT(why, HasSubstr("after --stop-grace, during greeting")) << by_ip[h].dump();
    } else {
      ++queued;
      EXPECT_EQ(why, "scan stopped before the session started") << by_ip[h].dump();
    }
  }
  EXPECT_EQ(talking, 1);
  EXPECT_EQ(queued, 5);

  // The books balance: every target read is a record, and the summary and
  // --metadata say so.
  const testing_faults::summary_counts s = testing_faults::parse_summary_line(err);
  const testing_faults::metadata_counts m =
      testing_faults::parse_metadata(meta_text);
  ASSERT_TRUE(s.found) << err;
  ASSERT_TRUE(m.found) << meta_text;
  EXPECT_EQ(s.hosts, hosts.size());
  EXPECT_EQ(s.dropped, 0U);
  EXPECT_EQ(s.not_started, 0U);
  EXPECT_THAT(s.line, HasSubstr("stopped 6"));
  EXPECT_EQ(m.targets_read, s.hosts + s.skipped() + s.dropped + s.not_started);
  EXPECT_EQ(m.records, s.hosts);
  EXPECT_EQ(m.exit_code, 130);
}

}  // namespace
}  // namespace ptrscan::testnet
