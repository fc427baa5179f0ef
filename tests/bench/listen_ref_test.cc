// ptrscan-listen-ref (bench/listen_ref/listen_ref.cc), the reference server
// of the `listen` benchmark, run as a program against a scripted DNS server
// on loopback (tests/support/fault_dns_server.h), with SMTP clients from
// 127.0.0.X: the RCPT verdict of each client and the counts it prints,
// PTR-only and with --fcrdns (the A of the first PTR name).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "../support/fault_dns_server.h"

extern char** environ;

namespace ptrscan {
namespace {

using testing_faults::dns_fault;
using testing_faults::dns_rule;
using testing_faults::fault_dns_server;

std::string read_text(const std::string& path) {
  std::ifstream f(path);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The RCPT reply the reference gives a client connecting from 127.0.0.x
// (the whole dialogue, as ptrscan-listen-load does it), or why it failed.
std::string rcpt_reply(uint16_t port, int x) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{10, 0};  // a bound, not a timing assertion
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  src.sin_addr.s_addr = htonl(0x7f000000u | static_cast<uint32_t>(x));
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(port);
  dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0) {
    ::close(fd);
    return "connect failed";
  }
  std::string in;
  // The next complete reply (its last line), or "" on EOF/timeout.
  auto reply = [&]() -> std::string {
    for (;;) {
      size_t start = 0;
      for (size_t lf; (lf = in.find('\n', start)) != std::string::npos; start = lf + 1) {
        const std::string line = in.substr(start, lf - start);
        if (line.size() >= 4 && line[3] == ' ') {
          in.erase(0, lf + 1);
          return line.substr(0, line.size() - (line.back() == '\r' ? 1 : 0));
        }
      }
      char buf[1024];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) {
        return {};
      }
      in.append(buf, static_cast<size_t>(n));
    }
  };
  std::string rcpt = reply().rfind("220 ", 0) == 0 ? "" : "no greeting";
  for (const std::string_view cmd : {"EHLO c.test\r\n", "MAIL FROM:<a@c.test>\r\n",
                                     "RCPT TO:<b@c.test>\r\n", "QUIT\r\n"}) {
    if (rcpt == "no greeting") {
      break;
    }
    (void)!::send(fd, cmd.data(), cmd.size(), MSG_NOSIGNAL);
    const std::string r = reply();
    if (cmd.rfind("RCPT", 0) == 0) {
      rcpt = r;
    }
  }
  ::close(fd);
  return rcpt;
}

struct ref_run {
  std::map<int, std::string> verdicts;  // client 127.0.0.x -> RCPT reply
  std::string summary;                  // its JSON line
  int exit_code = -1;
};

// Runs ptrscan-listen-ref against `dns` with `extra` flags, one client from
// each of `clients` in turn, until it exits (-n).
ref_run run_reference(const fault_dns_server& dns, const std::vector<int>& clients,
                      const std::vector<std::string>& extra) {
  const std::string dir =
      ::testing::TempDir() + "/listen_ref_" + std::to_string(::getpid()) + "_" +
      ::testing::UnitTest::GetInstance()->current_test_info()->name();
  std::filesystem::create_directories(dir);
  std::vector<std::string> args = {PTRSCAN_LISTEN_REF_BINARY, "--listen", "127.0.0.1:0",
                                   "--resolver", dns.address(), "-n",
                                   std::to_string(clients.size()), "--dns-timeout", "100",
                                   "--retries", "1"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& a : args) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, (dir + "/out").c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&fa, 2, (dir + "/err").c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  pid_t pid = -1;
  ref_run r;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    ADD_FAILURE() << "cannot start " << argv[0];
    return r;
  }
  uint16_t port = 0;
  for (int i = 0; i < 500 && port == 0; ++i) {  // at most 10 s
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const std::string err = read_text(dir + "/err");
    if (const size_t at = err.find("listening on 127.0.0.1:"); at != std::string::npos) {
      port = static_cast<uint16_t>(std::atoi(err.c_str() + at + 23));
    }
  }
  if (port != 0) {
    for (int x : clients) {
      r.verdicts[x] = rcpt_reply(port, x);
    }
  } else {
    ADD_FAILURE() << "it did not listen: " << read_text(dir + "/err");
  }
  int status = 0;
  pid_t done = 0;
  for (int i = 0; i < 500 && done == 0; ++i) {  // at most 10 s, then stopped
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    done = ::waitpid(pid, &status, WNOHANG);
  }
  if (done == 0) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ADD_FAILURE() << "it did not exit after -n connections";
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.summary = read_text(dir + "/out");
  std::filesystem::remove_all(dir);
  return r;
}

std::string reverse_of(int x) { return std::to_string(x) + ".0.0.127.in-addr.arpa"; }
std::string host(int x) { return "h" + std::to_string(x) + ".test"; }

// Clients 127.0.0.2-8, one outcome each.
void script(fault_dns_server& dns) {
  for (int x = 2; x <= 8; ++x) {
    dns_rule ptr;
    ptr.ptr = {host(x)};
    ptr.nxdomain = x == 4;
    dns.set(reverse_of(x), ptr);
  }
  dns_rule a;
  a.a = {"127.0.0.2"};  // the client: pass
  dns.set(host(2), a);
  a.a = {"127.0.0.99", "127.0.0.98"};  // elsewhere: fail
  dns.set(host(3), a);
  dns_rule broken;
  broken.a = {"127.0.0.5"};
  broken.fault = dns_fault::drop;  // every try lost: timeout
  dns.set(host(5), broken);
  broken.a = {"127.0.0.6"};
  broken.fault = dns_fault::servfail;
  dns.set(host(6), broken);
  broken.a = {"127.0.0.7"};
  broken.fault = dns_fault::malformed_answer;  // an error, never a verdict
  dns.set(host(7), broken);
  dns_rule gone;
  gone.nxdomain = true;  // the name does not resolve: fail
  dns.set(host(8), gone);
}

TEST(ListenRefTest, FcrdnsAsksTheFirstNamesAAndSaysWhatItFound) {
  fault_dns_server dns;
  script(dns);
  const ref_run r = run_reference(dns, {2, 3, 4, 5, 6, 7, 8}, {"--fcrdns"});
  EXPECT_EQ(r.exit_code, 0);
  const std::map<int, std::string> want = {
      {2, "550 5.7.1 ptr=ok fcrdns=pass"},     {3, "550 5.7.1 ptr=ok fcrdns=fail"},
      {4, "550 5.7.1 ptr=nxdomain fcrdns=none"}, {5, "550 5.7.1 ptr=ok fcrdns=timeout"},
      {6, "550 5.7.1 ptr=ok fcrdns=error"},    {7, "550 5.7.1 ptr=ok fcrdns=error"},
      {8, "550 5.7.1 ptr=ok fcrdns=fail"}};
  EXPECT_EQ(r.verdicts, want);
  // One PTR query per client, one A per PTR name, the lost one tried
  // 1 + --retries times; nothing else.
  for (int x = 2; x <= 8; ++x) {
    EXPECT_EQ(dns.udp_queries(reverse_of(x)), 1) << x;
    if (x != 4) {
      EXPECT_EQ(dns.udp_queries(host(x)), x == 5 ? 2 : 1) << x;
    }
  }
  // Every count but the time.
  EXPECT_EQ(std::regex_replace(r.summary, std::regex("\"wall_s\":[0-9.]+"), "\"wall_s\":W"),
            "{\"connections\":7,\"ptr_ok\":6,\"ptr_nxdomain\":1,\"ptr_other\":0,"
            "\"dns_timeouts\":1,\"dns_sent\":14,\"wall_s\":W,"
            "\"fcrdns_pass\":1,\"fcrdns_fail\":2,\"fcrdns_other\":4}\n");
}

TEST(ListenRefTest, WithoutFcrdnsOnlyThePtrIsAsked) {
  fault_dns_server dns;
  script(dns);
  const ref_run r = run_reference(dns, {2, 4}, {});
  EXPECT_EQ(r.exit_code, 0);
  const std::map<int, std::string> want = {{2, "550 5.7.1 ptr=ok"},
                                           {4, "550 5.7.1 ptr=nxdomain"}};
  EXPECT_EQ(r.verdicts, want);
  EXPECT_EQ(dns.udp_queries(host(2)), 0);
  EXPECT_EQ(r.summary.find("fcrdns"), std::string::npos) << r.summary;
  EXPECT_NE(r.summary.find("\"dns_sent\":2,"), std::string::npos) << r.summary;
}

}  // namespace
}  // namespace ptrscan
