// DNS query timers (deadline_fifo): every query sent arms one, every answer
// leaves it to expire lazily, and the resolver pops what is due on each
// loop turn. Steady state of a shard with `state.range(0)` queries on the
// wire (--dns-inflight).

#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "core/deadline_fifo.h"

namespace ptrscan {
namespace {

// Expire the oldest timer and arm one for the next query in its slot: the
// FIFO stays at `in_flight` entries. Every other slot was answered before
// its timer came due (generation moved on), so half the expiries are stale
// and skipped, as the resolver skips them.
void BM_DeadlineFifoArmExpire(benchmark::State& state) {
  const auto in_flight = static_cast<uint32_t>(state.range(0));
  const int64_t timeout_ns = 2'000'000'000;
  std::vector<uint32_t> generation(in_flight, 0);
  deadline_fifo fifo;
  int64_t now = 0;
  for (uint32_t slot = 0; slot < in_flight; ++slot) {
    fifo.push({now + timeout_ns, slot, 0});
    now += 1000;
  }
  uint64_t timed_out = 0;
  bool answer = false;
  for (auto _ : state) {
    const deadline_fifo::entry e = fifo.front();
    fifo.pop();
    timed_out += generation[e.index] == e.generation ? 1 : 0;
    fifo.push({now + timeout_ns, e.index, generation[e.index]});
    // An answer moves the slot's generation on, making that timer stale.
    generation[e.index] += answer ? 1 : 0;
    answer = !answer;
    now += 1000;
    benchmark::DoNotOptimize(fifo.next_deadline());
  }
  benchmark::DoNotOptimize(timed_out);
}
BENCHMARK(BM_DeadlineFifoArmExpire)->Arg(256)->Arg(20'000);

}  // namespace
}  // namespace ptrscan
