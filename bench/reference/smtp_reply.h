#pragma once

// Incremental SMTP reply reader for the epoll reference client: bytes in,
// "reply complete" out, with O(1) state per session (no line buffer). It keeps
// only what the client acts on: the reply code and whether one line of the
// reply is the STARTTLS keyword (RFC 3207).

#include <cstddef>
#include <cstdint>

namespace ptrscan::ref {

class reply_reader {
 public:
  enum class result : uint8_t { more, done, bad };

  /// Longest reply line accepted (RFC 5321 says 512; servers send longer).
  static constexpr uint32_t max_line = 4096;
  /// Most lines one reply may have.
  static constexpr uint32_t max_lines = 256;

  void reset() { *this = reply_reader(); }

  /// Consumes bytes of `p[0..n)` up to the end of a reply; `used` says how
  /// many. done: a whole reply was read (code() and starttls() describe it);
  /// more: all bytes used, the reply goes on; bad: not an SMTP reply.
  result feed(const char* p, size_t n, size_t& used) {
    for (size_t i = 0; i < n; ++i) {
      const char c = p[i];
      if (c != '\n') {
        if (line_len_ < sizeof head_) {
          head_[line_len_] = c;
        }
        if (++line_len_ > max_line) {
          used = i + 1;
          return result::bad;
        }
        last_ = c;
        continue;
      }
      const uint32_t len = line_len_ - (line_len_ > 0 && last_ == '\r' ? 1 : 0);
      line_len_ = 0;
      last_ = 0;
      const result r = end_line(len);
      if (r != result::more) {
        used = i + 1;
        return r;
      }
    }
    used = n;
    return result::more;
  }

  uint16_t code() const { return code_; }
  bool starttls() const { return starttls_; }

 private:
  static bool digit(char c) { return c >= '0' && c <= '9'; }
  static char upper(char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; }

  // One line of `len` octets (CR stripped) is in head_ (its first octets).
  result end_line(uint32_t len) {
    if (len < 3 || !digit(head_[0]) || !digit(head_[1]) || !digit(head_[2]) ||
        ++lines_ > max_lines) {
      return result::bad;
    }
    const auto code =
        static_cast<uint16_t>((head_[0] - '0') * 100 + (head_[1] - '0') * 10 + (head_[2] - '0'));
    if (code_ == 0) {
      code_ = code;
    } else if (code != code_) {
      return result::bad;
    }
    // "250-STARTTLS" / "250 STARTTLS", optionally followed by a space.
    static constexpr char keyword[] = "STARTTLS";
    if (len >= 12 && (len == 12 || head_[12] == ' ')) {
      bool same = true;
      for (int k = 0; k < 8 && same; ++k) {
        same = upper(head_[4 + k]) == keyword[k];
      }
      starttls_ = starttls_ || same;
    }
    if (len == 3 || head_[3] == ' ') {
      return result::done;
    }
    return head_[3] == '-' ? result::more : result::bad;
  }

  char head_[13] = {};  // the first octets of the current line
  char last_ = 0;       // the octet before the LF
  uint32_t line_len_ = 0;
  uint16_t code_ = 0;
  uint16_t lines_ = 0;
  bool starttls_ = false;
};

}  // namespace ptrscan::ref
