#pragma once

#include <absl/container/flat_hash_map.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "net/ip_address.h"
#include "report/host_facts.h"

namespace ptrscan::report {

/// One IPv4 /16 as a picture: 256 x 256 cells, one per address, laid out along
/// a Hilbert curve (so each /24 is a 16 x 16 square).
struct block_picture {
  static constexpr uint32_t side = 256;

  uint32_t first_address = 0;  ///< host order: 198.18.0.0 for 198.18.0.0/16
  std::string network;         ///< "198.18.0.0/16"
  /// Addresses per verdict, not_scanned included: the legend of this /16.
  std::array<uint64_t, map_verdict_count> counts{};
  /// Row-major: the verdict of the cell at (x, y) is cells[y * side + x].
  std::vector<map_verdict> cells;

  uint64_t scanned() const { return side * side - counts[0]; }
};

/// The verdict of every scanned IPv4 address, kept per /24 (128 bytes each,
/// two addresses a byte) so memory follows the networks seen, not the
/// records. An address seen twice keeps its last verdict: with concatenated
/// scans, the newer one when they are given oldest first. IPv6 is not drawn.
class address_map {
 public:
  void add(const ip_address& ip, map_verdict verdict);

  /// /16s with at least one scanned address.
  size_t block_count() const;

  /// The `limit` /16s with the most scanned addresses (ties: lower address
  /// first), returned in address order.
  std::vector<block_picture> largest_blocks(size_t limit) const;

 private:
  using nibbles = std::array<uint8_t, 128>;      // 256 verdicts, 4 bits each
  absl::flat_hash_map<uint32_t, nibbles> by24_;  // key: address >> 8
};

}  // namespace ptrscan::report
