// Micro-benchmarks for the rDNS naming classifier, which runs once per host
// with PTR data: names classified per second over the labelled set in
// datasets/rdns/names.tsv, and one name of each common shape.

#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "checks/rdns_class.h"
#include "checks/rdns_dataset.h"

namespace ptrscan {
namespace {

const std::vector<rdns_labelled_name>& dataset() {
  static const std::vector<rdns_labelled_name> rows = [] {
    // __FILE__ is relative to the build directory under Ninja; from the
    // source root the set is at datasets/rdns/names.tsv.
    for (const std::filesystem::path& path :
         {std::filesystem::path(__FILE__).parent_path() / "../datasets/rdns/names.tsv",
          std::filesystem::path("datasets/rdns/names.tsv")}) {
      auto loaded = load_rdns_dataset(path.string());
      if (loaded.ok()) {
        return *std::move(loaded);
      }
    }
    return std::vector<rdns_labelled_name>{};
  }();
  return rows;
}

// The whole labelled set per iteration, one classifier and one verdict reused
// throughout, as a shard does.
void BM_ClassifyDataset(benchmark::State& state) {
  const auto& rows = dataset();
  if (rows.empty()) {
    state.SkipWithError("datasets/rdns/names.tsv not found");
    return;
  }
  const rdns_classifier classifier;
  rdns_verdict verdict;
  for (auto _ : state) {
    for (const rdns_labelled_name& row : rows) {
      classifier.classify(row.name, row.ip, verdict);
      benchmark::DoNotOptimize(verdict.cls);
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows.size()));
}
BENCHMARK(BM_ClassifyDataset);

void classify_one(benchmark::State& state, const char* name, const char* ip_text) {
  const rdns_classifier classifier;
  const ip_address ip = *ip_address::parse(ip_text);
  rdns_verdict verdict;
  for (auto _ : state) {
    classifier.classify(name, ip, verdict);
    benchmark::DoNotOptimize(verdict.cls);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void BM_ClassifyDashed(benchmark::State& state) {
  classify_one(state, "c-73-15-2-1.hsd1.ca.comcast.net", "73.15.2.1");
}
BENCHMARK(BM_ClassifyDashed);

void BM_ClassifyHex(benchmark::State& state) {
  classify_one(state, "p5b0a1c2d.dip0.t-ipconnect.de", "91.10.28.45");
}
BENCHMARK(BM_ClassifyHex);

void BM_ClassifyMailName(benchmark::State& state) {
  classify_one(state, "mail-pl1-f169.google.com", "209.85.214.169");
}
BENCHMARK(BM_ClassifyMailName);

// Names that do not spell the address: the path the no-address rules run on
// (an ISP line name, a chosen name).
void BM_ClassifyNoAddress(benchmark::State& state) {
  classify_one(state, "cm89.omega139.maxonline.com.sg", "218.186.1.2");
}
BENCHMARK(BM_ClassifyNoAddress);

void BM_ClassifyChosenName(benchmark::State& state) {
  classify_one(state, "dynamic-pricing.shop.example.com", "198.51.100.7");
}
BENCHMARK(BM_ClassifyChosenName);

void BM_ClassifyIpv6Nibbles(benchmark::State& state) {
  classify_one(state, "20014c48010002d3d80c3ca1f161e842.access.pool.telekom.hu",
               "2001:4c48:100:2d3:d80c:3ca1:f161:e842");
}
BENCHMARK(BM_ClassifyIpv6Nibbles);

}  // namespace
}  // namespace ptrscan
