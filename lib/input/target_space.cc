#include "input/target_space.h"

#include <algorithm>

namespace ptrscan {

void target_space::add(const cidr_block& b) {
  starts_.push_back(total_);
  blocks_.push_back(b);
  total_ += b.size();
}

ip_address target_space::at(uint64_t index) const {
  // The last block starting at or before `index`.
  const auto it = std::upper_bound(starts_.begin(), starts_.end(), index);
  const size_t k = static_cast<size_t>(it - starts_.begin()) - 1;
  return blocks_[k].at(index - starts_[k]);
}

}  // namespace ptrscan
