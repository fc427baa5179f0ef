#pragma once

// The state of ptrscan-epoll-ref: host slots, DNS queries, counters and the
// client class whose methods live in epoll_client.cc (setup, admission, the
// loop), dns_client.cc (UDP lookups) and smtp_client.cc (SMTP sessions).

#include <netinet/in.h>
#include <openssl/ssl.h>
#include <time.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "reference/dns_wire.h"
#include "reference/options.h"
#include "reference/ring.h"
#include "reference/smtp_reply.h"

namespace ptrscan::ref {

inline int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

constexpr uint32_t nil = 0xFFFFFFFF;  // no index
constexpr uint64_t udp_tag = uint64_t{1} << 63;
constexpr int udp_batch = 64;                     // datagrams per sendmmsg / recvmmsg
constexpr size_t udp_rx = 2048;                   // > the 1232 octets our OPT advertises
constexpr size_t tcp_rx = 4096;                   // one read of SMTP replies (shared scratch)
constexpr uint32_t ids_per_socket_target = 4096;  // <= 1/16 of the ID space in use
constexpr uint32_t max_ptr_names = 10;

enum class smtp_state : uint8_t { none, connecting, greeting, ehlo, starttls, handshake, tls_ehlo };

/// Why an SMTP session ended, for the stderr breakdown.
enum outcome : uint8_t {
  o_quit,             // dialogue completed, QUIT sent
  o_refused,          // connect failed (RST / unreachable)
  o_connect_timeout,  // no SYN-ACK in time
  o_read_timeout,     // a reply did not come in time
  o_closed,           // the peer closed mid-dialogue
  o_reset,            // a read or write failed
  o_rejected,         // greeting, EHLO or STARTTLS not accepted
  o_bad_reply,        // not an SMTP reply
  o_tls_failed,       // handshake or TLS I/O failed
  o_local_error,      // socket() or connect() failed locally
  o_count
};
inline constexpr const char* outcome_names[o_count] = {
    "quit",  "refused",  "connect_timeout", "read_timeout", "closed",
    "reset", "rejected", "bad_reply",       "tls_failed",   "local_error"};

struct host {
  uint32_t ip = 0;
  uint32_t gen = 0;        // bumped when a session starts or ends (epoll tags)
  uint32_t timer_tag = 0;  // bumped on every SMTP timer arm / cancel
  uint32_t next_free = nil;
  int fd = -1;
  SSL* ssl = nullptr;
  uint16_t dns_pending = 0;  // lookups not finished
  uint8_t ptr_names = 0;
  smtp_state smtp = smtp_state::none;
  bool active = false;
  bool ptr_ok = false;
  bool fcrdns_pass = false;
  bool smtp_ok = false;
  bool tls_ok = false;
  reply_reader reader;
};

enum class qstate : uint8_t { free, pending, wire };

struct query {
  uint32_t host = 0;
  uint32_t tag = 0;  // bumped on every send and at completion (timers, send batches)
  uint32_t next_free = nil;
  uint16_t id = 0;
  uint16_t len = 0;
  uint16_t qtype = 0;
  uint8_t sock = 0;
  uint8_t tries = 0;
  qstate state = qstate::free;
  uint8_t pkt[max_query];
};

struct counters {
  uint64_t done = 0, ptr_ok = 0, fcrdns_pass = 0, smtp_ok = 0, tls_ok = 0;
  uint64_t dns_queries = 0, dns_timeouts = 0, dns_sent = 0, dns_retries = 0, dns_answers = 0;
  uint64_t dns_stray = 0, dns_bad = 0, dns_mismatched = 0, dns_send_errors = 0;
  uint64_t dns_status[7] = {};
  uint64_t outcomes[o_count] = {};
};

class client {
 public:
  explicit client(const options& o) : o_(o) {}
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  int run();

 private:
  // --- setup
  bool setup();
  // --- hosts
  void admit();
  void start_host(uint32_t slot, uint32_t ip);
  void maybe_finish(uint32_t slot);
  // --- DNS
  void new_query(uint32_t slot, const wire_name& name, uint16_t qtype);
  void put_on_wire(uint32_t qi);
  void send_try(uint32_t qi);
  void finish_query(uint32_t qi);
  void on_udp_readable(uint32_t s);
  void on_datagram(uint32_t s, const uint8_t* p, size_t n);
  void flush_sends();
  query& q(uint32_t i) { return query_chunks_[i >> 10][i & 1023]; }
  uint32_t alloc_query();
  // --- SMTP
  void start_smtp(uint32_t slot);
  void on_tcp_event(uint32_t slot, uint32_t gen, uint32_t events);
  void on_readable(uint32_t slot);
  bool on_reply(uint32_t slot);
  void step_handshake(uint32_t slot);
  bool send_plain(uint32_t slot, const char* data, size_t len);
  void end_session(uint32_t slot, outcome why, bool send_quit);
  void arm(ring<timer_entry>& fifo, int64_t timeout_ns, uint32_t slot);
  // --- timers
  void expire(int64_t now);
  int wait_ms(int64_t now) const;

  const options& o_;
  counters c_;
  int epoll_ = -1;
  int64_t now_ = 0;
  sockaddr_in smtp_addr_{};
  SSL_CTX* tls_ = nullptr;
  std::string ehlo_;

  uint32_t max_inflight_ = 0;  // --max-inflight, or fewer when descriptors are short
  std::vector<host> hosts_;
  uint32_t free_hosts_ = nil;
  uint64_t next_ip_ = 0;  // offset into the range

  // DNS
  std::vector<int> udp_;
  std::vector<std::vector<uint32_t>> ids_;                         // per socket: ID -> query index
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> sendq_;  // per socket: (query, tag)
  std::vector<bool> udp_want_out_;
  std::vector<std::unique_ptr<query[]>> query_chunks_;
  uint32_t free_queries_ = nil;
  uint32_t query_count_ = 0;
  uint32_t on_wire_ = 0;
  uint32_t next_sock_ = 0;
  ring<uint32_t> pending_;
  uint64_t rng_ = 0;

  ring<timer_entry> dns_timers_;
  ring<timer_entry> connect_timers_;
  ring<timer_entry> read_timers_;
};

}  // namespace ptrscan::ref
