#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "net/ip_address.h"
#include "input/target.h"

namespace ptrscan {

/// A set of addresses given as prefixes: --blocklist, --allowlist and the
/// built-in special-purpose list. Stored as sorted, merged, disjoint
/// intervals (8 bytes each for IPv4, 32 for IPv6), so memory follows the
/// number of separate ranges, never the number of addresses or of trie
/// nodes: a 30-million-line allowlist of scattered /32s costs ~240 MB at
/// worst, and adjacent or overlapping entries merge. Lookups are a binary
/// search.
class prefix_set {
 public:
  /// Adds the prefix `base/len` (host bits of base are ignored).
  void add(const ip_address& base, unsigned len);
  /// Sorts and merges what was added. Call once after the adds, before the
  /// lookups; adding after finish() needs another finish().
  void finish();

  bool empty() const { return v4_.empty() && v6_.empty(); }
  bool contains(const ip_address& a) const;
  /// Every address of `b` is in the set.
  bool covers(const cidr_block& b) const;
  /// Some address of `b` is in the set.
  bool intersects(const cidr_block& b) const;

  /// Disjoint ranges after finish(), and the bytes they occupy.
  size_t ranges() const { return v4_.size() + v6_.size(); }
  size_t memory_bytes() const;

  /// Reads zmap's list format: one address or CIDR per line, `#` starts a
  /// comment, blank lines ignored. An unparsable line is an error naming
  /// the file and line (usage error: exit 2).
  static absl::StatusOr<prefix_set> load(const std::string& path);
  /// The same for text in memory (`source` names it in errors).
  static absl::StatusOr<prefix_set> parse(std::string_view text, std::string_view source);

 private:
  using u128 = unsigned __int128;
  absl::Status add_line(std::string_view line, std::string_view source, uint64_t line_no);
  template <class T>
  static void merge(std::vector<std::pair<T, T>>& ranges);
  template <class T>
  static const std::pair<T, T>* find(const std::vector<std::pair<T, T>>& ranges, T value);

  std::vector<std::pair<uint32_t, uint32_t>> v4_;  // [first, last]
  std::vector<std::pair<u128, u128>> v6_;
};

}  // namespace ptrscan
