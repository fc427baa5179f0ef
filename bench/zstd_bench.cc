// What the writer thread does with each 64 KiB chunk of a ".zst" output,
// without its queue, thread hand-off or file writes: feed the chunk into the
// open frame (ZSTD_e_continue) and end the frame once frame_max_bytes went
// in, as output_sink does. The chunks of a frame all differ: one chunk fed
// again and again would be found whole in zstd's window (ratio ~600).
// BM_SinkZstd256KiB (json_bench.cc) measures the whole sink instead,
// including opening and closing it.

#include <benchmark/benchmark.h>
#include <zstd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "output/output_sink.h"
#include "sample_records.h"

namespace ptrscan {
namespace {

// Owns a compression context set up like output_sink's.
class zstd_stream {
 public:
  explicit zstd_stream(int level) : cctx_(ZSTD_createCCtx()), out_(ZSTD_CStreamOutSize()) {
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, level);
    ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
  }
  zstd_stream(const zstd_stream&) = delete;
  zstd_stream& operator=(const zstd_stream&) = delete;
  ~zstd_stream() { ZSTD_freeCCtx(cctx_); }

  /// Compresses `data` into the open frame (or ends it with ZSTD_e_end and
  /// no data). False on a zstd error.
  bool feed(const std::string& data, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    for (;;) {
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      const size_t r = ZSTD_compressStream2(cctx_, &out, &in, mode);
      if (ZSTD_isError(r)) {
        return false;
      }
      bytes_out_ += out.pos;
      const bool done = mode == ZSTD_e_end ? r == 0 : in.pos == in.size;
      if (done) {
        return true;
      }
    }
  }
  uint64_t bytes_out() const { return bytes_out_; }

 private:
  ZSTD_CCtx* cctx_;
  std::vector<char> out_;
  uint64_t bytes_out_ = 0;
};

void BM_ZstdChunk64KiB(benchmark::State& state) {
  const size_t frame_max = output_sink_options{}.frame_max_bytes;
  std::vector<std::string> chunks;
  for (size_t bytes = 0; bytes < frame_max;) {
    chunks.push_back(bench::ndjson_chunk(64 * 1024, chunks.size() + 1));
    bytes += chunks.back().size();
  }
  zstd_stream z(static_cast<int>(state.range(0)));
  size_t frame_in = 0;
  size_t next = 0;
  int64_t bytes_in = 0;
  for (auto _ : state) {
    const std::string& chunk = chunks[next];
    next = (next + 1) % chunks.size();
    bool ok = z.feed(chunk, ZSTD_e_continue);
    frame_in += chunk.size();
    bytes_in += static_cast<int64_t>(chunk.size());
    if (ok && frame_in >= frame_max) {
      ok = z.feed({}, ZSTD_e_end);
      frame_in = 0;
    }
    if (!ok) {
      state.SkipWithError("zstd error");
      break;
    }
  }
  state.SetBytesProcessed(bytes_in);
  state.counters["ratio"] =
      z.bytes_out() == 0 ? 0.0 : static_cast<double>(bytes_in) / static_cast<double>(z.bytes_out());
  state.counters["chunk_bytes"] = static_cast<double>(chunks.front().size());
}
// The sink's default level first; level 1 for comparison.
BENCHMARK(BM_ZstdChunk64KiB)
    ->Arg(output_sink_options{}.zstd_level)
    ->Arg(1)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace ptrscan
