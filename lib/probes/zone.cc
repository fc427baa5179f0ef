#include "probes/zone.h"

// The reverse-zone audit. Hosts are grouped by /24 (IPv6: /64; the engine
// sends a subnet's addresses to one shard, groups_subnets), except hosts
// whose PTR came through a CNAME to a name under their /24 (an RFC 2317
// classless delegation, seen in the ptr probe's answer): they are grouped
// by that name's parent, the classless zone. Per group one SOA query at
// the group's name finds the zone cut: the owner of the SOA in the answer,
// or in the authority section of a NODATA/NXDOMAIN
// answer, is the cut. Groups with the same cut share one zone. Per zone:
// the parent (SOA above the cut), the parent's NS names and addresses
// (through the resolver), the parent's referral asked of its servers
// directly (NS set and glue), then every address of every NS name asked
// without recursion for SOA and NS over UDP and SOA over TCP. All of it goes
// through one direct_client per shard, rate-limited per server. The
// verdicts are checks/zone_audit's. Records are written when the shard's
// input is over and every audit has ended, one per zone, after the shard's
// host records.
//
// --state: a zone record's keys name the zone and each group (a /24, /64 or
// classless zone) whose hosts it counts, not the thread that wrote it, so a
// scan resumed with another -T (which deals /24s to other threads) counts a
// group already counted nowhere again and a group not yet counted once. A
// stopped scan (SIGINT, stop level 1) has read only some of each zone's
// hosts: with --state it writes no zone record (the resumed run writes the
// whole one), without it writes them marked truncated "input".

#include <CLI/CLI.hpp>
#include <algorithm>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "checks/zone_audit.h"
#include "cli/options.h"
#include "core/clock.h"
#include "dns/direct_client.h"
#include "dns/message.h"
#include "dns/reply.h"
#include "net/absl_compat.h"
#include "output/json_writer.h"
#include "probes/ptr.h"
#include "scan/jobs.h"

namespace ptrscan {
namespace {

constexpr field_doc fields[] = {
    {"type", "string", "\"zone\": a zone record (after its thread's host records, one per zone)"},
    {"zone", "string", "the zone cut: the owner of the zone's SOA"},
    {"status", "status", "ok|error: error when the cut or the parent could not be found"},
    {"error", "string", "with status error: what failed"},
    {"classless", "bool", "true for an RFC 2317 classless delegation (found through a CNAME)"},
    {"parent", "string", "the zone above the cut"},
    {"parent_ns", "array", "the NS names of the parent's referral, sorted"},
    {"parent_ns_ttl", "number", "the referral's NS TTL"},
    {"glue", "array", "the referral's glue: {name, addresses}"},
    {"glue[].name", "string", "an NS name"},
    {"glue[].addresses", "array", "its addresses in the referral"},
    {"child_ns", "array", "the zone's own NS set (the first authoritative answer), sorted"},
    {"servers", "array", "every NS address asked directly (RD=0), at most 16"},
    {"servers[].name", "string", "the NS name"},
    {"servers[].ip", "string", "the address asked"},
    {"servers[].soa", "status", "ok|nxdomain|nodata|servfail|refused|timeout|error (SOA over UDP)"},
    {"servers[].error", "string",
     "with soa error: why (local: no route or socket from here; no verdict on the server)"},
    {"servers[].aa", "bool", "the SOA answer was authoritative"},
    {"servers[].serial", "number", "the SOA serial (with soa ok)"},
    {"servers[].soa_ttl", "number", "the SOA's TTL"},
    {"servers[].ns", "status", "the NS query: ok (an authoritative NS set) or what failed"},
    {"servers[].ns_ttl", "number", "the NS set's TTL"},
    {"servers[].tcp", "string",
     "ok|failed: the SOA asked over TCP got an answer; error: the try never left this host "
     "(absent: not asked)"},
    {"findings", "array", "what the zone's operator should fix; empty when nothing"},
    {"findings[].kind", "status",
     "lame_server|ns_mismatch|serial_mismatch|missing_glue|wrong_glue|ns_unresolvable|"
     "single_ns|same_subnet|low_ns_ttl|parent_unreachable"},
    {"findings[].server", "string", "the NS name (lame_server, glue, ns_unresolvable, single_ns)"},
    {"findings[].address", "string", "the address (lame_server, same_subnet) or glue (wrong_glue)"},
    {"findings[].reason", "string",
     "lame_server: refused|servfail|timeout|not_authoritative|no_zone|no_tcp"},
    {"findings[].parent_only", "array", "ns_mismatch: names only the parent lists"},
    {"findings[].child_only", "array", "ns_mismatch: names only the zone lists"},
    {"findings[].serials", "array", "serial_mismatch: the distinct serials"},
    {"findings[].ttl", "number", "low_ns_ttl: the NS TTL"},
    {"hosts", "object", "the scanned hosts in the zone (this shard's)"},
    {"hosts.scanned", "number", "hosts scanned"},
    {"hosts.with_ptr", "number", "of them, with a PTR name"},
    {"hosts.coverage", "number", "with_ptr / scanned"},
    {"hosts.resumed", "number",
     "hosts of the zone written by an earlier run of the same --state: not in scanned, "
     "with_ptr, coverage or templates (absent when none)"},
    {"templates", "array", "naming templates of the PTR names, most hosts first, at most 8"},
    {"templates[].template", "string", "e.g. {a}-{b}-{c}-{d}.dyn.isp.example"},
    {"templates[].hosts", "number", "hosts whose first PTR name has it"},
    {"deviants", "array", "hosts whose name does not follow the main template (at most 32)"},
    {"deviants[].ip", "string", "the address"},
    {"deviants[].name", "string", "its PTR name"},
    {"deviants_total", "number", "hosts off the main template (deviants lists some)"},
    {"queries", "number", "DNS queries this zone's audit sent"},
    {"truncated", "array",
     "what a cap cut: servers, ns_names, records (a referral or NS answer over the parser's "
     "record cap), templates, deviants; input: the scan was stopped before this thread's "
     "input was over (no --state), hosts counts only the hosts run"},
};

constexpr size_t max_parent_addrs = 4;
constexpr size_t max_ns_names = 8;
constexpr size_t max_servers = 16;
constexpr size_t max_templates = 8;
constexpr size_t max_examples = 4;
constexpr size_t max_deviants = 32;
constexpr uint32_t no_zone = UINT32_MAX;
// Audits in progress at once per shard; the others wait their turn, so the
// direct client's queue (and its per-turn scans) stays small however many
// /24s a scan covers.
constexpr uint32_t max_active_groups = 256;
constexpr uint32_t max_active_zones = 64;

enum step : uint8_t {
  g_soa = 1,
  z_parent_soa,
  z_parent_ns,
  z_parent_addr,
  z_referral,
  z_ns_addr,
  z_soa,
  z_ns,
  z_tcp,
  z_resolver_ns,
};

uint64_t make_cookie(bool group, uint32_t index, step st, uint32_t item) {
  return (uint64_t{group} << 63) | (uint64_t{index & 0x7fffffff} << 32) |
         (uint64_t{st} << 24) | (item & 0xffffff);
}

struct template_count {
  std::string text;
  uint32_t hosts = 0;
  std::vector<std::pair<ip_address, std::string>> examples;
};

struct host_stats {
  uint32_t scanned = 0;
  uint32_t resumed = 0;  // written by an earlier run (--state): counted only
  uint32_t with_ptr = 0;
  std::vector<template_count> templates;
  uint32_t other = 0;  // named hosts whose template did not fit the cap
};

struct group {
  std::string start;  // where SOA is asked: a /24, /64 or classless zone name
  bool classless = false;
  bool resolving = true;
  uint32_t zone = no_zone;
  uint32_t queries = 0;
  /// A record of an earlier run of the same --state counted this group's
  /// hosts (whichever thread wrote it): they count in no record now.
  bool counted_before = false;
  host_stats stats;
};

enum class stage : uint8_t { parent_soa, parent_ns, parent_addrs, referral, servers, done };

struct zone_state {
  std::string error;
  bool classless = false;
  stage st = stage::parent_soa;
  uint32_t outstanding = 0;
  uint32_t queries = 0;
  std::vector<std::string> parent_servers;
  std::vector<ip_address> parent_addrs;
  size_t referral_next = 0;
  zone_facts facts;
  std::vector<std::string> names_asked;
  std::vector<ip_address> addrs_asked;
  bool cut_servers = false;
  bool cut_names = false;
  bool active = false;  // counted in active_zones_
  /// The audit was started, or will not be (an error): a zone is audited
  /// only once a group not counted before joins it (--state).
  bool audit_started = false;
  /// Some group whose hosts this run counts is in the zone: it gets a
  /// record.
  bool wanted = false;
  /// Without a referral: the NS set the resolver gives, so the zone's own
  /// servers are still audited.
  std::vector<std::string> resolver_ns;
  bool resolver_ns_asked = false;
};

/// `name` minus its first label ("" for a single label).
std::string_view parent_of(std::string_view name) {
  const size_t dot = name.find('.');
  return dot == std::string_view::npos ? std::string_view() : name.substr(dot + 1);
}

/// The id --state keeps for group `start`'s hosts, counted in some zone
/// record: FNV-1a of the group's name, stable across runs (absl's hashes are
/// seeded per process) and free of the thread (a /24 is in one thread, but a
/// resumed run with another -T may put it in another) and of the zone cut
/// (an SOA lookup that timed out in one run and answers in the next files
/// the group under another zone, and it must still count once).
uint64_t group_record_id(std::string_view start) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : start) {
    h = (h ^ static_cast<uint8_t>(c)) * 0x100000001b3ULL;
  }
  return h;
}

bool at_or_below(std::string_view name, std::string_view zone) {
  return name == zone || (name.size() > zone.size() && name.ends_with(zone) &&
                          name[name.size() - zone.size() - 1] == '.');
}

/// "IP:PORT" / "[IPv6]:PORT" / "IP".
std::optional<direct_query> parse_resolver(std::string_view text) {
  std::string_view host = text;
  std::string_view port = "53";
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    if (close + 2 < text.size()) {
      port = text.substr(close + 2);
    }
  } else if (const size_t colon = text.rfind(':');
             colon != std::string_view::npos && text.find(':') == colon) {
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  uint32_t p = 0;
  std::optional<ip_address> ip = ip_address::parse(host);
  if (!ip || !absl::SimpleAtoi(av(port), &p) || p == 0 || p > 65535) {
    return std::nullopt;
  }
  direct_query q;
  q.server = *ip;
  q.port = static_cast<uint16_t>(p);
  q.recursive = true;
  q.resolver = true;
  return q;
}

/// An rcode as the contract's status.
dns_status rcode_status(uint8_t rcode) {
  switch (rcode) {
    case 0:
      return dns_status::ok;
    case 2:
      return dns_status::servfail;
    case 3:
      return dns_status::nxdomain;
    case 5:
      return dns_status::refused;
    default:
      return dns_status::error;
  }
}

void add_sorted(std::vector<ip_address>& v, const ip_address& a) {
  const auto at = std::lower_bound(v.begin(), v.end(), a);
  if (at == v.end() || *at != a) {
    v.insert(at, a);
  }
}

class zone_worker final : public probe_worker, private direct_client_sink {
 public:
  zone_worker(probe_services& s, const zone_options& o, size_t zone_counter,
              size_t finding_counter)
      : s_(s),
        o_(o),
        zone_counter_(zone_counter),
        finding_counter_(finding_counter),
        client_(s.io(), op_kind::dns_direct, *this) {}

  absl::Status init() override {
    ptr_ = dynamic_cast<ptr_worker*>(s_.worker("ptr"));
    if (ptr_ == nullptr) {
      return absl::InvalidArgumentError("the zone probe needs the ptr probe");
    }
    const std::span<const std::string> resolvers = s_.resolver_addresses();
    if (resolvers.empty()) {
      return absl::InvalidArgumentError("the zone probe needs a resolver");
    }
    std::optional<direct_query> r = parse_resolver(resolvers.front());
    if (!r) {
      return absl::InvalidArgumentError(
          absl::StrCat("zone probe: cannot read resolver address '", resolvers.front(), "'"));
    }
    resolver_ = *r;
    s_.route(op_kind::dns_direct, this);
    direct_client_options d;
    d.server_rate = o_.ns_rate;
    d.server_burst = std::max<double>(1, o_.ns_rate / 2.0);
    d.timeout_ms = o_.timeout_ms;
    return client_.init(d, monotonic_ns());
  }

  void on_resumed_host(const ip_address& ip) override {
    // Its PTR is not asked again, so a CNAME into a classless zone is not
    // seen: the host counts in its /24's group.
    auto it = group_of_.find(subnet_of(ip));
    uint32_t g = it != group_of_.end() ? it->second : no_zone;
    if (g == no_zone) {
      char rev[ip_address::max_reverse_len];
      const std::string_view reverse(rev, ip.reverse_name(rev));
      g = new_group(ip.is_v4() ? parent_of(reverse) : reverse.substr(32), false);
      if (g != no_zone) {
        group_of_.emplace(subnet_of(ip), g);
      }
    }
    if (g == no_zone) {
      s_.counters().add(zone_counter_ + 2);
      return;
    }
    ++groups_[g].stats.resumed;
  }

  void start_host(uint32_t slot) override {
    const ip_address& ip = s_.host_ip(slot);
    // The name the zone cut is looked for at: the /24's (IPv6: the /64's
    // nibble name), or, when the host's PTR came through a CNAME to a name
    // under its /24 (RFC 2317), the CNAME target's parent.
    char rev[ip_address::max_reverse_len];
    const std::string_view reverse(rev, ip.reverse_name(rev));
    std::string_view start = ip.is_v4() ? parent_of(reverse) : reverse.substr(32);
    bool classless = false;
    if (const std::string_view owner = ptr_->cname_owner(slot); ip.is_v4() && !owner.empty()) {
      const std::string_view zone = parent_of(owner);
      if (zone != start && at_or_below(zone, start)) {
        start = zone;
        classless = true;
      }
    }
    uint32_t g;
    if (classless) {
      auto it = classless_group_of_.find(av(start));
      g = it != classless_group_of_.end() ? it->second : new_group(start, true);
    } else {
      auto it = group_of_.find(subnet_of(ip));
      g = it != group_of_.end() ? it->second : new_group(start, false);
      if (g != no_zone && it == group_of_.end()) {
        group_of_.emplace(subnet_of(ip), g);
      }
    }
    if (g == no_zone) {
      s_.counters().add(zone_counter_ + 2);  // over the cap: counted, not audited
      return;
    }
    host_stats& st = groups_[g].stats;
    ++st.scanned;
    const std::span<const std::string> names = ptr_->names(slot);
    if (names.empty()) {
      return;
    }
    ++st.with_ptr;
    std::string t = name_template(names.front(), ip);
    for (template_count& c : st.templates) {
      if (c.text == t) {
        ++c.hosts;
        if (c.examples.size() < max_examples) {
          c.examples.emplace_back(ip, names.front());
        }
        return;
      }
    }
    if (st.templates.size() == max_templates) {
      ++st.other;
      return;
    }
    st.templates.push_back({std::move(t), 1, {{ip, names.front()}}});
  }

  void after_drain(int64_t now_ns) override { client_.process(now_ns); }
  int64_t next_timeout_ns(int64_t now_ns, int64_t cap_ns) const override {
    return client_.next_timeout_ns(now_ns, cap_ns);
  }
  void on_completion(uint64_t data, int res, uint32_t flags) override {
    client_.on_completion(data, res, flags);
  }

  void on_input_over(bool complete) override {
    input_over_ = true;
    input_complete_ = complete;
    if (!complete && s_.keeps_state()) {
      // Stopped with --state: a record now would count some of each zone's
      // hosts and keep its keys, so the resumed run would skip the zone.
      // Write none; the resumed run counts these hosts (as resumed) and
      // writes each zone whole, once. Audits in flight are abandoned.
      written_ = true;
      return;
    }
    client_.process(monotonic_ns());
    maybe_write();
  }
  bool busy() const override { return !written_; }

 private:
  void ask(bool grp, uint32_t index, step st, uint32_t item, const direct_query& route,
           std::string_view name, uint16_t type) {
    if (!grp) {
      ++zones_[index].outstanding;
      ++zones_[index].queries;
    } else {
      ++groups_[index].queries;
    }
    client_.query(route, name, type, make_cookie(grp, index, st, item));
  }
  direct_query server_route(const ip_address& ip, direct_transport t) const {
    direct_query q;
    q.server = ip;
    q.port = o_.ns_port;
    q.transport = t;
    return q;
  }

  /// A group asking for the cut at `start`, or no_zone over the cap.
  uint32_t new_group(std::string_view start, bool classless) {
    if (groups_.size() + zones_.size() >= 2 * size_t{o_.max_zones}) {
      return no_zone;
    }
    const uint32_t g = static_cast<uint32_t>(groups_.size());
    groups_.emplace_back();
    groups_.back().start = std::string(start);
    groups_.back().classless = classless;
    if (classless) {
      classless_group_of_.emplace(std::string(start), g);
    }
    if (active_groups_ < max_active_groups) {
      start_group(g);
    } else {
      waiting_groups_.push_back(g);
    }
    return g;
  }

  void start_group(uint32_t g) {
    ++active_groups_;
    ask(true, g, g_soa, 0, resolver_, groups_[g].start, dns_type_soa);
  }

  void on_direct_result(uint64_t cookie, dns_status transport, std::string_view reason,
                        std::span<const uint8_t> packet) override {
    const bool grp = (cookie >> 63) != 0;
    const uint32_t index = static_cast<uint32_t>((cookie >> 32) & 0x7fffffff);
    const step st = static_cast<step>((cookie >> 24) & 0xff);
    const uint32_t item = static_cast<uint32_t>(cookie & 0xffffff);
    dns_message m;
    bool parsed = false;
    if (transport == dns_status::ok) {
      parsed = parse_message(packet, m);
      if (!parsed) {
        transport = dns_status::error;
        reason = dns_reason::malformed;
      }
    }
    if (grp) {
      on_group(index, transport, reason, m);
    } else {
      on_zone(index, st, item, transport, reason, m);
      if (--zones_[index].outstanding == 0) {
        advance(index);
      }
      if (zones_[index].st == stage::done && zones_[index].outstanding == 0 &&
          zones_[index].active) {
        zones_[index].active = false;
        --active_zones_;
        while (active_zones_ < max_active_zones && !waiting_zones_.empty()) {
          const uint32_t next = waiting_zones_.front();
          waiting_zones_.pop_front();
          begin_audit(next);
        }
      }
    }
    maybe_write();
  }

  void on_group(uint32_t g, dns_status transport, std::string_view reason,
                const dns_message& m) {
    group& gr = groups_[g];
    gr.resolving = false;
    --active_groups_;
    if (!waiting_groups_.empty()) {
      const uint32_t next = waiting_groups_.front();
      waiting_groups_.pop_front();
      start_group(next);
    }
    std::string cut;
    if (transport == dns_status::ok) {
      for (const dns_rr& rr : m.records) {
        if (rr.type == dns_type_soa && rr.section != dns_section::additional &&
            at_or_below(gr.start, rr.owner)) {
          cut = rr.owner;
          break;
        }
      }
    }
    if (cut.empty()) {
      // No cut: a zone record under the name asked, with the reason.
      const uint32_t z = zone_for(gr.start, gr.classless);
      gr.zone = z;
      zones_[z].queries += gr.queries;
      if (!count_group(gr)) {
        return;
      }
      zone_state& zs = zones_[z];
      if (!zs.audit_started) {
        zs.audit_started = true;  // none will be
        zs.st = stage::done;
        zs.error = transport == dns_status::ok
                       ? std::string("no SOA found at or above the name")
                       : absl::StrCat("SOA query through the resolver: ", av(to_string(transport)),
                                      reason.empty() ? "" : " (", av(reason),
                                      reason.empty() ? "" : ")");
      }
      return;
    }
    gr.zone = zone_for(cut, gr.classless && cut == gr.start);
    zones_[gr.zone].queries += gr.queries;
    if (count_group(gr)) {
      start_audit(gr.zone);
    }
  }

  /// Whether this run counts group `gr`'s hosts (in its zone's record): not
  /// when a record of an earlier run of the same --state did.
  bool count_group(group& gr) {
    if (s_.written_before(group_record_id(gr.start))) {
      gr.counted_before = true;
      return false;
    }
    zones_[gr.zone].wanted = true;
    return true;
  }

  /// The zone named `cut`, made on first use, not audited yet.
  uint32_t zone_for(const std::string& cut, bool classless) {
    auto it = zone_of_.find(cut);
    if (it != zone_of_.end()) {
      return it->second;
    }
    const uint32_t z = static_cast<uint32_t>(zones_.size());
    zone_of_.emplace(cut, z);
    zones_.emplace_back();
    zone_state& zs = zones_.back();
    zs.facts.zone = cut;
    zs.classless = classless;
    zs.st = stage::done;
    return z;
  }

  /// Starts zone `z`'s audit, once: when the first group this run counts
  /// joins it (a zone whose groups were all counted before is not audited).
  void start_audit(uint32_t z) {
    zone_state& zs = zones_[z];
    if (zs.audit_started) {
      return;
    }
    zs.audit_started = true;
    const std::string& cut = zs.facts.zone;
    if (parent_of(cut).empty()) {
      zs.st = stage::done;
      zs.error = "the zone has no parent";
      return;
    }
    zs.st = stage::parent_soa;
    if (active_zones_ < max_active_zones) {
      begin_audit(z);
    } else {
      waiting_zones_.push_back(z);
    }
  }

  void begin_audit(uint32_t z) {
    zone_state& zs = zones_[z];
    zs.active = true;
    ++active_zones_;
    ask(false, z, z_parent_soa, 0, resolver_, parent_of(zs.facts.zone), dns_type_soa);
  }

  void fail(zone_state& z, std::string_view what, dns_status transport, std::string_view reason) {
    z.error = absl::StrCat(av(what), ": ", av(to_string(transport)));
    if (!reason.empty()) {
      absl::StrAppend(&z.error, " (", av(reason), ")");
    }
    z.st = stage::done;
  }

  void on_zone(uint32_t zi, step st, uint32_t item, dns_status transport, std::string_view reason,
               const dns_message& m) {
    zone_state& z = zones_[zi];
    const std::string& cut = z.facts.zone;
    switch (st) {
      case z_parent_soa: {
        if (transport != dns_status::ok) {
          fail(z, "parent SOA through the resolver", transport, reason);
          return;
        }
        const std::string_view above = parent_of(cut);
        for (const dns_rr& rr : m.records) {
          if (rr.type == dns_type_soa && rr.section != dns_section::additional &&
              at_or_below(above, rr.owner)) {
            z.facts.parent = rr.owner;
            break;
          }
        }
        if (z.facts.parent.empty()) {
          fail(z, "parent SOA through the resolver", rcode_status(m.rcode), "no SOA");
          return;
        }
        z.st = stage::parent_ns;
        ask(false, zi, z_parent_ns, 0, resolver_, z.facts.parent, dns_type_ns);
        return;
      }
      case z_parent_ns: {
        if (transport == dns_status::ok) {
          for (const dns_rr& rr : m.records) {
            if (rr.section == dns_section::answer && rr.type == dns_type_ns &&
                rr.owner == z.facts.parent && z.parent_servers.size() < max_parent_addrs) {
              z.parent_servers.push_back(rr.target);
            }
          }
        }
        if (z.parent_servers.empty()) {
          fail(z, "the parent's NS set through the resolver",
               transport == dns_status::ok ? rcode_status(m.rcode) : transport, reason);
          return;
        }
        std::sort(z.parent_servers.begin(), z.parent_servers.end());
        z.st = stage::parent_addrs;
        for (uint32_t i = 0; i < z.parent_servers.size(); ++i) {
          ask(false, zi, z_parent_addr, i, resolver_, z.parent_servers[i], dns_type_a);
          ask(false, zi, z_parent_addr, i, resolver_, z.parent_servers[i], dns_type_aaaa);
        }
        return;
      }
      case z_parent_addr:
        if (transport == dns_status::ok) {
          for (const dns_rr& rr : m.records) {
            if (rr.section == dns_section::answer &&
                (rr.type == dns_type_a || rr.type == dns_type_aaaa) &&
                z.parent_addrs.size() < max_parent_addrs) {
              add_sorted(z.parent_addrs, rr.addr);
            }
          }
        }
        return;
      case z_referral: {
        if (!(transport == dns_status::error && reason == dns_reason::local)) {
          z.facts.parent_asked = true;  // the question went out
        }
        if (transport == dns_status::ok && m.rcode == 0) {
          for (const dns_rr& rr : m.records) {
            if (rr.type == dns_type_ns && rr.owner == cut &&
                rr.section != dns_section::additional) {
              z.facts.parent_ns.push_back(rr.target);
              z.facts.parent_ns_ttl = rr.ttl;
            }
          }
        }
        if (z.facts.parent_ns.empty()) {
          return;  // advance() asks the next parent address
        }
        std::sort(z.facts.parent_ns.begin(), z.facts.parent_ns.end());
        z.facts.parent_ns.erase(std::unique(z.facts.parent_ns.begin(), z.facts.parent_ns.end()),
                                z.facts.parent_ns.end());
        z.facts.parent_answered = true;
        z.facts.records_cut = z.facts.records_cut || m.truncated;
        for (const dns_rr& rr : m.records) {
          if (rr.section == dns_section::additional &&
              (rr.type == dns_type_a || rr.type == dns_type_aaaa) &&
              std::binary_search(z.facts.parent_ns.begin(), z.facts.parent_ns.end(), rr.owner)) {
            auto g = std::find_if(z.facts.glue.begin(), z.facts.glue.end(),
                                  [&](const ns_addresses& n) { return n.name == rr.owner; });
            if (g == z.facts.glue.end()) {
              z.facts.glue.push_back({rr.owner, {}, false});
              g = z.facts.glue.end() - 1;
            }
            add_sorted(g->addrs, rr.addr);
          }
        }
        std::sort(z.facts.glue.begin(), z.facts.glue.end(),
                  [](const ns_addresses& a, const ns_addresses& b) { return a.name < b.name; });
        z.st = stage::servers;
        return;
      }
      case z_ns_addr:
        if (item >= z.facts.resolved.size()) {
          return;
        }
        // A failed lookup (or a cut answer) leaves the name's addresses
        // unknown, not absent; nxdomain and nodata are answers.
        if (transport != dns_status::ok || is_lookup_failure(rcode_status(m.rcode)) ||
            m.truncated) {
          z.facts.resolved[item].failed = true;
        }
        if (transport == dns_status::ok) {
          for (const dns_rr& rr : m.records) {
            if (rr.section == dns_section::answer &&
                (rr.type == dns_type_a || rr.type == dns_type_aaaa)) {
              add_sorted(z.facts.resolved[item].addrs, rr.addr);
            }
          }
        }
        return;
      case z_resolver_ns:
        z.facts.records_cut = z.facts.records_cut || (transport == dns_status::ok && m.truncated);
        if (transport == dns_status::ok) {
          for (const dns_rr& rr : m.records) {
            if (rr.section == dns_section::answer && rr.type == dns_type_ns && rr.owner == cut) {
              z.resolver_ns.push_back(rr.target);
            }
          }
        }
        return;
      case z_soa:
      case z_ns:
      case z_tcp:
        if (st == z_ns && transport == dns_status::ok && m.truncated) {
          z.facts.records_cut = true;
        }
        if (item < z.facts.servers.size()) {
          on_server(z, z.facts.servers[item], st, transport, reason, m);
        }
        return;
      default:
        return;
    }
  }

  static void on_server(zone_state& z, zone_server& s, step st, dns_status transport,
                        std::string_view reason, const dns_message& m) {
    const std::string& cut = z.facts.zone;
    if (st == z_tcp) {
      s.tcp = transport == dns_status::ok                                   ? zone_server::tcp_t::ok
              : transport == dns_status::error && reason == dns_reason::local ? zone_server::tcp_t::error
                                                                              : zone_server::tcp_t::failed;
      return;
    }
    dns_status status = transport == dns_status::ok ? rcode_status(m.rcode) : transport;
    if (st == z_soa) {
      s.soa_error = status == dns_status::error ? (transport == dns_status::ok ? dns_reason::rcode
                                                                               : reason)
                                                : std::string_view();
      s.aa = m.aa;
      if (status == dns_status::ok) {
        bool found = false;
        for (const dns_rr& rr : m.records) {
          if (rr.section == dns_section::answer && rr.type == dns_type_soa && rr.owner == cut) {
            s.serial = rr.serial;
            s.soa_ttl = rr.ttl;
            found = true;
          }
        }
        // No SOA: a referral (not authoritative) is ok without AA; an
        // authoritative answer without the SOA says the server has no zone.
        if (!found && m.aa) {
          status = dns_status::nodata;
        }
      }
      s.soa = status;
      return;
    }
    if (status == dns_status::ok) {
      for (const dns_rr& rr : m.records) {
        if (rr.section == dns_section::answer && rr.type == dns_type_ns && rr.owner == cut) {
          s.ns_names.push_back(rr.target);
          s.ns_ttl = rr.ttl;
        }
      }
      std::sort(s.ns_names.begin(), s.ns_names.end());
      s.ns_names.erase(std::unique(s.ns_names.begin(), s.ns_names.end()), s.ns_names.end());
      if (!m.aa || s.ns_names.empty()) {
        status = m.aa ? dns_status::nodata : dns_status::error;
      }
    }
    s.ns = status;
  }

  /// The zone's next questions once the last ones are answered.
  void advance(uint32_t zi) {
    zone_state& z = zones_[zi];
    switch (z.st) {
      case stage::parent_addrs:
        z.st = stage::referral;
        if (z.parent_addrs.empty()) {
          z.st = stage::servers;  // parent_answered stays false
          break;
        }
        ask(false, zi, z_referral, 0, server_route(z.parent_addrs[0], direct_transport::udp),
            z.facts.zone, dns_type_ns);
        z.referral_next = 1;
        return;
      case stage::referral:
        if (!z.facts.parent_answered) {
          if (z.referral_next < z.parent_addrs.size()) {
            ask(false, zi, z_referral, 0,
                server_route(z.parent_addrs[z.referral_next], direct_transport::udp),
                z.facts.zone, dns_type_ns);
            ++z.referral_next;
            return;
          }
          z.st = stage::servers;
        }
        break;
      case stage::servers:
        break;
      default:
        return;  // parent_soa, parent_ns: their answer moved on; done
    }
    if (z.st != stage::servers) {
      return;
    }
    if (!z.facts.parent_answered && !z.resolver_ns_asked) {
      // No parent server gave a referral: the resolver's NS set stands in
      // for it, so the zone's servers are still asked.
      z.resolver_ns_asked = true;
      ask(false, zi, z_resolver_ns, 0, resolver_, z.facts.zone, dns_type_ns);
      return;
    }
    // Names to resolve: the parent's and the zone's own.
    std::vector<std::string> names = z.facts.parent_ns;
    names.insert(names.end(), z.resolver_ns.begin(), z.resolver_ns.end());
    for (const std::string& n : child_ns_set(z.facts)) {
      names.push_back(n);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    bool asked = false;
    for (const std::string& n : names) {
      if (std::find(z.names_asked.begin(), z.names_asked.end(), n) != z.names_asked.end()) {
        continue;
      }
      if (z.names_asked.size() == max_ns_names) {
        z.cut_names = true;
        break;
      }
      const uint32_t item = static_cast<uint32_t>(z.facts.resolved.size());
      z.names_asked.push_back(n);
      z.facts.resolved.push_back({n, {}, false});
      ask(false, zi, z_ns_addr, item, resolver_, n, dns_type_a);
      ask(false, zi, z_ns_addr, item, resolver_, n, dns_type_aaaa);
      asked = true;
    }
    if (asked) {
      return;
    }
    std::sort(z.facts.resolved.begin(), z.facts.resolved.end(),
              [](const ns_addresses& a, const ns_addresses& b) { return a.name < b.name; });
    z.names_asked.clear();
    for (const ns_addresses& r : z.facts.resolved) {
      z.names_asked.push_back(r.name);
    }
    for (const std::string& n : names) {
      const ns_addresses* addrs = nullptr;
      for (const ns_addresses& r : z.facts.resolved) {
        if (r.name == n && !r.addrs.empty()) {
          addrs = &r;
        }
      }
      if (addrs == nullptr) {
        for (const ns_addresses& gl : z.facts.glue) {
          if (gl.name == n) {
            addrs = &gl;
          }
        }
      }
      if (addrs == nullptr) {
        continue;
      }
      for (const ip_address& ip : addrs->addrs) {
        if (std::find(z.addrs_asked.begin(), z.addrs_asked.end(), ip) != z.addrs_asked.end()) {
          continue;
        }
        if (z.facts.servers.size() == max_servers) {
          z.cut_servers = true;
          break;
        }
        z.addrs_asked.push_back(ip);
        const uint32_t item = static_cast<uint32_t>(z.facts.servers.size());
        zone_server srv;
        srv.name = n;
        srv.ip = ip;
        z.facts.servers.push_back(std::move(srv));
        ask(false, zi, z_soa, item, server_route(ip, direct_transport::udp), z.facts.zone,
            dns_type_soa);
        ask(false, zi, z_ns, item, server_route(ip, direct_transport::udp), z.facts.zone,
            dns_type_ns);
        if (o_.tcp) {
          ask(false, zi, z_tcp, item, server_route(ip, direct_transport::tcp), z.facts.zone,
              dns_type_soa);
        }
        asked = true;
      }
    }
    if (!asked) {
      z.st = stage::done;
    }
  }

  void maybe_write() {
    if (!input_over_ || written_ || client_.in_flight() != 0 || !waiting_groups_.empty() ||
        !waiting_zones_.empty()) {
      return;
    }
    written_ = true;
    // Each zone's hosts: the groups whose cut it is and that no earlier run
    // counted; and their ids, which --state keeps with the record.
    std::vector<host_stats> stats(zones_.size());
    std::vector<std::vector<uint64_t>> ids(zones_.size());
    for (const group& g : groups_) {
      if (g.zone == no_zone || g.counted_before) {
        continue;
      }
      ids[g.zone].push_back(group_record_id(g.start));
      host_stats& into = stats[g.zone];
      into.scanned += g.stats.scanned;
      into.resumed += g.stats.resumed;
      into.with_ptr += g.stats.with_ptr;
      into.other += g.stats.other;
      for (const template_count& t : g.stats.templates) {
        auto it = std::find_if(into.templates.begin(), into.templates.end(),
                               [&](const template_count& c) { return c.text == t.text; });
        if (it == into.templates.end()) {
          into.templates.push_back(t);
        } else {
          it->hosts += t.hosts;
          for (const auto& e : t.examples) {
            if (it->examples.size() < max_examples) {
              it->examples.push_back(e);
            }
          }
        }
      }
    }
    for (size_t z = 0; z < zones_.size(); ++z) {
      if (!zones_[z].wanted) {
        continue;  // every group of it counted in the output already (--state)
      }
      s_.write_record(ids[z], [&](json_writer& w) { write_zone(zones_[z], stats[z], w); });
    }
  }

  void write_zone(const zone_state& z, host_stats& hs, json_writer& w) {
    const zone_facts& f = z.facts;
    s_.counters().add(zone_counter_);
    w.key("type").value("zone");
    w.key("zone").value(f.zone);
    w.key("status").value(z.error.empty() ? "ok" : "error");
    if (!z.error.empty()) {
      w.key("error").value(z.error);
    }
    if (z.classless) {
      w.key("classless").value(true);
    }
    if (!f.parent.empty()) {
      w.key("parent").value(f.parent);
    }
    std::vector<std::string> truncated;
    if (z.error.empty()) {
      auto names = [&w](std::string_view key, const std::vector<std::string>& v) {
        w.key(key).begin_array();
        for (const std::string& n : v) {
          w.value(n);
        }
        w.end_array();
      };
      names("parent_ns", f.parent_ns);
      if (f.parent_answered) {
        w.key("parent_ns_ttl").value(uint64_t{f.parent_ns_ttl});
      }
      w.key("glue").begin_array();
      for (const ns_addresses& g : f.glue) {
        w.begin_object().key("name").value(g.name).key("addresses").begin_array();
        for (const ip_address& a : g.addrs) {
          w.value(a.to_string());
        }
        w.end_array().end_object();
      }
      w.end_array();
      names("child_ns", child_ns_set(f));
      w.key("servers").begin_array();
      for (const zone_server& s : f.servers) {
        w.begin_object();
        w.key("name").value(s.name);
        w.key("ip").value(s.ip.to_string());
        w.key("soa").value(to_string(s.soa));
        if (s.soa == dns_status::error && !s.soa_error.empty()) {
          w.key("error").value(s.soa_error);
        }
        w.key("aa").value(s.aa);
        if (s.soa == dns_status::ok && s.aa) {
          w.key("serial").value(uint64_t{s.serial});
          w.key("soa_ttl").value(uint64_t{s.soa_ttl});
        }
        w.key("ns").value(to_string(s.ns));
        if (s.ns == dns_status::ok) {
          w.key("ns_ttl").value(uint64_t{s.ns_ttl});
        }
        if (s.tcp != zone_server::tcp_t::untested) {
          w.key("tcp").value(s.tcp == zone_server::tcp_t::ok       ? "ok"
                             : s.tcp == zone_server::tcp_t::error ? "error"
                                                                  : "failed");
        }
        w.end_object();
      }
      w.end_array();
      const std::vector<zone_finding> findings = audit_zone(f);
      if (!findings.empty()) {
        s_.counters().add(zone_counter_ + 1);
      }
      w.key("findings").begin_array();
      for (const zone_finding& x : findings) {
        s_.counters().add(finding_counter_ + static_cast<size_t>(x.kind));
        w.begin_object();
        w.key("kind").value(to_string(x.kind));
        if (!x.server.empty()) {
          w.key("server").value(x.server);
        }
        if (!x.address.empty()) {
          w.key("address").value(x.address);
        }
        if (!x.reason.empty()) {
          w.key("reason").value(x.reason);
        }
        if (x.kind == zone_finding_kind::ns_mismatch) {
          names("parent_only", x.parent_only);
          names("child_only", x.child_only);
        }
        if (!x.serials.empty()) {
          w.key("serials").begin_array();
          for (uint32_t v : x.serials) {
            w.value(uint64_t{v});
          }
          w.end_array();
        }
        if (x.kind == zone_finding_kind::low_ns_ttl) {
          w.key("ttl").value(uint64_t{x.ttl});
        }
        w.end_object();
      }
      w.end_array();
      if (z.cut_servers) {
        truncated.emplace_back("servers");
      }
      if (z.cut_names) {
        truncated.emplace_back("ns_names");
      }
      if (f.records_cut) {
        truncated.emplace_back("records");
      }
    }
    w.key("hosts").begin_object();
    w.key("scanned").value(uint64_t{hs.scanned});
    w.key("with_ptr").value(uint64_t{hs.with_ptr});
    w.key("coverage").value_fixed(hs.scanned == 0 ? 0.0 : double(hs.with_ptr) / hs.scanned, 4);
    if (hs.resumed != 0) {
      w.key("resumed").value(uint64_t{hs.resumed});
    }
    w.end_object();
    std::stable_sort(hs.templates.begin(), hs.templates.end(),
                     [](const template_count& a, const template_count& b) {
                       return a.hosts > b.hosts;
                     });
    if (hs.templates.size() > max_templates) {
      for (size_t i = max_templates; i < hs.templates.size(); ++i) {
        hs.other += hs.templates[i].hosts;
      }
      hs.templates.resize(max_templates);
    }
    if (hs.other != 0) {
      truncated.emplace_back("templates");
    }
    w.key("templates").begin_array();
    for (const template_count& t : hs.templates) {
      w.begin_object().key("template").value(t.text).key("hosts").value(uint64_t{t.hosts});
      w.end_object();
    }
    w.end_array();
    uint64_t deviants = hs.other;
    size_t listed = 0;
    w.key("deviants").begin_array();
    for (size_t i = 1; i < hs.templates.size(); ++i) {
      deviants += hs.templates[i].hosts;
      for (const auto& [ip, name] : hs.templates[i].examples) {
        if (listed < max_deviants) {
          w.begin_object().key("ip").value(ip.to_string()).key("name").value(name).end_object();
          ++listed;
        }
      }
    }
    w.end_array();
    w.key("deviants_total").value(deviants);
    if (listed < deviants) {
      truncated.emplace_back("deviants");
    }
    w.key("queries").value(uint64_t{z.queries});
    if (!input_complete_) {
      truncated.emplace_back("input");  // stopped (no --state): some hosts never ran
    }
    if (!truncated.empty()) {
      w.key("truncated").begin_array();
      for (const std::string& t : truncated) {
        w.value(t);
      }
      w.end_array();
    }
  }

  probe_services& s_;
  const zone_options& o_;
  const size_t zone_counter_;
  const size_t finding_counter_;
  ptr_worker* ptr_ = nullptr;
  direct_client client_;
  direct_query resolver_;
  absl::flat_hash_map<subnet_key, uint32_t> group_of_;
  absl::flat_hash_map<std::string, uint32_t> classless_group_of_;
  std::vector<group> groups_;
  absl::flat_hash_map<std::string, uint32_t> zone_of_;
  std::vector<zone_state> zones_;
  std::deque<uint32_t> waiting_groups_;
  std::deque<uint32_t> waiting_zones_;
  uint32_t active_groups_ = 0;
  uint32_t active_zones_ = 0;
  bool input_over_ = false;
  bool input_complete_ = true;  // false: the scan was stopped first
  bool written_ = false;
};

class zone_probe final : public probe {
 public:
  explicit zone_probe(const zone_options& o) : o_(o) {}
  std::string_view name() const override { return "zone"; }
  std::string_view after() const override { return "ptr"; }
  bool groups_subnets() const override { return true; }
  bool wants_resumed_hosts() const override { return true; }
  void declare_counters(counter_registry& r) override {
    zones_ = r.declare("zone", {"audited", "with_findings", "hosts_unaudited"});
    findings_ = r.declare("zone_findings",
                          counter_registry::labels_of<zone_finding_kind>(
                              zone_finding_kind_count,
                              [](zone_finding_kind k) { return to_string(k); }));
  }
  std::unique_ptr<probe_worker> make_worker(probe_services& s, uint8_t) const override {
    return std::make_unique<zone_worker>(s, o_, zones_, findings_);
  }
  void summary(const counter_view& c, const scan_totals&, std::string& line) const override {
    append_counts(line, "zones", c, "zone");
    append_counts(line, "zone findings", c, "zone_findings");
  }
  void metadata(const counter_view& c, const scan_totals&, json_writer& w) const override {
    write_counts(w, "zone", c, "zone");
    write_counts(w, "zone_findings", c, "zone_findings");
  }
  std::span<const field_doc> fields() const override { return ::ptrscan::fields; }

 private:
  const zone_options o_;
  size_t zones_ = 0;
  size_t findings_ = 0;
};

}  // namespace

std::shared_ptr<probe> make_zone_probe(const probe_options& o) {
  return o.set.zone ? std::make_shared<zone_probe>(o.zone) : nullptr;
}

void add_zone_flags(CLI::App& app, probe_options& o) {
  cli::add_number(app, "--zone-ns-rate", o.zone.ns_rate, 1, 1000, "N",
                  "queries per second to one authoritative server\n"
                  "address (default 10: they are not resolvers)");
  cli::add_number(app, "--zone-timeout", o.zone.timeout_ms, 100, 60000, "MS",
                  "one try's timeout of a direct query (default 2000;\n"
                  "UDP is tried twice, TCP once)");
  cli::add_number(app, "--zone-ns-port", o.zone.ns_port, 1, 65535, "PORT",
                  "the port authoritative servers are asked on (default 53)");
  cli::add_number(app, "--zone-max", o.zone.max_zones, 1, 1u << 24, "N",
                  "zones (and /24 or /64 groups) kept per thread (default\n"
                  "65536); hosts beyond are scanned, not audited");
  cli::add_switch(app, "--zone-no-tcp", "do not ask the servers over TCP",
                  [&o] { o.zone.tcp = false; });
}

}  // namespace ptrscan
