#pragma once

// The seam between the scan layer and the probes (lib/probes/). The scan
// layer runs jobs -- one per target address (a host) or target name -- and
// knows no protocol: it asks DNS questions for probes, keeps a job open
// while any probe has work in flight on it, and writes its record from the
// probes' own sections. A probe is a scan-wide `probe` (its name, flags,
// counters, summary and fields, made from lib/probes/table.cc) and one
// `probe_worker` per shard (its per-job state and its reactions). Rather
// like zmap's probe_modules[] and zgrab2's module = flags + scanner + result.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "net/ip_address.h"
#include "core/user_data.h"
#include "scan/counters.h"
#include "scan/jobs.h"

namespace ptrscan {

class json_writer;
class ring;
struct dns_reply;
class probe_worker;

/// The two kinds of job: a target address, or a target name (a domain).
/// A name job may add child hosts (its mail exchangers' addresses), whose
/// records are written before its own.
enum class job_kind : uint8_t { host = 0, name = 1 };

/// What a shard offers its probes' workers. Every call is on the shard's
/// thread; slots are the shard's job slots of the given kind.
class probe_services {
 public:
  /// The address of host `slot`.
  virtual const ip_address& host_ip(uint32_t slot) const = 0;
  /// The target name of name job `slot`.
  virtual std::string_view name_of(uint32_t slot) const = 0;
  /// When host `slot` was added by a name job: that job's slot and the
  /// number add_child() gave it. False for target addresses.
  virtual bool host_parent(uint32_t slot, uint32_t* name_slot, uint32_t* child) const = 0;
  /// When host `slot` is a sender identity target (`IP,DOMAIN[,HELO]`):
  /// its domain and HELO; null for every other host.
  virtual const host_identity* identity(uint32_t slot) const = 0;

  /// Asks `qname`/`qtype` for probe `probe` on job (kind, slot). The job
  /// stays open until the answer reaches the probe's on_answer with `tag`;
  /// a CNAME the resolver did not chase is followed here first (at most
  /// max_cname_hops in all), so a probe sees the final answer only.
  virtual void ask(job_kind kind, uint32_t slot, uint8_t probe, uint32_t tag,
                   std::string_view qname, uint16_t qtype) = 0;
  /// Work other than DNS (an SMTP session): the job stays open from
  /// hold() to the matching release(). release() may finish the job.
  virtual void hold(job_kind kind, uint32_t slot, uint8_t probe) = 0;
  virtual void release(job_kind kind, uint32_t slot, uint8_t probe) = 0;
  /// The slot's generation: a stale reference (a late completion after the
  /// slot was reused) has another one.
  virtual uint32_t generation(job_kind kind, uint32_t slot) const = 0;
  virtual uint32_t capacity(job_kind kind) const = 0;

  /// Name jobs: adds `ip` as child number `child` of name job `name_slot`;
  /// it runs as a host when a host slot is free. The name job stays open
  /// until the child's record is written.
  virtual void add_child(uint32_t name_slot, const ip_address& ip, uint32_t child) = 0;
  /// Why an address must not be probed (a reserved block's name,
  /// "blocklist", "allowlist"), or empty: the filters input addresses pass.
  virtual std::string_view skip_reason(const ip_address& ip) const = 0;

  /// The shard's ring, for probes that do I/O of their own; completions
  /// whose user_data op is `op` go to `w`.
  virtual ring& io() = 0;
  virtual void route(op_kind op, probe_worker* w) = 0;
  /// When the ring's last wait returned: the time of every completion it
  /// brought (latency samples must not include the loop's own work).
  virtual int64_t wakeup_ns() const = 0;
  /// The scan is stopping (level 1: no new targets; jobs in flight finish).
  virtual bool stopping() const = 0;

  /// Writes one record of the probe's own, not tied to a job (the zone
  /// audit's per-zone records): `body` writes its members; the shard opens
  /// the object and adds `ts`.
  virtual void write_record(absl::FunctionRef<void(json_writer&)> body) = 0;
  /// The same for a record a resumed scan must not write twice: `ids`
  /// (hashes stable across runs, one per part of the input the record
  /// counts, e.g. per /24 of a zone) go into --state once the record is
  /// durable. They must not depend on the thread: a scan resumed with
  /// another -T deals subnets to other threads.
  virtual void write_record(std::span<const uint64_t> ids,
                            absl::FunctionRef<void(json_writer&)> body) = 0;
  /// A record with `id` among its ids was written by an earlier run of the
  /// same --state, by whichever thread (false without --state).
  virtual bool written_before(uint64_t id) const = 0;
  /// The scan keeps --state: a record left out now (a stopped scan's
  /// partial one) is written whole by the resumed run.
  virtual bool keeps_state() const = 0;
  /// The configured recursive resolvers ("IP:PORT", "[IPv6]:PORT").
  virtual std::span<const std::string> resolver_addresses() const = 0;

  /// This shard's probe counters (indices from counter_registry).
  virtual counter_block& counters() = 0;
  /// Another enabled probe's worker in this shard, or null.
  virtual probe_worker* worker(std::string_view probe_name) = 0;

 protected:
  ~probe_services() = default;
};

/// A probe's per-shard half. It keeps state for every job slot (vectors
/// sized from services.capacity(), cleared not freed, so a warmed-up shard
/// does not allocate per host) and writes its own record section.
class probe_worker {
 public:
  virtual ~probe_worker() = default;
  /// Called once on the shard's thread before any job.
  virtual absl::Status init() { return absl::OkStatus(); }

  /// Host `slot` starts (or, with probe::after(), that probe is done on it).
  virtual void start_host(uint32_t slot) { (void)slot; }
  /// Name job `slot` starts (probes with probe::takes_names()).
  virtual void start_name(uint32_t slot) { (void)slot; }
  /// The answer to one of this probe's ask()s. `qname`: the name it
  /// answers (the asked one, or the last CNAME target followed); the
  /// reply's cname_hops counts every hop from the asked name.
  virtual void on_answer(job_kind kind, uint32_t slot, uint32_t tag, std::string_view qname,
                         const dns_reply& reply) {
    (void)kind;
    (void)slot;
    (void)tag;
    (void)qname;
    (void)reply;
  }
  /// Name job `slot` has nothing in flight: add children or questions, or
  /// leave it to finish.
  virtual void on_name_idle(uint32_t slot) { (void)slot; }

  /// Writes this probe's members of host `slot`'s record (inside its
  /// object, after "ip"), in table order.
  virtual void write_host(uint32_t slot, json_writer& w) {
    (void)slot;
    (void)w;
  }
  /// Writes this probe's members of name job `slot`'s summary record.
  virtual void write_name(uint32_t slot, json_writer& w) {
    (void)slot;
    (void)w;
  }
  /// Host `slot` is written and is about to be reused.
  virtual void end_host(uint32_t slot) { (void)slot; }
  /// With probe::wants_resumed_hosts(): a target of this thread whose record
  /// an earlier run of the same --state wrote; no job runs for it.
  virtual void on_resumed_host(const ip_address& ip) { (void)ip; }

  // The loop.
  /// A completion of an op routed to this worker.
  virtual void on_completion(uint64_t data, int res, uint32_t flags) {
    (void)data;
    (void)res;
    (void)flags;
  }
  /// Just before the ring is submitted and waited on.
  virtual void before_wait(int64_t now_ns) { (void)now_ns; }
  /// After every completion of a wait has been handled.
  virtual void after_drain(int64_t now_ns) { (void)now_ns; }
  /// How long the loop may wait before this worker has timed work (its
  /// own timers): at most `cap_ns`.
  virtual int64_t next_timeout_ns(int64_t now_ns, int64_t cap_ns) const {
    (void)now_ns;
    return cap_ns;
  }

  // Work that outlives jobs (per-zone audits, which gather many hosts).
  /// The input is over and no job is in flight: called once; the worker
  /// may write its records (write_record) or go on with work of its own.
  /// `complete`: every target of this thread was read and run. False when
  /// the scan was stopped first (SIGINT/SIGTERM, stop level 1): a record
  /// gathering many hosts then sees only some of them.
  virtual void on_input_over(bool complete) { (void)complete; }
  /// Work of its own still in flight: the shard runs until none is.
  virtual bool busy() const { return false; }
};

/// One record member a probe writes, for --list-fields.
struct field_doc {
  std::string_view name;  // dotted path, e.g. "smtp[].starttls.version"
  std::string_view type;  // "string", "bool", "number", "object", "array", "status"
  std::string_view help;
};

/// Scan-wide totals probes may print beside their counters.
struct scan_totals {
  uint64_t records = 0;         // host records written (targets and children)
  uint64_t hosts = 0;           // of them, target addresses
  uint64_t names_read = 0;      // target names read
  uint64_t names_done = 0;      // name jobs written
  uint64_t names_dropped = 0;   // name jobs dropped in flight
  uint64_t children_done = 0;   // child host records
};

/// A probe's scan-wide half, one per scan, made from the probe table.
class probe {
 public:
  virtual ~probe() = default;
  virtual std::string_view name() const = 0;
  /// The probe that must be done on a host before this one starts on it
  /// (empty: starts with the host).
  virtual std::string_view after() const { return {}; }
  /// Whether the probe runs on target names (name jobs).
  virtual bool takes_names() const { return false; }
  /// Whether it counts per /24 (/64) inside a shard: the engine then sends
  /// every address of a subnet to the same shard, so the count is exact
  /// without sharing anything between shards.
  virtual bool groups_subnets() const { return false; }
  /// Whether its workers are shown the targets a resumed scan (--state)
  /// skips (on_resumed_host): a probe whose records gather many hosts
  /// (the zone audit) counts them so, instead of losing them.
  virtual bool wants_resumed_hosts() const { return false; }
  /// Declares its counters; called once, before any worker exists.
  virtual void declare_counters(counter_registry& r) { (void)r; }
  virtual std::unique_ptr<probe_worker> make_worker(probe_services& s, uint8_t id) const = 0;

  /// Its part of the final summary line ("; ptr ok 3 nxdomain 1").
  virtual void summary(const counter_view& c, const scan_totals& t, std::string& line) const {
    (void)c;
    (void)t;
    (void)line;
  }
  /// Its part of the progress line.
  virtual void progress(const counter_view& c, std::string& line) const {
    (void)c;
    (void)line;
  }
  /// Its members of the --metadata object.
  virtual void metadata(const counter_view& c, const scan_totals& t, json_writer& w) const {
    (void)c;
    (void)t;
    (void)w;
  }
  /// The record members it writes (--list-fields).
  virtual std::span<const field_doc> fields() const = 0;
};

/// The probes of one scan, in table order (record order).
using probe_list = std::vector<std::shared_ptr<probe>>;

/// Writes "; NAME label n label n" for the non-zero counts of `family`.
void append_counts(std::string& line, std::string_view title, const counter_view& c,
                   std::string_view family);
/// Writes "NAME": {"label": n, ...} (non-zero counts only).
void write_counts(json_writer& w, std::string_view key, const counter_view& c,
                  std::string_view family);

}  // namespace ptrscan
