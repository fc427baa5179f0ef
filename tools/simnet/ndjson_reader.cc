#include "simnet/ndjson_reader.h"

#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

namespace ptrscan::simnet {
namespace {

constexpr unsigned char zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};

struct file_closer {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
struct dctx_freer {
  void operator()(ZSTD_DCtx* d) const { ZSTD_freeDCtx(d); }
};

/// Splits a byte stream into lines across chunk boundaries.
class line_splitter {
 public:
  explicit line_splitter(const std::function<void(std::string_view)>& on_line)
      : on_line_(on_line) {}

  void feed(std::string_view bytes) {
    size_t start = 0;
    size_t nl;
    while ((nl = bytes.find('\n', start)) != std::string_view::npos) {
      if (partial_.empty()) {
        on_line_(bytes.substr(start, nl - start));
      } else {
        partial_.append(bytes.substr(start, nl - start));
        on_line_(partial_);
        partial_.clear();
      }
      start = nl + 1;
    }
    partial_.append(bytes.substr(start));
  }

  void finish() {
    if (!partial_.empty()) {
      on_line_(partial_);  // a last line without '\n'
      partial_.clear();
    }
  }

 private:
  const std::function<void(std::string_view)>& on_line_;
  std::string partial_;
};

}  // namespace

void for_each_line(const std::string& path, const std::function<void(std::string_view)>& on_line) {
  std::unique_ptr<std::FILE, file_closer> f(std::fopen(path.c_str(), "rb"));
  if (!f) {
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  }
  std::vector<char> in(ZSTD_DStreamInSize());
  std::vector<char> out(ZSTD_DStreamOutSize());
  line_splitter lines(on_line);
  std::unique_ptr<ZSTD_DCtx, dctx_freer> dctx;
  bool first = true;
  size_t last_ret = 0;  // 0 after a complete zstd frame
  size_t n;
  while ((n = std::fread(in.data(), 1, in.size(), f.get())) > 0) {
    if (first) {
      first = false;
      if (n >= 4 && std::memcmp(in.data(), zstd_magic, 4) == 0) {
        dctx.reset(ZSTD_createDCtx());
      }
    }
    if (!dctx) {
      lines.feed(std::string_view(in.data(), n));
      continue;
    }
    ZSTD_inBuffer input{in.data(), n, 0};
    bool output_full = false;  // more may be buffered inside the decoder
    while (input.pos < input.size || output_full) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      last_ret = ZSTD_decompressStream(dctx.get(), &output, &input);
      if (ZSTD_isError(last_ret)) {
        throw std::runtime_error(path + ": " + ZSTD_getErrorName(last_ret));
      }
      lines.feed(std::string_view(out.data(), output.pos));
      output_full = output.pos == output.size;
    }
  }
  if (std::ferror(f.get())) {
    throw std::runtime_error("cannot read " + path);
  }
  if (dctx && last_ret != 0) {
    throw std::runtime_error(path + ": truncated zstd stream");
  }
  lines.finish();
}

}  // namespace ptrscan::simnet
