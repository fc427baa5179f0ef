// `ptrscan listen -T N` and SIGTERM (issue 19 review finding): every event
// loop reads the signals, so the first one ends every session (421 4.3.2)
// whichever loop holds it, and a second one stops the process at once,
// whichever loops are still running: before, only loop 0 read the signalfd,
// and once it had ended (no session of its own) a second signal was taken
// by nobody while another loop still waited for its lookups.
//
// The resolver is a UDP socket of the test's that never answers, and
// --dns-timeout is two minutes: after the first signal the sessions' records
// wait for their lookups, so the process can only end within the bounded
// wait below (20 s) because the second signal stopped it, with every
// accepted session's record written. Three rounds of two sessions on eight
// loops (SO_REUSEPORT picks the loop): the old code failed a round whenever
// loop 0 held neither session, (7/8)^2 = 77 % of rounds, so the three
// rounds catch it 99 % of the time.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "listen_testbed.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

/// A UDP socket that takes DNS queries and never answers (no ICMP either).
class silent_resolver {
 public:
  explicit silent_resolver(const std::string& ip) {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    socklen_t len = sizeof a;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0) {
      at_.host = ip;
      at_.port = ntohs(a.sin_port);
    }
  }
  silent_resolver(const silent_resolver&) = delete;
  silent_resolver& operator=(const silent_resolver&) = delete;
  ~silent_resolver() { ::close(fd_); }
  bool ok() const { return at_.port != 0; }
  const endpoint& at() const { return at_; }

 private:
  int fd_ = -1;
  endpoint at_;
};

const json* record_of(const std::vector<json>& records, const std::string& ip) {
  for (const json& r : records) {
    if (r.value("client", "") == ip) {
      return &r;
    }
  }
  return nullptr;
}

TEST(ListenSignals, FirstSignalEndsEverySessionSecondStopsEveryLoopAtOnce) {
  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    const listen_net net = listen_net::pick();
    silent_resolver dns(net.at("53"));
    ASSERT_TRUE(dns.ok());
    listen_process listener;
    ASSERT_TRUE(listener.start("listen-signal", net.at("1"), dns.at(),
                               {"-T", "8", "--dns-timeout", "120000", "--retries", "0"}))
        << listener.process().log_tail();

    // One session ends by QUIT (its record waits for its lookups), one is
    // held open by its client.
    {
      std::optional<smtp_test_client> done = smtp_test_client::connect(net.at("10"),
                                                                        listener.address());
      ASSERT_TRUE(done);
      EXPECT_THAT(done->reply(), HasSubstr("220 "));
      EXPECT_THAT(done->say("EHLO quit.example.test"), HasSubstr("250"));
      EXPECT_THAT(done->say("QUIT"), HasSubstr("221 "));
    }
    std::optional<smtp_test_client> held =
        smtp_test_client::connect(net.at("11"), listener.address());
    ASSERT_TRUE(held);
    EXPECT_THAT(held->reply(), HasSubstr("220 "));
    EXPECT_THAT(held->say("EHLO held.example.test"), HasSubstr("250"));

    // The first signal: the held session is ended by its own loop, whichever.
    const pid_t pid = listener.process().pid();
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    EXPECT_THAT(held->reply(), HasSubstr("421 4.3.2"));
    // Its lookups still run (two minutes): a clean stop waits for them.
    EXPECT_TRUE(listener.process().running());

    // The second signal: out at once, while the lookups would run on.
    ASSERT_EQ(::kill(pid, SIGTERM), 0);
    for (int i = 0; i < 200 && listener.process().running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_FALSE(listener.process().running())
        << "a second SIGTERM did not stop it: " << listener.process().log_tail();
    EXPECT_THAT(listener.process().exit_description(), HasSubstr("exit 0"));

    const std::vector<json> records = listener.read();
    ASSERT_EQ(records.size(), 2u) << listener.process().log_tail();
    const json* quit = record_of(records, net.at("10"));
    ASSERT_NE(quit, nullptr);
    EXPECT_EQ((*quit)["session"]["end"], "quit");
    EXPECT_EQ((*quit)["ptr"]["status"], "timeout");  // written before its answer
    const json* cut = record_of(records, net.at("11"));
    ASSERT_NE(cut, nullptr);
    EXPECT_EQ((*cut)["session"]["end"], "shutdown");
    EXPECT_EQ((*cut)["helo"]["name"], "held.example.test");
  }
}

}  // namespace
}  // namespace ptrscan::testnet
