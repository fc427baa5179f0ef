#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "report/host_facts.h"

namespace ptrscan::report {

/// What one network has wrong. A host can count in several columns.
struct network_counts {
  uint64_t hosts = 0;
  uint64_t no_ptr = 0;           ///< PTR lookup: nxdomain or nodata
  uint64_t fcrdns_fail = 0;      ///< a PTR name that does not resolve back
  uint64_t generic_dynamic = 0;  ///< rdns.class generic-dynamic: looks residential
  uint64_t banner_mismatch = 0;  ///< checks.banner_ptr_match == false

  /// The table's sort key: the sum of the problem columns. Unweighted on
  /// purpose, so that an auditor can recompute it from the columns; lookup
  /// errors are left out because they say more about the scan than the zone.
  uint64_t problems() const { return no_ptr + fcrdns_fail + generic_dynamic + banner_mismatch; }
};

/// One row of the per-network table.
struct network_row {
  std::string network;  ///< "198.51.100.0/24" or "2001:db8:1::/48"
  /// Rank of the network in address order among the returned rows (IPv4
  /// before IPv6), so that the page can sort the column numerically.
  uint64_t address_rank = 0;
  network_counts counts;
  std::string sample_name;  ///< the first PTR name seen in the network, if any
};

/// Problem counts per IPv4 /24 and per IPv6 /48 (the usual end-site
/// assignment), accumulated while records stream past. Memory grows with the
/// number of networks seen, not with the number of records.
class network_table {
 public:
  void add(const host_facts& host);

  /// Networks seen so far.
  size_t size() const { return v4_.size() + v6_.size(); }

  /// At most `limit` networks, most problems first (ties: more hosts first,
  /// then lower address).
  std::vector<network_row> worst(size_t limit) const;

 private:
  struct entry {
    network_counts counts;
    std::string sample_name;
  };
  absl::flat_hash_map<uint32_t, entry> v4_;                // key: address >> 8
  absl::flat_hash_map<std::array<uint8_t, 6>, entry> v6_;  // key: the first 48 bits
};

}  // namespace ptrscan::report
