// The feeder-to-shard queue: every target crosses one spsc_queue<work_item>.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <thread>

#include "scan/engine.h"
#include "scan/jobs.h"
#include "core/spsc_queue.h"

namespace ptrscan {
namespace {

// The engine's per-shard inbox size.
const size_t capacity = scan_config{}.inbox_capacity;

work_item item(uint32_t n) { return work_item{ip_address::v4(0xc6120000 + n)}; }

// Push then pop on one thread: the queue's own cost, with its cached
// indices always hitting and no cache line moving between cores.
void BM_SpscPushPopOneThread(benchmark::State& state) {
  spsc_queue<work_item> q(capacity);
  uint32_t n = 0;
  for (auto _ : state) {
    q.try_push(item(n++));
    auto v = q.try_pop();
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_SpscPushPopOneThread);

// A feeder thread pushes state.range(0) items while this thread pops them,
// both spinning on full/empty as the feeder and a busy shard do. Reported
// per item; the two threads take both cores of the development machine.
void BM_SpscTransferTwoThreads(benchmark::State& state) {
  const auto count = static_cast<uint32_t>(state.range(0));
  spsc_queue<work_item> q(capacity);
  for (auto _ : state) {
    std::thread feeder([&] {
      for (uint32_t n = 0; n < count;) {
        if (q.try_push(item(n))) {
          ++n;
        }
      }
    });
    for (uint32_t got = 0; got < count;) {
      if (auto v = q.try_pop()) {
        benchmark::DoNotOptimize(*v);
        ++got;
      }
    }
    feeder.join();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * count);
}
BENCHMARK(BM_SpscTransferTwoThreads)->Arg(1 << 20)->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace ptrscan
