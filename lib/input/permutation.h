#pragma once

#include <cstdint>

namespace ptrscan {

/// A keyed pseudo-random bijection of [0, n): the order in which a scan
/// visits its CIDR targets, so consecutive probes land far apart and no /24
/// sees a burst. Same (n, seed) → same order on every machine, which is what
/// lets `--shard I/N` split one walk across machines (zmap's approach, with
/// a format-preserving cipher in place of its cyclic group).
///
/// A balanced Feistel network over the smallest even number of bits that
/// covers n, with cycle-walking for values ≥ n: a permutation of the larger
/// power of two restricted to [0, n) is still a permutation, and at most 3 of
/// 4 values fall outside, so a step costs O(1) expected rounds.
class index_permutation {
 public:
  index_permutation(uint64_t n, uint64_t seed);

  uint64_t size() const { return n_; }
  /// The i-th index of the walk, i < size().
  uint64_t at(uint64_t i) const;

 private:
  uint64_t encrypt(uint64_t x) const;

  uint64_t n_;
  unsigned half_bits_ = 1;
  uint64_t half_mask_ = 1;
  uint64_t keys_[4] = {};
};

/// SplitMix64's finaliser: the round function and key schedule above, and a
/// cheap well-mixed hash wherever one is needed.
constexpr uint64_t mix64(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace ptrscan
