#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "scan/shard.h"
#include "core/token_bucket.h"
#include "input/prefix_set.h"
#include "output/resume_state.h"
#include "input/target_reader.h"
#include "input/target_space.h"

namespace ptrscan {

class output_sink;

struct scan_config {
  shard_config shard;            // per-shard settings (max_inflight is per shard)
  uint32_t shards = 1;
  size_t inbox_capacity = 4096;  // per shard
  bool allow_reserved = false;
  /// New hosts per second across all shards; 0 = as fast as possible.
  double rate = 0;
  /// Keys the order of the CIDR walk (and of explicit addresses with
  /// `shuffle`): the same seed gives the same order on every machine.
  uint64_t seed = 0;
  /// This process scans slice `shard_index` (from 0) of `shard_count`.
  uint32_t shard_index = 0;
  uint32_t shard_count = 1;
  /// Explicit addresses in permuted order too (they are then held in memory
  /// until the input ends); without it they stream in input order.
  bool shuffle = false;
  /// -n: stop after this many targets of this slice (addresses, skipped or
  /// not, and domains); the rest of the input is not read. 0: no cap.
  uint64_t max_targets = 0;
  /// --blocklist / --allowlist (null: none). Addresses outside the allowlist
  /// or inside the blocklist are skipped and counted.
  std::shared_ptr<const prefix_set> blocklist;
  std::shared_ptr<const prefix_set> allowlist;
  /// --state: ordinals an earlier run wrote are skipped (counted).
  std::shared_ptr<const resume_point> resume;
  /// Most public addresses the CIDR blocks of the whole input may hold (see
  /// target_guard.h); a block that would pass it is a rejected line that
  /// says so. 0: no limit (--allow-large-scan).
  uint64_t max_public_addresses = 0;
};

/// Totals for progress lines and the final summary: a consistent-enough
/// snapshot of relaxed counters.
struct scan_progress {
  uint64_t targets_read = 0;      // addresses produced from the input (domains: below)
  uint64_t skipped_reserved = 0;  // RFC 6890 special-purpose
  uint64_t skipped_listed = 0;    // --blocklist, or outside --allowlist
  uint64_t skipped_resumed = 0;   // written by an earlier run (--state)
  uint64_t lines_rejected = 0;
  uint64_t queued = 0;            // handed to shards
  uint64_t started = 0;
  uint64_t done = 0;
  uint64_t dropped = 0;
  uint64_t dns_queries = 0;
  uint64_t dns_retransmits = 0;   // tries resent after a timeout
  uint64_t dns_timeouts = 0;      // queries that ran out of tries
  uint64_t dns_lost = 0;          // tries that timed out
  uint64_t dns_server_downs = 0;  // resolvers backed off as not answering
  uint64_t dns_moved = 0;         // retries moved off a backed-off resolver
  // Target names: each yields one summary record (names_done) after the
  // records of the hosts it added (children_done, not in done). A name
  // skipped by --state counts in skipped_resumed.
  uint64_t names_read = 0;
  uint64_t names_queued = 0;
  uint64_t names_done = 0;
  uint64_t names_dropped = 0;
  uint64_t children_done = 0;
  /// The probes' counters (counter_registry), summed over the shards.
  counter_view probes;
  bool input_finished = false;    // the feeder reached the end of all input
  /// Set once every input line is read (CIDR blocks and --shuffle addresses
  /// are then still being walked): how many addresses and names this run
  /// reads in all (after --shard and -n), for a percentage and an ETA.
  bool totals_known = false;
  uint64_t targets_total = 0;
  uint64_t names_total = 0;
  bool capped = false;            // it stopped at max_targets (-n) instead
  uint64_t in_flight() const { return started - done - dropped; }
};

/// Wires the feeder thread, N shard threads and the output sink together
/// (DESIGN.md's architecture). The caller owns the reader and the sink.
class scan_engine {
 public:
  scan_engine(scan_config config, target_reader& reader, output_sink& sink);
  ~scan_engine();

  /// Starts the threads. Rejected input lines are printed on stderr as
  /// "ptrscan: SOURCE:LINE: message: 'text'".
  absl::Status start();

  /// 1: stop reading and finish hosts in flight; 2: drop them and stop now.
  void request_stop(int level);

  /// True once every shard has finished and the feeder has either finished
  /// or been asked to stop (join() will not block).
  bool finished() const;
  /// Joins all threads; returns the first failure (input read error, ring or
  /// resolver setup failure). A feeder still blocked reading input (a
  /// terminal on stdin) after a stop request is detached, and
  /// feeder_abandoned() tells the caller to leave with _exit().
  absl::Status join();
  bool feeder_abandoned() const { return feeder_abandoned_; }

  /// Readable (an eventfd) whenever a shard or the feeder has finished: the
  /// caller polls it beside its signals and then asks finished().
  int done_fd() const { return done_fd_; }

  scan_progress progress() const;
  /// Reserved-range skips by block name, for the summary.
  std::map<std::string, uint64_t> skipped_by_block() const;
  /// The resolvers the first shard uses, "ip:port".
  std::vector<std::string> resolvers() const { return resolvers_; }
  /// Per resolver, summed over the shards (windows and pacing rates too):
  /// complete once join() returned.
  std::vector<dns_server_stats> resolver_stats() const;

 private:
  void feed();
  /// Retries `try_push_once` until it succeeds, sleeping while every inbox
  /// is full; false when the scan is stopped first.
  template <class TryPush>
  bool push_blocking(TryPush&& try_push_once);
  bool try_push_name(const name_item& item);
  /// Waits for a --rate token; false when the scan is stopped first.
  bool take_rate_token();
  /// The address filters (--allow-reserved, lists) and --state: counts
  /// `ip` as skipped and returns nullopt, or gives it the next ordinal.
  std::optional<uint64_t> admit_address(const ip_address& ip);
  /// Filters, rate-limits and pushes one address of this process's slice.
  bool emit(const ip_address& ip);
  /// Pushes one target name of this process's slice.
  bool emit_domain(std::string_view domain);
  /// Filters, rate-limits and pushes one sender identity target
  /// (`IP,DOMAIN[,HELO]`): its address passes the filters addresses pass.
  bool emit_identity(const target_spec& t);
  bool try_push_identity(const identity_item& item);
  /// Which shard a subnet's addresses go to (probes counting per subnet).
  size_t subnet_shard(const ip_address& ip) const;
  /// Counts `n` addresses skipped for `reason` (a reserved block's name,
  /// "blocklist" or "allowlist").
  void count_skipped(std::string_view reason, uint64_t n, bool reserved);
  /// After the input: the permuted walk over the CIDR targets and the
  /// shuffled explicit addresses.
  bool walk(const target_space& space, const std::vector<ip_address>& shuffled);
  /// Targets -n still lets through (UINT64_MAX without a cap); at 0 it
  /// marks the scan capped.
  uint64_t targets_left();
  bool try_push(const work_item& item);
  void close_inboxes();
  void record_error(absl::Status s);
  void notify_done();

  scan_config config_;
  target_reader& reader_;
  output_sink& sink_;
  stop_flag stop_{0};
  std::vector<std::unique_ptr<shard_inbox>> inboxes_;
  std::vector<std::unique_ptr<shard_counters>> counters_;
  std::vector<std::thread> threads_;
  std::thread feeder_;
  std::atomic<int> shards_running_{0};
  std::atomic<bool> feeder_done_{false};
  bool feeder_abandoned_ = false;
  int done_fd_ = -1;
  std::atomic<bool> input_finished_{false};
  std::atomic<bool> totals_known_{false};
  std::atomic<uint64_t> targets_total_{0};
  std::atomic<uint64_t> names_total_{0};
  std::atomic<bool> capped_{false};
  std::atomic<uint64_t> targets_read_{0};
  std::atomic<uint64_t> skipped_reserved_{0};
  std::atomic<uint64_t> skipped_listed_{0};
  std::atomic<uint64_t> skipped_resumed_{0};
  uint64_t next_ordinal_ = 0;  // feeder thread only
  // The --rate token bucket, used by the feeder thread only.
  token_bucket rate_bucket_;
  std::atomic<uint64_t> lines_rejected_{0};
  std::atomic<uint64_t> queued_{0};
  std::atomic<uint64_t> names_read_{0};
  std::atomic<uint64_t> names_queued_{0};
  feeder_signal feeder_signal_;
  std::map<std::string, uint64_t> skipped_by_block_;  // feeder-owned until join
  size_t next_shard_ = 0;
  /// Some probe counts per subnet: route by subnet (try_push).
  bool group_subnets_ = false;
  bool forward_resumed_ = false;  // a probe wants_resumed_hosts()
  std::vector<std::string> resolvers_;
  mutable std::mutex stats_mu_;
  std::vector<std::vector<dns_server_stats>> shard_dns_stats_;  // by shard
  mutable std::mutex error_mu_;
  absl::Status error_;
};

}  // namespace ptrscan
