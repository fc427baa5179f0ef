#pragma once

#include <zstd.h>

#include <atomic>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ptrscan::diff {

/// A private directory for spilled runs (mkdtemp under `parent`), removed
/// with everything in it when the object goes away.
class temp_dir {
 public:
  /// `parent` "": $TMPDIR, else /tmp. Check error().
  explicit temp_dir(const std::string& parent);
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  const std::string& error() const { return error_; }
  /// A new file name inside the directory ("run-000007.zst").
  std::string next_file();

 private:
  std::string path_;
  std::string error_;
  std::atomic<uint64_t> files_{0};  // the two sides spill at once
};

/// A zstd stream written to a file ("-": stdout): spilled runs and the
/// `.zst` output. Level 1 and a 128 KiB window keep a reader's memory small.
class zstd_writer {
 public:
  zstd_writer(const std::string& path, bool compress);
  ~zstd_writer();
  zstd_writer(const zstd_writer&) = delete;
  zstd_writer& operator=(const zstd_writer&) = delete;

  bool write(std::string_view bytes);
  /// Ends the stream and closes the file; false (and error()) on failure.
  bool close();
  const std::string& error() const { return error_; }

 private:
  bool put(const char* data, size_t size);

  std::string path_;
  std::FILE* file_ = nullptr;
  bool owns_ = false;
  struct cctx_deleter {
    void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
  };
  std::unique_ptr<ZSTD_CCtx, cctx_deleter> cctx_;
  std::vector<char> out_;
  std::string error_;
};

/// One entry of a run: the join key, the line's position in its side (for
/// "the last one wins") and the encoded record.
struct entry_view {
  std::string_view key;
  uint64_t seq = 0;
  std::string_view payload;
};

/// Appends an entry in the run format to `out`.
void append_entry(std::string& out, std::string_view key, uint64_t seq, std::string_view payload);

/// Sorted entries, one at a time; views stay valid until the next call to
/// next().
class entry_source {
 public:
  virtual ~entry_source() = default;
  /// False at the end or on an error (error() then says why).
  virtual bool next(entry_view& e) = 0;
  virtual const std::string& error() const = 0;
};

/// Reads a spilled run back.
class run_reader : public entry_source {
 public:
  explicit run_reader(const std::string& path);
  ~run_reader() override;
  run_reader(const run_reader&) = delete;
  run_reader& operator=(const run_reader&) = delete;

  bool next(entry_view& e) override;
  const std::string& error() const override { return error_; }

 private:
  bool fill(size_t need);  // until buf_ holds `need` bytes from pos_

  std::FILE* file_ = nullptr;
  struct dctx_deleter {
    void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
  };
  std::unique_ptr<ZSTD_DCtx, dctx_deleter> dctx_;
  std::vector<char> in_;
  ZSTD_inBuffer zin_{nullptr, 0, 0};
  bool eof_ = false;
  std::string buf_;
  size_t pos_ = 0;
  std::string error_;
};

/// Collects entries in one buffer of at most `budget` bytes (entries and
/// their index together), sorts them by (key, seq) and writes each full
/// buffer as a run.
class run_builder {
 public:
  run_builder(uint64_t budget, temp_dir& dir);
  ~run_builder();

  /// False (and error()) when a run could not be written.
  bool add(std::string_view key, uint64_t seq, std::string_view payload);
  /// Ends the input. When nothing was spilled yet, the buffer is sorted
  /// and kept in memory (memory_run()); else it is spilled as the last run.
  bool finish();
  std::vector<std::string>& runs() { return runs_; }
  /// After finish(), when everything fitted: the sorted entries, read from
  /// the buffer (valid while this builder lives).
  std::unique_ptr<entry_source> memory_run() const;
  bool in_memory() const { return in_memory_; }
  const std::string& error() const { return error_; }

 private:
  struct ref {
    uint64_t prefix;  // the key's first 8 bytes, big-endian: most comparisons end here
    uint64_t offset;
    uint32_t key_size;
    uint32_t payload_size;
    uint64_t seq;
  };
  bool spill();
  void sort_refs();  // sorts the refs of the buffer in place
  class memory_source;

  uint64_t budget_;
  temp_dir& dir_;
  char* arena_ = nullptr;  // untouched pages cost nothing until written
  uint64_t used_ = 0;      // entry bytes from the front
  uint64_t refs_ = 0;      // refs from the back
  std::vector<std::string> runs_;
  bool in_memory_ = false;
  std::string scratch_;
  std::string error_;
};

/// Merges sorted runs into one (key, seq) ordered stream.
class run_merger {
 public:
  /// Opens every run; check error().
  explicit run_merger(const std::vector<std::string>& runs);
  /// Merges the given sources (spilled runs or a buffer kept in memory).
  explicit run_merger(std::vector<std::unique_ptr<entry_source>> sources);
  bool next(entry_view& e);
  const std::string& error() const { return error_; }

 private:
  std::vector<std::unique_ptr<entry_source>> readers_;
  std::vector<entry_view> heads_;
  std::vector<size_t> heap_;  // reader indexes, smallest head first
  bool started_ = false;
  size_t last_ = SIZE_MAX;  // the reader whose head was handed out last
  std::string error_;
};

/// Merges groups of at most `fan_in` runs into bigger runs until at most
/// `target` remain; the merged runs are deleted. False (and `error`) on
/// failure.
bool reduce_runs(std::vector<std::string>& runs, size_t fan_in, size_t target, temp_dir& dir,
                 std::string& error);

}  // namespace ptrscan::diff
