#pragma once

#include <string>
#include <vector>

#include "testnet/dns_testbed.h"

namespace ptrscan::testnet {

/// One hand-written situation in the fixture zones and what ptrscan must
/// report for it.
struct fixture_case {
  std::string label;                   // test-name friendly: "pass", "cname_chain"
  std::string ip;                      // the address to scan
  std::string ptr_status;              // ok, nxdomain, nodata, servfail, refused
  std::vector<std::string> ptr_names;  // sorted; empty unless ok
  std::string fcrdns_status;           // pass, fail, none, error
  /// For pass: the names fcrdns.name may be (one unless several resolve back).
  std::vector<std::string> fcrdns_names;
};

/// Zones for every fixture_case: reverse zones for 198.18.0.0/24 (with an
/// RFC 2317 classless delegation of 198.18.200.0/27 to its own zone) and
/// 2001:db8::/32, forward zones under test., a dead reverse zone
/// (198.19.9.0/24) and a dead forward zone (dead.test).
testbed_options fixture_testbed();

/// The cases, in a stable order.
const std::vector<fixture_case>& fixture_cases();

/// The case with `label`; throws std::out_of_range when there is none.
const fixture_case& fixture(const std::string& label);

/// How many PTR names the oversized PTR set has (its answer exceeds 4096
/// bytes, so it needs TCP).
inline constexpr int fixture_big_ptr_count = 120;

}  // namespace ptrscan::testnet
