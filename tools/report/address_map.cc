#include "report/address_map.h"

#include <absl/container/flat_hash_set.h>

#include <algorithm>

#include "report/hilbert.h"

namespace ptrscan::report {
namespace {

static_assert(map_verdict_count <= 16, "a verdict must fit in a nibble");

map_verdict nibble_at(const std::array<uint8_t, 128>& cells, uint32_t offset) {
  const uint8_t byte = cells[offset / 2];
  return static_cast<map_verdict>(offset % 2 == 0 ? byte & 0x0f : byte >> 4);
}

}  // namespace

void address_map::add(const ip_address& ip, map_verdict verdict) {
  if (!ip.is_v4()) {
    return;
  }
  const uint32_t address = ip.v4_value();
  uint8_t& byte = by24_[address >> 8][(address & 0xff) / 2];
  const auto v = static_cast<uint8_t>(verdict);
  byte = (address % 2 == 0) ? uint8_t((byte & 0xf0) | v) : uint8_t((byte & 0x0f) | v << 4);
}

size_t address_map::block_count() const {
  absl::flat_hash_set<uint32_t> blocks;
  for (const auto& [key, cells] : by24_) {
    blocks.insert(key >> 8);
  }
  return blocks.size();
}

std::vector<block_picture> address_map::largest_blocks(size_t limit) const {
  // Scanned addresses per /16, then the largest ones.
  absl::flat_hash_map<uint32_t, uint64_t> scanned;
  for (const auto& [key, cells] : by24_) {
    uint64_t& n = scanned[key >> 8];
    for (uint32_t i = 0; i < 256; ++i) {
      n += nibble_at(cells, i) != map_verdict::not_scanned ? 1 : 0;
    }
  }
  std::vector<std::pair<uint32_t, uint64_t>> blocks(scanned.begin(), scanned.end());
  const size_t n = std::min(limit, blocks.size());
  std::partial_sort(blocks.begin(), blocks.begin() + static_cast<ptrdiff_t>(n), blocks.end(),
                    [](const auto& a, const auto& b) {
                      return a.second != b.second ? a.second > b.second : a.first < b.first;
                    });
  blocks.resize(n);
  std::sort(blocks.begin(), blocks.end());

  // One Hilbert-curve lookup table serves every block.
  constexpr uint32_t side = block_picture::side;
  std::vector<uint32_t> raster_index(side * side);
  for (uint32_t d = 0; d < side * side; ++d) {
    const grid_cell c = hilbert_d2xy(side, d);
    raster_index[d] = c.y * side + c.x;
  }

  std::vector<block_picture> pictures(n);
  for (size_t b = 0; b < n; ++b) {
    block_picture& p = pictures[b];
    const uint32_t block = blocks[b].first;
    p.first_address = block << 16;
    p.network = ip_address::v4(p.first_address).to_string() + "/16";
    p.cells.assign(side * side, map_verdict::not_scanned);
    for (uint32_t third = 0; third < 256; ++third) {
      const auto it = by24_.find(block << 8 | third);
      if (it == by24_.end()) {
        continue;
      }
      for (uint32_t i = 0; i < 256; ++i) {
        p.cells[raster_index[third << 8 | i]] = nibble_at(it->second, i);
      }
    }
    for (const map_verdict v : p.cells) {
      ++p.counts[static_cast<size_t>(v)];
    }
  }
  return pictures;
}

}  // namespace ptrscan::report
