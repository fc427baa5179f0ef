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
  c.policy = [](const listen_dialogue& d, const client_identity&, json_writer& w) {
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

}  // namespace
}  // namespace ptrscan
