#include "report/line_reader.h"

#include <cerrno>
#include <cstring>

namespace ptrscan::report {
namespace {

constexpr unsigned char zstd_magic[4] = {0x28, 0xB5, 0x2F, 0xFD};

}  // namespace

line_reader::line_reader(const std::string& path)
    : path_(path), raw_(ZSTD_DStreamInSize()), decoded_(ZSTD_DStreamOutSize()) {
  if (path == "-") {
    file_ = stdin;
    path_ = "<stdin>";
    return;
  }
  file_ = std::fopen(path.c_str(), "rb");
  if (file_ == nullptr) {
    error_ = "cannot open " + path + ": " + std::strerror(errno);
    return;
  }
  owns_file_ = true;
}

line_reader::~line_reader() {
  if (owns_file_) {
    std::fclose(file_);
  }
}

line_reader::status line_reader::next(std::string_view& text) {
  if (!error_.empty()) {
    return status::failed;
  }
  for (;;) {
    const size_t nl = pending_.find('\n', pending_pos_);
    if (nl != std::string::npos) {
      text = std::string_view(pending_).substr(pending_pos_, nl - pending_pos_);
      pending_pos_ = nl + 1;
      ++line_number_;
      const bool was_skipping = skipping_;
      skipping_ = false;
      if (was_skipping) {
        text = head_;
        return status::too_long;
      }
      if (text.size() > max_line_bytes) {
        text = text.substr(0, head_bytes);
        return status::too_long;
      }
      return status::line;
    }
    // No complete line buffered: forget what was returned, and what belongs
    // to an overlong line, before reading more.
    if (skipping_ || pending_.size() - pending_pos_ > max_line_bytes) {
      if (!skipping_) {
        head_.assign(pending_, pending_pos_, head_bytes);
      }
      skipping_ = true;
      pending_.clear();
    } else {
      pending_.erase(0, pending_pos_);
    }
    pending_pos_ = 0;
    if (!refill()) {
      if (!error_.empty()) {
        return status::failed;
      }
      if (pending_.empty() && !skipping_) {
        return status::end;
      }
      // A last line without '\n' (a file cut short, or written by hand).
      text = pending_;
      pending_pos_ = pending_.size();
      ++line_number_;
      const bool was_skipping = skipping_;
      skipping_ = false;
      if (!was_skipping) {
        return status::line;
      }
      pending_.clear();
      text = head_;
      return status::too_long;
    }
  }
}

bool line_reader::refill() {
  for (;;) {
    if (in_.pos == in_.size && !decoder_full_) {
      if (!read_raw()) {
        return false;
      }
      if (!sniffed_) {
        sniffed_ = true;
        if (in_.size >= 4 && std::memcmp(raw_.data(), zstd_magic, 4) == 0) {
          dctx_.reset(ZSTD_createDCtx());
        }
      }
      if (!dctx_) {
        pending_.append(raw_.data(), in_.size);
        in_.pos = in_.size;
        return true;
      }
    }
    ZSTD_outBuffer out{decoded_.data(), decoded_.size(), 0};
    last_zstd_ret_ = ZSTD_decompressStream(dctx_.get(), &out, &in_);
    if (ZSTD_isError(last_zstd_ret_)) {
      error_ = path_ + ": corrupt zstd stream (" + ZSTD_getErrorName(last_zstd_ret_) + ")";
      return false;
    }
    decoder_full_ = out.pos == out.size;
    if (out.pos > 0) {
      pending_.append(decoded_.data(), out.pos);
      return true;
    }
  }
}

bool line_reader::read_raw() {
  if (eof_ || file_ == nullptr) {
    return false;
  }
  const size_t n = std::fread(raw_.data(), 1, raw_.size(), file_);
  if (n == 0) {
    eof_ = true;
    if (std::ferror(file_) != 0) {
      error_ = "cannot read " + path_ + ": " + std::strerror(errno);
    } else if (dctx_ && last_zstd_ret_ != 0) {
      error_ = path_ + ": truncated zstd stream";
    }
    return false;
  }
  in_ = ZSTD_inBuffer{raw_.data(), n, 0};
  return true;
}

}  // namespace ptrscan::report
