#pragma once

// The command line of ptrscan-epoll-ref (a fixed contract: the benchmark
// harness calls it).

#include <cstdint>
#include <string>

namespace ptrscan::ref {

struct options {
  uint32_t resolver_ip = 0;  // host order
  uint16_t resolver_port = 53;
  bool have_resolver = false;
  uint32_t range_base = 0;  // host order, host bits cleared
  uint64_t range_size = 0;
  bool ptr = false;
  bool fcrdns = false;
  bool smtp = false;
  bool starttls = false;
  uint32_t max_inflight = 0;
  uint16_t port = 25;
  int64_t connect_timeout_ns = 5'000'000'000;
  int64_t read_timeout_ns = 10'000'000'000;
  int64_t dns_timeout_ns = 2'000'000'000;
  uint32_t retries = 2;
  std::string ehlo_name = "ptrscan-ref.test";
  uint32_t dns_inflight = 4096;
};

/// Parses argv into `o`. Returns -1 to go on, else the exit code: 0 after
/// --help, 2 after a usage error (reported on stderr).
int parse_options(int argc, char** argv, options& o);

}  // namespace ptrscan::ref
