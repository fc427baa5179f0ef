#include "report/hilbert.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <vector>

namespace ptrscan::report {
namespace {

constexpr uint32_t side = 256;

TEST(Hilbert, VisitsEveryCellOfA256GridOnce) {
  std::vector<bool> seen(side * side, false);
  for (uint32_t d = 0; d < side * side; ++d) {
    const grid_cell c = hilbert_d2xy(side, d);
    ASSERT_LT(c.x, side);
    ASSERT_LT(c.y, side);
    ASSERT_FALSE(seen[c.y * side + c.x]) << "cell (" << c.x << "," << c.y << ") twice, d=" << d;
    seen[c.y * side + c.x] = true;
  }
}

TEST(Hilbert, XyToDInvertsDToXy) {
  for (uint32_t d = 0; d < side * side; ++d) {
    ASSERT_EQ(hilbert_xy2d(side, hilbert_d2xy(side, d)), d);
  }
}

TEST(Hilbert, ConsecutiveAddressesAreNeighbours) {
  for (uint32_t d = 1; d < side * side; ++d) {
    const grid_cell a = hilbert_d2xy(side, d - 1);
    const grid_cell b = hilbert_d2xy(side, d);
    const int distance = std::abs(int(a.x) - int(b.x)) + std::abs(int(a.y) - int(b.y));
    ASSERT_EQ(distance, 1) << "d=" << d;
  }
}

TEST(Hilbert, StartsTopLeftAndEndsTopRight) {
  EXPECT_EQ(hilbert_d2xy(side, 0), (grid_cell{0, 0}));
  EXPECT_EQ(hilbert_d2xy(side, side * side - 1), (grid_cell{side - 1, 0}));
}

// What makes the curve worth it for address space: every aligned /24 of a
// /16 (256 consecutive cells) fills a 16 x 16 square.
TEST(Hilbert, EachSlash24IsASquare) {
  for (uint32_t block = 0; block < 256; ++block) {
    uint32_t min_x = side, min_y = side, max_x = 0, max_y = 0;
    for (uint32_t i = 0; i < 256; ++i) {
      const grid_cell c = hilbert_d2xy(side, block * 256 + i);
      min_x = std::min(min_x, c.x);
      min_y = std::min(min_y, c.y);
      max_x = std::max(max_x, c.x);
      max_y = std::max(max_y, c.y);
    }
    EXPECT_EQ(max_x - min_x, 15u) << block;
    EXPECT_EQ(max_y - min_y, 15u) << block;
    EXPECT_EQ(min_x % 16, 0u) << block;
    EXPECT_EQ(min_y % 16, 0u) << block;
  }
}

TEST(Hilbert, SmallGridsFollowTheKnownOrder) {
  // The 2 x 2 curve: top-left, bottom-left, bottom-right, top-right.
  EXPECT_EQ(hilbert_d2xy(2, 0), (grid_cell{0, 0}));
  EXPECT_EQ(hilbert_d2xy(2, 1), (grid_cell{0, 1}));
  EXPECT_EQ(hilbert_d2xy(2, 2), (grid_cell{1, 1}));
  EXPECT_EQ(hilbert_d2xy(2, 3), (grid_cell{1, 0}));
  EXPECT_EQ(hilbert_d2xy(1, 0), (grid_cell{0, 0}));
}

}  // namespace
}  // namespace ptrscan::report
