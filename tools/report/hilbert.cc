#include "report/hilbert.h"

#include <utility>

namespace ptrscan::report {
namespace {

// Reflects and transposes a quadrant so that the sub-curve inside it has the
// orientation of the whole curve (the recursive step of the construction).
void rotate(uint32_t side, grid_cell& c, uint32_t rx, uint32_t ry) {
  if (ry != 0) {
    return;
  }
  if (rx == 1) {
    c.x = side - 1 - c.x;
    c.y = side - 1 - c.y;
  }
  std::swap(c.x, c.y);
}

}  // namespace

grid_cell hilbert_d2xy(uint32_t side, uint32_t d) {
  grid_cell c;
  for (uint32_t s = 1; s < side; s *= 2) {
    const uint32_t rx = 1 & (d / 2);
    const uint32_t ry = 1 & (d ^ rx);
    rotate(s, c, rx, ry);
    c.x += s * rx;
    c.y += s * ry;
    d /= 4;
  }
  return c;
}

uint32_t hilbert_xy2d(uint32_t side, grid_cell cell) {
  uint32_t d = 0;
  for (uint32_t s = side / 2; s > 0; s /= 2) {
    const uint32_t rx = (cell.x & s) > 0 ? 1 : 0;
    const uint32_t ry = (cell.y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    rotate(side, cell, rx, ry);
  }
  return d;
}

}  // namespace ptrscan::report
