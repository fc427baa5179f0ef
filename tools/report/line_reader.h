#pragma once

#include <zstd.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ptrscan::report {

/// Reads one NDJSON input (a file, or stdin for "-") line by line, streaming:
/// memory stays at a few buffers whatever the size of the input. zstd input is
/// recognised by its magic number rather than by its name, so a renamed or
/// piped `.zst` file works too.
class line_reader {
 public:
  /// Lines longer than this are not held whole: a record from ptrscan is a
  /// few KiB at most, and the cap keeps a file without newlines from growing
  /// one line until memory runs out. Their first head_bytes are returned
  /// (status too_long), enough for the record's leading "ip".
  static constexpr size_t max_line_bytes = 1 << 20;
  static constexpr size_t head_bytes = 4096;

  /// What next() found.
  enum class status {
    line,      ///< `text` holds the line, without its '\n'
    too_long,  ///< longer than max_line_bytes: `text` holds its first head_bytes
    end,       ///< no more lines
    failed,    ///< a read error or a corrupt or truncated zstd stream: error()
  };

  /// Opens `path` ("-": stdin). Check error() before the first next().
  explicit line_reader(const std::string& path);
  ~line_reader();
  line_reader(const line_reader&) = delete;
  line_reader& operator=(const line_reader&) = delete;

  /// The next line; `text` stays valid until the following call.
  status next(std::string_view& text);

  /// 1-based number of the line next() returned last.
  uint64_t line_number() const { return line_number_; }
  /// Why opening or reading failed; empty while all is well.
  const std::string& error() const { return error_; }

 private:
  struct dctx_deleter {
    void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
  };

  bool refill();    // appends input bytes to pending_; false at the end or on error
  bool read_raw();  // refills raw_ from the file; false at the end or on error

  std::string path_;
  std::FILE* file_ = nullptr;
  bool owns_file_ = false;
  bool eof_ = false;
  bool sniffed_ = false;  // the first bytes were checked for the zstd magic
  std::unique_ptr<ZSTD_DCtx, dctx_deleter> dctx_;
  size_t last_zstd_ret_ = 0;   // 0 when the last zstd frame was complete
  bool decoder_full_ = false;  // the decoder filled its output: it may hold more
  std::vector<char> raw_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  std::vector<char> decoded_;
  std::string pending_;     // bytes not yet split into lines
  size_t pending_pos_ = 0;  // start of the unreturned part of pending_
  bool skipping_ = false;   // inside an overlong line, dropping bytes to its '\n'
  std::string head_;        // the first head_bytes of that line
  uint64_t line_number_ = 0;
  std::string error_;
};

}  // namespace ptrscan::report
