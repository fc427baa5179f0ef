#pragma once

#include <ares.h>

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "core/ring.h"
#include "dns/resolver_client.h"

namespace ptrscan {

struct resolver_options {
  /// "HOST[:PORT]" entries (IPv6 as "[::1]:53"); empty: /etc/resolv.conf.
  std::vector<std::string> servers;
  /// First try's timeout; c-ares doubles it on each further round.
  int timeout_ms = 2000;
  /// Tries per query (1 + retries), across all servers.
  int tries = 3;
  /// SO_RCVBUF/SO_SNDBUF of the channel's sockets (capped by the kernel's
  /// net.core.rmem_max / wmem_max).
  int socket_buffer_bytes = 4 << 20;
  /// Every query over TCP (ARES_FLAG_USEVC). The ring transport retries
  /// truncated answers itself (tcp_retry), not through this channel.
  bool use_tcp = false;
};

/// One shard's c-ares channel, driven from the shard's ring: c-ares says which
/// sockets to watch (ARES_OPT_SOCK_STATE_CB), the ring polls them, ready ones
/// go to ares_process_fd, and the shard's wait is bounded by ares_timeout
/// (Envoy's dns_impl.cc pattern). c-ares never blocks and never owns a loop.
/// Result callbacks can fire synchronously inside query(): callers count a
/// query as pending before calling it.
class resolver {
 public:
  resolver(ring& r, resolver_client& client) : ring_(r), client_(client) {}
  resolver(const resolver&) = delete;
  resolver& operator=(const resolver&) = delete;
  ~resolver();

  absl::Status init(const resolver_options& options);

  /// Sends a recursive query for `name` (no search list, no trailing dot
  /// needed). The result arrives through resolver_client::on_dns_result.
  void query(std::string_view name, uint16_t type, uint64_t cookie);

  /// A ring completion for one of our polls (op_kind::dns_poll).
  void on_poll_completion(uint32_t fd, uint32_t generation, int res);

  /// Nanoseconds until c-ares needs process_timeouts(), capped at `cap_ns`.
  /// Cheap: see deadline_ns_.
  int64_t next_timeout_ns(int64_t cap_ns);
  /// Lets c-ares expire queries and retransmit, when a deadline has passed.
  void process_timeouts();

  uint64_t in_flight() const { return in_flight_; }
  uint64_t queries_sent() const { return queries_sent_; }
  /// The servers c-ares ended up with, "ip:port" each (for metadata/logs).
  std::vector<std::string> servers() const;

 private:
  struct watch {
    uint32_t generation = 0;
    bool read = false;
    bool write = false;
    bool armed = false;       // a poll SQE for (fd, generation) is in flight
    uint32_t armed_mask = 0;  // the mask it was armed with
  };
  struct pending_query {
    resolver* self = nullptr;
    uint64_t cookie = 0;
    pending_query* next_free = nullptr;
  };

  static void sock_state_thunk(void* data, ares_socket_t fd, int readable, int writable);
  static void answer_thunk(void* arg, int status, int timeouts, unsigned char* abuf, int alen);
  void on_sock_state(int fd, bool readable, bool writable);
  void arm(int fd);
  pending_query* alloc_query(uint64_t cookie);

  ring& ring_;
  resolver_client& client_;
  ares_channel channel_ = nullptr;
  std::vector<watch> watches_;  // indexed by fd
  // Contexts handed to c-ares as callback arguments: a free-listed pool, so a
  // query costs no allocation of ours. A deque keeps element addresses stable
  // while it grows, so the address itself is the callback argument.
  std::deque<pending_query> queries_;
  pending_query* free_head_ = nullptr;
  uint64_t in_flight_ = 0;
  uint64_t queries_sent_ = 0;
  int timeout_ms_ = 0;
  // c-ares 1.18's ares_timeout() walks every query in flight; calling it on
  // each loop turn cost ~35 us of CPU per answer with thousands in flight.
  // So we keep an absolute deadline that is never later than c-ares's
  // earliest one: each new query lowers it to now + first-try timeout, and
  // it is recomputed with ares_timeout() only once it has passed. Waking up
  // early is harmless; waking late is impossible.
  int64_t deadline_ns_ = INT64_MAX;
};

}  // namespace ptrscan
