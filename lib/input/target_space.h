#pragma once

#include <cstdint>
#include <vector>

#include "net/ip_address.h"
#include "input/target.h"

namespace ptrscan {

/// The CIDR targets of a scan laid end to end as one index space
/// [0, size()), so one permutation (and one --shard split) covers them all
/// however many blocks the input lists. Blocks keep input order; index →
/// address is a binary search over the blocks' start offsets.
class target_space {
 public:
  void add(const cidr_block& b);

  uint64_t size() const { return total_; }
  size_t blocks() const { return blocks_.size(); }
  ip_address at(uint64_t index) const;

 private:
  std::vector<cidr_block> blocks_;
  std::vector<uint64_t> starts_;  // starts_[k]: index of blocks_[k]'s first address
  uint64_t total_ = 0;
};

/// How many of the walk positions [0, n) fall to shard `index` of `count`
/// when positions are dealt round-robin (j % count == index).
constexpr uint64_t shard_share(uint64_t n, uint32_t index, uint32_t count) {
  return n > index ? (n - index + count - 1) / count : 0;
}

}  // namespace ptrscan
