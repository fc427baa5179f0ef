#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checks/dnsbl.h"
#include "checks/domain_audit.h"
#include "checks/fcrdns.h"
#include "checks/spf.h"
#include "core/ip_address.h"
#include "dns/dns_status.h"
#include "smtp/smtp_result.h"

namespace ptrscan {

/// One target address travelling from the feeder to a shard.
struct work_item {
  ip_address ip;
  /// Position in the scan's emission order (deterministic for the same
  /// arguments): what --state records as done.
  uint64_t ordinal = 0;
};

/// A domain target travelling from the feeder to a shard (a queue of its
/// own: a name does not fit a work_item, and domains are rare next to
/// addresses). Trivially copyable, as the queue needs.
struct domain_item {
  uint64_t ordinal = 0;
  uint8_t len = 0;
  char name[255] = {};  // lower-case, no trailing dot, at most 253 octets

  std::string_view view() const { return {name, len}; }
};

/// The state of one in-flight host: a slot in the shard's slab. Vectors and
/// strings are cleared, not freed, between hosts, so a warmed-up shard does
/// not allocate per host for them.
struct host_job {
  ip_address ip;
  uint64_t ordinal = 0;
  /// Outstanding DNS queries plus one guard while a step issues queries;
  /// the host is finished when it drops to zero.
  uint32_t pending = 0;

  // PTR lookup.
  std::string ptr_qname;  // the name asked (changes when a CNAME is chased)
  uint8_t ptr_hops = 0;
  dns_status ptr_status = dns_status::error;
  std::vector<std::string> ptr_names;

  // A and AAAA of each PTR name (the first max_forward_names of them).
  struct forward_state {
    std::string qname_a;
    std::string qname_aaaa;
    uint8_t hops_a = 0;
    uint8_t hops_aaaa = 0;
  };
  std::vector<forward_lookup> forward;
  std::vector<forward_state> forward_qnames;

  // One SMTP session per --smtp-ports entry, run beside the DNS lookups.
  std::vector<smtp_result> smtp;
  /// Admission state of each session (parallel to smtp).
  struct session_ticket {
    uint64_t seq = 0;           // the admission controller's number for its connect
    bool established = false;   // connected: in the pipe until it ends
    bool holds_subnet = false;  // counted against its /24's --per-subnet
  };
  std::vector<session_ticket> smtp_tickets;

  // One lookup per --dnsbl zone (the A record, then TXT when listed).
  struct dnsbl_state {
    std::string qname;
    uint8_t hops = 0;
    dnsbl_result result;
  };
  std::vector<dnsbl_state> dnsbl;

  // Addresses of a domain target's mail exchangers: which domain and which
  // of its addresses, and the SPF verdict for this address as a sender.
  static constexpr uint32_t no_domain = UINT32_MAX;
  uint32_t domain_slot = no_domain;
  uint32_t domain_generation = 0;
  uint32_t domain_address = 0;
  std::unique_ptr<spf_evaluation> spf;
  struct spf_question {
    std::string qname;  // changes when a CNAME is chased
    uint16_t type = 0;
    uint8_t hops = 0;
  };
  std::vector<spf_question> spf_questions;

  bool from_domain() const { return domain_slot != no_domain; }

  void reset(const ip_address& a) {
    ip = a;
    domain_slot = no_domain;
    spf.reset();
    pending = 0;
    ptr_qname.clear();
    ptr_hops = 0;
    ptr_status = dns_status::error;
    ptr_names.clear();
    forward.clear();
    forward_qnames.clear();
  }
};

/// The state of one domain target in flight: its audit, the lookups that
/// build it, and the records of its addresses, held back so they reach the
/// output in the same chunk as the summary (--state counts the domain as
/// done only then, so a resumed scan never repeats half a domain).
struct domain_job {
  domain_audit audit;
  uint64_t ordinal = 0;
  /// Outstanding queries, probed addresses not yet written, and a guard.
  uint32_t pending = 0;
  bool addresses_collected = false;
  std::string mx_qname;
  std::string txt_qname;
  uint8_t mx_hops = 0;
  uint8_t txt_hops = 0;
  struct host_questions {
    std::string qname_a;
    std::string qname_aaaa;
    uint8_t hops_a = 0;
    uint8_t hops_aaaa = 0;
  };
  std::vector<host_questions> host_qnames;  // parallel to audit.hosts
  std::string records;

  void reset(std::string_view domain) {
    audit.reset(domain);
    pending = 0;
    addresses_collected = false;
    mx_qname.assign(domain);
    txt_qname.assign(domain);
    mx_hops = 0;
    txt_hops = 0;
    host_qnames.clear();
    records.clear();
  }
};

/// Which lookup of a host or domain a DNS result belongs to. Packed into
/// the 64-bit cookie the transports hand back: slot (24 bits), generation
/// (24), kind (4), index (12). Kinds from `mx` on name a domain_job slot,
/// the others a host_job slot; the index is the forward name, SPF
/// question, DNSBL zone or MX host.
struct dns_cookie {
  enum class kind_t : uint8_t {
    ptr = 0,
    a = 1,
    aaaa = 2,
    spf = 3,
    dnsbl_a = 4,
    dnsbl_txt = 5,
    mx = 6,
    txt = 7,
    mx_a = 8,
    mx_aaaa = 9,
  };
  static constexpr bool is_domain_kind(kind_t k) { return k >= kind_t::mx; }
  uint32_t slot = 0;
  uint32_t generation = 0;
  kind_t kind = kind_t::ptr;
  uint16_t index = 0;

  constexpr uint64_t pack() const {
    return (uint64_t{slot & 0xffffff} << 40) | (uint64_t{generation & 0xffffff} << 16) |
           (uint64_t{static_cast<uint8_t>(kind) & 0xfu} << 12) | uint64_t{index & 0xfffu};
  }
  static constexpr dns_cookie unpack(uint64_t v) {
    return dns_cookie{static_cast<uint32_t>((v >> 40) & 0xffffff),
                      static_cast<uint32_t>((v >> 16) & 0xffffff),
                      static_cast<kind_t>((v >> 12) & 0xf), static_cast<uint16_t>(v & 0xfff)};
  }
};

}  // namespace ptrscan
