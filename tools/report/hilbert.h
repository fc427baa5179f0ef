#pragma once

#include <cstdint>

namespace ptrscan::report {

/// A cell of a square grid; x grows to the right, y downwards.
struct grid_cell {
  uint32_t x = 0;
  uint32_t y = 0;
  friend bool operator==(const grid_cell&, const grid_cell&) = default;
};

/// The cell at distance `d` (0 <= d < side * side) along the Hilbert curve that
/// fills a `side` x `side` grid (`side` a power of two). The curve starts at
/// the top-left cell and ends at the top-right one. This is the layout of the
/// classic IPv4 heatmaps: consecutive addresses stay neighbours, so every
/// aligned block (a /24 inside a /16) is a square, not a strip.
grid_cell hilbert_d2xy(uint32_t side, uint32_t d);

/// The inverse of hilbert_d2xy().
uint32_t hilbert_xy2d(uint32_t side, grid_cell cell);

}  // namespace ptrscan::report
