// --allowlist / --blocklist at scale: building a 30-million-entry set
// (scattered /32s, the worst case: nothing merges), its memory, and lookups.
#include <benchmark/benchmark.h>

#include "input/permutation.h"
#include "input/prefix_set.h"

namespace ptrscan {
namespace {

void BM_PrefixSetBuild(benchmark::State& state) {
  const auto n = static_cast<uint32_t>(state.range(0));
  size_t bytes = 0;
  size_t ranges = 0;
  for (auto _ : state) {
    prefix_set s;
    for (uint32_t i = 0; i < n; ++i) {
      // Every other address of a pseudo-random walk: no two entries adjacent.
      s.add(ip_address::v4(static_cast<uint32_t>(mix64(i) & ~1u)), 32);
    }
    s.finish();
    bytes = s.memory_bytes();
    ranges = s.ranges();
    benchmark::DoNotOptimize(bytes);
  }
  state.counters["ranges"] = static_cast<double>(ranges);
  state.counters["MiB"] = static_cast<double>(bytes) / (1 << 20);
  state.counters["bytes_per_entry"] = static_cast<double>(bytes) / n;
}
BENCHMARK(BM_PrefixSetBuild)->Arg(1'000'000)->Arg(30'000'000)->Unit(benchmark::kMillisecond)
    ->Iterations(1);

void BM_PrefixSetLookup(benchmark::State& state) {
  prefix_set s;
  const auto n = static_cast<uint32_t>(state.range(0));
  for (uint32_t i = 0; i < n; ++i) {
    s.add(ip_address::v4(static_cast<uint32_t>(mix64(i) & ~1u)), 32);
  }
  s.finish();
  uint64_t i = 0;
  uint64_t hits = 0;
  for (auto _ : state) {
    hits += s.contains(ip_address::v4(static_cast<uint32_t>(mix64(i++))));
  }
  benchmark::DoNotOptimize(hits);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_PrefixSetLookup)->Arg(1'000'000)->Arg(30'000'000);

}  // namespace
}  // namespace ptrscan
