#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "checks/fcrdns.h"
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

  void reset(const ip_address& a) {
    ip = a;
    pending = 0;
    ptr_qname.clear();
    ptr_hops = 0;
    ptr_status = dns_status::error;
    ptr_names.clear();
    forward.clear();
    forward_qnames.clear();
  }
};

/// Which lookup of a host a DNS result belongs to. Packed into the 64-bit
/// cookie c-ares hands back: slot (24 bits), generation (24), kind (4),
/// forward-name index (12).
struct dns_cookie {
  enum class kind_t : uint8_t { ptr = 0, a = 1, aaaa = 2 };
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
