#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace ptrscan {

struct resolver_options {
  /// "HOST[:PORT]" entries (IPv6 as "[::1]:53"); empty: /etc/resolv.conf.
  std::vector<std::string> servers;
  /// How long the last try of a query waits; earlier tries follow each
  /// resolver's measured retransmit timer (dns_pacer).
  int timeout_ms = 2000;
  /// Tries per query (1 + retries), across all servers.
  int tries = 3;
  /// SO_RCVBUF/SO_SNDBUF of the UDP sockets (capped by the kernel's
  /// net.core.rmem_max / wmem_max).
  int socket_buffer_bytes = 4 << 20;
};

/// The recursive resolvers to ask, "ip:port" each (IPv6 as "[::1]:53"):
/// `given` checked and written in that form, or, when it is empty, the
/// nameservers of /etc/resolv.conf. c-ares parses both (its resolv.conf
/// reader knows the file's options and scoped IPv6 addresses); it sends no
/// query: every query goes over the ring (udp_resolver, tcp_retry), so one
/// parser and one set of rules give every verdict. A bad entry is an
/// InvalidArgument naming it.
absl::StatusOr<std::vector<std::string>> resolver_servers(const std::vector<std::string>& given);

}  // namespace ptrscan
