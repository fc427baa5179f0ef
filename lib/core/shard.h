#pragma once

#include <atomic>
#include <deque>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "core/host_job.h"
#include "core/ring.h"
#include "core/slab.h"
#include "core/spsc_queue.h"
#include "checks/rdns_class.h"
#include "dns/reply.h"
#include "dns/resolver.h"
#include "dns/udp_resolver.h"
#include "input/prefix_set.h"
#include "smtp/admission.h"
#include "smtp/session.h"
#include "tls/tls_client.h"

namespace ptrscan {

class output_sink;

/// A /24 (or IPv6 /64) as a map key: its leading bits and the family.
using subnet_key = std::pair<uint64_t, bool>;

/// Which probes run (DESIGN.md's --probes), decided once by the scanner.
struct probe_set {
  bool ptr = true;
  bool fcrdns = true;
  bool smtp = false;
  bool starttls = false;
  bool relay = false;  // opt-in: never in the default set
};

struct shard_config {
  probe_set probes;
  uint32_t max_inflight = 1000;  // hosts in flight in this shard
  /// SMTP sessions open at once in this shard (each holds a socket); hosts
  /// past it wait for a session slot while their DNS goes on. 0: one per
  /// port per host in flight.
  uint32_t max_sessions = 0;
  /// SMTP sessions at once per /24 (IPv6: /64); 0 = no limit. The engine
  /// sends every address of a subnet to the same shard, so the count is
  /// exact without sharing anything between shards. A session counts from
  /// its start to its end, except while its connect is presumed lost (no
  /// answer within the admission RTO: a silent host holds no server); one
  /// that answers after all counts again.
  uint32_t per_subnet = 8;
  /// PTR names whose A/AAAA are looked up (RFC 7208 §4.6.4 stops at 10 too).
  uint32_t max_forward_names = 10;
  resolver_options resolver;
  /// The ring transport (the default); false: c-ares does all DNS itself.
  bool ring_dns = true;
  /// Ring transport knobs (servers, timeout and tries come from `resolver`).
  int dns_sockets = 2;
  /// Ceiling of DNS queries on the wire in this shard; each resolver's
  /// window adapts below it (dns_pacer). Memory-safe: ~0.5 KiB a query.
  uint32_t dns_inflight = 16384;
  /// --dns-rate split over the shards: queries per second per resolver.
  double dns_rate = 0;
  smtp_options smtp;
  /// --dnsbl: each address is looked up in these zones (RFC 5782).
  std::vector<std::string> dnsbl_zones;
  /// Domain targets in flight in this shard at once (each may add up to
  /// domain_audit::max_addresses hosts); 0: max_inflight / 4, at least 1.
  uint32_t max_domains = 0;
  /// The addresses a domain's MX hosts resolve to pass the same filters as
  /// input addresses (the engine copies its own here).
  bool allow_reserved = false;
  std::shared_ptr<const prefix_set> blocklist;
  std::shared_ptr<const prefix_set> allowlist;
  /// Output chunk handed to the writer when it reaches this size...
  size_t chunk_bytes = 64 * 1024;
  /// ...or when it is this old, so output streams even at low rates.
  int64_t chunk_max_age_ns = 250'000'000;
  /// Hand each chunk's host ordinals to the sink (for --state).
  bool track_ordinals = false;
};

/// Counters a shard updates and the main thread reads once a second.
/// Relaxed atomics: each has a single writer.
struct shard_counters {
  std::atomic<uint64_t> hosts_started{0};
  std::atomic<uint64_t> hosts_done{0};
  std::atomic<uint64_t> hosts_dropped{0};  // in flight when the scan was aborted
  std::atomic<uint64_t> dns_queries{0};
  // Ring transport: tries resent, queries that ran out of tries, tries that
  // timed out, servers backed off as not answering, retries moved off them.
  std::atomic<uint64_t> dns_retransmits{0};
  std::atomic<uint64_t> dns_timeouts{0};
  std::atomic<uint64_t> dns_lost{0};
  std::atomic<uint64_t> dns_server_downs{0};
  std::atomic<uint64_t> dns_moved{0};
  std::atomic<uint64_t> ptr[dns_status_count] = {};
  std::atomic<uint64_t> fcrdns[fcrdns_status_count] = {};
  std::atomic<uint64_t> rdns[rdns_class_count] = {};
  std::atomic<uint64_t> smtp[smtp_status_count] = {};
  std::atomic<uint64_t> smtp_active{0};
  // SMTP admission (smtp_admission): the window now, connects that got no
  // answer (presumed lost after the RTO, or failed locally), of those the
  // ones answered after all, loss events (cuts) and those undone as the
  // targets', decreases for connect latency, sessions waiting for room.
  std::atomic<uint64_t> smtp_window{0};
  std::atomic<uint64_t> smtp_waiting{0};
  std::atomic<uint64_t> smtp_connects_lost{0};
  std::atomic<uint64_t> smtp_late_answers{0};
  std::atomic<uint64_t> smtp_loss_events{0};
  std::atomic<uint64_t> smtp_loss_undone{0};
  std::atomic<uint64_t> smtp_delay_decreases{0};
  std::atomic<uint64_t> relay[relay_status_count] = {};  // per host, --probes relay
  // Domain targets, and the hosts their MX sets added (not in hosts_*).
  std::atomic<uint64_t> domains_started{0};
  std::atomic<uint64_t> domains_done{0};
  std::atomic<uint64_t> domains_dropped{0};
  std::atomic<uint64_t> mx_hosts_done{0};
  std::atomic<uint64_t> mx_hosts_skipped{0};  // filtered (reserved, lists, limit)
  std::atomic<uint64_t> dnsbl_listed{0};      // (address, zone) listings
  std::atomic<uint64_t> spf[spf_code_count] = {};

  void add(std::atomic<uint64_t>& c, uint64_t n = 1) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

/// Shared between the feeder, one shard and the main thread.
/// How the feeder sleeps when every inbox is full: it raises `waiting` and
/// waits on `epoch` (a futex, C++20 atomic wait); a shard that has drained
/// its queue to half bumps the epoch. One per engine. Sleeping in short
/// naps instead cost ~6% of the CPU of an SMTP scan in scheduler work.
struct feeder_signal {
  std::atomic<uint32_t> epoch{0};
  std::atomic<bool> waiting{false};

  /// Shard side: called after taking items; cheap when nobody waits.
  void room_made() {
    if (waiting.load(std::memory_order_seq_cst) && waiting.exchange(false)) {
      epoch.fetch_add(1);
      epoch.notify_all();
    }
  }
};

struct shard_inbox {
  explicit shard_inbox(size_t capacity) : queue(capacity), domains(domain_capacity) {}
  static constexpr size_t domain_capacity = 64;
  spsc_queue<work_item> queue;
  spsc_queue<domain_item> domains;
  std::atomic<bool> closed{false};    // the feeder will push nothing more
  std::atomic<bool> sleeping{false};  // the shard waits and wants a wakeup
  int wake_fd = -1;                   // eventfd the shard's ring reads
  feeder_signal* feeder = nullptr;    // the engine's; null in tests without one

  /// Called by the feeder after a push or close, and by main on a signal.
  void wake();
};

/// Stop requests from the main thread: 1 = stop admitting hosts and finish
/// those in flight; 2 = drop what is in flight and exit now.
using stop_flag = std::atomic<int>;

/// One shard: an event loop over its own io_uring, c-ares channel and slab of
/// host jobs, writing NDJSON into its own chunk. Lives on one thread.
class shard final : private resolver_client, private smtp_client {
 public:
  shard(uint32_t id, const shard_config& config, shard_inbox& inbox, output_sink& sink,
        shard_counters& counters, const stop_flag& stop);
  ~shard();

  /// The subnet --per-subnet counts `ip` in: /24, or /64 for IPv6.
  static subnet_key subnet_of(const ip_address& ip);

  /// The event loop; returns when the inbox is closed and drained and every
  /// host is written, or on a stop request. Runs on the calling thread.
  absl::Status run();

  /// What each resolver's pacer learnt and did in this shard (ring
  /// transport; empty with c-ares). Read after run() returned.
  std::vector<dns_server_stats> dns_stats() const;

 private:
  void on_dns_result(uint64_t cookie, dns_status transport, std::string_view reason,
                     std::span<const uint8_t> packet) override;
  void on_smtp_done(uint64_t owner) override;
  void on_smtp_connect(uint64_t owner, bool answered, bool established) override;
  void admit();
  bool input_drained() const;
  /// Starts a host: an input address, or address `address` of domain slot
  /// `domain` (host_job::no_domain for input addresses).
  void start_host(const ip_address& ip, uint64_t ordinal, uint32_t domain, uint32_t address);
  void send_query(uint64_t cookie, uint16_t type, const std::string& qname);
  /// A host's query; its pending count covers it until the answer.
  void issue(uint32_t slot, dns_cookie::kind_t kind, uint16_t index, uint16_t type,
             const std::string& qname);
  void on_host_answer(const dns_cookie& c, dns_status transport, std::string_view reason,
                      std::span<const uint8_t> packet);
  void on_ptr(uint32_t slot, const dns_reply& answer);
  void on_forward(uint32_t slot, dns_cookie::kind_t kind, uint16_t index, const dns_reply& answer);
  void on_dnsbl(uint32_t slot, dns_cookie::kind_t kind, uint16_t index, dns_status status);
  /// Sends the questions of the SPF evaluation's current step.
  void issue_spf_step(uint32_t slot);
  void on_spf(uint32_t slot, uint16_t index, const dns_reply& records);
  void step_done(uint32_t slot);

  // Domain targets (shard_domain.cc).
  void start_domain(const domain_item& item);
  void issue_domain(uint32_t slot, dns_cookie::kind_t kind, uint16_t index, uint16_t type,
                    const std::string& qname);
  void on_domain_answer(const dns_cookie& c, dns_status transport, std::string_view reason,
                        std::span<const uint8_t> packet);
  void domain_step_done(uint32_t slot);
  /// Every address lookup is answered: queue the addresses for probing.
  void collect_domain_addresses(uint32_t slot);
  /// Why an MX host's address is not probed, or empty.
  std::string_view address_skip_reason(const ip_address& ip) const;
  void finish_domain(uint32_t slot);
  /// Writes a host's record into `out` (the chunk, or its domain's records).
  void write_host_record(host_job& job, std::string& out);

  /// Starts SMTP session `port_index` of host `slot`, or queues it when
  /// every session slot is taken. The host's pending count covers it either way.
  void start_session(uint32_t slot, uint16_t port_index);
  /// Admits a session under --per-subnet (or parks it until its subnet has
  /// room), then start_session().
  void request_session(uint32_t slot, uint16_t port_index);
  /// Session `port_index` of host `slot` no longer holds its subnet (it
  /// ended, or its connect is presumed lost): let the subnet's next one in.
  void release_subnet(uint32_t slot, uint16_t port_index);
  /// The admission controller presumed the connect of `owner` lost.
  void on_connect_presumed_lost(uint64_t owner);
  void publish_admission_counters();

  void start_waiting_sessions();
  void finish_host(uint32_t slot);
  void arm_wakeup();
  void flush_chunk(int64_t now_ns);
  absl::Status init_dns();
  uint64_t dns_queries_sent() const;

  const uint32_t id_;
  const shard_config config_;
  shard_inbox& inbox_;
  output_sink& sink_;
  shard_counters& counters_;
  const stop_flag& stop_;

  ring ring_;
  /// c-ares: the whole DNS transport with --dns-transport c-ares; with the
  /// ring transport it only supplies the server list.
  resolver cares_;
  std::unique_ptr<udp_resolver> udp_;
  std::unique_ptr<tls_context> tls_;
  std::unique_ptr<smtp_prober> smtp_;
  /// How many sessions run at once below --max-sessions (see admission.h).
  smtp_admission admission_;
  /// When the ring's last wait returned: the time of every completion it
  /// brought (connect samples must not include the loop's own work).
  int64_t drain_ns_ = 0;
  slab<host_job> jobs_;
  slab<domain_job> domains_;
  /// Addresses of domains waiting for a host slot (served before new input).
  struct mx_host_ref {
    uint32_t domain;
    uint32_t generation;
    uint32_t address;
  };
  std::deque<mx_host_ref> mx_hosts_waiting_;
  uint32_t mx_hosts_in_flight_ = 0;  // host slots held by domains' addresses
  struct waiting_session {
    uint32_t slot;
    uint32_t generation;
    uint16_t port_index;
  };
  std::deque<waiting_session> waiting_sessions_;
  struct subnet_state {
    uint32_t admitted = 0;  // holding the subnet, or waiting for a global slot
    std::deque<waiting_session> waiting;
  };
  absl::flat_hash_map<subnet_key, subnet_state> subnets_;
  dns_reply answer_;   // scratch, reused for every response
  dns_reply records_;  // the same for TXT, MX and SPF's lookups
  rdns_classifier rdns_;
  rdns_verdict rdns_verdict_;  // scratch, reused for every record
  std::string chunk_;
  std::vector<uint64_t> chunk_ordinals_;
  int64_t chunk_started_ns_ = 0;
  uint64_t wake_buf_ = 0;
  bool wakeup_armed_ = false;
};

}  // namespace ptrscan
