#include "scan/engine.h"

#include <algorithm>

#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "net/text_hazards.h"
#include "core/clock.h"
#include "input/permutation.h"
#include "input/reserved.h"
#include "input/target_guard.h"

namespace ptrscan {
namespace {

using clock = std::chrono::steady_clock;

/// Input bytes made safe for a terminal (net/text_hazards.h).
std::string printable(std::string_view s) { return terminal_safe(s); }

}  // namespace

scan_engine::scan_engine(scan_config config, target_reader& reader, output_sink& sink)
    : config_(std::move(config)), reader_(reader), sink_(sink) {
  for (const std::shared_ptr<probe>& p : config_.shard.probes) {
    group_subnets_ = group_subnets_ || p->groups_subnets();
    forward_resumed_ = forward_resumed_ || p->wants_resumed_hosts();
  }
  config_.shard.resume = config_.resume;
}

scan_engine::~scan_engine() {
  request_stop(2);
  (void)join();
  for (auto& in : inboxes_) {
    if (in->wake_fd >= 0) {
      ::close(in->wake_fd);
    }
  }
  if (done_fd_ >= 0 && !feeder_abandoned_) {
    ::close(done_fd_);
  }
}

absl::Status scan_engine::start() {
  done_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (done_fd_ < 0) {
    return absl::InternalError(absl::StrCat("eventfd: ", strerror(errno)));
  }
  if (config_.shards == 0) {
    config_.shards = 1;
  }
  // Domain targets' MX addresses pass the same filters in the shards.
  config_.shard.allow_reserved = config_.allow_reserved;
  config_.shard.blocklist = config_.blocklist;
  config_.shard.allowlist = config_.allowlist;
  for (uint32_t i = 0; i < config_.shards; ++i) {
    auto inbox = std::make_unique<shard_inbox>(config_.inbox_capacity);
    inbox->wake_fd = ::eventfd(0, EFD_CLOEXEC);
    inbox->feeder = &feeder_signal_;
    if (inbox->wake_fd < 0) {
      return absl::InternalError(absl::StrCat("eventfd: ", strerror(errno)));
    }
    inboxes_.push_back(std::move(inbox));
    counters_.push_back(std::make_unique<shard_counters>(
        config_.shard.counters ? config_.shard.counters->size() : 0));
  }
  {
    // Resolve the server list once, up front, so a bad --resolver is a usage
    // error before any thread starts, every shard asks the same servers and
    // the metadata can name them.
    absl::StatusOr<std::vector<std::string>> servers =
        resolver_servers(config_.shard.resolver.servers);
    if (!servers.ok()) {
      return servers.status();
    }
    if (servers->empty()) {
      return absl::InvalidArgumentError(
          "no DNS resolver: /etc/resolv.conf names none; give one with --resolver");
    }
    config_.shard.resolver.servers = *servers;
    resolvers_ = std::move(*servers);
  }
  shards_running_.store(static_cast<int>(config_.shards));
  shard_dns_stats_.resize(config_.shards);
  for (uint32_t i = 0; i < config_.shards; ++i) {
    threads_.emplace_back([this, i] {
      shard s(i, config_.shard, *inboxes_[i], sink_, *counters_[i], stop_);
      absl::Status st = s.run();
      {
        std::lock_guard<std::mutex> lock(stats_mu_);
        shard_dns_stats_[i] = s.dns_stats();
      }
      if (!st.ok()) {
        record_error(st);
        request_stop(2);
      }
      if (shards_running_.fetch_sub(1) == 1) {
        notify_done();
      }
    });
  }
  feeder_ = std::thread([this] {
    feed();
    feeder_done_.store(true);
    notify_done();
  });
  return absl::OkStatus();
}

std::vector<dns_server_stats> scan_engine::resolver_stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  std::vector<dns_server_stats> total;
  for (const std::vector<dns_server_stats>& per_shard : shard_dns_stats_) {
    for (const dns_server_stats& s : per_shard) {
      auto it = std::find_if(total.begin(), total.end(),
                             [&](const dns_server_stats& t) { return t.address == s.address; });
      if (it == total.end()) {
        total.push_back(s);
        continue;
      }
      it->queries += s.queries;
      it->answers += s.answers;
      it->losses += s.losses;
      it->loss_events += s.loss_events;
      it->spurious += s.spurious;
      it->downs += s.downs;
      it->moved += s.moved;
      it->window += s.window;
      it->pacing_rate += s.pacing_rate;
      it->rate_ceiling += s.rate_ceiling;
      // Timers: the largest shard's (they see the same server).
      it->srtt_ns = std::max(it->srtt_ns, s.srtt_ns);
      it->rto_ns = std::max(it->rto_ns, s.rto_ns);
      it->down = it->down || s.down;
    }
  }
  return total;
}

void scan_engine::notify_done() {
  uint64_t one = 1;
  ssize_t rc = ::write(done_fd_, &one, sizeof(one));
  (void)rc;  // the eventfd counter cannot overflow from a handful of writes
}

void scan_engine::record_error(absl::Status s) {
  std::lock_guard<std::mutex> lock(error_mu_);
  if (error_.ok()) {
    error_ = std::move(s);
  }
}

void scan_engine::request_stop(int level) {
  int cur = stop_.load();
  while (cur < level && !stop_.compare_exchange_weak(cur, level)) {
  }
  for (auto& in : inboxes_) {
    in->sleeping.store(true);  // force the eventfd write
    in->wake();
  }
  // And let a feeder blocked on full inboxes see the stop.
  feeder_signal_.epoch.fetch_add(1);
  feeder_signal_.epoch.notify_all();
}

bool scan_engine::finished() const {
  return shards_running_.load() == 0 && (feeder_done_.load() || stop_.load() != 0);
}

absl::Status scan_engine::join() {
  for (std::thread& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  if (feeder_.joinable()) {
    if (feeder_done_.load() || stop_.load() == 0) {
      feeder_.join();
    } else {
      // Blocked in read() on input that may never come: nothing of its
      // state is needed any more.
      feeder_.detach();
      feeder_abandoned_ = true;
    }
  }
  std::lock_guard<std::mutex> lock(error_mu_);
  return error_;
}

void scan_engine::close_inboxes() {
  for (auto& in : inboxes_) {
    in->closed.store(true, std::memory_order_release);
    in->sleeping.store(true);
    in->wake();
  }
}

bool scan_engine::try_push(const work_item& item) {
  const ip_address& ip = item.ip;
  const size_t n = inboxes_.size();
  if (group_subnets_ && n > 1) {
    // A probe counts per subnet inside a shard (--per-subnet): a subnet's
    // addresses all go to one shard, chosen by a hash so subnets spread
    // evenly.
    shard_inbox& in = *inboxes_[subnet_shard(ip)];
    if (!in.queue.try_push(item)) {
      return false;
    }
    queued_.fetch_add(item.resumed ? 0 : 1, std::memory_order_relaxed);
    in.wake();
    return true;
  }
  for (size_t k = 0; k < n; ++k) {
    shard_inbox& in = *inboxes_[(next_shard_ + k) % n];
    if (in.queue.try_push(item)) {
      next_shard_ = (next_shard_ + k + 1) % n;
      queued_.fetch_add(item.resumed ? 0 : 1, std::memory_order_relaxed);
      in.wake();
      return true;
    }
  }
  return false;
}

size_t scan_engine::subnet_shard(const ip_address& ip) const {
  const auto [bits, v6] = subnet_of(ip);
  return mix64(bits ^ (v6 ? 0x9e3779b97f4a7c15ULL : 0)) % inboxes_.size();
}

bool scan_engine::try_push_identity(const identity_item& item) {
  const size_t n = inboxes_.size();
  if (group_subnets_ && n > 1) {
    // As try_push: a sender's SMTP sessions (when asked for) count against
    // its subnet in the shard that holds the subnet's other addresses.
    shard_inbox& in = *inboxes_[subnet_shard(item.ip)];
    if (!in.identities.try_push(item)) {
      return false;
    }
    queued_.fetch_add(1, std::memory_order_relaxed);
    in.wake();
    return true;
  }
  for (size_t k = 0; k < n; ++k) {
    shard_inbox& in = *inboxes_[(next_shard_ + k) % n];
    if (in.identities.try_push(item)) {
      next_shard_ = (next_shard_ + k + 1) % n;
      queued_.fetch_add(1, std::memory_order_relaxed);
      in.wake();
      return true;
    }
  }
  return false;
}

bool scan_engine::try_push_name(const name_item& item) {
  const size_t n = inboxes_.size();
  for (size_t k = 0; k < n; ++k) {
    shard_inbox& in = *inboxes_[(next_shard_ + k) % n];
    if (in.names.try_push(item)) {
      next_shard_ = (next_shard_ + k + 1) % n;
      names_queued_.fetch_add(1, std::memory_order_relaxed);
      in.wake();
      return true;
    }
  }
  return false;
}

template <class TryPush>
bool scan_engine::push_blocking(TryPush&& try_push_once) {
  // Round-robin, skipping full inboxes; when all are full, sleep until a
  // shard has drained its queue to half (the shards are busy: this is the
  // backpressure that bounds memory).
  while (stop_.load(std::memory_order_relaxed) == 0) {
    if (try_push_once()) {
      return true;
    }
    const uint32_t epoch = feeder_signal_.epoch.load();
    feeder_signal_.waiting.store(true, std::memory_order_seq_cst);
    // A shard that made room before `waiting` was visible did not signal:
    // look again before sleeping.
    if (try_push_once()) {
      feeder_signal_.waiting.store(false);
      return true;
    }
    if (stop_.load() != 0) {
      break;
    }
    feeder_signal_.epoch.wait(epoch);
  }
  return false;
}

void scan_engine::count_skipped(std::string_view reason, uint64_t n, bool reserved) {
  targets_read_.fetch_add(n, std::memory_order_relaxed);
  (reserved ? skipped_reserved_ : skipped_listed_).fetch_add(n, std::memory_order_relaxed);
  skipped_by_block_[std::string(reason)] += n;
}

std::optional<uint64_t> scan_engine::admit_address(const ip_address& ip) {
  if (!config_.allow_reserved) {
    std::string_view block = reserved_block_name(ip);
    if (!block.empty()) {
      count_skipped(block, 1, true);
      return std::nullopt;
    }
  }
  if (config_.allowlist && !config_.allowlist->contains(ip)) {
    count_skipped("allowlist", 1, false);
    return std::nullopt;
  }
  if (config_.blocklist && config_.blocklist->contains(ip)) {
    count_skipped("blocklist", 1, false);
    return std::nullopt;
  }
  // Ordinals count the targets that pass the filters, in emission order:
  // the same arguments give the same ordinals, which is what --state keeps.
  const uint64_t ordinal = next_ordinal_++;
  if (config_.resume && config_.resume->done(ordinal)) {
    if (forward_resumed_) {
      // Shown to the probes that gather hosts (zone records), to the shard
      // its subnet goes to; no job, no record, no --rate token.
      const work_item item{ip, ordinal, true};
      if (!push_blocking([&] { return try_push(item); })) {
        return false;
      }
    }
    targets_read_.fetch_add(1, std::memory_order_relaxed);
    skipped_resumed_.fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  return ordinal;
}

bool scan_engine::emit(const ip_address& ip) {
  const std::optional<uint64_t> ordinal = admit_address(ip);
  if (!ordinal) {
    return true;
  }
  // Counted as read once it is handed over: a target still in hand when a
  // stop arrives is neither queued nor skipped, and would break the
  // accounting (read = records + skipped + rejected + dropped + unstarted).
  // --state rescans it either way, since its ordinal is never written.
  const work_item item{ip, *ordinal};
  if (!take_rate_token() || !push_blocking([&] { return try_push(item); })) {
    return false;
  }
  targets_read_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool scan_engine::emit_identity(const target_spec& t) {
  // The filters, ordinals and accounting of an address (emit()): a sender
  // line is one host record, or one skip.
  const std::optional<uint64_t> ordinal = admit_address(t.address);
  if (!ordinal) {
    return true;
  }
  identity_item item;
  item.ip = t.address;
  item.ordinal = *ordinal;
  item.domain_len = static_cast<uint8_t>(std::min(t.domain.size(), sizeof(item.domain)));
  std::copy_n(t.domain.data(), item.domain_len, item.domain);
  item.has_helo = t.has_helo;
  item.helo_cut = t.helo_cut;
  item.helo_len = static_cast<uint8_t>(std::min(t.helo.size(), sizeof(item.helo)));
  std::copy_n(t.helo.data(), item.helo_len, item.helo);
  if (!take_rate_token() || !push_blocking([&] { return try_push_identity(item); })) {
    return false;
  }
  targets_read_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool scan_engine::emit_domain(std::string_view domain) {
  const uint64_t ordinal = next_ordinal_++;
  if (config_.resume && config_.resume->done(ordinal)) {
    names_read_.fetch_add(1, std::memory_order_relaxed);
    skipped_resumed_.fetch_add(1, std::memory_order_relaxed);
    return true;
  }
  name_item item;
  item.ordinal = ordinal;
  item.len = static_cast<uint8_t>(std::min(domain.size(), sizeof(item.name)));
  std::copy_n(domain.data(), item.len, item.name);
  // A domain costs one token of --rate; its addresses follow it. Counted
  // once handed over, as in emit().
  if (!take_rate_token() || !push_blocking([&] { return try_push_name(item); })) {
    return false;
  }
  names_read_.fetch_add(1, std::memory_order_relaxed);
  return true;
}

bool scan_engine::take_rate_token() {
  if (config_.rate <= 0) {
    return true;
  }
  while (!rate_bucket_.try_take(monotonic_ns())) {
    // At most 10 ms asleep at a time, so a stop request is seen soon.
    std::this_thread::sleep_for(
        std::chrono::nanoseconds(std::min<int64_t>(10'000'000, rate_bucket_.wait_ns())));
    if (stop_.load(std::memory_order_relaxed) != 0) {
      return false;
    }
  }
  return true;
}

void scan_engine::feed() {
  // Up to 1/100 s worth of burst.
  rate_bucket_ = token_bucket(config_.rate, config_.rate / 100, monotonic_ns());
  auto on_reject = [this](const rejected_line& r) {
    lines_rejected_.fetch_add(1, std::memory_order_relaxed);
    // The line is input, not trusted text: escape it so it cannot drive the
    // terminal or hide behind a NUL.
    std::fprintf(stderr, "ptrscan: %s:%llu: %s: '%s'\n", printable(r.source).c_str(),
                 static_cast<unsigned long long>(r.line), r.message.c_str(),
                 printable(r.text).c_str());
  };
  const uint32_t shard_count = config_.shard_count;
  const uint32_t shard_index = config_.shard_index;
  // Explicit addresses are dealt to --shard slices by their position among
  // explicit addresses; CIDR addresses by their position in the walk.
  uint64_t explicit_seen = 0;
  uint64_t domains_seen = 0;  // domains are dealt the same way among themselves
  uint64_t senders_seen = 0;  // and sender lines among themselves
  target_space space;
  std::vector<ip_address> shuffled;
  // Public addresses in the blocks read so far: the arguments were checked
  // as a whole before the scan (check_command_line_targets); lines from
  // files are checked here, one by one, as they stream in.
  uint64_t public_in_blocks = 0;

  bool go_on = true;
  while (go_on && stop_.load(std::memory_order_relaxed) == 0) {
    // -n: what is past the cap is not read. (CIDR lines and --shuffle
    // addresses are read to the end first: the walk permutes them all.)
    if (targets_left() == 0) {
      break;
    }
    absl::StatusOr<std::optional<target_spec>> next = reader_.next(on_reject);
    if (!next.ok()) {
      record_error(next.status());
      request_stop(1);
      go_on = false;
      break;
    }
    if (!next->has_value()) {
      break;
    }
    const target_spec& t = **next;
    switch (t.kind) {
      case target_spec::kind_t::address:
        if (config_.shuffle) {
          shuffled.push_back(t.address);
        } else if (explicit_seen++ % shard_count == shard_index) {
          go_on = emit(t.address);
        }
        break;
      case target_spec::kind_t::block: {
        // A block wholly inside one skipped range is counted without being
        // walked (0.0.0.0/0 minus 10/8 must not iterate 10/8). Its share
        // of the slice is what this process would have walked of it.
        if (config_.max_public_addresses != 0) {
          const uint64_t n = public_addresses(t.block);
          if (n > config_.max_public_addresses - std::min(public_in_blocks,
                                                          config_.max_public_addresses)) {
            on_reject(rejected_line{
                reader_.last_source(), reader_.last_line(),
                absl::StrCat(t.block.base.to_string(), "/", t.block.prefix),
                absl::StrCat("more public space than a /8 in all (", public_in_blocks,
                             " public addresses before this block, ", n,
                             " in it): pass --allow-large-scan to scan it")});
            break;
          }
          public_in_blocks += n;
        }
        const uint64_t share =
            std::min(shard_share(t.block.size(), shard_index, shard_count), targets_left());
        if (!config_.allow_reserved) {
          std::string_view covering = reserved_block_covering(t.block);
          if (!covering.empty()) {
            count_skipped(covering, share, true);
            break;
          }
        }
        if (config_.allowlist && !config_.allowlist->intersects(t.block)) {
          count_skipped("allowlist", share, false);
          break;
        }
        if (config_.blocklist && config_.blocklist->covers(t.block)) {
          count_skipped("blocklist", share, false);
          break;
        }
        space.add(t.block);
        break;
      }
      case target_spec::kind_t::domain:
        // Domains stream in input order (never shuffled): each is a few
        // queries, not a burst at one network.
        if (domains_seen++ % shard_count == shard_index) {
          go_on = emit_domain(t.domain);
        }
        break;
      case target_spec::kind_t::sender:
        // Sender lines stream in input order too (never shuffled: each
        // names one address a user asks about).
        if (senders_seen++ % shard_count == shard_index) {
          go_on = emit_identity(t);
        }
        break;
    }
  }
  if (go_on && stop_.load(std::memory_order_relaxed) == 0) {
    // Every line is read: what is left is the walk, whose length is known.
    const uint64_t walk_length = shard_share(shuffled.size(), shard_index, shard_count) +
                          shard_share(space.size(), shard_index, shard_count);
    targets_total_.store(targets_read_.load(std::memory_order_relaxed) +
                             std::min(walk_length, targets_left()),
                         std::memory_order_relaxed);
    names_total_.store(names_read_.load(std::memory_order_relaxed), std::memory_order_relaxed);
    totals_known_.store(true);
    walk(space, shuffled);
  }
  if (stop_.load(std::memory_order_relaxed) == 0 && go_on) {
    input_finished_.store(true);
    for (auto& in : inboxes_) {
      in->complete.store(true, std::memory_order_release);
    }
  }
  close_inboxes();
}

bool scan_engine::walk(const target_space& space, const std::vector<ip_address>& shuffled) {
  const uint32_t shard_count = config_.shard_count;
  const uint32_t shard_index = config_.shard_index;
  if (!shuffled.empty()) {
    const index_permutation order(shuffled.size(), mix64(config_.seed ^ 0x5348554646u));
    for (uint64_t j = shard_index; j < shuffled.size(); j += shard_count) {
      if (targets_left() == 0 || !emit(shuffled[order.at(j)])) {
        return false;
      }
    }
  }
  if (space.size() == 0) {
    return true;
  }
  const index_permutation order(space.size(), config_.seed);
  for (uint64_t j = shard_index; j < space.size(); j += shard_count) {
    if (targets_left() == 0 || !emit(space.at(order.at(j)))) {
      return false;
    }
  }
  return true;
}

uint64_t scan_engine::targets_left() {
  if (config_.max_targets == 0) {
    return UINT64_MAX;
  }
  // The feeder is the only writer of both counters.
  const uint64_t read = targets_read_.load(std::memory_order_relaxed) +
                        names_read_.load(std::memory_order_relaxed);
  if (read >= config_.max_targets) {
    capped_.store(true, std::memory_order_relaxed);
    return 0;
  }
  return config_.max_targets - read;
}

scan_progress scan_engine::progress() const {
  scan_progress p;
  p.targets_read = targets_read_.load(std::memory_order_relaxed);
  p.skipped_reserved = skipped_reserved_.load(std::memory_order_relaxed);
  p.skipped_listed = skipped_listed_.load(std::memory_order_relaxed);
  p.skipped_resumed = skipped_resumed_.load(std::memory_order_relaxed);
  p.lines_rejected = lines_rejected_.load(std::memory_order_relaxed);
  p.queued = queued_.load(std::memory_order_relaxed);
  p.names_read = names_read_.load(std::memory_order_relaxed);
  p.names_queued = names_queued_.load(std::memory_order_relaxed);
  p.input_finished = input_finished_.load();
  p.totals_known = totals_known_.load();
  p.targets_total = targets_total_.load(std::memory_order_relaxed);
  p.names_total = names_total_.load(std::memory_order_relaxed);
  const counter_registry* registry = config_.shard.counters.get();
  p.probes.registry = registry;
  p.probes.values.assign(registry != nullptr ? registry->size() : 0, 0);
  p.capped = capped_.load(std::memory_order_relaxed);
  for (const auto& c : counters_) {
    p.started += c->hosts_started.load(std::memory_order_relaxed);
    p.done += c->hosts_done.load(std::memory_order_relaxed);
    p.dropped += c->hosts_dropped.load(std::memory_order_relaxed);
    p.dns_queries += c->dns_queries.load(std::memory_order_relaxed);
    p.dns_retransmits += c->dns_retransmits.load(std::memory_order_relaxed);
    p.dns_timeouts += c->dns_timeouts.load(std::memory_order_relaxed);
    p.dns_lost += c->dns_lost.load(std::memory_order_relaxed);
    p.dns_server_downs += c->dns_server_downs.load(std::memory_order_relaxed);
    p.dns_moved += c->dns_moved.load(std::memory_order_relaxed);
    p.names_done += c->names_done.load(std::memory_order_relaxed);
    p.names_dropped += c->names_dropped.load(std::memory_order_relaxed);
    p.children_done += c->children_done.load(std::memory_order_relaxed);
    for (size_t i = 0; i < p.probes.values.size() && i < c->probe.size(); ++i) {
      p.probes.values[i] += c->probe.get(i);
    }
  }
  return p;
}

std::map<std::string, uint64_t> scan_engine::skipped_by_block() const {
  // Only read after join(): the feeder owns the map while it runs.
  return skipped_by_block_;
}

}  // namespace ptrscan
