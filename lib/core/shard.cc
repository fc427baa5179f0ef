#include "core/shard.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "checks/identity.h"
#include "core/clock.h"
#include "core/user_data.h"
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
      cares_(ring_, *this),
      jobs_(config.max_inflight),
      domains_(config.max_domains != 0 ? config.max_domains
                                        : std::max<uint32_t>(1, config.max_inflight / 4)) {}

shard::~shard() = default;

absl::Status shard::run() {
  if (absl::Status s = ring_.init(ring_entries); !s.ok()) {
    return s;
  }
  if (absl::Status s = init_dns(); !s.ok()) {
    return s;
  }
  if (config_.probes.smtp) {
    if (config_.probes.starttls || std::find(config_.smtp.ports.begin(), config_.smtp.ports.end(),
                                             465) != config_.smtp.ports.end()) {
      absl::StatusOr<std::unique_ptr<tls_context>> ctx = tls_context::create();
      if (!ctx.ok()) {
        return ctx.status();
      }
      tls_ = std::move(*ctx);
    }
    smtp_options o = config_.smtp;
    o.starttls = config_.probes.starttls;
    const uint32_t max_sessions =
        config_.max_sessions != 0
            ? config_.max_sessions
            : config_.max_inflight * static_cast<uint32_t>(std::max<size_t>(1, o.ports.size()));
    smtp_ = std::make_unique<smtp_prober>(ring_, static_cast<smtp_client&>(*this), o, tls_.get(),
                                          max_sessions);
    // --max-sessions bounds every open session (descriptors); the window
    // below it adapts. The RTO never outlasts --connect-timeout.
    admission_options a;
    a.max_window = max_sessions;
    a.max_rto_ns = std::min<int64_t>(a.max_rto_ns, int64_t{o.connect_timeout_ms} * 1'000'000);
    admission_.reset(a, monotonic_ns());
  }
  chunk_.reserve(config_.chunk_bytes + 4096);

  while (true) {
    const int stop = stop_.load(std::memory_order_relaxed);
    if (stop >= 2) {
      counters_.add(counters_.hosts_dropped, jobs_.in_use() - mx_hosts_in_flight_);
      counters_.add(counters_.domains_dropped, domains_.in_use());
      break;
    }
    if (stop == 0) {
      admit();
    } else if (!mx_hosts_waiting_.empty()) {
      // Stopping: no new input, but domains in flight finish, so their
      // addresses still get host slots.
      admit();
    }
    const bool input_over = stop != 0 || (inbox_.closed.load(std::memory_order_acquire) &&
                                          input_drained());
    if (input_over && jobs_.in_use() == 0 && domains_.in_use() == 0) {
      break;
    }

    // Ask for a wakeup when we could take more work but the inbox is empty.
    // The re-check after raising the flag closes the race with the feeder.
    if (stop == 0 && !jobs_.full() && !inbox_.closed.load(std::memory_order_acquire)) {
      arm_wakeup();
      inbox_.sleeping.store(true, std::memory_order_seq_cst);
      if (!input_drained()) {
        inbox_.sleeping.store(false, std::memory_order_relaxed);
        admit();
      }
    }

    int64_t wait = cares_.next_timeout_ns(max_wait_ns);
    if (udp_) {
      wait = udp_->next_timeout_ns(wait);
    }
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
    if (udp_ && udp_->on_wire() >= batch_wait_min_inflight) {
      batch = batch_wait_completions;
      wait = std::min(wait, batch_wait_ns);
    }
    if (smtp_) {
      admission_.on_submit(monotonic_ns());  // connects queued this turn go out now
    }
    if (int rc = ring_.submit_and_wait(wait, batch); rc < 0) {
      return absl::InternalError(absl::StrCat("shard ", id_, ": io_uring wait: ", strerror(-rc)));
    }
    drain_ns_ = monotonic_ns();
    inbox_.sleeping.store(false, std::memory_order_relaxed);

    ring_.drain([this](uint64_t data, int res, uint32_t flags) {
      user_data ud = user_data::unpack(data);
      switch (ud.op) {
        case op_kind::dns_poll:
          cares_.on_poll_completion(ud.index, ud.generation, res);
          break;
        case op_kind::dns_recv:
        case op_kind::dns_send:
        case op_kind::dns_tcp:
        case op_kind::dns_tcp_timeout:
          if (udp_) {
            udp_->on_completion(data, res, flags);
          }
          break;
        case op_kind::wakeup:
          wakeup_armed_ = false;
          break;
        case op_kind::smtp_io:
        case op_kind::smtp_timeout:
          if (smtp_) {
            smtp_->on_completion(data, res);
          }
          break;
        case op_kind::cancel:
        case op_kind::none:
          break;
      }
    });
    cares_.process_timeouts();
    if (udp_) {
      udp_->process_timeouts();
    }
    counters_.dns_queries.store(dns_queries_sent(), std::memory_order_relaxed);
    if (udp_) {
      counters_.dns_retransmits.store(udp_->retransmits(), std::memory_order_relaxed);
      counters_.dns_timeouts.store(udp_->timeouts(), std::memory_order_relaxed);
      counters_.dns_lost.store(udp_->lost(), std::memory_order_relaxed);
      counters_.dns_server_downs.store(udp_->server_downs(), std::memory_order_relaxed);
      counters_.dns_moved.store(udp_->moved(), std::memory_order_relaxed);
    }
    if (smtp_) {
      admission_.expire(monotonic_ns(),
                        [this](uint64_t owner) { on_connect_presumed_lost(owner); });
      start_waiting_sessions();
      counters_.smtp_active.store(smtp_->active(), std::memory_order_relaxed);
      publish_admission_counters();
    }
    flush_chunk(monotonic_ns());
  }
  flush_chunk(INT64_MAX);
  return absl::OkStatus();
}

absl::Status shard::init_dns() {
  // With the ring transport c-ares only reads the server list (from
  // /etc/resolv.conf when no --resolver was given); it sends nothing.
  if (absl::Status s = cares_.init(config_.resolver); !s.ok()) {
    return s;
  }
  if (!config_.ring_dns) {
    return absl::OkStatus();  // c-ares does all DNS
  }
  udp_resolver_options o;
  // c-ares has read /etc/resolv.conf when no --resolver was given.
  o.servers = cares_.servers();
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

uint64_t shard::dns_queries_sent() const {
  return cares_.queries_sent() + (udp_ ? udp_->queries_sent() : 0);
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
  // Domains' addresses first: their domains hold output back until they
  // are done.
  while (n < admit_batch && !jobs_.full() && !mx_hosts_waiting_.empty()) {
    const mx_host_ref ref = mx_hosts_waiting_.front();
    mx_hosts_waiting_.pop_front();
    if (domains_.generation(ref.domain) == ref.generation) {
      start_host(domains_[ref.domain].audit.addresses[ref.address].ip, 0, ref.domain,
                 ref.address);
      ++n;
    }
  }
  if (stop_.load(std::memory_order_relaxed) != 0) {
    return;  // stopping: only domains already in flight go on
  }
  while (n < admit_batch && !domains_.full()) {
    std::optional<domain_item> item = inbox_.domains.try_pop();
    if (!item) {
      break;
    }
    took = true;
    start_domain(*item);
    ++n;
  }
  for (; n < admit_batch && !jobs_.full(); ++n) {
    std::optional<work_item> item = inbox_.queue.try_pop();
    if (!item) {
      break;
    }
    took = true;
    start_host(item->ip, item->ordinal, host_job::no_domain, 0);
  }
  if (smtp_) {
    start_waiting_sessions();
  }
  if (took && inbox_.feeder != nullptr && inbox_.queue.size() <= inbox_.queue.capacity() / 2 &&
      inbox_.domains.size() <= inbox_.domains.capacity() / 2) {
    inbox_.feeder->room_made();
  }
}

bool shard::input_drained() const {
  return inbox_.queue.size() == 0 && inbox_.domains.size() == 0;
}

void shard::start_host(const ip_address& ip, uint64_t ordinal, uint32_t domain,
                       uint32_t address) {
  const auto slot = static_cast<uint32_t>(jobs_.acquire());
  host_job& job = jobs_[slot];
  job.reset(ip);
  job.ordinal = ordinal;
  // The guard keeps the host alive while its first query is issued: c-ares
  // may call back synchronously inside ares_query.
  job.pending = 1;
  if (domain == host_job::no_domain) {
    counters_.add(counters_.hosts_started);
  } else {
    ++mx_hosts_in_flight_;
    job.domain_slot = domain;
    job.domain_generation = domains_.generation(domain);
    job.domain_address = address;
    // "May my own mail servers send for my domain?": check_host() with
    // this address as the client and the MX host as the HELO name.
    const domain_audit& audit = domains_[domain].audit;
    job.spf = std::make_unique<spf_evaluation>(audit.domain, ip, "postmaster",
                                               audit.hosts[audit.addresses[address].host].host);
    issue_spf_step(slot);
  }
  if (config_.probes.ptr) {
    job.ptr_qname = ip.reverse_name();
    issue(slot, dns_cookie::kind_t::ptr, 0, dns_type_ptr, job.ptr_qname);
  }
  job.dnsbl.resize(config_.dnsbl_zones.size());
  for (size_t z = 0; z < config_.dnsbl_zones.size(); ++z) {
    host_job::dnsbl_state& d = job.dnsbl[z];
    d.qname = dnsbl_query_name(ip, config_.dnsbl_zones[z]);
    d.hops = 0;
    d.result.clear();
    issue(slot, dns_cookie::kind_t::dnsbl_a, static_cast<uint16_t>(z), dns_type_a, d.qname);
  }
  // The SMTP sessions run beside the DNS lookups; the record is written when
  // both are done.
  if (smtp_) {
    const std::vector<uint16_t>& ports = config_.smtp.ports;
    job.smtp.resize(ports.size());
    job.smtp_tickets.assign(ports.size(), host_job::session_ticket{});
    for (size_t i = 0; i < ports.size(); ++i) {
      ++job.pending;
      request_session(slot, static_cast<uint16_t>(i));
    }
  } else {
    job.smtp.clear();
  }
  step_done(slot);
}

subnet_key shard::subnet_of(const ip_address& ip) {
  // /24 for IPv4, /64 for IPv6: one LAN's worth of hosts.
  if (ip.is_v4()) {
    return {ip.v4_value() >> 8, false};
  }
  uint64_t hi = 0;
  for (size_t i = 0; i < 8; ++i) {
    hi = (hi << 8) | ip.bytes[i];
  }
  return {hi, true};
}

void shard::request_session(uint32_t slot, uint16_t port_index) {
  if (config_.per_subnet != 0) {
    subnet_state& st = subnets_[subnet_of(jobs_[slot].ip)];
    if (st.admitted >= config_.per_subnet) {
      st.waiting.push_back({slot, jobs_.generation(slot), port_index});
      return;
    }
    ++st.admitted;
    jobs_[slot].smtp_tickets[port_index].holds_subnet = true;
  }
  start_session(slot, port_index);
}

void shard::release_subnet(uint32_t slot, uint16_t port_index) {
  host_job::session_ticket& t = jobs_[slot].smtp_tickets[port_index];
  if (config_.per_subnet == 0 || !t.holds_subnet) {
    return;
  }
  t.holds_subnet = false;
  const auto it = subnets_.find(subnet_of(jobs_[slot].ip));
  if (it == subnets_.end()) {
    return;  // cannot happen: a holder is counted
  }
  subnet_state& st = it->second;
  --st.admitted;
  if (st.waiting.empty()) {
    if (st.admitted == 0) {
      subnets_.erase(it);  // the map holds only subnets with sessions
    }
    return;
  }
  // The subnet's next session joins the global queue (not started from
  // here: a run of sessions failing at once would recurse).
  const waiting_session next = st.waiting.front();
  st.waiting.pop_front();
  ++st.admitted;
  if (jobs_.generation(next.slot) == next.generation) {
    jobs_[next.slot].smtp_tickets[next.port_index].holds_subnet = true;
  }
  waiting_sessions_.push_back(next);
}

void shard::on_connect_presumed_lost(uint64_t owner) {
  // No answer within the RTO: most likely a silent host, which holds no
  // server of its subnet's operator (a SYN costs them nothing), so its
  // --per-subnet place goes to the next session. Its socket stays open
  // until --connect-timeout.
  const dns_cookie c = dns_cookie::unpack(owner);
  if (c.slot >= jobs_.capacity() || jobs_.generation(c.slot) != c.generation ||
      c.index >= jobs_[c.slot].smtp_tickets.size()) {
    return;
  }
  release_subnet(c.slot, c.index);
}

void shard::on_smtp_connect(uint64_t owner, bool answered, bool established) {
  const dns_cookie c = dns_cookie::unpack(owner);
  if (c.slot >= jobs_.capacity() || jobs_.generation(c.slot) != c.generation ||
      c.index >= jobs_[c.slot].smtp_tickets.size()) {
    return;
  }
  host_job::session_ticket& t = jobs_[c.slot].smtp_tickets[c.index];
  if (!answered) {
    admission_.on_no_answer(drain_ns_, t.seq);
    return;
  }
  const bool late = admission_.on_answer(drain_ns_, t.seq, established);
  t.established = established;
  if (late && established && config_.per_subnet != 0 && !t.holds_subnet) {
    // Answered after it was presumed lost: it holds a server now, so it
    // counts again (even past --per-subnet: it is connected already).
    ++subnets_[subnet_of(jobs_[c.slot].ip)].admitted;
    t.holds_subnet = true;
  }
}

void shard::publish_admission_counters() {
  counters_.smtp_window.store(admission_.window(), std::memory_order_relaxed);
  counters_.smtp_waiting.store(waiting_sessions_.size(), std::memory_order_relaxed);
  counters_.smtp_connects_lost.store(admission_.losses(), std::memory_order_relaxed);
  counters_.smtp_late_answers.store(admission_.late_answers(), std::memory_order_relaxed);
  counters_.smtp_loss_events.store(admission_.loss_events(), std::memory_order_relaxed);
  counters_.smtp_loss_undone.store(admission_.undone(), std::memory_order_relaxed);
  counters_.smtp_delay_decreases.store(admission_.delay_decreases(), std::memory_order_relaxed);
}

void shard::start_session(uint32_t slot, uint16_t port_index) {
  // Two limits: the adaptive window over sessions in the pipe, and
  // --max-sessions over every open socket.
  if (smtp_->active() >= smtp_->capacity() || !admission_.can_start()) {
    waiting_sessions_.push_back({slot, jobs_.generation(slot), port_index});
    return;
  }
  host_job& job = jobs_[slot];
  const uint64_t owner =
      dns_cookie{slot, jobs_.generation(slot), dns_cookie::kind_t::ptr, port_index}.pack();
  const uint16_t port = config_.smtp.ports[port_index];
  smtp_result& out = job.smtp[port_index];
  switch (smtp_->start(job.ip, port, &out, owner)) {
    case smtp_prober::start_result::started:
      job.smtp_tickets[port_index].seq = admission_.on_start(owner);
      job.smtp_tickets[port_index].established = false;
      return;  // on_smtp_done ends this step
    case smtp_prober::start_result::finished:
      break;  // failed at once: `out` says why
    case smtp_prober::start_result::busy:
      // Cannot happen: checked above, on this thread.
      out.clear();
      out.port = port;
      out.error = "no session slot free";
      break;
  }
  release_subnet(slot, port_index);
  step_done(slot);
}

void shard::start_waiting_sessions() {
  while (!waiting_sessions_.empty() && smtp_->active() < smtp_->capacity() &&
         admission_.can_start()) {
    const waiting_session w = waiting_sessions_.front();
    waiting_sessions_.pop_front();
    // Hosts wait for their sessions, so a waiting entry's host is alive;
    // the generation check only guards against a future change of that.
    if (jobs_.generation(w.slot) == w.generation) {
      start_session(w.slot, w.port_index);
    }
  }
}

void shard::send_query(uint64_t cookie, uint16_t type, const std::string& qname) {
  if (udp_) {
    udp_->query(qname, type, cookie);
  } else {
    cares_.query(qname, type, cookie);
  }
}

void shard::issue(uint32_t slot, dns_cookie::kind_t kind, uint16_t index, uint16_t type,
                  const std::string& qname) {
  ++jobs_[slot].pending;
  send_query(dns_cookie{slot, jobs_.generation(slot), kind, index}.pack(), type, qname);
}

void shard::on_dns_result(uint64_t cookie, dns_status transport, std::string_view reason,
                          std::span<const uint8_t> packet) {
  const dns_cookie c = dns_cookie::unpack(cookie);
  if (dns_cookie::is_domain_kind(c.kind)) {
    on_domain_answer(c, transport, reason, packet);
  } else {
    on_host_answer(c, transport, reason, packet);
  }
}

void shard::on_host_answer(const dns_cookie& c, dns_status transport, std::string_view reason,
                           std::span<const uint8_t> packet) {
  if (c.slot >= jobs_.capacity() || jobs_.generation(c.slot) != c.generation) {
    return;  // cannot happen while hosts wait for all their queries; be safe
  }
  host_job& job = jobs_[c.slot];
  // The question this answer is for: the parsers match records to it.
  const std::string* qname = &job.ptr_qname;
  uint16_t qtype = dns_type_ptr;
  switch (c.kind) {
    case dns_cookie::kind_t::a:
    case dns_cookie::kind_t::aaaa:
      if (c.index >= job.forward_qnames.size()) {
        step_done(c.slot);  // cannot happen; never leave a host waiting
        return;
      }
      qname = c.kind == dns_cookie::kind_t::a ? &job.forward_qnames[c.index].qname_a
                                              : &job.forward_qnames[c.index].qname_aaaa;
      qtype = c.kind == dns_cookie::kind_t::a ? dns_type_a : dns_type_aaaa;
      break;
    case dns_cookie::kind_t::dnsbl_a:
    case dns_cookie::kind_t::dnsbl_txt:
      if (c.index >= job.dnsbl.size()) {
        step_done(c.slot);
        return;
      }
      qname = &job.dnsbl[c.index].qname;
      qtype = c.kind == dns_cookie::kind_t::dnsbl_a ? dns_type_a : dns_type_txt;
      break;
    case dns_cookie::kind_t::spf:
      if (c.index >= job.spf_questions.size()) {
        step_done(c.slot);
        return;
      }
      qname = &job.spf_questions[c.index].qname;
      qtype = job.spf_questions[c.index].type;
      break;
    default:
      break;
  }
  // The packet's rcode and records decide (c-ares hands us SERVFAIL and
  // REFUSED answers too, thanks to ARES_FLAG_NOCHECKRESP).
  const bool records = c.kind == dns_cookie::kind_t::spf || c.kind == dns_cookie::kind_t::dnsbl_txt;
  dns_reply& reply = records ? records_ : answer_;
  if (!packet.empty()) {
    parse_reply(packet, *qname, qtype, reply);
  } else {
    reply.clear();
    reply.status = transport;
    reply.reason = reason;
  }
  switch (c.kind) {
    case dns_cookie::kind_t::ptr:
      on_ptr(c.slot, answer_);
      break;
    case dns_cookie::kind_t::a:
    case dns_cookie::kind_t::aaaa:
      on_forward(c.slot, c.kind, c.index, answer_);
      break;
    case dns_cookie::kind_t::dnsbl_a:
      on_dnsbl(c.slot, c.kind, c.index, answer_.status);
      break;
    case dns_cookie::kind_t::dnsbl_txt:
      on_dnsbl(c.slot, c.kind, c.index, records_.status);
      break;
    case dns_cookie::kind_t::spf:
      on_spf(c.slot, c.index, records_);
      break;
    default:
      break;
  }
  step_done(c.slot);
}

void shard::on_ptr(uint32_t slot, const dns_reply& answer) {
  host_job& job = jobs_[slot];
  if (!answer.dangling_cname.empty() && job.ptr_hops + answer.cname_hops <= max_cname_hops) {
    // The resolver stopped at a CNAME (RFC 2317 delegation it did not chase):
    // ask for the target ourselves.
    job.ptr_hops = static_cast<uint8_t>(job.ptr_hops + answer.cname_hops);
    job.ptr_qname = answer.dangling_cname;
    issue(slot, dns_cookie::kind_t::ptr, 0, dns_type_ptr, job.ptr_qname);
    return;
  }
  job.ptr_status = answer.status;
  for (const std::string& n : answer.names) {
    if (std::find(job.ptr_names.begin(), job.ptr_names.end(), n) == job.ptr_names.end()) {
      job.ptr_names.push_back(n);
    }
  }
  if (job.ptr_status != dns_status::ok || !config_.probes.fcrdns) {
    return;
  }
  const size_t n = std::min<size_t>(job.ptr_names.size(), config_.max_forward_names);
  job.forward.resize(n);
  job.forward_qnames.resize(n);
  for (size_t i = 0; i < n; ++i) {
    forward_lookup& f = job.forward[i];
    f.name = job.ptr_names[i];
    f.a = dns_status::error;
    f.aaaa = dns_status::error;
    f.addrs.clear();
    host_job::forward_state& q = job.forward_qnames[i];
    q.qname_a = f.name;
    q.qname_aaaa = f.name;
    q.hops_a = 0;
    q.hops_aaaa = 0;
  }
  for (size_t i = 0; i < n; ++i) {
    issue(slot, dns_cookie::kind_t::a, static_cast<uint16_t>(i), dns_type_a,
          job.forward_qnames[i].qname_a);
    issue(slot, dns_cookie::kind_t::aaaa, static_cast<uint16_t>(i), dns_type_aaaa,
          job.forward_qnames[i].qname_aaaa);
  }
}

void shard::on_forward(uint32_t slot, dns_cookie::kind_t kind, uint16_t index,
                       const dns_reply& answer) {
  host_job& job = jobs_[slot];
  if (index >= job.forward.size()) {
    return;
  }
  host_job::forward_state& q = job.forward_qnames[index];
  const bool is_a = kind == dns_cookie::kind_t::a;
  uint8_t& hops = is_a ? q.hops_a : q.hops_aaaa;
  std::string& qname = is_a ? q.qname_a : q.qname_aaaa;
  if (!answer.dangling_cname.empty() && hops + answer.cname_hops <= max_cname_hops) {
    hops = static_cast<uint8_t>(hops + answer.cname_hops);
    qname = answer.dangling_cname;
    issue(slot, kind, index, is_a ? dns_type_a : dns_type_aaaa, qname);
    return;
  }
  forward_lookup& f = job.forward[index];
  (is_a ? f.a : f.aaaa) = answer.status;
  for (const ip_address& a : answer.addrs) {
    f.addrs.push_back(a);
  }
}

void shard::on_dnsbl(uint32_t slot, dns_cookie::kind_t kind, uint16_t index, dns_status status) {
  host_job::dnsbl_state& d = jobs_[slot].dnsbl[index];
  const std::string& dangling =
      kind == dns_cookie::kind_t::dnsbl_a ? answer_.dangling_cname : records_.dangling_cname;
  const uint8_t hops =
      kind == dns_cookie::kind_t::dnsbl_a ? answer_.cname_hops : records_.cname_hops;
  if (!dangling.empty() && d.hops + hops <= max_cname_hops) {
    d.hops = static_cast<uint8_t>(d.hops + hops);
    d.qname = dangling;
    issue(slot, kind, index, kind == dns_cookie::kind_t::dnsbl_a ? dns_type_a : dns_type_txt,
          d.qname);
    return;
  }
  if (kind == dns_cookie::kind_t::dnsbl_a) {
    if (dnsbl_decide(status, answer_.addrs, d.result)) {
      // Listed: the TXT record at the same name says why (§2.1). Asked at
      // the name the A record was found at, after any CNAME.
      d.hops = 0;
      issue(slot, dns_cookie::kind_t::dnsbl_txt, index, dns_type_txt, d.qname);
    }
  } else {
    dnsbl_add_reason(status, records_.texts, d.result);
  }
}

void shard::issue_spf_step(uint32_t slot) {
  host_job& job = jobs_[slot];
  const std::span<const spf_query> questions = job.spf->pending();
  job.spf_questions.resize(questions.size());
  for (size_t i = 0; i < questions.size(); ++i) {
    host_job::spf_question& q = job.spf_questions[i];
    q.qname = questions[i].name;
    q.type = questions[i].type;
    q.hops = 0;
  }
  for (size_t i = 0; i < questions.size(); ++i) {
    issue(slot, dns_cookie::kind_t::spf, static_cast<uint16_t>(i), job.spf_questions[i].type,
          job.spf_questions[i].qname);
  }
}

void shard::on_spf(uint32_t slot, uint16_t index, const dns_reply& records) {
  host_job& job = jobs_[slot];
  if (!job.spf || job.spf->done()) {
    return;
  }
  host_job::spf_question& q = job.spf_questions[index];
  if (!records.dangling_cname.empty() && q.hops + records.cname_hops <= max_cname_hops) {
    q.hops = static_cast<uint8_t>(q.hops + records.cname_hops);
    q.qname = records.dangling_cname;
    issue(slot, dns_cookie::kind_t::spf, index, q.type, q.qname);
    return;
  }
  const uint32_t step = job.spf->step();
  job.spf->on_answer(index, records.status, records);
  if (!job.spf->done() && job.spf->step() != step) {
    issue_spf_step(slot);  // the step's last answer: the evaluation needs more
  }
}

void shard::on_smtp_done(uint64_t owner) {
  const dns_cookie c = dns_cookie::unpack(owner);
  if (c.slot >= jobs_.capacity() || jobs_.generation(c.slot) != c.generation) {
    return;
  }
  if (c.index < jobs_[c.slot].smtp_tickets.size()) {
    host_job::session_ticket& t = jobs_[c.slot].smtp_tickets[c.index];
    if (t.established) {
      admission_.on_session_end();
      t.established = false;
    }
    release_subnet(c.slot, c.index);
  }
  step_done(c.slot);
  start_waiting_sessions();
}

void shard::step_done(uint32_t slot) {
  host_job& job = jobs_[slot];
  if (--job.pending == 0) {
    finish_host(slot);
  }
}

void shard::finish_host(uint32_t slot) {
  host_job& job = jobs_[slot];
  if (!job.from_domain()) {
    if (chunk_.empty()) {
      chunk_started_ns_ = monotonic_ns();
    }
    write_host_record(job, chunk_);
    if (config_.track_ordinals) {
      chunk_ordinals_.push_back(job.ordinal);
    }
    counters_.add(counters_.hosts_done);
    jobs_.release(slot);
    if (chunk_.size() >= config_.chunk_bytes) {
      flush_chunk(INT64_MAX);
    }
    return;
  }
  // An MX host's address: its record waits in the domain's buffer, and
  // what it found goes into the domain's findings.
  const uint32_t d = job.domain_slot;
  domain_job& dom = domains_[d];
  write_host_record(job, dom.records);
  mx_address& addr = dom.audit.addresses[job.domain_address];
  addr.probed = true;
  addr.ptr = job.ptr_status;
  if (job.spf && job.spf->done()) {
    addr.spf_evaluated = true;
    addr.spf = job.spf->result().code;
    counters_.add(counters_.spf[static_cast<int>(addr.spf)]);
  }
  counters_.add(counters_.mx_hosts_done);
  --mx_hosts_in_flight_;
  jobs_.release(slot);
  domain_step_done(d);
}

void shard::write_host_record(host_job& job, std::string& out) {
  json_writer w(out);
  char ip_text[ip_address::max_text_len];
  w.begin_object();
  w.key("ip").value(std::string_view(ip_text, job.ip.format(ip_text)));
  if (job.from_domain()) {
    const domain_audit& audit = domains_[job.domain_slot].audit;
    const mx_host& host = audit.hosts[audit.addresses[job.domain_address].host];
    w.key("input").value(audit.domain);
    w.key("mx").begin_object();
    w.key("host").value(host.host);
    w.key("preference").value(static_cast<uint64_t>(host.preference));
    if (audit.implicit_mx) {
      w.key("implicit").value(true);
    }
    w.end_object();
  }
  if (config_.probes.ptr) {
    w.key("ptr").begin_object();
    w.key("status").value(to_string(job.ptr_status));
    if (job.ptr_status == dns_status::ok) {
      w.key("names").begin_array();
      for (const std::string& n : job.ptr_names) {
        w.value(n);
      }
      w.end_array();
    }
    w.end_object();
    counters_.add(counters_.ptr[static_cast<int>(job.ptr_status)]);
  }
  size_t primary = 0;  // the name the naming class is about
  if (config_.probes.fcrdns) {
    const fcrdns_verdict v = decide_fcrdns(job.ip, job.ptr_status, job.forward);
    w.key("fcrdns").begin_object();
    write_fcrdns_json(w, v, job.forward);
    w.end_object();
    counters_.add(counters_.fcrdns[static_cast<int>(v.status)]);
    if (v.status == fcrdns_status::pass && v.matched < job.ptr_names.size()) {
      primary = v.matched;  // the forward-confirmed name, as mail receivers see it
    }
  }
  if (config_.probes.ptr) {
    const bool named = job.ptr_status == dns_status::ok && primary < job.ptr_names.size();
    const std::string_view name = named ? std::string_view(job.ptr_names[primary]) : "";
    rdns_.classify(name, job.ip, rdns_verdict_);
    w.key("rdns").begin_object();
    if (named) {
      w.key("name").value(name);
    }
    w.key("class").value(to_string(rdns_verdict_.cls));
    if (!rdns_verdict_.ip_encoded.empty()) {
      w.key("ip_encoded").value(rdns_verdict_.ip_encoded);
    }
    if (!rdns_verdict_.tokens.empty()) {
      w.key("tokens").begin_array();
      for (const std::string& t : rdns_verdict_.tokens) {
        w.value(t);
      }
      w.end_array();
    }
    w.end_object();
    counters_.add(counters_.rdns[static_cast<int>(rdns_verdict_.cls)]);
  }
  if (job.spf && job.spf->done()) {
    w.key("spf").begin_object();
    write_spf_json(w, job.spf->result());
    w.end_object();
  }
  if (!job.dnsbl.empty()) {
    w.key("dnsbl").begin_array();
    for (size_t z = 0; z < job.dnsbl.size(); ++z) {
      write_dnsbl_json(w, config_.dnsbl_zones[z], job.dnsbl[z].result);
      if (job.dnsbl[z].result.status == dnsbl_status::listed) {
        counters_.add(counters_.dnsbl_listed);
      }
    }
    w.end_array();
  }
  if (smtp_) {
    w.key("smtp").begin_array();
    const smtp_result* with_banner = nullptr;
    const smtp_result* with_ehlo = nullptr;
    for (const smtp_result& r : job.smtp) {
      r.write_json(w, job.ptr_names);
      counters_.add(counters_.smtp[static_cast<int>(r.status)]);
      if (with_banner == nullptr && !r.banner_host.empty()) {
        with_banner = &r;
      }
      if (with_ehlo == nullptr && r.has_ehlo && !r.ehlo.host.empty()) {
        with_ehlo = &r;
      }
    }
    w.end_array();
    std::span<const std::string> names;
    if (job.ptr_status == dns_status::ok) {
      names = job.ptr_names;
    }
    auto write_match = [&](std::string_view key, const std::string* host) {
      std::optional<bool> m = host_matches_ptr(host != nullptr ? *host : std::string(), names);
      if (m.has_value()) {
        w.key(key).value(*m);
      } else {
        w.key(key).null();
      }
    };
    w.key("checks").begin_object();
    write_match("banner_ptr_match", with_banner != nullptr ? &with_banner->banner_host : nullptr);
    write_match("ehlo_ptr_match", with_ehlo != nullptr ? &with_ehlo->ehlo.host : nullptr);
    w.end_object();
    if (config_.probes.relay) {
      // The host's verdict over its ports: one open port makes an open
      // relay; otherwise a temporary refusal says less than a refusal.
      auto rank = [](relay_status r) {
        switch (r) {
          case relay_status::open:
            return 3;
          case relay_status::tempfail:
            return 2;
          case relay_status::closed:
            return 1;
          case relay_status::untested:
            break;
        }
        return 0;
      };
      const smtp_result* decided = nullptr;
      for (const smtp_result& r : job.smtp) {
        if (decided == nullptr || rank(r.relay) > rank(decided->relay)) {
          decided = &r;
        }
      }
      if (decided != nullptr) {
        w.key("relay").begin_object();
        w.key("status").value(to_string(decided->relay));
        if (decided->relay != relay_status::untested) {
          w.key("port").value(static_cast<uint64_t>(decided->port));
        }
        w.end_object();
        counters_.add(counters_.relay[static_cast<int>(decided->relay)]);
      }
    }
  }
  w.end_object();
  w.end_line();
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
