#include "input/permutation.h"

namespace ptrscan {

index_permutation::index_permutation(uint64_t n, uint64_t seed) : n_(n) {
  unsigned bits = 2;
  while (bits < 64 && (uint64_t{1} << bits) < n) {
    bits += 2;
  }
  half_bits_ = bits / 2;
  half_mask_ = (uint64_t{1} << half_bits_) - 1;
  uint64_t k = seed;
  for (uint64_t& key : keys_) {
    k += 0x9e3779b97f4a7c15ULL;
    key = mix64(k);
  }
}

uint64_t index_permutation::encrypt(uint64_t x) const {
  uint64_t left = x >> half_bits_;
  uint64_t right = x & half_mask_;
  for (uint64_t key : keys_) {
    const uint64_t next = left ^ (mix64(right ^ key) & half_mask_);
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

uint64_t index_permutation::at(uint64_t i) const {
  // Cycle-walking: encrypt until the value lands inside [0, n). It ends
  // because the cipher is a permutation of a finite set containing i.
  uint64_t x = encrypt(i);
  while (x >= n_) {
    x = encrypt(x);
  }
  return x;
}

}  // namespace ptrscan
