// ptrscan-ptr-flood-rss: peak RSS of a scan of a /24 whose every PTR answer
// is as large as DNS allows (issue 15: one such answer used to make a 4.7 MB
// record, and a /24 of them 998 MiB of RSS and 1.2 GB of output).
//
// A scripted DNS server on loopback (tests/support/fault_dns_server.h)
// answers every reverse name of 198.18.60.0/24 with TC over UDP, then over
// TCP with 3,838 distinct PTR names (three-letter labels: the most distinct
// names a 64 KiB message holds without compression). ptrscan runs with
// --probes ptr,fcrdns against it; its peak RSS comes from wait4(). Prints
// the numbers; asserts nothing (a benchmark, not a test), but exits 1 when
// the scan itself failed, so a broken run is never read as a number.
//
//   ptrscan-ptr-flood-rss [--ptrscan PATH] [--names N] [--threads N]

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <iterator>
#include <string>
#include <vector>

#include "../../tests/support/fault_dns_server.h"
#include "net/ip_address.h"

namespace {

using ptrscan::ip_address;
using ptrscan::testing_faults::dns_fault;
using ptrscan::testing_faults::dns_rule;
using ptrscan::testing_faults::fault_dns_server;

std::string three_letters(int i) {
  static constexpr char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string s(3, 'a');
  for (int k = 2; k >= 0; --k) {
    s[static_cast<size_t>(k)] = alphabet[i % 36];
    i /= 36;
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::string binary = PTRSCAN_BINARY;
  int names = 3838;
  std::string threads = "2";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--ptrscan") {
      binary = argv[i + 1];
    } else if (flag == "--names") {
      names = std::atoi(argv[i + 1]);
    } else if (flag == "--threads") {
      threads = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: %s [--ptrscan PATH] [--names N] [--threads N]\n", argv[0]);
      return 2;
    }
  }
  if (names < 1 || 17 * names + 64 > 65535) {
    std::fprintf(stderr, "--names: 1 to %d (one 64 KiB TCP message)\n", (65535 - 64) / 17);
    return 2;
  }

  fault_dns_server server;
  dns_rule rule;
  rule.fault = dns_fault::truncated;  // TC over UDP, the whole set over TCP
  for (int i = 0; i < names; ++i) {
    rule.ptr.push_back(three_letters(i));
  }
  for (uint32_t host = 0; host < 256; ++host) {
    const ip_address ip = ip_address::v4((198u << 24) | (18u << 16) | (60u << 8) | host);
    server.set(ip.reverse_name(), rule);
  }

  char out_path[] = "/tmp/ptrscan-ptr-flood-XXXXXX";
  const int out_fd = ::mkstemp(out_path);
  if (out_fd < 0) {
    std::perror("mkstemp");
    return 1;
  }
  ::close(out_fd);
  std::vector<std::string> args = {binary,           "--resolver",  server.address(),
                                   "--allow-reserved", "--probes",  "ptr,fcrdns",
                                   "--threads",      threads,       "--dns-timeout",
                                   "2000",           "--no-progress", "-q",
                                   "-o",             out_path,      "198.18.60.0/24"};
  std::vector<char*> cargs;
  for (std::string& a : args) {
    cargs.push_back(a.data());
  }
  cargs.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execv(cargs[0], cargs.data());
    std::perror("execv");
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  if (pid < 0 || ::wait4(pid, &status, 0, &ru) != pid) {
    std::perror("fork/wait4");
    return 1;
  }
  // stringstream << rdbuf: istreambuf_iterator trips gcc's -Wnull-dereference.
  std::ifstream in(out_path, std::ios::binary);
  std::ostringstream slurp;
  slurp << in.rdbuf();
  const std::string output = std::move(slurp).str();
  ::unlink(out_path);
  size_t records = 0;
  size_t longest = 0;
  size_t start = 0;
  for (size_t nl = output.find('\n'); nl != std::string::npos; nl = output.find('\n', start)) {
    ++records;
    longest = std::max(longest, nl - start);
    start = nl + 1;
  }
  const bool exited_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  std::printf("ptr-flood: /24, %d PTR names per answer (TCP), --threads %s\n", names,
              threads.c_str());
  std::printf("  exit %s, %zu records, %zu output bytes, longest record %zu bytes\n",
              exited_ok ? "0" : "non-zero", records, output.size(), longest);
  std::printf("  TCP queries to the server: %d\n", server.tcp_queries());
  std::printf("  peak RSS (wait4 ru_maxrss): %.1f MiB\n", static_cast<double>(ru.ru_maxrss) / 1024);
  return exited_ok && records == 256 ? 0 : 1;
}
