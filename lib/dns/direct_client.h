#pragma once

// Questions put to a given server address: the zone audit's non-recursive
// queries to each authoritative server (and its recursive ones to the
// configured resolver), over UDP or TCP, on the shard's ring. A small client
// of its own beside udp_resolver, so the resolver path (the PTR sweep's hot
// path) keeps its connected sockets, pacer and zero allocation per query
// untouched; this one serves a few queries per zone.
//
// Politeness: authoritative servers are not resolvers. Each server address
// has a token bucket (`server_rate` queries/s, burst `server_burst`); the
// resolver gets `resolver_rate`. At most `max_inflight` queries are on the
// wire; the rest wait in a queue, whose length the caller bounds (every
// zone asks a bounded number of questions).

#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <deque>
#include <span>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "core/ring.h"
#include "core/token_bucket.h"
#include "core/user_data.h"
#include "dns/dns_status.h"
#include "dns/wire.h"
#include "net/ip_address.h"

namespace ptrscan {

struct direct_client_options {
  /// Queries per second to one authoritative server address, and burst.
  double server_rate = 10;
  double server_burst = 5;
  /// Queries per second to the resolver (0: no limit).
  double resolver_rate = 0;
  /// One try's timeout; a UDP query is tried `tries` times, TCP once.
  int timeout_ms = 2000;
  int tries = 2;
  uint32_t max_inflight = 256;
  /// Advertised EDNS0 UDP size (0: none).
  uint16_t edns_udp_size = 1232;
};

enum class direct_transport : uint8_t { udp, tcp };

/// One question's route.
struct direct_query {
  ip_address server;
  uint16_t port = 53;
  bool recursive = false;      // RD set: a question to the resolver
  bool resolver = false;       // rate: resolver_rate instead of server_rate
  direct_transport transport = direct_transport::udp;
};

/// Receives the results. With `transport` ok, `packet` is the response
/// (matched by source address, ID and question); otherwise empty, and
/// `transport` is timeout or error (reason: dns_reason::transport,
/// bad_name).
class direct_client_sink {
 public:
  virtual void on_direct_result(uint64_t cookie, dns_status transport, std::string_view reason,
                                std::span<const uint8_t> packet) = 0;

 protected:
  ~direct_client_sink() = default;
};

class direct_client {
 public:
  /// Completions of `op` must be handed to on_completion().
  direct_client(ring& r, op_kind op, direct_client_sink& sink);
  direct_client(const direct_client&) = delete;
  direct_client& operator=(const direct_client&) = delete;
  ~direct_client();

  /// Opens the UDP sockets (IPv4; IPv6 where the host has it).
  absl::Status init(const direct_client_options& o, int64_t now_ns);

  /// Queues a question; the result arrives through the sink, never before
  /// this returns (it is delivered from process() or on_completion()).
  void query(const direct_query& route, std::string_view name, uint16_t type, uint64_t cookie);

  void on_completion(uint64_t user_data, int res, uint32_t flags);
  /// Sends what the rate limits allow, ends tries past their deadline.
  void process(int64_t now_ns);
  /// The next time process() has work, capped at `cap_ns` from now.
  int64_t next_timeout_ns(int64_t now_ns, int64_t cap_ns) const;

  /// Questions accepted and not yet reported.
  size_t in_flight() const { return accepted_; }
  /// Tries put on the wire (UDP datagrams and TCP connections).
  uint64_t sent() const { return sent_; }

 private:
  enum class phase : uint8_t { free, queued, udp_wait, tcp_connect, tcp_read };
  struct slot {
    phase ph = phase::free;
    uint32_t generation = 0;
    direct_query route;
    sockaddr_storage addr{};
    socklen_t addr_len = 0;
    uint64_t cookie = 0;
    uint16_t id = 0;
    uint16_t len = 0;
    uint8_t tries = 0;
    int fd = -1;  // TCP
    int64_t deadline_ns = 0;
    std::array<uint8_t, 2 + max_query_bytes> packet{};  // 2-octet TCP length first
    std::vector<uint8_t> answer;                        // TCP
    size_t got = 0;
  };
  struct server_key {
    std::array<uint8_t, 16> bytes;
    uint16_t port;
    bool v4;
    friend bool operator==(const server_key&, const server_key&) = default;
    template <typename H>
    friend H AbslHashValue(H h, const server_key& k) {
      return H::combine(std::move(h), k.bytes, k.port, k.v4);
    }
  };

  bool try_send(uint32_t index, int64_t now_ns);
  void send_udp(uint32_t index, int64_t now_ns);
  void start_tcp(uint32_t index, int64_t now_ns);
  void poll(uint32_t index, short events);
  void on_tcp(uint32_t index, int res);
  void drain_udp(int fd);
  void finish(uint32_t index, dns_status st, std::string_view reason,
              std::span<const uint8_t> packet);
  void release_id(uint32_t index);
  token_bucket& bucket(const direct_query& route, int64_t now_ns);

  ring& ring_;
  const op_kind op_;
  direct_client_sink& sink_;
  direct_client_options options_;
  int fd4_ = -1;
  int fd6_ = -1;
  std::deque<slot> slots_;  // addresses stay put: polls point at nothing, but tidy
  std::vector<uint32_t> free_;
  std::deque<uint32_t> queue_;
  /// UDP: slot + 1 by DNS ID (one ID space over both sockets).
  std::vector<uint32_t> by_id_;
  absl::flat_hash_map<server_key, token_bucket> buckets_;
  uint32_t on_wire_ = 0;
  size_t accepted_ = 0;
  uint64_t sent_ = 0;
  uint32_t rng_ = 0x9e3779b9;
  std::array<uint8_t, 65536> buf_{};
  bool delivering_ = false;
};

}  // namespace ptrscan
