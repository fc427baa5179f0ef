#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "testnet/dns_testbed.h"

namespace ptrscan::testnet {

/// Path of the ptrscan-smtp-farm binary built beside the tests.
std::string smtp_farm_binary();

/// The name ptrscan-smtp-farm greets with for `ipv4` ("198.18.3.7" ->
/// "mx-198-18-3-7.farm.test").
std::string farm_banner_host(const std::string& ipv4, const std::string& domain = "farm.test");

/// One address of a farm plan and what ptrscan must report for it.
struct farm_host {
  std::string ip;
  std::string ptr_name;     // what the PTR record names
  std::string banner_host;  // what the farm greets with
  bool match = false;       // banner_ptr_match
};

/// PTR records for an IPv4 block served by the farm: about `match_percent`
/// of the addresses (chosen by a hash of seed and address) get the PTR the
/// farm's banner names, the rest a different name (another domain, or the
/// neighbour's name). Deterministic for the same block and seed.
class farm_plan {
 public:
  /// `cidr`: an IPv4 block /16../30 inside 198.18.0.0/15.
  static farm_plan generate(const std::string& cidr, uint64_t seed, int match_percent = 70);

  const std::vector<farm_host>& hosts() const { return hosts_; }
  const std::string& cidr() const { return cidr_; }
  size_t matches() const { return matches_; }
  /// The reverse zone(s) with every PTR, for testbed_options::zones.
  testbed_options testbed() const;

 private:
  std::string cidr_;
  std::vector<farm_host> hosts_;
  std::vector<zone_spec> zones_;
  size_t matches_ = 0;
};

}  // namespace ptrscan::testnet
