#include "input/target_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"

namespace ptrscan {

namespace {

// A line longer than this is rejected without ever being held whole.
constexpr size_t max_line_len = 4096;
// How much of a rejected line is echoed back in the report.
constexpr size_t max_reported_text = 200;
// Read buffer per open source; must exceed max_line_len + 2 ("\r\n").
constexpr size_t read_buffer_size = 64 * 1024;
static_assert(read_buffer_size > max_line_len + 2);

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";
constexpr std::string_view arguments_name = "<arguments>";
constexpr std::string_view stdin_name = "<stdin>";

std::string truncate_text(std::string_view text) {
  return std::string(text.substr(0, max_reported_text));
}

std::string too_long_message() {
  return absl::StrFormat("line too long (more than %d bytes)", max_line_len);
}

std::string errno_text(int err) {
  // strerror is not thread-safe; strerror_r with the GNU signature is.
  char buf[128];
  return std::string(strerror_r(err, buf, sizeof(buf)));
}

}  // namespace

/// One `-i` input: an fd read through a fixed buffer, one line at a time.
struct target_reader::source {
  enum class result_t : uint8_t { line, too_long, end, error };

  std::string name;
  int fd = -1;
  bool owns_fd = false;
  uint64_t line_no = 0;

  // Set by next_line(): the line (without "\n" or "\r\n") for `line`, its
  // first bytes for `too_long`; errno for `error`. Valid until the next call.
  std::string_view text;
  int error = 0;

  ~source() { close_fd(); }

  void close_fd() {
    if (owns_fd && fd >= 0) {
      ::close(fd);
    }
    fd = -1;
    buffer_.reset();
  }

  result_t next_line() {
    if (fd < 0) {
      return result_t::end;
    }
    if (!buffer_) {
      buffer_ = std::make_unique<char[]>(read_buffer_size);
    }
    for (;;) {
      char* begin = buffer_.get() + pos_;
      size_t avail = end_ - pos_;
      auto* nl = static_cast<char*>(std::memchr(begin, '\n', avail));
      if (skipping_) {
        // Dropping the tail of an over-long line that was already reported.
        if (nl != nullptr) {
          pos_ = static_cast<size_t>(nl + 1 - buffer_.get());
          skipping_ = false;
          continue;
        }
        pos_ = end_ = 0;
      } else if (nl != nullptr) {
        pos_ = static_cast<size_t>(nl + 1 - buffer_.get());
        return finish_line(std::string_view(begin, static_cast<size_t>(nl - begin)));
      } else if (avail > max_line_len + 1) {
        // No newline within reach (+1 leaves room for a '\r'): report the line
        // from what is buffered and drop the rest of it as it arrives.
        ++line_no;
        text = std::string_view(begin, max_reported_text);
        pos_ = end_ = 0;
        skipping_ = true;
        return result_t::too_long;
      } else if (eof_ && avail > 0) {
        // A last line without a newline.
        pos_ = end_;
        return finish_line(std::string_view(begin, avail));
      }
      if (eof_) {
        close_fd();
        return result_t::end;
      }
      if (!fill()) {
        close_fd();
        return result_t::error;
      }
    }
  }

 private:
  result_t finish_line(std::string_view line) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    // Editors on Windows start UTF-8 files with a byte-order mark.
    if (line_no == 1 && line.substr(0, utf8_bom.size()) == utf8_bom) {
      line.remove_prefix(utf8_bom.size());
    }
    if (line.size() > max_line_len) {
      text = line.substr(0, max_reported_text);
      return result_t::too_long;
    }
    text = line;
    return result_t::line;
  }

  // Moves the unread bytes to the front and reads more behind them. Returns
  // false on a read error (errno in `error`); sets eof_ at end of input.
  bool fill() {
    if (pos_ > 0) {
      std::memmove(buffer_.get(), buffer_.get() + pos_, end_ - pos_);
      end_ -= pos_;
      pos_ = 0;
    }
    for (;;) {
      ssize_t n = ::read(fd, buffer_.get() + end_, read_buffer_size - end_);
      if (n > 0) {
        end_ += static_cast<size_t>(n);
        return true;
      }
      if (n == 0) {
        eof_ = true;
        return true;
      }
      if (errno == EINTR) {
        continue;
      }
      error = errno;
      return false;
    }
  }

  // Allocated when the source is first read, freed when it is done, so only
  // the current source holds a buffer.
  std::unique_ptr<char[]> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool skipping_ = false;
};

target_reader::~target_reader() = default;

absl::StatusOr<std::unique_ptr<target_reader>> target_reader::open(
    std::vector<std::string> positional, std::vector<std::string> files) {
  std::unique_ptr<target_reader> reader(new target_reader());
  if (positional.empty() && files.empty()) {
    files.emplace_back("-");
  }
  reader->positional_ = std::move(positional);
  for (std::string& path : files) {
    auto src = std::make_unique<source>();
    if (path == "-") {
      src->name = std::string(stdin_name);
      src->fd = STDIN_FILENO;
      src->owns_fd = false;
    } else {
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        int err = errno;
        std::string message = absl::StrFormat("cannot open '%s': %s", path, errno_text(err));
        if (err == ENOENT) {
          return absl::NotFoundError(message);
        }
        return absl::InvalidArgumentError(message);
      }
      // open() succeeds on a directory; read() would fail later with EISDIR,
      // after the scan has started. Catch it now.
      struct stat st {};
      if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        ::close(fd);
        return absl::InvalidArgumentError(
            absl::StrFormat("cannot open '%s': %s", path, errno_text(EISDIR)));
      }
      src->name = std::move(path);
      src->fd = fd;
      src->owns_fd = true;
    }
    reader->sources_.push_back(std::move(src));
  }
  return reader;
}

absl::StatusOr<std::optional<target_spec>> target_reader::next(
    const std::function<void(const rejected_line&)>& on_reject) {
  auto reject = [&](std::string_view source_name, uint64_t line, std::string_view text,
                    std::string message) {
    ++lines_rejected_;
    if (on_reject) {
      on_reject(rejected_line{std::string(source_name), line, truncate_text(text),
                              std::move(message)});
    }
  };
  // Returns the target, or nullopt when the line was blank, a comment or rejected.
  auto handle = [&](std::string_view source_name, uint64_t line,
                    std::string_view text) -> std::optional<target_spec> {
    parsed_line parsed = parse_target_line(text);
    if (std::holds_alternative<std::monostate>(parsed)) {
      return std::nullopt;
    }
    ++lines_read_;
    if (auto* err = std::get_if<target_error>(&parsed)) {
      reject(source_name, line, text, std::move(err->message));
      return std::nullopt;
    }
    last_source_.assign(source_name.data(), source_name.size());
    last_line_ = line;
    return std::move(std::get<target_spec>(parsed));
  };

  while (positional_next_ < positional_.size()) {
    size_t index = positional_next_++;
    std::string_view text = positional_[index];
    if (text.size() > max_line_len) {
      ++lines_read_;
      reject(arguments_name, index + 1, text, too_long_message());
      continue;
    }
    if (std::optional<target_spec> spec = handle(arguments_name, index + 1, text)) {
      return spec;
    }
  }

  while (source_next_ < sources_.size()) {
    source& src = *sources_[source_next_];
    switch (src.next_line()) {
      case source::result_t::line:
        if (std::optional<target_spec> spec = handle(src.name, src.line_no, src.text)) {
          return spec;
        }
        break;
      case source::result_t::too_long:
        ++lines_read_;
        reject(src.name, src.line_no, src.text, too_long_message());
        break;
      case source::result_t::end:
        ++source_next_;
        break;
      case source::result_t::error:
        // The source is closed; a later call goes on with the next one.
        ++source_next_;
        return absl::ErrnoToStatus(
            src.error, absl::StrFormat("error reading '%s' after line %d", src.name, src.line_no));
    }
  }
  return std::nullopt;
}

}  // namespace ptrscan
