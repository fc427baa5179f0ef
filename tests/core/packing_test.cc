#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "scan/jobs.h"
#include "core/slab.h"
#include "core/spsc_queue.h"
#include "core/user_data.h"

namespace ptrscan {
namespace {

TEST(UserDataTest, RoundTripsEveryField) {
  const user_data cases[] = {
      {op_kind::dns_recv, 0, 0},
      {op_kind::wakeup, user_data::generation_mask, UINT32_MAX},
      {op_kind::cancel, 12345, 678},
  };
  for (const user_data& u : cases) {
    user_data back = user_data::unpack(u.pack());
    EXPECT_EQ(back.op, u.op);
    EXPECT_EQ(back.generation, u.generation);
    EXPECT_EQ(back.index, u.index);
  }
  // A generation wider than 24 bits does not bleed into the op.
  EXPECT_EQ(user_data::unpack(user_data{op_kind::dns_recv, 0xffffffff, 1}.pack()).op,
            op_kind::dns_recv);
}

TEST(AskCookieTest, RoundTripsEveryField) {
  const ask_cookie cases[] = {
      {0, 0, 0, 0, 0},
      {0xffffff, ask_cookie::generation_mask, 1, 15, ask_cookie::max_asks - 1},
      {1000, 77, 1, 3, 9},
      {5, 0x1234, 0, 6, 70000},
  };
  for (const ask_cookie& c : cases) {
    ask_cookie back = ask_cookie::unpack(c.pack());
    EXPECT_EQ(back.slot, c.slot);
    EXPECT_EQ(back.generation, c.generation);
    EXPECT_EQ(back.kind, c.kind);
    EXPECT_EQ(back.probe, c.probe);
    EXPECT_EQ(back.ask, c.ask);
  }
}

TEST(SlabTest, ReuseBumpsGeneration) {
  slab<int> s(2);
  int64_t a = s.acquire();
  int64_t b = s.acquire();
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  EXPECT_NE(a, b);
  EXPECT_EQ(s.acquire(), -1);
  EXPECT_TRUE(s.full());
  uint32_t gen = s.generation(static_cast<uint32_t>(a));
  s.release(static_cast<uint32_t>(a));
  EXPECT_EQ(s.in_use(), 1u);
  EXPECT_EQ(s.acquire(), a);
  EXPECT_NE(s.generation(static_cast<uint32_t>(a)), gen);
}

TEST(SpscQueueTest, BoundedAndOrderedAcrossThreads) {
  spsc_queue<uint64_t> q(64);
  EXPECT_EQ(q.capacity(), 64u);
  for (uint64_t i = 0; i < 64; ++i) {
    ASSERT_TRUE(q.try_push(i));
  }
  EXPECT_FALSE(q.try_push(64));  // full: the producer must back off
  for (uint64_t i = 0; i < 64; ++i) {
    ASSERT_EQ(q.try_pop(), i);
  }
  EXPECT_FALSE(q.try_pop().has_value());

  constexpr uint64_t n = 200'000;
  std::thread producer([&] {
    for (uint64_t i = 0; i < n; ++i) {
      while (!q.try_push(i)) {
        std::this_thread::yield();
      }
    }
  });
  uint64_t expect = 0;
  while (expect < n) {
    if (std::optional<uint64_t> v = q.try_pop()) {
      ASSERT_EQ(*v, expect);
      ++expect;
    } else {
      std::this_thread::yield();
    }
  }
  producer.join();
}

}  // namespace
}  // namespace ptrscan
