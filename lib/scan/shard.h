#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/ring.h"
#include "core/slab.h"
#include "core/spsc_queue.h"
#include "dns/reply.h"
#include "dns/resolver.h"
#include "dns/resolver_client.h"
#include "dns/udp_resolver.h"
#include "input/prefix_set.h"
#include "output/timestamp.h"
#include "scan/counters.h"
#include "output/resume_state.h"
#include "scan/jobs.h"
#include "scan/probe_api.h"

namespace ptrscan {

class output_sink;

/// Most bytes of one host record: under `ptrscan report`'s 1 MiB line limit,
/// so every record ptrscan writes is read whole. Probes whose sections would
/// pass it are left out and named in the record's "truncated".
inline constexpr size_t default_max_record_bytes = 512 * 1024;

struct shard_config {
  /// The probes, in table order (lib/probes/table.cc); shared by every shard.
  probe_list probes;
  /// Cap on one host record's bytes (default_max_record_bytes; tests lower it).
  size_t max_record_bytes = default_max_record_bytes;
  /// The counters they declared.
  std::shared_ptr<const counter_registry> counters;
  uint32_t max_inflight = 1000;  // hosts in flight in this shard
  resolver_options resolver;
  /// DNS transport knobs (servers, timeout and tries come from `resolver`).
  int dns_sockets = 2;
  /// Ceiling of DNS queries on the wire in this shard; each resolver's
  /// window adapts below it (dns_pacer). Memory-safe: ~0.5 KiB a query.
  uint32_t dns_inflight = 16384;
  /// --dns-rate split over the shards: queries per second per resolver.
  double dns_rate = 0;
  /// Name targets in flight in this shard at once (each may add dozens of
  /// hosts); 0: max_inflight / 4, at least 1.
  uint32_t max_names = 0;
  /// The addresses a name job adds pass the same filters as input
  /// addresses (the engine copies its own here).
  bool allow_reserved = false;
  std::shared_ptr<const prefix_set> blocklist;
  std::shared_ptr<const prefix_set> allowlist;
  /// Output chunk handed to the writer when it reaches this size...
  size_t chunk_bytes = 64 * 1024;
  /// ...or when it is this old, so output streams even at low rates.
  int64_t chunk_max_age_ns = 250'000'000;
  /// Hand each chunk's host ordinals to the sink (for --state).
  bool track_ordinals = false;
  /// What an earlier run of the same --state wrote (records of no target:
  /// probe_services::written_before); null on a fresh scan.
  std::shared_ptr<const resume_point> resume;
  /// The clock of each record's `ts`; empty: realtime_ns. Tests inject one.
  wall_clock clock;
};

/// Counters a shard updates and the main thread reads once a second.
/// Relaxed atomics: each has a single writer. The probes' own are in
/// `probe` (counter_registry).
struct shard_counters {
  explicit shard_counters(size_t probe_counters) : probe(probe_counters) {}
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
  // Name targets, and the hosts they added (not in hosts_*).
  std::atomic<uint64_t> names_started{0};
  std::atomic<uint64_t> names_done{0};
  std::atomic<uint64_t> names_dropped{0};
  std::atomic<uint64_t> children_done{0};
  counter_block probe;

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
  explicit shard_inbox(size_t capacity)
      : queue(capacity), names(name_capacity), identities(name_capacity) {}
  static constexpr size_t name_capacity = 64;
  spsc_queue<work_item> queue;
  spsc_queue<name_item> names;
  spsc_queue<identity_item> identities;  // sender identity targets
  std::atomic<bool> closed{false};    // the feeder will push nothing more
  /// Set before `closed` when the feeder read all of its input (not on a
  /// stop): a closed, drained inbox then means every target was run.
  std::atomic<bool> complete{false};
  std::atomic<bool> sleeping{false};  // the shard waits and wants a wakeup
  int wake_fd = -1;                   // eventfd the shard's ring reads
  feeder_signal* feeder = nullptr;    // the engine's; null in tests without one

  /// Called by the feeder after a push or close, and by main on a signal.
  void wake();
};

/// Stop requests from the main thread: 1 = stop admitting targets and
/// finish those in flight; 2 = drop what is in flight and exit now.
using stop_flag = std::atomic<int>;

/// One shard: an event loop over its own io_uring, DNS transport and slabs
/// of jobs, running the probes' workers and writing NDJSON into its own
/// chunk. Lives on one thread. Names no protocol: what happens to a host
/// is the probes' business (lib/probes/).
class shard final : private resolver_client, private probe_services {
 public:
  shard(uint32_t id, const shard_config& config, shard_inbox& inbox, output_sink& sink,
        shard_counters& counters, const stop_flag& stop);
  ~shard();

  /// The event loop; returns when the inbox is closed and drained and every
  /// job is written, or on a stop request. Runs on the calling thread.
  absl::Status run();

  /// What each resolver's pacer learnt and did in this shard. Read after
  /// run() returned.
  std::vector<dns_server_stats> dns_stats() const;

 private:
  // resolver_client
  void on_dns_result(uint64_t cookie, dns_status transport, std::string_view reason,
                     std::span<const uint8_t> packet) override;

  // probe_services
  const ip_address& host_ip(uint32_t slot) const override { return hosts_[slot].ip; }
  std::string_view name_of(uint32_t slot) const override { return names_[slot].name; }
  bool host_parent(uint32_t slot, uint32_t* name_slot, uint32_t* child) const override;
  const host_identity* identity(uint32_t slot) const override {
    return hosts_[slot].has_identity ? hosts_[slot].identity.get() : nullptr;
  }
  void ask(job_kind kind, uint32_t slot, uint8_t probe, uint32_t tag, std::string_view qname,
           uint16_t qtype) override;
  void hold(job_kind kind, uint32_t slot, uint8_t probe) override;
  void release(job_kind kind, uint32_t slot, uint8_t probe) override;
  uint32_t generation(job_kind kind, uint32_t slot) const override;
  uint32_t capacity(job_kind kind) const override;
  void add_child(uint32_t name_slot, const ip_address& ip, uint32_t child) override;
  std::string_view skip_reason(const ip_address& ip) const override;
  ring& io() override { return ring_; }
  void route(op_kind op, probe_worker* w) override;
  int64_t wakeup_ns() const override { return wakeup_ns_; }
  bool stopping() const override;
  counter_block& counters() override { return counters_.probe; }
  probe_worker* worker(std::string_view probe_name) override;
  void write_record(absl::FunctionRef<void(json_writer&)> body) override;
  void write_record(std::span<const uint64_t> ids,
                    absl::FunctionRef<void(json_writer&)> body) override;
  bool written_before(uint64_t id) const override;
  bool keeps_state() const override { return config_.track_ordinals; }
  std::span<const std::string> resolver_addresses() const override { return resolver_addresses_; }

  job_base& job(job_kind kind, uint32_t slot);
  void send(job_kind kind, uint32_t slot, uint32_t ask_index);
  void admit();
  bool input_drained() const;
  /// Starts a host: a target address, or child `child` of name job `parent`
  /// (host_job::no_parent for target addresses); `identity` for a sender
  /// identity target.
  void start_host(const ip_address& ip, uint64_t ordinal, uint32_t parent, uint32_t child,
                  const identity_item* identity = nullptr);
  void start_name(const name_item& item);
  /// Probe `probe` has nothing more in flight on host `slot`: start the
  /// probes that wait for it.
  void probe_done(uint32_t slot, uint8_t probe);
  /// One of the job's open items is done: finish it at zero.
  void close_one(job_kind kind, uint32_t slot);
  void finish_host(uint32_t slot);
  void finish_name(uint32_t slot);
  void write_host_record(uint32_t slot, std::string& out);
  /// The `ts` of a record finished now (RFC 3339 UTC, milliseconds).
  std::string_view record_time();
  void arm_wakeup();
  void flush_chunk(int64_t now_ns);
  absl::Status init_dns();

  const uint32_t id_;
  const shard_config config_;
  rfc3339_ms ts_text_;  // each record's `ts`, formatted once a millisecond
  shard_inbox& inbox_;
  output_sink& sink_;
  shard_counters& counters_;
  const stop_flag& stop_;

  ring ring_;
  std::unique_ptr<udp_resolver> udp_;
  int64_t wakeup_ns_ = 0;
  slab<host_job> hosts_;
  slab<name_job> names_;
  /// The probes' workers, in table order (index = probe id).
  std::vector<std::unique_ptr<probe_worker>> workers_;
  /// Per probe: the ids of the probes that start after it on a host.
  std::vector<std::vector<uint8_t>> dependants_;
  /// Probes that start with a host, and those that take names.
  std::vector<uint8_t> host_starters_;
  std::vector<uint8_t> name_probes_;
  /// Completions by user_data op: the worker that owns the op.
  std::array<probe_worker*, 256> routes_{};
  /// Children of name jobs waiting for a host slot (served before input).
  struct child_ref {
    uint32_t parent;
    uint32_t generation;
    uint32_t child;
    ip_address ip;
  };
  std::deque<child_ref> children_waiting_;
  uint32_t children_in_flight_ = 0;  // host slots held by children
  dns_reply reply_;  // scratch, reused for every response
  std::string chunk_;
  std::vector<uint64_t> chunk_ordinals_;
  int64_t chunk_started_ns_ = 0;
  uint64_t wake_buf_ = 0;
  bool wakeup_armed_ = false;
  bool input_over_told_ = false;  // probes' on_input_over() was called
  std::vector<std::string> resolver_addresses_;
};

}  // namespace ptrscan
