#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace ptrscan {

struct output_sink_options {
  /// zstd level for ".zst" outputs.
  int zstd_level = 3;
  /// Chunks waiting for the writer before submit() blocks (backpressure).
  size_t max_queued_chunks = 64;
  /// A zstd frame is closed (and written) at least this often, and whenever
  /// this much uncompressed data went into it, so a killed process leaves
  /// complete frames of everything but the last moments.
  uint32_t frame_interval_ms = 1000;
  size_t frame_max_bytes = 4u << 20;
  /// Open an existing file for appending instead of truncating it (a
  /// resumed scan: new records follow as new zstd frames).
  bool append = false;
  /// Checkpoints, for --state: at least this often (and at close), between
  /// two chunks, the writer ends the zstd frame, makes the file durable
  /// (fdatasync) and calls on_checkpoint with the file size and the ordinals
  /// of the chunks written since the last call. Everything up to that size
  /// is complete records.
  uint32_t checkpoint_interval_ms = 5000;
  std::function<void(uint64_t file_size, std::vector<uint64_t>&& done)> on_checkpoint;
  /// Test hook, 0 (off) outside tests: after this many checkpoints that
  /// recorded hosts, the writer writes the next batch of records (ending
  /// its zstd frame, so the bytes reach the file) and kills the process
  /// with SIGKILL before any further checkpoint. A crash at a known point,
  /// with records in the file past what the state file covers, which a
  /// resumed scan must cut off (tests/integration/resume_test.cc). ptrscan
  /// reads it from PTRSCAN_TEST_KILL_AFTER_CHECKPOINTS.
  uint32_t kill_after_checkpoints = 0;
  /// Test hook, 0 (off) outside tests: after this many checkpoints that
  /// recorded hosts, the writer sends the process one SIGINT (a Ctrl-C at a
  /// known point: stop level 1, in-flight work finishes and is checkpointed).
  /// ptrscan reads it from PTRSCAN_TEST_STOP_AFTER_CHECKPOINTS.
  uint32_t stop_after_checkpoints = 0;
};

/// The single writer thread. Shards hand it chunks of complete NDJSON lines;
/// it owns the file descriptor and, for paths ending in ".zst", the zstd
/// stream. Chunks from one producer are written in submission order.
class output_sink {
 public:
  /// `path` "-" is stdout. Compression is chosen by the ".zst" suffix.
  static absl::StatusOr<std::unique_ptr<output_sink>> open(const std::string& path,
                                                           output_sink_options options = {});
  ~output_sink();

  /// Queues a chunk (thread-safe). Blocks while max_queued_chunks are waiting.
  /// After a write error, chunks are discarded and error() reports it.
  void submit(std::string chunk);
  /// The same, with the ordinals of the hosts whose records the chunk holds
  /// (reported back through on_checkpoint once they are durable).
  void submit(std::string chunk, std::vector<uint64_t> ordinals);

  /// Writes everything queued, ends the zstd frame, closes the file (not
  /// stdout) and joins the thread. Returns the first write error, if any.
  /// Idempotent.
  absl::Status close();

  /// First write error so far (OK while healthy). Thread-safe.
  absl::Status error() const;

  uint64_t bytes_in() const { return bytes_in_.load(std::memory_order_relaxed); }
  uint64_t bytes_out() const { return bytes_out_.load(std::memory_order_relaxed); }

 private:
  output_sink() = default;
  // The writer thread's body.
  void run();
  // Queue, writer thread, fd and zstd state live in output_sink.cc.
  struct impl;
  std::unique_ptr<impl> impl_;
  std::atomic<uint64_t> bytes_in_{0};
  std::atomic<uint64_t> bytes_out_{0};
};

}  // namespace ptrscan
