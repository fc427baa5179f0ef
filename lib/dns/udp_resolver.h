#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "core/timer_classes.h"
#include "core/ring.h"
#include "dns/pacer.h"
#include "dns/resolver_client.h"
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
  /// Ceiling of the queries on the wire at once in this shard, over all
  /// servers; each server's own window adapts below it (dns_pacer).
  uint32_t max_inflight = 16384;
  /// Ceiling of one try's timeout (the retransmit timer adapts below it).
  int timeout_ms = 2000;
  int tries = 3;
  int socket_buffer_bytes = 4 << 20;
  /// Advertised in an EDNS0 OPT record; 1232 is the DNS Flag Day 2020 size
  /// that avoids IP fragmentation. 0: no OPT record.
  uint16_t edns_udp_size = 1232;
  /// Queries per second to each server (retries included); 0 = no limit.
  double rate = 0;
  /// TCP connections open at once in this shard for the retries of
  /// truncated answers (one per query); more wait their turn.
  uint32_t max_tcp_connections = 64;
  /// Pacer settings other than the ceilings above (tests set these).
  uint32_t initial_window = 32;
  int64_t min_rto_ns = 20'000'000;
};

/// What one server's pacer has learnt and done, for the summary and
/// --metadata.
struct dns_server_stats {
  std::string address;
  uint64_t queries = 0;      // tries sent to it
  uint64_t answers = 0;
  uint64_t losses = 0;       // tries that timed out
  uint64_t loss_events = 0;  // window cuts
  uint64_t spurious = 0;     // timeouts whose answer came after all
  uint64_t downs = 0;        // times it was backed off as not answering
  uint64_t moved = 0;        // retries sent elsewhere because it was down
  uint32_t window = 0;
  double pacing_rate = 0;
  double rate_ceiling = 0;   // its share of --dns-rate, queries/s (0: none)
  int64_t srtt_ns = 0;
  int64_t rto_ns = 0;
  bool down = false;
};

/// The shard's DNS transport: queries go out on a few connected UDP sockets
/// per server through the shard's io_uring (sends need no completion unless
/// they fail), a multishot poll per socket says when answers are there and
/// recvmmsg reads them in batches. Nothing is allocated per query once the
/// pools have grown. A truncated answer is asked again over TCP on the same
/// ring (tcp_retry), one connection per query.
///
/// Pacing adapts: each server has a dns_pacer (congestion window, pacing
/// rate after loss, RFC 6298 retransmit timer). A query goes to the server
/// with the most room; a retry prefers another server; a server that stops
/// answering is backed off and its work moves to the others. Retransmit
/// timers live in timer_classes (FIFOs per duration step).
///
/// An answer longer than we asked for (the advertised EDNS size, 512 octets
/// without EDNS) that does not set TC breaks the size contract: the query
/// ends as error/oversized, not as a timeout and not with what was read.
///
/// Answers are matched by socket, ID and question (RFC 5452 §4.2), with IDs
/// drawn at random per try; the connected sockets let the kernel drop
/// datagrams from any other address or port. An answer to an earlier try of
/// a query (its ID stays reserved until the query ends) is taken: it ends
/// the query, and tells the pacer the timeout was spurious.
class udp_resolver {
 public:
  udp_resolver(ring& r, resolver_client& client);
  udp_resolver(const udp_resolver&) = delete;
  udp_resolver& operator=(const udp_resolver&) = delete;
  ~udp_resolver();

  /// Opens the sockets and arms the receives.
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
  /// Queries that ended without an answer after every try.
  uint64_t timeouts() const { return timeouts_; }
  /// Datagrams that matched no query in flight (wrong ID, wrong question,
  /// an answer after its query ended): counted and dropped.
  uint64_t unmatched() const { return unmatched_; }
  /// Over every server: tries that timed out, times a server was backed
  /// off, retries moved off a down server.
  uint64_t lost() const;
  uint64_t server_downs() const;
  uint64_t moved() const;
  uint64_t truncated() const { return truncated_; }
  /// Answers longer than we asked for without TC, ended as error/oversized.
  uint64_t oversized() const { return oversized_; }
  /// Queries on the wire now, and waiting for room.
  uint32_t on_wire() const { return on_wire_; }
  size_t backlog() const { return backlog_.size(); }
  const tcp_retry& tcp() const { return tcp_; }
  std::vector<dns_server_stats> server_stats() const;
  const dns_pacer& pacer(size_t server) const { return servers_[server].pacer; }

 private:
  /// Tries whose IDs stay reserved for a late answer (older ones are let go).
  static constexpr int tracked_tries = 4;
  struct try_record {
    int64_t sent_ns = 0;
    uint64_t seq = 0;  // the pacer's send sequence number
    uint16_t id = 0;
    uint8_t socket = 0;
  };
  struct query_slot {
    uint64_t cookie = 0;
    uint32_t generation = 0;
    uint32_t next_free = 0;
    uint16_t len = 0;
    uint8_t tries = 0;  // sends so far
    bool on_wire = false;  // the latest try waits for its answer or timer
    // The last try outlived its retransmit timer: the pacer has counted it
    // lost (it no longer holds a place in the window), and the query waits
    // out the rest of --dns-timeout, until final_ns, for a late answer.
    bool lingering = false;
    int64_t deadline_ns = 0;  // the latest try's timer
    int64_t final_ns = 0;     // the last try's end (--dns-timeout after it went out)
    std::array<try_record, tracked_tries> sent{};
    std::array<uint8_t, max_query_bytes> packet{};
  };
  struct udp_socket {
    int fd = -1;
    bool recv_armed = false;
    /// query slot + 1 by DNS ID; 0 = free.
    std::vector<uint32_t> by_id;
  };
  struct server_state {
    std::string address;
    dns_pacer pacer;
    uint32_t first_socket = 0;
    uint32_t next_socket = 0;  // round robin over its sockets
    uint64_t queries = 0;
    uint64_t moved = 0;
  };
  struct waiting {
    uint32_t slot;
    uint32_t generation;
  };

  uint32_t alloc_slot();
  void free_slot(uint32_t slot);
  /// The server the next try of `q` should go to, or -1 when none may send
  /// now. Counts a move away from a down server.
  int pick_server(const query_slot& q, int64_t now_ns);
  void send(uint32_t slot, uint32_t server, int64_t now_ns);
  void arm_recv(uint32_t socket);
  /// Reads every datagram waiting on `socket`.
  void drain(uint32_t socket);
  /// `cut`: the datagram was longer than the buffer (MSG_TRUNC); `packet`
  /// holds its start, enough to match it to its query.
  void on_datagram(uint32_t socket, std::span<const uint8_t> packet, bool cut);
  /// Releases the IDs of every tracked try of `slot`.
  void release_ids(uint32_t slot);
  /// Reports to the client: a packet with `transport` ok, or what happened.
  void finish(uint32_t slot, dns_status transport, std::string_view reason,
              std::span<const uint8_t> packet);
  void fill_from_backlog();
  uint16_t pick_id(const udp_socket& s);
  uint32_t server_of(uint32_t socket) const {
    return socket / static_cast<uint32_t>(options_.sockets_per_server);
  }

  ring& ring_;
  resolver_client& client_;
  tcp_retry tcp_;
  udp_resolver_options options_;
  std::vector<udp_socket> sockets_;
  std::vector<server_state> servers_;

  // Query slots live in a deque: addresses stay put while it grows, and a
  // send in flight points into its slot's packet.
  std::deque<query_slot> slots_;
  uint32_t free_head_ = UINT32_MAX;
  std::deque<waiting> backlog_;  // built, waiting for room on the wire
  timer_classes timers_;
  uint64_t in_flight_ = 0;  // accepted and not yet reported or handed to tcp_
  uint32_t on_wire_ = 0;

  // recvmmsg batch: buffers, their iovecs and message headers.
  std::vector<uint8_t> batch_buffers_;
  std::vector<iovec> batch_iov_;
  std::vector<mmsghdr> batch_msgs_;

  uint32_t rng_state_ = 0;
  uint64_t queries_sent_ = 0;
  uint64_t retransmits_ = 0;
  uint64_t timeouts_ = 0;
  uint64_t unmatched_ = 0;
  uint64_t truncated_ = 0;
  uint64_t oversized_ = 0;
  /// The longest answer we asked for: the EDNS size we advertise, or 512
  /// octets without EDNS (RFC 1035 §4.2.1, RFC 6891 §6.2.3).
  size_t answer_limit_ = 512;
  /// Room for one datagram in the recvmmsg batch: more than answer_limit_,
  /// so that a longer answer is seen as one, not only cut by the kernel.
  size_t datagram_bytes_ = 2048;
};

}  // namespace ptrscan
