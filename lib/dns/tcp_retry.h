#pragma once

#include <liburing.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <string_view>
#include <vector>

#include "core/ring.h"
#include "dns/dns_status.h"
#include "dns/resolver_client.h"
#include "dns/wire.h"

namespace ptrscan {

/// A DNS server's address, as the UDP transport parsed it.
struct dns_server_address {
  sockaddr_storage addr{};
  socklen_t len = 0;
};

struct tcp_retry_options {
  /// At least one; tries rotate over them.
  std::vector<dns_server_address> servers;
  /// First try's timeout, doubled on each further try (the UDP rule). It
  /// bounds the whole try: connect, send and every read share its deadline.
  int timeout_ms = 2000;
  int tries = 3;
  /// TCP connections open at once; further retries wait their turn.
  uint32_t max_connections = 64;
};

/// The RFC 7766 retry of a truncated UDP answer, on the shard's io_uring:
/// each query gets a short-lived TCP connection of its own (connect, send
/// the 2-octet length and the query, read the length and the message,
/// close), every operation linked to a timeout at the try's deadline. A try
/// that fails (refused, reset, closed before a full message, timed out, an
/// answer that is not to our question) is repeated on a fresh connection to
/// the next server while tries remain.
///
/// One connection per query, unlike c-ares, which pipelines every TCP query
/// to a server on one connection: a server that closes it because of one
/// name then fails every name waiting on it, try after try. Truncated
/// answers are rare, so the extra handshakes cost little; the connection
/// cap bounds descriptors and buffers (64 KiB at most per connection), and
/// the requests waiting for a connection are bounded by the client's
/// queries in flight.
class tcp_retry {
 public:
  tcp_retry(ring& r, resolver_client& client) : ring_(r), client_(client) {}
  tcp_retry(const tcp_retry&) = delete;
  tcp_retry& operator=(const tcp_retry&) = delete;
  ~tcp_retry();

  void init(const tcp_retry_options& options);

  /// Asks `query` (a DNS query message as sent over UDP; its ID is replaced
  /// on each try) over TCP, first of server `first_server`. The result goes
  /// to resolver_client::on_dns_result under `cookie`: ok with the answer, or
  /// the last try's failure (timeout; error with reason transport, malformed
  /// or mismatch) and no packet. It may arrive before start() returns (when
  /// no socket can be opened).
  void start(uint64_t cookie, std::span<const uint8_t> query, uint32_t first_server);

  /// A completion of op_kind::dns_tcp or op_kind::dns_tcp_timeout.
  void on_completion(uint64_t user_data, int res);

  /// Accepted and not yet reported (connected or waiting for a connection).
  uint64_t in_flight() const { return in_flight_; }
  /// Connections open now (never more than max_connections).
  uint32_t open() const { return open_; }
  /// Tries that opened a connection (each asks the query once).
  uint64_t queries_sent() const { return queries_sent_; }
  /// Tries that failed and were retried or reported as failures.
  uint64_t failed_tries() const { return failed_tries_; }

 /// How a try ended: ok with an answer, or why not.
  struct outcome {
    dns_status status = dns_status::error;
    std::string_view reason;
  };

 private:
  enum class phase : uint8_t { idle, connecting, sending, reading_length, reading_message };

  struct request {
    uint64_t cookie = 0;
    uint32_t server = 0;
    uint16_t len = 0;
    std::array<uint8_t, max_query_bytes> packet{};
  };

  // Operations in flight point into these (the query, the length, the
  // answer, the timeout): connections_ never reallocates.
  struct connection {
    request req;
    uint32_t generation = 0;
    uint32_t next_free = 0;
    int fd = -1;
    phase ph = phase::idle;
    uint8_t tries = 0;  // tries started
    uint16_t id = 0;
    uint32_t done = 0;  // octets sent or read in this phase
    int64_t deadline_ns = 0;
    // The length prefix and the query, as one write (RFC 7766 §8).
    std::array<uint8_t, 2 + max_query_bytes> out{};
    std::array<uint8_t, 2> length{};
    // Sized to the announced length (at most 65535); its capacity is kept.
    std::vector<uint8_t> answer;
    __kernel_timespec timeout{};
  };

  void begin(uint32_t conn, const request& req);
  void begin_try(uint32_t conn);
  void submit_send(uint32_t conn);
  void submit_recv(uint32_t conn, uint8_t* buf, uint32_t len);
  /// Links a timeout at the try's deadline to the operation just prepared.
  void link_timeout(uint32_t conn);
  void on_read(uint32_t conn, int res);
  /// Ends the try: again on a fresh connection while tries remain, else
  /// report `failure`.
  void try_failed(uint32_t conn, outcome failure);
  void finish(uint32_t conn, outcome result, std::span<const uint8_t> packet);
  void close_fd(connection& c);
  uint16_t next_id();

  ring& ring_;
  resolver_client& client_;
  tcp_retry_options options_;
  std::vector<connection> connections_;
  uint32_t free_head_ = UINT32_MAX;
  std::deque<request> waiting_;
  uint32_t open_ = 0;
  uint64_t in_flight_ = 0;
  uint64_t queries_sent_ = 0;
  uint64_t failed_tries_ = 0;
  bool pumping_ = false;  // finish() is starting waiting requests
  uint32_t rng_state_ = 1;
};

}  // namespace ptrscan
