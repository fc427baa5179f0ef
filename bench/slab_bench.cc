// The shard's per-host bookkeeping: a slot from the slab of host jobs when a
// host starts, its user_data packed into every SQE and unpacked from every
// CQE, and the slot back (generation bumped) when the host finishes.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <deque>

#include "scan/jobs.h"
#include "core/slab.h"
#include "core/user_data.h"

namespace ptrscan {
namespace {

// Default --max-inflight: the slab size of a one-shard scan.
constexpr uint32_t slots = 2000;

// Acquire and release the same slot: the cost of the free list alone.
void BM_SlabAcquireRelease(benchmark::State& state) {
  slab<host_job> s(slots);
  for (auto _ : state) {
    const int64_t i = s.acquire();
    benchmark::DoNotOptimize(i);
    s.release(static_cast<uint32_t>(i));
  }
}
BENCHMARK(BM_SlabAcquireRelease);

// A full slab in steady state: each finished host frees the oldest slot and
// a new host takes one, so slots cycle through the whole table and the
// generation check sees every slot's counter.
void BM_SlabSteadyStateWithUserData(benchmark::State& state) {
  slab<host_job> s(slots);
  std::deque<uint64_t> in_flight;
  for (uint32_t n = 0; n < slots; ++n) {
    const auto i = static_cast<uint32_t>(s.acquire());
    in_flight.push_back(user_data{op_kind::smtp_io, s.generation(i), i}.pack());
  }
  for (auto _ : state) {
    const user_data done = user_data::unpack(in_flight.front());
    in_flight.pop_front();
    const bool current = s.generation(done.index) == done.generation;
    benchmark::DoNotOptimize(current);
    s.release(done.index);
    const auto i = static_cast<uint32_t>(s.acquire());
    in_flight.push_back(user_data{op_kind::smtp_io, s.generation(i), i}.pack());
  }
}
BENCHMARK(BM_SlabSteadyStateWithUserData);

}  // namespace
}  // namespace ptrscan
