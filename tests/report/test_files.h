#pragma once

// Scratch files for the report tests: a directory removed on scope exit, and
// helpers that write plain or zstd-compressed content into it.

#include <stdlib.h>
#include <zstd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace ptrscan::report::testing {

class temp_dir {
 public:
  temp_dir() {
    char templ[] = "/tmp/ptrscan-report-test-XXXXXX";
    if (::mkdtemp(templ) != nullptr) {
      path_ = templ;
    }
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path_.empty()) {
      std::filesystem::remove_all(path_, ec);
    }
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::string& path() const { return path_; }
  std::string file(std::string_view name) const { return path_ + "/" + std::string(name); }

 private:
  std::string path_;
};

inline void write_file(const std::string& path, std::string_view content) {
  std::ofstream(path, std::ios::binary) << content;
}

/// The whole file; "" when it cannot be read.
inline std::string read_file(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) {
    return "";
  }
  std::string content(size, '\0');
  std::ifstream(path, std::ios::binary).read(content.data(), static_cast<std::streamsize>(size));
  return content;
}

/// One zstd frame holding `content`, as ptrscan's `.zst` output has.
inline std::string zstd_frame(std::string_view content) {
  std::string out(ZSTD_compressBound(content.size()), '\0');
  const size_t n = ZSTD_compress(out.data(), out.size(), content.data(), content.size(), 3);
  out.resize(ZSTD_isError(n) ? 0 : n);
  return out;
}

}  // namespace ptrscan::report::testing
