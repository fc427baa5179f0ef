#include "probes/smtp.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <array>
#include <bit>
#include <deque>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "checks/identity.h"
#include "cli/options.h"
#include "core/clock.h"
#include "core/ring.h"
#include "net/absl_compat.h"
#include "output/json_writer.h"
#include "probes/helo_names.h"
#include "probes/ptr.h"
#include "scan/jobs.h"
#include "smtp/admission.h"
#include "smtp/session.h"
#include "tls/tls_client.h"

namespace ptrscan {
namespace {

constexpr field_doc fields[] = {
    {"smtp[]", "array", "one session per --smtp-ports entry"},
    {"smtp[].port", "number", "the port"},
    {"smtp[].status", "status",
     "ok|refused|timeout|reset|rejected|error, or stopped: the scan's own (a first "
     "SIGINT/SIGTERM came before the session started, or ended it after --stop-grace)"},
    {"smtp[].error", "string", "detail of an error (and where a timeout struck)"},
    {"smtp[].banner", "string", "the greeting as received"},
    {"smtp[].banner_host", "string", "the host the greeting names"},
    {"smtp[].greet_pause", "bool",
     "the greeting came 2,000 ms or more after the connection (ms.banner)"},
    {"smtp[].middlebox", "array",
     "what a firewall's SMTP inspection left: banner_masked (a greeting of asterisks), "
     "starttls_masked (XXXXXXXA where STARTTLS was, and no STARTTLS)"},
    {"smtp[].ehlo", "object", "the EHLO reply: host, extensions, size, starttls, ..."},
    {"smtp[].ehlo.helo", "bool", "EHLO was refused and HELO answered"},
    {"smtp[].tls", "object", "STARTTLS (or port 465): version, cipher, certificate, name_match"},
    {"smtp[].tls.advertised", "bool",
     "--starttls always: false when STARTTLS was tried without EHLO listing it"},
    {"smtp[].ehlo_tls", "object", "the EHLO reply inside TLS"},
    {"smtp[].relay", "object",
     "--probes relay: {status, reason (with untested: protocol_violation|session_ended|scan_stopped), "
     "greylisted (with tempfail: the deciding reply's text says grey/graylisted), "
     "mail, rcpt: {code, text, enhanced (RFC 3463 code starting the text)}}"},
    {"smtp[].violations", "array",
     "protocol violations: early_talker|unsolicited_reply|unexpected_code (no relay verdict)"},
    {"smtp[].truncated", "array",
     "what a cap cut: banner, ehlo.extensions, ehlo.line, tls.cert_names, "
     "ehlo_tls.extensions, ehlo_tls.line, relay.mail.text, relay.rcpt.text"},
    {"smtp[].ms", "object", "milliseconds per phase"},
    {"checks.banner_ptr_match", "bool", "the greeting's host is one of the PTR names (null: none)"},
    {"checks.ehlo_ptr_match", "bool", "the EHLO host is one of the PTR names (null: none)"},
    {"checks.helo_rules[]", "array",
     "the HELO rules for each distinct host the greetings and EHLO replies name (at most "
     "--smtp-helo-names looked up; listed in --smtp-ports order, banner before EHLO)"},
    {"checks.helo_rules[].as", "array", "where it was named: banner|ehlo|ehlo_tls"},
    {"checks.helo_rules[].ports", "array", "on which ports"},
    {"checks.helo_rules[].name", "string", "the host as the reply named it (lower-cased)"},
    {"checks.helo_rules[].syntax", "string", "fqdn|not-fqdn|address-literal|invalid"},
    {"checks.helo_rules[].fqdn", "bool", "a valid host name of two labels or more"},
    {"checks.helo_rules[].addresses", "array",
     "its A and AAAA addresses (a name form only), at most 32, always the scanned one when "
     "found"},
    {"checks.helo_rules[].addresses_total", "number", "how many, when addresses were cut"},
    {"checks.helo_rules[].truncated", "array",
     "\"addresses\" when cut at 32; \"ptr_names\" when equals_ptr compared only the 32 PTR "
     "names kept (it is then null)"},
    {"checks.helo_rules[].mx", "bool", "it has MX records (null: the MX lookup failed)"},
    {"checks.helo_rules[].resolves", "bool",
     "it has an A, AAAA or MX record (null: a lookup failed, or not a name)"},
    {"checks.helo_rules[].resolves_to_ip", "bool",
     "one of its addresses is the scanned one (an address literal: it is; null: undecided)"},
    {"checks.helo_rules[].equals_ptr", "bool",
     "it is one of the PTR names (null: no PTR name, no ptr probe, not a name, or none of "
     "the 32 kept when the answer held more)"},
    {"checks.helo_rules[].verdict", "string",
     "match|mismatch|unresolved|error|invalid|not-fqdn|literal|literal-mismatch"},
    {"checks.helo_rules_total", "number",
     "distinct hosts named, when more than --smtp-helo-names were"},
    {"checks.truncated", "array",
     "\"helo_rules\" when hosts were left unchecked (--smtp-helo-names)"},
    {"relay", "object",
     "--probes relay: the host's verdict over its ports {status, port; reason with untested}"},
};

/// A session's owner: host slot (24 bits), generation (24), port index (16).
struct session_owner {
  uint32_t slot = 0;
  uint32_t generation = 0;
  uint16_t port_index = 0;
  uint64_t pack() const {
    return (uint64_t{slot & 0xffffff} << 40) | (uint64_t{generation & 0xffffff} << 16) |
           port_index;
  }
  static session_owner unpack(uint64_t v) {
    return {static_cast<uint32_t>((v >> 40) & 0xffffff),
            static_cast<uint32_t>((v >> 16) & 0xffffff), static_cast<uint16_t>(v & 0xffff)};
  }
};

/// The counters the probe declares (indices into the registry).
struct smtp_counter_ids {
  size_t status = 0;  // family "smtp"
  size_t relay = 0;   // family "relay"
  size_t helo = 0;    // family "smtp_helo": verdicts of the hosts replies name
  size_t active = 0, window = 0, waiting = 0, connects_lost = 0, late_answers = 0,
         loss_events = 0, loss_undone = 0, delay_decreases = 0;
};

class smtp_worker final : public probe_worker, public smtp_view, private smtp_client {
 public:
  std::span<const smtp_result> results(uint32_t slot) const override {
    const host& h = hosts_[slot];
    return h.skipped ? std::span<const smtp_result>() : std::span<const smtp_result>(h.results);
  }
  const helo_name* named_helo(uint32_t slot, std::string_view text) const override {
    const host& h = hosts_[slot];
    if (!h.named) {
      return nullptr;
    }
    for (uint32_t i = 0; i < h.named->used; ++i) {
      if (h.named->names[i].name.text == text) {
        return &h.named->names[i].name;
      }
    }
    return nullptr;
  }

  smtp_worker(probe_services& s, uint8_t id, const probe_options& o, const smtp_counter_ids& c)
      : s_(s),
        id_(id),
        options_(o.smtp),
        per_subnet_(o.per_subnet),
        stop_grace_ns_(int64_t{o.stop_grace_ms} * 1'000'000),
        relay_(o.set.relay),
        on_senders_(o.set.smtp_named),
        max_named_hosts_(std::min(o.max_helo_names, max_named_hosts)),
        max_sessions_(o.max_sessions != 0
                          ? o.max_sessions
                          : o.max_inflight *
                                static_cast<uint32_t>(std::max<size_t>(1, o.smtp.ports.size()))),
        ids_(c),
        hosts_(s.capacity(job_kind::host)) {
    options_.starttls = o.set.starttls;
  }

  absl::Status init() override {
    ptr_ = dynamic_cast<ptr_worker*>(s_.worker("ptr"));
    if (options_.starttls ||
        std::find(options_.ports.begin(), options_.ports.end(), 465) != options_.ports.end()) {
      absl::StatusOr<std::unique_ptr<tls_context>> ctx = tls_context::create();
      if (!ctx.ok()) {
        return ctx.status();
      }
      tls_ = std::move(*ctx);
    }
    prober_ = std::make_unique<smtp_prober>(s_.io(), static_cast<smtp_client&>(*this), options_,
                                            tls_.get(), max_sessions_);
    s_.route(op_kind::smtp_io, this);
    s_.route(op_kind::smtp_timeout, this);
    // --max-sessions bounds every open session (descriptors); the window
    // below it adapts. The RTO never outlasts --connect-timeout.
    admission_options a;
    a.max_window = max_sessions_;
    a.max_rto_ns =
        std::min<int64_t>(a.max_rto_ns, int64_t{options_.connect_timeout_ms} * 1'000'000);
    admission_.reset(a, monotonic_ns());
    return absl::OkStatus();
  }

  // The record is written when the sessions and the DNS lookups are all done.
  void start_host(uint32_t slot) override {
    host& h = hosts_[slot];
    if (h.named) {
      h.named->used = 0;
      h.named->seen.clear();
    }
    // A sender identity target is an outbound address: it need not listen,
    // and connecting to it is traffic its question does not call for. Only
    // a --probes list that names SMTP asks for sessions to it.
    h.skipped = !on_senders_ && s_.identity(slot) != nullptr;
    if (h.skipped) {
      h.results.clear();
      h.tickets.clear();
      return;
    }
    const size_t ports = options_.ports.size();
    h.results.resize(ports);
    h.tickets.assign(ports, ticket{});
    for (size_t i = 0; i < ports; ++i) {
      s_.hold(job_kind::host, slot, id_);
      request_session(slot, static_cast<uint16_t>(i));
    }
  }

  void on_answer(job_kind, uint32_t slot, uint32_t tag, std::string_view,
                 const dns_reply& reply) override {
    host& h = hosts_[slot];
    const size_t i = tag / helo_ask_count;
    if (!h.named || i >= h.named->used) {
      return;
    }
    h.named->names[i].name.on_answer(static_cast<helo_ask>(tag % helo_ask_count), reply,
                              s_.host_ip(slot));
  }

  void on_completion(uint64_t data, int res, uint32_t) override {
    prober_->on_completion(data, res);
  }
  void before_wait(int64_t now_ns) override {
    admission_.on_submit(now_ns);  // connects queued this turn go out now
  }
  void after_drain(int64_t now_ns) override {
    admission_.expire(now_ns, [this](uint64_t owner) { on_connect_presumed_lost(owner); });
    if (stopping()) {
      // The first signal: no session starts any more; those talking get
      // --stop-grace from the moment this shard saw the stop.
      stop_waiting_sessions();
      if (!sessions_stopped_ && now_ns - stop_seen_ns_ >= stop_grace_ns_) {
        sessions_stopped_ = true;
        prober_->stop_all();
      }
    }
    start_waiting_sessions();
    counter_block& c = s_.counters();
    c.set(ids_.active, prober_->active());
    c.set(ids_.window, admission_.window());
    c.set(ids_.waiting, waiting_.size());
    c.set(ids_.connects_lost, admission_.losses());
    c.set(ids_.late_answers, admission_.late_answers());
    c.set(ids_.loss_events, admission_.loss_events());
    c.set(ids_.loss_undone, admission_.undone());
    c.set(ids_.delay_decreases, admission_.delay_decreases());
  }

  void write_host(uint32_t slot, json_writer& w) override;

 private:
  /// Admission state of each session (parallel to results).
  struct ticket {
    uint64_t seq = 0;           // the admission controller's number for its connect
    bool established = false;   // connected: in the pipe until it ends
    bool holds_subnet = false;  // counted against its /24's --per-subnet
  };
  /// A host a greeting or EHLO reply named, and its HELO-rule lookups.
  struct named_host {
    helo_name name;
    uint8_t roles = 0;        // bit per role: banner, ehlo, ehlo_tls
    uint32_t port_mask = 0;   // bit per --smtp-ports index (at most 16)
  };
  static constexpr std::string_view role_names[] = {"banner", "ehlo", "ehlo_tls"};
  struct named_hosts {
    std::vector<named_host> names;  // the first used are this host's
    uint32_t used = 0;
    std::vector<std::string> seen;  // distinct hosts named, looked up or not
  };
  /// Most distinct hosts --smtp-helo-names may have looked up per address
  /// (each costs A, AAAA and MX): one per port, as --smtp-ports has at most.
  static constexpr uint32_t max_named_hosts = 16;
  struct host {
    std::vector<smtp_result> results;
    std::vector<ticket> tickets;
    bool skipped = false;  // a sender target without --probes smtp: no session
    /// The hosts its replies named: made when a slot's first reply names
    /// one, then kept (silent hosts pay one pointer).
    std::unique_ptr<named_hosts> named;
  };

  /// The hosts session `port_index` named, looked up (A, AAAA, MX) unless
  /// seen before or past the cap; the host stays open for the answers.
  void check_named_hosts(uint32_t slot, uint16_t port_index) {
    host& hj = hosts_[slot];
    const smtp_result& r = hj.results[port_index];
    if (!hj.named) {
      hj.named = std::make_unique<named_hosts>();
    }
    named_hosts& h = *hj.named;
    const std::string* named[3] = {
        r.has_banner && !r.banner_host.empty() ? &r.banner_host : nullptr,
        r.has_ehlo && !r.ehlo.host.empty() ? &r.ehlo.host : nullptr,
        r.has_ehlo_tls && !r.ehlo_tls.host.empty() ? &r.ehlo_tls.host : nullptr};
    for (uint8_t role = 0; role < 3; ++role) {
      if (named[role] == nullptr) {
        continue;
      }
      const std::string& text = *named[role];
      named_host* found = nullptr;
      for (uint32_t i = 0; i < h.used; ++i) {
        if (h.names[i].name.text == text) {
          found = &h.names[i];
        }
      }
      const bool first_seen = std::find(h.seen.begin(), h.seen.end(), text) == h.seen.end();
      if (first_seen) {
        h.seen.push_back(text);  // counted, looked up or not (the cap)
      }
      if (found == nullptr) {
        if (!first_seen) {
          continue;  // seen before and left out by the cap
        }
        // Without the ptr probe the scan asks DNS nothing (the banner and
        // EHLO checks are then null): every named host is left unchecked,
        // as with --smtp-helo-names 0, and the record says so.
        if (h.used >= (ptr_ != nullptr ? max_named_hosts_ : 0)) {
          continue;  // the cap: counted in seen, marked in the record
        }
        if (h.names.size() == h.used) {
          h.names.emplace_back();
        }
        const uint32_t index = h.used++;
        found = &h.names[index];
        found->roles = 0;
        found->port_mask = 0;
        found->name.reset(text);
        if (found->name.lookable()) {
          found->name.asked = true;
          for (uint32_t k = 0; k < helo_ask_count; ++k) {
            s_.ask(job_kind::host, slot, id_, index * helo_ask_count + k,
                   found->name.form.name, helo_name::qtype(static_cast<helo_ask>(k)));
          }
        }
      }
      found->roles |= static_cast<uint8_t>(1u << role);
      found->port_mask |= 1u << port_index;
    }
  }
  struct waiting_session {
    uint32_t slot;
    uint32_t generation;
    uint16_t port_index;
  };
  struct subnet_state {
    uint32_t admitted = 0;  // holding the subnet, or waiting for a global slot
    std::deque<waiting_session> waiting;
  };

  /// Whether the scan is stopping (a first signal); remembers when this
  /// shard first saw it, where --stop-grace starts.
  bool stopping() {
    if (stop_seen_ns_ < 0 && s_.stopping()) {
      stop_seen_ns_ = monotonic_ns();
    }
    return stop_seen_ns_ >= 0;
  }

  /// Session `port_index` of host `slot` will not start: the scan is
  /// stopping. Written as `stopped`, never as anything a server said.
  void stop_session(uint32_t slot, uint16_t port_index) {
    smtp_result& out = hosts_[slot].results[port_index];
    out.clear();
    out.port = options_.ports[port_index];
    out.relay_enabled = options_.relay;
    out.status = smtp_status::stopped;
    out.error = "scan stopped before the session started";
    release_subnet(slot, port_index);
    s_.release(job_kind::host, slot, id_);
  }

  /// Every session waiting for a --per-subnet place or a session slot is
  /// written as stopped (and its host released).
  void stop_waiting_sessions() {
    std::vector<waiting_session> all(waiting_.begin(), waiting_.end());
    waiting_.clear();
    for (auto& [key, st] : subnets_) {
      all.insert(all.end(), st.waiting.begin(), st.waiting.end());
      st.waiting.clear();
    }
    for (const waiting_session& w : all) {
      if (s_.generation(job_kind::host, w.slot) == w.generation) {
        stop_session(w.slot, w.port_index);
      }
    }
  }

  /// The live ticket of `owner`, or null when the host is gone.
  ticket* ticket_of(const session_owner& o) {
    if (o.slot >= hosts_.size() ||
        (s_.generation(job_kind::host, o.slot) & 0xffffff) != o.generation ||
        o.port_index >= hosts_[o.slot].tickets.size()) {
      return nullptr;
    }
    return &hosts_[o.slot].tickets[o.port_index];
  }

  /// Admits a session under --per-subnet (or parks it until its subnet has
  /// room), then start_session().
  void request_session(uint32_t slot, uint16_t port_index) {
    if (stopping()) {
      stop_session(slot, port_index);  // a name job's child started after the stop
      return;
    }
    if (per_subnet_ != 0) {
      subnet_state& st = subnets_[subnet_of(s_.host_ip(slot))];
      if (st.admitted >= per_subnet_) {
        st.waiting.push_back({slot, s_.generation(job_kind::host, slot), port_index});
        return;
      }
      ++st.admitted;
      hosts_[slot].tickets[port_index].holds_subnet = true;
    }
    start_session(slot, port_index);
  }

  /// Starts session `port_index` of host `slot`, or queues it when every
  /// session slot is taken. The host's hold covers it either way.
  void start_session(uint32_t slot, uint16_t port_index) {
    if (stopping()) {
      stop_session(slot, port_index);
      return;
    }
    // Two limits: the adaptive window over sessions in the pipe, and
    // --max-sessions over every open socket.
    if (prober_->active() >= prober_->capacity() || !admission_.can_start()) {
      waiting_.push_back({slot, s_.generation(job_kind::host, slot), port_index});
      return;
    }
    host& h = hosts_[slot];
    const uint64_t owner =
        session_owner{slot, s_.generation(job_kind::host, slot), port_index}.pack();
    const uint16_t port = options_.ports[port_index];
    smtp_result& out = h.results[port_index];
    switch (prober_->start(s_.host_ip(slot), port, &out, owner)) {
      case smtp_prober::start_result::started:
        h.tickets[port_index].seq = admission_.on_start(owner);
        h.tickets[port_index].established = false;
        return;  // on_smtp_done releases the host
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
    s_.release(job_kind::host, slot, id_);
  }

  void start_waiting_sessions() {
    while (!waiting_.empty() && prober_->active() < prober_->capacity() &&
           admission_.can_start()) {
      const waiting_session w = waiting_.front();
      waiting_.pop_front();
      // Hosts wait for their sessions, so a waiting entry's host is alive;
      // the generation check only guards against a future change of that.
      if (s_.generation(job_kind::host, w.slot) == w.generation) {
        start_session(w.slot, w.port_index);
      }
    }
  }

  /// Session `port_index` of host `slot` no longer holds its subnet (it
  /// ended, or its connect is presumed lost): let the subnet's next one in.
  void release_subnet(uint32_t slot, uint16_t port_index) {
    ticket& t = hosts_[slot].tickets[port_index];
    if (per_subnet_ == 0 || !t.holds_subnet) {
      return;
    }
    t.holds_subnet = false;
    const auto it = subnets_.find(subnet_of(s_.host_ip(slot)));
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
    if (s_.generation(job_kind::host, next.slot) == next.generation) {
      hosts_[next.slot].tickets[next.port_index].holds_subnet = true;
    }
    waiting_.push_back(next);
  }

  /// No answer within the RTO: most likely a silent host, which holds no
  /// server of its subnet's operator (a SYN costs them nothing), so its
  /// --per-subnet place goes to the next session. Its socket stays open
  /// until --connect-timeout.
  void on_connect_presumed_lost(uint64_t owner) {
    const session_owner o = session_owner::unpack(owner);
    if (ticket_of(o) != nullptr) {
      release_subnet(o.slot, o.port_index);
    }
  }

  // smtp_client
  void on_smtp_connect(uint64_t owner, bool answered, bool established) override {
    const session_owner o = session_owner::unpack(owner);
    ticket* t = ticket_of(o);
    if (t == nullptr) {
      return;
    }
    if (!answered) {
      admission_.on_no_answer(s_.wakeup_ns(), t->seq);
      return;
    }
    const bool late = admission_.on_answer(s_.wakeup_ns(), t->seq, established);
    t->established = established;
    if (late && established && per_subnet_ != 0 && !t->holds_subnet) {
      // Answered after it was presumed lost: it holds a server now, so it
      // counts again (even past --per-subnet: it is connected already).
      ++subnets_[subnet_of(s_.host_ip(o.slot))].admitted;
      t->holds_subnet = true;
    }
  }

  void on_smtp_done(uint64_t owner) override {
    const session_owner o = session_owner::unpack(owner);
    ticket* t = ticket_of(o);
    if (t == nullptr) {
      return;
    }
    if (t->established) {
      admission_.on_session_end();
      t->established = false;
    }
    release_subnet(o.slot, o.port_index);
    // Asked before the release, so the host waits for the answers.
    check_named_hosts(o.slot, o.port_index);
    s_.release(job_kind::host, o.slot, id_);
    start_waiting_sessions();
  }

  probe_services& s_;
  const uint8_t id_;
  smtp_options options_;
  const uint32_t per_subnet_;
  const int64_t stop_grace_ns_;
  /// When this shard first saw the stop (-1: not stopping); whether the
  /// grace is over and stop_all() has run.
  int64_t stop_seen_ns_ = -1;
  bool sessions_stopped_ = false;
  const bool relay_;
  const bool on_senders_;
  const uint32_t max_named_hosts_;
  const uint32_t max_sessions_;
  const smtp_counter_ids ids_;
  ptr_worker* ptr_ = nullptr;
  std::unique_ptr<tls_context> tls_;
  std::unique_ptr<smtp_prober> prober_;
  /// How many sessions run at once below --max-sessions (see admission.h).
  smtp_admission admission_;
  std::vector<host> hosts_;
  std::deque<waiting_session> waiting_;
  absl::flat_hash_map<subnet_key, subnet_state> subnets_;
};

void smtp_worker::write_host(uint32_t slot, json_writer& w) {
  const host& h = hosts_[slot];
  if (h.skipped) {
    return;  // no session was asked for: no smtp section, no checks
  }
  const std::span<const std::string> names =
      ptr_ != nullptr ? ptr_->names(slot) : std::span<const std::string>();
  counter_block& c = s_.counters();
  w.key("smtp").begin_array();
  const smtp_result* with_banner = nullptr;
  const smtp_result* with_ehlo = nullptr;
  for (const smtp_result& r : h.results) {
    r.write_json(w, names);
    c.add(ids_.status + static_cast<size_t>(r.status));
    if (with_banner == nullptr && !r.banner_host.empty()) {
      with_banner = &r;
    }
    if (with_ehlo == nullptr && r.has_ehlo && !r.ehlo.host.empty()) {
      with_ehlo = &r;
    }
  }
  w.end_array();
  // A PTR answer with more names than were kept (ptr.names_total): no match
  // among the kept ones is no mismatch, only unknown (a cap is never a
  // verdict).
  const bool names_cut = ptr_ != nullptr && ptr_->evidence(slot) == ptr_evidence::partial;
  auto write_match = [&](std::string_view key, const std::string* named) {
    std::optional<bool> m = host_matches_ptr(named != nullptr ? *named : std::string(), names);
    if (m == false && names_cut) {
      m.reset();
    }
    if (m.has_value()) {
      w.key(key).value(*m);
    } else {
      w.key(key).null();
    }
  };
  w.key("checks").begin_object();
  write_match("banner_ptr_match", with_banner != nullptr ? &with_banner->banner_host : nullptr);
  write_match("ehlo_ptr_match", with_ehlo != nullptr ? &with_ehlo->ehlo.host : nullptr);
  w.key("helo_rules").begin_array();
  ptr_evidence evidence = ptr_evidence::not_asked;
  if (ptr_ != nullptr) {
    evidence = ptr_->evidence(slot);
  }
  // In --smtp-ports order (then banner before EHLO), whatever order the
  // sessions ended in.
  std::array<uint32_t, max_named_hosts> order{};
  static const named_hosts none;
  const named_hosts& nh = h.named ? *h.named : none;
  for (uint32_t i = 0; i < nh.used; ++i) {
    order[i] = i;
  }
  auto place = [&](uint32_t i) {
    return std::pair(std::countr_zero(nh.names[i].port_mask), std::countr_zero(nh.names[i].roles));
  };
  std::sort(order.begin(), order.begin() + nh.used,
            [&](uint32_t a, uint32_t b) { return place(a) < place(b); });
  for (uint32_t k = 0; k < nh.used; ++k) {
    const named_host& n = nh.names[order[k]];
    w.begin_object();
    w.key("as").begin_array();
    for (uint8_t role = 0; role < 3; ++role) {
      if ((n.roles & (1u << role)) != 0) {
        w.value(role_names[role]);
      }
    }
    w.end_array();
    w.key("ports").begin_array();
    for (size_t p = 0; p < h.results.size(); ++p) {
      if ((n.port_mask & (1u << p)) != 0) {
        w.value(static_cast<uint64_t>(h.results[p].port));
      }
    }
    w.end_array();
    const helo_assessment a = n.name.assess(s_.host_ip(slot), names, evidence);
    n.name.write_members(w, a);
    w.end_object();
    c.add(ids_.helo + static_cast<size_t>(a.verdict));
  }
  w.end_array();
  if (nh.seen.size() > nh.used) {
    w.key("helo_rules_total").value(static_cast<uint64_t>(nh.seen.size()));
    w.key("truncated").begin_array().value("helo_rules").end_array();
  }
  w.end_object();
  if (!relay_) {
    return;
  }
  // The host's verdict over its ports (relay_rank).
  const smtp_result* decided = nullptr;
  for (const smtp_result& r : h.results) {
    if (decided == nullptr || relay_rank(r.relay) > relay_rank(decided->relay)) {
      decided = &r;
    }
  }
  if (decided != nullptr) {
    w.key("relay").begin_object();
    w.key("status").value(to_string(decided->relay));
    if (decided->relay != relay_status::untested) {
      w.key("port").value(static_cast<uint64_t>(decided->port));
    } else {
      // No port decided: a violation on any port is the telling reason.
      const bool violated = std::any_of(h.results.begin(), h.results.end(),
                                        [](const smtp_result& r) { return r.violations != 0; });
      const bool stopped =
          std::any_of(h.results.begin(), h.results.end(),
                      [](const smtp_result& r) { return r.status == smtp_status::stopped; });
      w.key("reason").value(to_string(violated  ? relay_untested_reason::protocol_violation
                                      : stopped ? relay_untested_reason::scan_stopped
                                                : relay_untested_reason::session_ended));
    }
    w.end_object();
    c.add(ids_.relay + static_cast<size_t>(decided->relay));
  }
}

class smtp_probe final : public probe {
 public:
  explicit smtp_probe(const probe_options& o) : options_(o) {}
  std::string_view name() const override { return "smtp"; }
  bool groups_subnets() const override { return options_.per_subnet != 0; }
  void declare_counters(counter_registry& r) override {
    ids_.status = r.declare("smtp", counter_registry::labels_of<smtp_status>(
                                        smtp_status_count,
                                        [](smtp_status s) { return to_string(s); }));
    ids_.relay = r.declare("relay", counter_registry::labels_of<relay_status>(
                                        relay_status_count,
                                        [](relay_status s) { return to_string(s); }));
    ids_.helo = r.declare("smtp_helo", counter_registry::labels_of<helo_verdict>(
                                           helo_verdict_count,
                                           [](helo_verdict v) { return to_string(v); }));
    // Gauges of the admission controller (lib/smtp/admission.h), set by
    // each shard; summed over the shards.
    ids_.active = r.declare("smtp_active");
    ids_.window = r.declare("smtp_admission.window");
    ids_.waiting = r.declare("smtp_admission.waiting");
    ids_.connects_lost = r.declare("smtp_admission.connects_unanswered");
    ids_.late_answers = r.declare("smtp_admission.answered_late");
    ids_.loss_events = r.declare("smtp_admission.loss_events");
    ids_.loss_undone = r.declare("smtp_admission.loss_events_undone");
    ids_.delay_decreases = r.declare("smtp_admission.delay_decreases");
  }
  std::unique_ptr<probe_worker> make_worker(probe_services& s, uint8_t id) const override {
    return std::make_unique<smtp_worker>(s, id, options_, ids_);
  }
  void summary(const counter_view& c, const scan_totals& t, std::string& line) const override {
    if (t.records != 0) {
      append_counts(line, "smtp", c, "smtp");
      // What SMTP admission did: its window at the end, summed over the
      // shards; connects without an answer within the RTO (silent hosts,
      // mostly) and how many of those answered later; cuts for a rising
      // share of them (and those undone as the targets'), decreases for
      // rising connect latency.
      absl::StrAppend(&line, "; smtp window ", c.at(ids_.window), " (", c.at(ids_.connects_lost),
                      " connects unanswered, ", c.at(ids_.late_answers), " answered late, ",
                      c.at(ids_.loss_events), " loss cuts, ", c.at(ids_.loss_undone),
                      " undone, ", c.at(ids_.delay_decreases), " delay decreases)");
    }
    if (c.total("relay") != 0) {
      append_counts(line, "relay", c, "relay");
    }
    append_counts(line, "banner/EHLO hosts", c, "smtp_helo");
  }
  void progress(const counter_view& c, std::string& line) const override {
    if (c.at(ids_.active) != 0) {
      absl::StrAppend(&line, " (", c.at(ids_.active), " SMTP sessions, window ",
                      c.at(ids_.window), ")");
    }
  }
  void metadata(const counter_view& c, const scan_totals&, json_writer& w) const override {
    write_counts(w, "smtp", c, "smtp");
    w.key("smtp_admission").begin_object();
    w.key("window").value(c.at(ids_.window));
    w.key("connects_unanswered").value(c.at(ids_.connects_lost));
    w.key("answered_late").value(c.at(ids_.late_answers));
    w.key("loss_events").value(c.at(ids_.loss_events));
    w.key("loss_events_undone").value(c.at(ids_.loss_undone));
    w.key("delay_decreases").value(c.at(ids_.delay_decreases));
    w.end_object();
    if (c.total("relay") != 0) {
      write_counts(w, "relay", c, "relay");
    }
    if (c.total("smtp_helo") != 0) {
      write_counts(w, "smtp_helo", c, "smtp_helo");
    }
  }
  std::span<const field_doc> fields() const override { return ::ptrscan::fields; }

 private:
  const probe_options options_;
  smtp_counter_ids ids_;
};

}  // namespace

std::shared_ptr<probe> make_smtp_probe(const probe_options& o) {
  return o.set.smtp ? std::make_shared<smtp_probe>(o) : nullptr;
}

void add_smtp_flags(CLI::App& app, probe_options& o) {
  cli::add_value(app, "-p,--smtp-ports", "LIST",
                 "ports to probe (default 25); 465 is implicit TLS",
                 [&o](const std::string& flag, const std::string& text) {
                   std::vector<uint16_t>& ports = o.smtp.ports;
                   ports.clear();
                   for (absl::string_view piece : absl::StrSplit(text, ',')) {
                     std::optional<uint64_t> port = cli::parse_uint(sv(piece), 1, 65535);
                     if (!port) {
                       cli::reject(absl::StrCat(flag, " '", text,
                                                "': expected a comma list of ports (1-65535)"));
                     }
                     ports.push_back(static_cast<uint16_t>(*port));
                   }
                   if (ports.size() > 16) {
                     cli::reject(flag + ": at most 16 ports");
                   }
                 });
  cli::add_value(app, "--ehlo-name", "NAME",
                 "name sent in EHLO/HELO (default: this host's name,\n"
                 "as gethostname() gives it; no DNS lookup)",
                 [&o](const std::string& flag, const std::string& v) {
                   if (v.empty() || v.find_first_of(" \t\r\n") != std::string::npos) {
                     cli::reject(absl::StrCat(flag, " '", v,
                                              "': expected a host name or address literal"));
                   }
                   o.smtp.ehlo_name = v;
                 });
  cli::add_value(app, "--starttls", "WHEN",
                 "advertised (default): STARTTLS when EHLO lists it;\n"
                 "always: also when it does not, to see whether a\n"
                 "middlebox stripped it (smtp[].tls.advertised false)",
                 [&o](const std::string& flag, const std::string& v) {
                   if (v != "advertised" && v != "always") {
                     cli::reject(absl::StrCat(flag, " '", v, "': use advertised or always"));
                   }
                   o.smtp.starttls_always = v == "always";
                 });
  cli::add_number(app, "--connect-timeout", o.smtp.connect_timeout_ms, 1, 600'000, "MS",
                  "TCP connect (default 5000)");
  cli::add_number(app, "--read-timeout", o.smtp.read_timeout_ms, 1, 600'000, "MS",
                  "each reply and each write (default 10000)");
  cli::add_number(app, "--session-timeout", o.smtp.session_timeout_ms, 1, 3'600'000, "MS",
                  "the whole session, connect to QUIT (default 30000)");
  cli::add_number(app, "--max-sessions", o.max_sessions_total, 1, 1'000'000, "N",
                  "ceiling of SMTP sessions open at once across all\n"
                  "threads (default: one per port per host in flight,\n"
                  "lowered to fit the open-files limit); below it a\n"
                  "window adapts: it grows while connects are answered,\n"
                  "shrinks when connect latency or the share of\n"
                  "unanswered connects rises; a connect unanswered\n"
                  "for ~RTO (a silent host) leaves the window but keeps\n"
                  "its socket until --connect-timeout; other hosts wait");
  cli::add_number(app, "--per-subnet", o.per_subnet, 0, 1'000'000, "N",
                  "SMTP sessions at once per /24 (IPv6: /64), so a dense\n"
                  "target list never crowds one network (default 8;\n"
                  "0 = no limit); a connect not yet answered after the\n"
                  "RTO holds no server and does not count");
  cli::add_number(app, "--smtp-helo-names", o.max_helo_names, 0, 16, "N",
                  "distinct hosts the greetings and EHLO replies of one\n"
                  "address name whose HELO rules (A, AAAA, MX) are looked\n"
                  "up (default 4; 0, or no ptr probe: none,\n"
                  "checks.helo_rules stays empty and checks.truncated\n"
                  "says so)");
  cli::add_number(app, "--stop-grace", o.stop_grace_ms, 0, 600'000, "MS",
                  "on the first SIGINT/SIGTERM: SMTP sessions already\n"
                  "open may go on this long, then end with status\n"
                  "stopped; sessions not yet started (waiting for\n"
                  "--per-subnet or a session slot) are written as\n"
                  "stopped at once (default 2000)");
  for (auto [names, out] : {std::pair{"--relay-from", &o.smtp.relay_from},
                            std::pair{"--relay-to", &o.smtp.relay_to}}) {
    const bool from = std::string_view(names) == "--relay-from";
    cli::add_value(app, names, "DOMAIN",
                   from ? "probe relay (the open-relay test: after EHLO, MAIL\n"
                          "FROM and RCPT TO, then RSET and QUIT; never DATA;\n"
                          "only with permission): sender domain (default\n"
                          "example.org)"
                        : "recipient domain of the relay test, one the server\n"
                          "must not accept mail for (default example.net)",
                   [out](const std::string& flag, const std::string& v) {
                     const std::string domain = cli::domain_arg(v);
                     if (domain.empty()) {
                       cli::reject(absl::StrCat(flag, " '", v, "': expected a domain name"));
                     }
                     *out = domain;
                   });
  }
}

}  // namespace ptrscan
