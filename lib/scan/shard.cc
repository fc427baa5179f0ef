#include "scan/shard.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "core/clock.h"
#include "core/user_data.h"
#include "input/reserved.h"
#include "output/json_writer.h"
#include "output/output_sink.h"

namespace ptrscan {
namespace {


constexpr unsigned ring_entries = 1024;
// Upper bound on one wait, so stop requests and chunk ageing are noticed
// even when nothing else happens.
constexpr int64_t max_wait_ns = 250'000'000;
// New hosts started per loop turn at most (see admit()).
constexpr uint32_t admit_batch = 256;
// Batched waits (see run()): with this many DNS queries on the wire, wait for
// this many completions or this long, whichever comes first. 100 us is far
// below any resolver's round trip worth measuring and the retransmit
// timer's 20 ms floor.
constexpr uint32_t batch_wait_min_inflight = 64;
constexpr unsigned batch_wait_completions = 8;
constexpr int64_t batch_wait_ns = 100'000;

}  // namespace

void shard_inbox::wake() {
  if (sleeping.load(std::memory_order_seq_cst) && sleeping.exchange(false)) {
    uint64_t one = 1;
    // A full eventfd counter (impossible here) or EINTR only delays a wakeup
    // by one wait period.
    ssize_t rc = ::write(wake_fd, &one, sizeof(one));
    (void)rc;
  }
}

shard::shard(uint32_t id, const shard_config& config, shard_inbox& inbox, output_sink& sink,
             shard_counters& counters, const stop_flag& stop)
    : id_(id),
      config_(config),
      inbox_(inbox),
      sink_(sink),
      counters_(counters),
      stop_(stop),
      hosts_(config.max_inflight),
      names_(config.max_names != 0 ? config.max_names
                                   : std::max<uint32_t>(1, config.max_inflight / 4)) {
  const probe_list& probes = config_.probes;
  dependants_.resize(probes.size());
  for (size_t i = 0; i < probes.size(); ++i) {
    workers_.push_back(probes[i]->make_worker(*this, static_cast<uint8_t>(i)));
    if (probes[i]->takes_names()) {
      name_probes_.push_back(static_cast<uint8_t>(i));
    }
    const std::string_view after = probes[i]->after();
    size_t before = probes.size();
    for (size_t j = 0; j < probes.size() && !after.empty(); ++j) {
      if (probes[j]->name() == after) {
        before = j;
      }
    }
    if (before < probes.size()) {
      dependants_[before].push_back(static_cast<uint8_t>(i));
    } else {
      host_starters_.push_back(static_cast<uint8_t>(i));
    }
  }
}

shard::~shard() = default;

absl::Status shard::run() {
  if (absl::Status s = ring_.init(ring_entries); !s.ok()) {
    return s;
  }
  if (absl::Status s = init_dns(); !s.ok()) {
    return s;
  }
  for (const std::unique_ptr<probe_worker>& w : workers_) {
    if (absl::Status s = w->init(); !s.ok()) {
      return s;
    }
  }
  chunk_.reserve(config_.chunk_bytes + 4096);

  while (true) {
    const int stop = stop_.load(std::memory_order_relaxed);
    if (stop >= 2) {
      counters_.add(counters_.hosts_dropped, hosts_.in_use() - children_in_flight_);
      counters_.add(counters_.names_dropped, names_.in_use());
      break;
    }
    if (stop == 0 || !children_waiting_.empty()) {
      // Stopping: no new input, but name jobs in flight finish, so their
      // children still get host slots.
      admit();
    }
    const bool input_over = stop != 0 || (inbox_.closed.load(std::memory_order_acquire) &&
                                          input_drained());
    if (input_over && hosts_.in_use() == 0 && names_.in_use() == 0) {
      if (!input_over_told_) {
        input_over_told_ = true;
        // Complete only when the feeder read everything and this thread ran
        // all it was given: a stop closes the inboxes too, with input unread
        // (or left in the queue, which a stopping shard does not admit).
        const bool complete = inbox_.complete.load(std::memory_order_acquire) &&
                              inbox_.closed.load(std::memory_order_acquire) && input_drained();
        for (const std::unique_ptr<probe_worker>& w : workers_) {
          w->on_input_over(complete);
        }
      }
      bool busy = false;
      for (const std::unique_ptr<probe_worker>& w : workers_) {
        busy = busy || w->busy();
      }
      if (!busy) {
        break;
      }
    }

    // Ask for a wakeup when we could take more work but the inbox is empty.
    // The re-check after raising the flag closes the race with the feeder.
    if (stop == 0 && !hosts_.full() && !inbox_.closed.load(std::memory_order_acquire)) {
      arm_wakeup();
      inbox_.sleeping.store(true, std::memory_order_seq_cst);
      if (!input_drained()) {
        inbox_.sleeping.store(false, std::memory_order_relaxed);
        admit();
      }
    }

    int64_t wait = udp_->next_timeout_ns(max_wait_ns);
    if (!chunk_.empty()) {
      wait = std::min(wait, std::max<int64_t>(chunk_started_ns_ + config_.chunk_max_age_ns -
                                                  monotonic_ns(),
                                              1'000'000));
    }
    // With many DNS queries out, wait for a few completions (or a short
    // deadline) rather than the first: each wakeup then handles a batch, and
    // the CPU per lookup stays flat when the resolver is the bottleneck and
    // answers trickle in (the loop woke for one or two completions each).
    unsigned batch = 1;
    if (udp_->on_wire() >= batch_wait_min_inflight) {
      batch = batch_wait_completions;
      wait = std::min(wait, batch_wait_ns);
    }
    const int64_t before_wait = monotonic_ns();
    for (const std::unique_ptr<probe_worker>& w : workers_) {
      w->before_wait(before_wait);
      wait = w->next_timeout_ns(before_wait, wait);
    }
    if (int rc = ring_.submit_and_wait(wait, batch); rc < 0) {
      return absl::InternalError(absl::StrCat("shard ", id_, ": io_uring wait: ", strerror(-rc)));
    }
    wakeup_ns_ = monotonic_ns();
    inbox_.sleeping.store(false, std::memory_order_relaxed);

    ring_.drain([this](uint64_t data, int res, uint32_t flags) {
      user_data ud = user_data::unpack(data);
      switch (ud.op) {
        case op_kind::dns_recv:
        case op_kind::dns_send:
        case op_kind::dns_tcp:
        case op_kind::dns_tcp_timeout:
          udp_->on_completion(data, res, flags);
          break;
        case op_kind::wakeup:
          wakeup_armed_ = false;
          break;
        case op_kind::cancel:
        case op_kind::none:
          break;
        default:
          if (probe_worker* w = routes_[static_cast<uint8_t>(ud.op)]; w != nullptr) {
            w->on_completion(data, res, flags);
          }
          break;
      }
    });
    udp_->process_timeouts();
    counters_.dns_queries.store(udp_->queries_sent(), std::memory_order_relaxed);
    counters_.dns_retransmits.store(udp_->retransmits(), std::memory_order_relaxed);
    counters_.dns_timeouts.store(udp_->timeouts(), std::memory_order_relaxed);
    counters_.dns_lost.store(udp_->lost(), std::memory_order_relaxed);
    counters_.dns_server_downs.store(udp_->server_downs(), std::memory_order_relaxed);
    counters_.dns_moved.store(udp_->moved(), std::memory_order_relaxed);
    const int64_t after_drain = monotonic_ns();
    for (const std::unique_ptr<probe_worker>& w : workers_) {
      w->after_drain(after_drain);
    }
    flush_chunk(monotonic_ns());
  }
  flush_chunk(INT64_MAX);
  return absl::OkStatus();
}

absl::Status shard::init_dns() {
  resolver_addresses_ = config_.resolver.servers;
  udp_resolver_options o;
  // The engine has resolved the list (--resolver, else /etc/resolv.conf).
  o.servers = config_.resolver.servers;
  o.sockets_per_server = config_.dns_sockets;
  o.max_inflight = config_.dns_inflight;
  o.timeout_ms = config_.resolver.timeout_ms;
  o.tries = config_.resolver.tries;
  o.socket_buffer_bytes = config_.resolver.socket_buffer_bytes;
  o.rate = config_.dns_rate;
  udp_ = std::make_unique<udp_resolver>(ring_, static_cast<resolver_client&>(*this));
  return udp_->init(o);
}

std::vector<dns_server_stats> shard::dns_stats() const {
  return udp_ ? udp_->server_stats() : std::vector<dns_server_stats>{};
}

void shard::arm_wakeup() {
  if (wakeup_armed_) {
    return;
  }
  io_uring_sqe* sqe = ring_.get_sqe();
  io_uring_prep_read(sqe, inbox_.wake_fd, &wake_buf_, sizeof(wake_buf_), 0);
  io_uring_sqe_set_data64(sqe, user_data{op_kind::wakeup, 0, 0}.pack());
  wakeup_armed_ = true;
}

void shard::admit() {
  bool took = false;
  // A bounded batch per loop turn: admitting tens of thousands of hosts at
  // once (each a socket() and a query) kept the loop away from the kernel
  // long enough for DNS replies to overflow the sockets. A multishot receive
  // reads only a few dozen datagrams per socket each time the loop enters
  // the kernel, so the loop must enter it often.
  uint32_t n = 0;
  // Name jobs' children first: their names hold output back until they
  // are done.
  while (n < admit_batch && !hosts_.full() && !children_waiting_.empty()) {
    const child_ref ref = children_waiting_.front();
    children_waiting_.pop_front();
    if (names_.generation(ref.parent) == ref.generation) {
      start_host(ref.ip, 0, ref.parent, ref.child);
      ++n;
    }
  }
  if (stop_.load(std::memory_order_relaxed) != 0) {
    return;  // stopping: only name jobs already in flight go on
  }
  while (n < admit_batch && !names_.full()) {
    std::optional<name_item> item = inbox_.names.try_pop();
    if (!item) {
      break;
    }
    took = true;
    start_name(*item);
    ++n;
  }
  while (n < admit_batch && !hosts_.full()) {
    std::optional<identity_item> item = inbox_.identities.try_pop();
    if (!item) {
      break;
    }
    took = true;
    start_host(item->ip, item->ordinal, host_job::no_parent, 0, &*item);
    ++n;
  }
  for (; n < admit_batch && !hosts_.full(); ++n) {
    std::optional<work_item> item = inbox_.queue.try_pop();
    if (!item) {
      break;
    }
    took = true;
    if (item->resumed) {
      // Written by an earlier run: no job, only shown to the probes that
      // count such hosts (the engine sends them only for those).
      for (const std::unique_ptr<probe_worker>& w : workers_) {
        w->on_resumed_host(item->ip);
      }
      continue;
    }
    start_host(item->ip, item->ordinal, host_job::no_parent, 0);
  }
  if (took && inbox_.feeder != nullptr && inbox_.queue.size() <= inbox_.queue.capacity() / 2 &&
      inbox_.names.size() <= inbox_.names.capacity() / 2 &&
      inbox_.identities.size() <= inbox_.identities.capacity() / 2) {
    inbox_.feeder->room_made();
  }
}

bool shard::input_drained() const {
  return inbox_.queue.size() == 0 && inbox_.names.size() == 0 &&
         inbox_.identities.size() == 0;
}

job_base& shard::job(job_kind kind, uint32_t slot) {
  if (kind == job_kind::name) {
    return names_[slot];
  }
  return hosts_[slot];
}

uint32_t shard::generation(job_kind kind, uint32_t slot) const {
  return kind == job_kind::name ? names_.generation(slot) : hosts_.generation(slot);
}

uint32_t shard::capacity(job_kind kind) const {
  return kind == job_kind::name ? names_.capacity() : hosts_.capacity();
}

bool shard::host_parent(uint32_t slot, uint32_t* name_slot, uint32_t* child) const {
  const host_job& h = hosts_[slot];
  if (!h.has_parent()) {
    return false;
  }
  *name_slot = h.parent;
  *child = h.child;
  return true;
}

bool shard::stopping() const { return stop_.load(std::memory_order_relaxed) != 0; }

probe_worker* shard::worker(std::string_view probe_name) {
  for (size_t i = 0; i < config_.probes.size(); ++i) {
    if (config_.probes[i]->name() == probe_name) {
      return workers_[i].get();
    }
  }
  return nullptr;
}

void shard::route(op_kind op, probe_worker* w) { routes_[static_cast<uint8_t>(op)] = w; }

void shard::start_host(const ip_address& ip, uint64_t ordinal, uint32_t parent, uint32_t child,
                       const identity_item* identity) {
  const auto slot = static_cast<uint32_t>(hosts_.acquire());
  host_job& h = hosts_[slot];
  h.reset_base(ordinal);
  h.ip = ip;
  h.parent = parent;
  h.child = child;
  h.has_identity = identity != nullptr;
  if (identity != nullptr) {
    if (!h.identity) {
      h.identity = std::make_unique<host_identity>();
    }
    h.identity->domain.assign(identity->domain_view());
    h.identity->helo.assign(identity->helo_view());
    h.identity->has_helo = identity->has_helo;
    h.identity->helo_cut = identity->helo_cut;
  }
  if (parent == host_job::no_parent) {
    counters_.add(counters_.hosts_started);
  } else {
    ++children_in_flight_;
    h.parent_generation = names_.generation(parent);
  }
  // The guard keeps the host open while its probes start: a query may be
  // answered synchronously (a name that cannot be asked), and a probe may
  // have nothing to do.
  h.open = 1;
  for (uint8_t p : host_starters_) {
    workers_[p]->start_host(slot);
    if (h.pending[p] == 0) {
      probe_done(slot, p);
    }
  }
  close_one(job_kind::host, slot);
}

void shard::probe_done(uint32_t slot, uint8_t probe) {
  host_job& h = hosts_[slot];
  const uint32_t bit = uint32_t{1} << probe;
  if ((h.done_probes & bit) != 0) {
    return;  // its work finished inside its own start (a synchronous answer)
  }
  h.done_probes |= bit;
  for (uint8_t d : dependants_[probe]) {
    workers_[d]->start_host(slot);
    if (hosts_[slot].pending[d] == 0) {
      probe_done(slot, d);
    }
  }
}

void shard::start_name(const name_item& item) {
  const auto slot = static_cast<uint32_t>(names_.acquire());
  name_job& n = names_[slot];
  n.reset_base(item.ordinal);
  n.name.assign(item.view());
  n.records.clear();
  counters_.add(counters_.names_started);
  n.open = 1;  // the guard, as for hosts
  for (uint8_t p : name_probes_) {
    workers_[p]->start_name(slot);
  }
  close_one(job_kind::name, slot);
}

void shard::ask(job_kind kind, uint32_t slot, uint8_t probe, uint32_t tag,
                std::string_view qname, uint16_t qtype) {
  job_base& j = job(kind, slot);
  ask_state& a = j.new_ask();
  a.qname.assign(qname);
  a.tag = tag;
  a.type = qtype;
  a.probe = probe;
  a.hops = 0;
  ++j.pending[probe];
  ++j.open;
  send(kind, slot, j.asks_used - 1);
}

void shard::send(job_kind kind, uint32_t slot, uint32_t ask_index) {
  const ask_state& a = *job(kind, slot).asks[ask_index];
  const uint64_t cookie = ask_cookie{slot, generation(kind, slot), static_cast<uint8_t>(kind),
                                     a.probe, ask_index}
                              .pack();
  udp_->query(a.qname, a.type, cookie);
}

void shard::on_dns_result(uint64_t cookie, dns_status transport, std::string_view reason,
                          std::span<const uint8_t> packet) {
  const ask_cookie c = ask_cookie::unpack(cookie);
  const auto kind = static_cast<job_kind>(c.kind);
  // Jobs wait for every question they asked, so a result always finds its
  // job; the checks only guard against a future change of that.
  if (c.slot >= capacity(kind) ||
      (generation(kind, c.slot) & ask_cookie::generation_mask) != c.generation ||
      c.ask >= job(kind, c.slot).asks_used) {
    return;
  }
  ask_state& a = *job(kind, c.slot).asks[c.ask];
  // The packet's rcode and records decide; without one, the transport says
  // what happened (timeout, error and why).
  if (!packet.empty()) {
    parse_reply(packet, a.qname, a.type, reply_);
  } else {
    reply_.clear();
    reply_.status = transport;
    reply_.reason = reason;
  }
  if (!reply_.dangling_cname.empty() && a.hops + reply_.cname_hops <= max_cname_hops) {
    // The resolver stopped at a CNAME (an RFC 2317 delegation it did not
    // chase, a chain longer than it follows): ask for the target ourselves.
    // The question stays open, so the job's counts do not change.
    a.hops = static_cast<uint8_t>(a.hops + reply_.cname_hops);
    a.qname = reply_.dangling_cname;
    send(kind, c.slot, c.ask);
    return;
  }
  reply_.cname_hops = static_cast<uint8_t>(a.hops + reply_.cname_hops);
  workers_[a.probe]->on_answer(kind, c.slot, a.tag, a.qname, reply_);
  release(kind, c.slot, a.probe);
}

void shard::hold(job_kind kind, uint32_t slot, uint8_t probe) {
  job_base& j = job(kind, slot);
  ++j.pending[probe];
  ++j.open;
}

void shard::release(job_kind kind, uint32_t slot, uint8_t probe) {
  job_base& j = job(kind, slot);
  if (--j.pending[probe] == 0 && kind == job_kind::host) {
    probe_done(slot, probe);
  }
  close_one(kind, slot);
}

void shard::close_one(job_kind kind, uint32_t slot) {
  if (kind == job_kind::host) {
    if (--hosts_[slot].open == 0) {
      finish_host(slot);
    }
    return;
  }
  name_job& n = names_[slot];
  if (n.open > 1) {
    --n.open;
    return;
  }
  // Nothing in flight: its probes may add more (children, questions)
  // before it finishes. The guard stays while they are asked.
  for (uint8_t p : name_probes_) {
    workers_[p]->on_name_idle(slot);
  }
  if (--n.open == 0) {
    finish_name(slot);
  }
}

void shard::add_child(uint32_t name_slot, const ip_address& ip, uint32_t child) {
  ++names_[name_slot].open;
  children_waiting_.push_back({name_slot, names_.generation(name_slot), child, ip});
}

std::string_view shard::skip_reason(const ip_address& ip) const {
  // The filters input addresses pass (engine.cc's emit): a name job must
  // not lead the scanner where the command line would not.
  if (!config_.allow_reserved) {
    std::string_view block = reserved_block_name(ip);
    if (!block.empty()) {
      return block;
    }
  }
  if (config_.allowlist && !config_.allowlist->contains(ip)) {
    return "allowlist";
  }
  if (config_.blocklist && config_.blocklist->contains(ip)) {
    return "blocklist";
  }
  return {};
}

void shard::finish_host(uint32_t slot) {
  host_job& h = hosts_[slot];
  if (!h.has_parent()) {
    if (chunk_.empty()) {
      chunk_started_ns_ = monotonic_ns();
    }
    write_host_record(slot, chunk_);
    if (config_.track_ordinals) {
      chunk_ordinals_.push_back(h.ordinal);
    }
    for (const std::unique_ptr<probe_worker>& w : workers_) {
      w->end_host(slot);
    }
    counters_.add(counters_.hosts_done);
    hosts_.release(slot);
    if (chunk_.size() >= config_.chunk_bytes) {
      flush_chunk(INT64_MAX);
    }
    return;
  }
  // A name job's child: its record waits in the job's buffer, and its
  // probes tell the job what it found (end_host).
  const uint32_t parent = h.parent;
  write_host_record(slot, names_[parent].records);
  for (const std::unique_ptr<probe_worker>& w : workers_) {
    w->end_host(slot);
  }
  counters_.add(counters_.children_done);
  --children_in_flight_;
  hosts_.release(slot);
  close_one(job_kind::name, parent);
}

std::string_view shard::record_time() {
  return ts_text_.format(config_.clock ? config_.clock() : realtime_ns());
}

void shard::write_host_record(uint32_t slot, std::string& out) {
  json_writer w(out);
  char ip_text[ip_address::max_text_len];
  w.begin_object();
  const size_t start = out.size();
  w.key("ip").value(std::string_view(ip_text, hosts_[slot].ip.format(ip_text)));
  // Every member has its own cap; this one bounds their sum. A probe whose
  // sections would take the record past the cap is left out and
  // named in "truncated" (its counters still count the host).
  std::vector<std::string_view> cut;
  for (size_t i = 0; i < workers_.size(); ++i) {
    const json_writer::mark_t before = w.mark();
    workers_[i]->write_host(slot, w);
    // Room is kept for the "truncated" list itself (a few probe names).
    constexpr size_t marker_room = 256;
    if (out.size() - start + marker_room > config_.max_record_bytes) {
      w.rewind(before);
      cut.push_back(config_.probes[i]->name());
    }
  }
  if (!cut.empty()) {
    w.key("truncated").begin_array();
    for (std::string_view name : cut) {
      w.value(name);
    }
    w.end_array();
  }
  w.key("ts").value(record_time());
  w.end_object();
  w.end_line();
}

void shard::finish_name(uint32_t slot) {
  name_job& n = names_[slot];
  if (chunk_.empty()) {
    chunk_started_ns_ = monotonic_ns();
  }
  // The children's records and the summary enter the chunk together: a
  // chunk boundary (and so a --state record point) never splits a name.
  chunk_ += n.records;
  json_writer w(chunk_);
  w.begin_object();
  for (uint8_t p : name_probes_) {
    workers_[p]->write_name(slot, w);
  }
  w.key("ts").value(record_time());
  w.end_object();
  w.end_line();
  if (config_.track_ordinals) {
    chunk_ordinals_.push_back(n.ordinal);
  }
  counters_.add(counters_.names_done);
  names_.release(slot);
  if (chunk_.size() >= config_.chunk_bytes) {
    flush_chunk(INT64_MAX);
  }
}

void shard::write_record(absl::FunctionRef<void(json_writer&)> body) {
  if (chunk_.empty()) {
    chunk_started_ns_ = monotonic_ns();
  }
  json_writer w(chunk_);
  w.begin_object();
  body(w);
  w.key("ts").value(record_time());
  w.end_object();
  w.end_line();
  if (chunk_.size() >= config_.chunk_bytes) {
    flush_chunk(INT64_MAX);
  }
}

void shard::write_record(std::span<const uint64_t> ids,
                         absl::FunctionRef<void(json_writer&)> body) {
  if (config_.track_ordinals) {
    // In the same chunk as the record (pushed before a flush can hand it
    // over): --state keeps the keys once the chunk is durable. Not keyed by
    // this shard's index: a resumed scan may run another -T.
    for (uint64_t id : ids) {
      chunk_ordinals_.push_back(resume_point::record_key(id));
    }
  }
  write_record(body);
}

bool shard::written_before(uint64_t id) const {
  return config_.resume != nullptr && config_.resume->record_done(resume_point::record_key(id));
}

void shard::flush_chunk(int64_t now) {
  if (chunk_.empty()) {
    return;
  }
  if (chunk_.size() < config_.chunk_bytes && now < chunk_started_ns_ + config_.chunk_max_age_ns) {
    return;
  }
  std::string full;
  full.reserve(config_.chunk_bytes + 4096);
  full.swap(chunk_);
  std::vector<uint64_t> ordinals;
  ordinals.swap(chunk_ordinals_);
  sink_.submit(std::move(full), std::move(ordinals));
}

}  // namespace ptrscan
