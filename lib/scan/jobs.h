#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "net/ip_address.h"

namespace ptrscan {

/// One target address travelling from the feeder to a shard.
struct work_item {
  ip_address ip;
  /// Position in the scan's emission order (deterministic for the same
  /// arguments): what --state records as done.
  uint64_t ordinal = 0;
  /// Written by an earlier run (--state): the shard shows the address to
  /// the probes that want_resumed_hosts() and starts no job for it.
  bool resumed = false;
};

/// A target name travelling from the feeder to a shard (a queue of its
/// own: a name does not fit a work_item, and names are rare next to
/// addresses). Trivially copyable, as the queue needs.
struct name_item {
  uint64_t ordinal = 0;
  uint8_t len = 0;
  char name[255] = {};  // lower-case, no trailing dot, at most 253 octets

  std::string_view view() const { return {name, len}; }
};

/// A sender identity target (`IP,DOMAIN[,HELO]`) travelling from the
/// feeder to a shard: an address whose record also answers for the
/// identity. A queue of its own, as names have (rare, and too big for a
/// work_item). Trivially copyable, as the queue needs.
struct identity_item {
  ip_address ip;
  uint64_t ordinal = 0;
  uint8_t domain_len = 0;
  uint8_t helo_len = 0;
  bool has_helo = false;
  bool helo_cut = false;  // the input's HELO field was longer than helo holds
  char domain[253] = {};  // lower-case, no trailing dot
  char helo[255] = {};    // as written

  std::string_view domain_view() const { return {domain, domain_len}; }
  std::string_view helo_view() const { return {helo, helo_len}; }
};

/// What a host started from an identity_item carries (probe_services::
/// identity): the domain it sends for and the HELO name it gives.
struct host_identity {
  std::string domain;
  std::string helo;
  bool has_helo = false;
  bool helo_cut = false;
};

/// A /24 (or IPv6 /64) as a map key: its leading bits and the family. One
/// LAN's worth of hosts: the unit of politeness caps (--per-subnet).
using subnet_key = std::pair<uint64_t, bool>;
inline subnet_key subnet_of(const ip_address& ip) {
  if (ip.is_v4()) {
    return {ip.v4_value() >> 8, false};
  }
  uint64_t hi = 0;
  for (size_t i = 0; i < 8; ++i) {
    hi = (hi << 8) | ip.bytes[i];
  }
  return {hi, true};
}

/// Probes a scan can run at most (the table's size bounds it).
inline constexpr size_t max_probes = 16;

/// One DNS question a job asked for a probe. Entries are reused from one
/// job to the next (their strings keep their capacity).
struct ask_state {
  std::string qname;  // changes when a CNAME is chased
  uint32_t tag = 0;   // the probe's own meaning
  uint16_t type = 0;
  uint8_t probe = 0;
  uint8_t hops = 0;  // CNAME hops followed so far
};

/// What every job has: what each probe still has in flight on it, and the
/// questions it asked.
struct job_base {
  uint64_t ordinal = 0;
  /// Per probe: questions and holds in flight.
  std::array<uint16_t, max_probes> pending{};
  /// Their sum, plus one guard while the job is being started.
  uint32_t open = 0;
  /// Hosts: bit p set once probe p is done (its dependants started).
  uint32_t done_probes = 0;
  /// Each ask on the heap: a new ask never moves the others, so a probe
  /// answering one (shard::on_dns_result holds it by reference) may ask
  /// again. (A deque would too, but costs ~600 bytes per job even empty:
  /// 60 MB at 100,000 hosts in flight.)
  std::vector<std::unique_ptr<ask_state>> asks;
  uint32_t asks_used = 0;

  void reset_base(uint64_t o) {
    ordinal = o;
    pending.fill(0);
    open = 0;
    done_probes = 0;
    asks_used = 0;
  }
  ask_state& new_ask() {
    if (asks_used == asks.size()) {
      asks.push_back(std::make_unique<ask_state>());
    }
    return *asks[asks_used++];
  }
};

/// A host in flight: a target address, or an address a name job added.
struct host_job : job_base {
  static constexpr uint32_t no_parent = UINT32_MAX;
  ip_address ip;
  /// A sender identity target: its identity, made for the first sender
  /// the slot holds and kept (strings keep their capacity from one job to
  /// the next); a slot that never holds one pays a pointer, not the strings
  /// (100,000 hosts in flight).
  bool has_identity = false;
  std::unique_ptr<host_identity> identity;
  uint32_t parent = no_parent;  // the name job's slot
  uint32_t parent_generation = 0;
  uint32_t child = 0;  // the number the name job gave it

  bool has_parent() const { return parent != no_parent; }
};

/// A target name in flight. Its children's records are held here and
/// written with its own summary in one chunk, so a --state record point
/// never splits a name's records.
struct name_job : job_base {
  std::string name;
  std::string records;
};

/// Which question of which job a DNS result belongs to: the 64-bit cookie
/// the transports hand back. slot (24 bits), generation (16), kind (1),
/// probe (4), ask (19).
struct ask_cookie {
  uint32_t slot = 0;
  uint32_t generation = 0;
  uint8_t kind = 0;  // job_kind
  uint8_t probe = 0;
  uint32_t ask = 0;

  static constexpr uint32_t generation_mask = 0xffff;
  static constexpr uint32_t max_asks = 1u << 19;

  constexpr uint64_t pack() const {
    return (uint64_t{slot & 0xffffff} << 40) | (uint64_t{generation & generation_mask} << 24) |
           (uint64_t{kind & 1u} << 23) | (uint64_t{probe & 0xfu} << 19) |
           uint64_t{ask & (max_asks - 1)};
  }
  static constexpr ask_cookie unpack(uint64_t v) {
    return ask_cookie{static_cast<uint32_t>((v >> 40) & 0xffffff),
                      static_cast<uint32_t>((v >> 24) & generation_mask),
                      static_cast<uint8_t>((v >> 23) & 1), static_cast<uint8_t>((v >> 19) & 0xf),
                      static_cast<uint32_t>(v & (max_asks - 1))};
  }
};

}  // namespace ptrscan
