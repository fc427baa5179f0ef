#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/deadline_fifo.h"
#include "core/ring.h"
#include "dns/resolver.h"
#include "dns/tcp_retry.h"
#include "dns/wire.h"

namespace ptrscan {

struct udp_resolver_options {
  /// "IP:PORT" or "[IPv6]:PORT" of each recursive resolver (as
  /// resolver::servers() lists them).
  std::vector<std::string> servers;
  /// UDP source sockets per server. A multi-threaded resolver spreads
  /// SO_REUSEPORT sockets over its threads by hashing the source address and
  /// port, so one socket keeps the whole scan on one of its threads.
  int sockets_per_server = 2;
  /// Queries on the wire at once in this shard; more wait in a backlog.
  /// Past what the server's socket buffers hold, answers are dropped and
  /// come back only as retries.
  uint32_t max_inflight = 512;
  int timeout_ms = 2000;  // first try; doubled on each further try (c-ares's rule)
  int tries = 3;
  int socket_buffer_bytes = 4 << 20;
  /// Advertised in an EDNS0 OPT record; 1232 is the DNS Flag Day 2020 size
  /// that avoids IP fragmentation. 0: no OPT record.
  uint16_t edns_udp_size = 1232;
  /// Queries per second this resolver may send (retries included); 0 = no
  /// limit. A token bucket with 10 ms of burst.
  double rate = 0;
  /// TCP connections open at once in this shard for the retries of
  /// truncated answers (one per query); more wait their turn.
  uint32_t max_tcp_connections = 64;
};

/// The shard's DNS transport: queries go out on a few connected UDP sockets
/// through the shard's io_uring (sends need no completion unless they fail),
/// a multishot poll per socket says when answers are there and recvmmsg
/// reads them in batches, and timeouts are FIFOs per try. Nothing is allocated
/// per query once the pools have grown. A truncated answer is asked again
/// over TCP on the same ring (tcp_retry), one connection per query.
///
/// Answers are matched by socket, ID and question (RFC 5452 §4.2), with IDs
/// drawn at random per try; the connected sockets let the kernel drop
/// datagrams from any other address or port.
class udp_resolver {
 public:
  udp_resolver(ring& r, resolver_client& client);
  udp_resolver(const udp_resolver&) = delete;
  udp_resolver& operator=(const udp_resolver&) = delete;
  ~udp_resolver();

  /// Opens the sockets, registers the buffer ring (buffer group 0 of the
  /// ring) and arms the receives.
  absl::Status init(const udp_resolver_options& options);

  /// Same contract as resolver::query: the result arrives through
  /// resolver_client::on_dns_result, possibly before query() returns.
  void query(std::string_view name, uint16_t type, uint64_t cookie);

  /// A completion of op_kind::dns_recv, dns_send, dns_tcp or dns_tcp_timeout.
  void on_completion(uint64_t user_data, int res, uint32_t flags);

  int64_t next_timeout_ns(int64_t cap_ns) const;
  void process_timeouts();

  /// Accepted and not yet reported, over UDP or in a TCP retry.
  uint64_t in_flight() const { return in_flight_ + tcp_.in_flight(); }
  /// Queries put on the wire, retries and TCP retries included.
  uint64_t queries_sent() const { return queries_sent_ + tcp_.queries_sent(); }
  uint64_t retransmits() const { return retransmits_; }
  /// Datagrams that matched no query in flight (late answers to a timed-out
  /// try, wrong ID, wrong question): counted and dropped.
  uint64_t unmatched() const { return unmatched_; }
  uint64_t truncated() const { return truncated_; }
  const tcp_retry& tcp() const { return tcp_; }

 private:
  struct query_slot {
    uint64_t cookie = 0;
    uint32_t generation = 0;
    uint32_t next_free = 0;
    uint16_t id = 0;
    uint16_t len = 0;
    uint8_t socket = 0;
    uint8_t tries = 0;  // sends so far
    bool on_wire = false;
    std::array<uint8_t, max_query_bytes> packet{};
  };
  struct udp_socket {
    int fd = -1;
    bool recv_armed = false;
    /// query slot + 1 by DNS ID; 0 = free.
    std::vector<uint32_t> by_id;
  };

  uint32_t alloc_slot();
  void free_slot(uint32_t slot);
  void send(uint32_t slot);
  void arm_recv(uint32_t socket);
  /// Reads every datagram waiting on `socket`.
  void drain(uint32_t socket);
  void on_datagram(uint32_t socket, std::span<const uint8_t> packet);
  void finish(uint32_t slot, int ares_status, std::span<const uint8_t> packet);
  void fill_from_backlog();
  uint16_t pick_id(const udp_socket& s);
  /// Takes a --dns-rate token if one is there (always true without a rate).
  bool take_token();

  ring& ring_;
  resolver_client& client_;
  tcp_retry tcp_;
  udp_resolver_options options_;
  std::vector<udp_socket> sockets_;
  uint32_t next_socket_ = 0;

  // Query slots live in a deque: addresses stay put while it grows, and a
  // send in flight points into its slot's packet.
  std::deque<query_slot> slots_;
  uint32_t free_head_ = UINT32_MAX;
  std::deque<uint32_t> backlog_;   // built, waiting for room on the wire
  std::vector<deadline_fifo> timers_;  // one per try: each try's timeout is fixed
  uint64_t in_flight_ = 0;         // accepted and not yet reported or handed to tcp_
  uint32_t on_wire_ = 0;

  // recvmmsg batch: buffers, their iovecs and message headers.
  std::vector<uint8_t> batch_buffers_;
  std::vector<iovec> batch_iov_;
  std::vector<mmsghdr> batch_msgs_;

  double tokens_ = 0;
  int64_t refilled_ns_ = 0;
  uint32_t rng_state_ = 0;
  uint64_t queries_sent_ = 0;
  uint64_t retransmits_ = 0;
  uint64_t unmatched_ = 0;
  uint64_t truncated_ = 0;
};

}  // namespace ptrscan
