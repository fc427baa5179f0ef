#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"
#include "testnet/dns_testbed.h"

namespace ptrscan::testnet {

/// The situation the generated zones set up for one address.
enum class plan_case : uint8_t {
  pass,          // PTR -> name, A = this IP
  wrong_addr,    // PTR -> name, A = another IP
  no_addr,       // PTR -> name with no address (half NODATA, half NXDOMAIN forward)
  second_name,   // two PTR names, only the second resolves back
  cname_chain,   // PTR -> alias, CNAME -> CNAME -> name with A = this IP
  aaaa_only,     // PTR -> name with only an AAAA record
  dead_forward,  // PTR -> name in a zone delegated to nothing (SERVFAIL)
  ptr_nodata,    // the reverse name exists but has no PTR (TXT only)
  no_ptr,        // no reverse name at all (NXDOMAIN)
};
inline constexpr size_t plan_case_count = 9;

/// Short label for reports ("pass", "wrong_addr", ...).
std::string_view to_string(plan_case c);

/// One forward lookup ptrscan may list under fcrdns.forward.
struct expected_forward {
  std::string name;
  std::string status;              // ok, nxdomain, nodata, servfail
  std::vector<std::string> addrs;  // sorted, canonical text
};

/// What ptrscan must report for one address (the `ptr` and `fcrdns` parts of
/// the output record, names normalised).
struct expected_record {
  plan_case kind = plan_case::no_ptr;
  std::string ptr_status;              // ok, nxdomain, nodata
  std::vector<std::string> ptr_names;  // sorted; empty unless ok
  std::string fcrdns_status;           // pass, fail, none, error
  std::string fcrdns_name;             // set only for pass
  std::vector<expected_forward> forward;  // one per PTR name
};

/// Deterministic reverse and forward zones for an IPv4 block, each address
/// assigned a case by a hash of (seed, address). Same block + seed = same
/// zones and expectations, so a failure can be reproduced.
class zone_plan {
 public:
  /// `cidr` is an IPv4 block like "198.18.0.0/16" (prefix 16..32; host bits
  /// must be zero). Throws std::invalid_argument otherwise.
  static zone_plan generate(std::string_view cidr, uint64_t seed);

  /// Reverse zone(s) and the forward zones, ready for testbed_options::zones.
  const std::vector<zone_spec>& zones() const { return zones_; }
  /// Zones to register as dead in the testbed.
  const std::vector<std::string>& dead_zones() const { return dead_zones_; }
  /// testbed_options with zones and dead zones filled in.
  testbed_options testbed() const;

  /// Number of addresses in the block.
  uint32_t size() const { return size_; }
  /// The i-th address of the block.
  ip_address address(uint32_t i) const { return ip_address::v4(base_ + i); }
  /// The expectation for the i-th address.
  const expected_record& expected(uint32_t i) const { return expected_[i]; }
  /// The expectation for `ip`, or nullptr when it is not in the block.
  const expected_record* find(const ip_address& ip) const;
  /// How many addresses got each case.
  const std::array<uint32_t, plan_case_count>& case_counts() const { return case_counts_; }
  /// The block as given, e.g. "198.18.0.0/16".
  const std::string& cidr() const { return cidr_; }

 private:
  std::string cidr_;
  uint32_t base_ = 0;
  uint32_t size_ = 0;
  std::vector<expected_record> expected_;
  std::vector<zone_spec> zones_;
  std::vector<std::string> dead_zones_;
  std::array<uint32_t, plan_case_count> case_counts_{};
};

}  // namespace ptrscan::testnet
