#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace ptrscan::diff {

/// A validating, allocation-free JSON reader over one NDJSON line, for the
/// few members `ptrscan diff` compares. It checks the grammar of the whole
/// value it is given (so a cut or corrupted line is an error, never half a
/// record), hands out string tokens raw (quotes and escapes kept: they are
/// copied into the change records as they were, and ptrscan writes one
/// spelling per string, so raw tokens compare as their values do) and skips
/// what the caller does not ask for. Not checked: that string bytes are
/// valid UTF-8 (ptrscan writes only valid UTF-8; a change record copies the
/// bytes through unchanged).
class json_scan {
 public:
  /// Nesting deeper than this is refused (a record nests 5 levels).
  static constexpr int max_depth = 64;

  explicit json_scan(std::string_view text)
      : p_(text.data()), end_(text.data() + text.size()) {}

  /// False once anything did not parse; stays false.
  bool ok() const { return ok_; }
  /// Why the text is not JSON (a fixed string), valid when !ok().
  const char* error() const { return error_; }
  /// Byte offset of the failure.
  size_t at(std::string_view text) const { return static_cast<size_t>(p_ - text.data()); }

  /// After the top-level value: only whitespace may follow.
  bool finish() {
    ws();
    if (ok_ && p_ != end_) {
      fail("text after the JSON value");
    }
    return ok_;
  }

  /// Reads an object, calling on_member(key, *this) for each member with the
  /// cursor on its value; on_member must consume the value (read or skip).
  /// `key` is the raw text between the quotes.
  template <typename F>
  bool object(F&& on_member) {
    ws();
    if (!expect('{')) {
      return false;
    }
    if (++depth_ > max_depth) {
      return fail("nested too deep");
    }
    ws();
    if (p_ < end_ && *p_ == '}') {
      ++p_;
      --depth_;
      return true;
    }
    for (;;) {
      ws();
      std::string_view key;
      if (!string(key)) {
        return false;
      }
      key = key.substr(1, key.size() - 2);
      ws();
      if (!expect(':')) {
        return false;
      }
      on_member(key, *this);
      if (!ok_) {
        return false;
      }
      ws();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (!expect('}')) {
        return false;
      }
      --depth_;
      return true;
    }
  }

  /// Reads an array, calling on_item(*this) for each element.
  template <typename F>
  bool array(F&& on_item) {
    ws();
    if (!expect('[')) {
      return false;
    }
    if (++depth_ > max_depth) {
      return fail("nested too deep");
    }
    ws();
    if (p_ < end_ && *p_ == ']') {
      ++p_;
      --depth_;
      return true;
    }
    for (;;) {
      on_item(*this);
      if (!ok_) {
        return false;
      }
      ws();
      if (p_ < end_ && *p_ == ',') {
        ++p_;
        continue;
      }
      if (!expect(']')) {
        return false;
      }
      --depth_;
      return true;
    }
  }

  /// What the next value is: '{', '[', '"', 'n', 't', 'f', a digit or '-';
  /// 0 at the end of the text.
  char peek() {
    ws();
    return p_ < end_ ? *p_ : 0;
  }

  /// A string token, quotes included.
  bool string(std::string_view& raw) {
    ws();
    const char* start = p_;
    if (!expect('"')) {
      return false;
    }
    while (p_ < end_) {
      skip_plain();
      if (p_ >= end_) {
        break;
      }
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        ++p_;
        raw = std::string_view(start, static_cast<size_t>(p_ - start));
        return true;
      }
      if (c < 0x20) {
        return fail("control character in a string");
      }
      if (c == '\\') {
        if (++p_ >= end_) {
          break;
        }
        switch (*p_) {
          case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            ++p_;
            continue;
          case 'u':
            if (end_ - p_ < 5 || !hex(p_[1]) || !hex(p_[2]) || !hex(p_[3]) || !hex(p_[4])) {
              return fail("bad \\u escape");
            }
            p_ += 5;
            continue;
          default:
            return fail("bad escape in a string");
        }
      }
      ++p_;
    }
    return fail("unterminated string");
  }

  /// A string, or null (raw = "null"); anything else is an error.
  bool string_or_null(std::string_view& raw) {
    if (peek() == 'n') {
      return literal("null") && (raw = "null", true);
    }
    return string(raw);
  }

  /// An integer within [0, 2^32).
  bool uint32(uint32_t& out) {
    ws();
    uint64_t v = 0;
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9' && p_ - start < 10) {
      v = v * 10 + static_cast<uint64_t>(*p_ - '0');
      ++p_;
    }
    if (p_ == start || v > UINT32_MAX || (p_ < end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E' ||
                                                       (*p_ >= '0' && *p_ <= '9')))) {
      return fail("not an integer in range");
    }
    out = static_cast<uint32_t>(v);
    return true;
  }

  /// true, false or null: 1, 0, -1.
  bool boolean_or_null(int& out) {
    switch (peek()) {
      case 't': out = 1; return literal("true");
      case 'f': out = 0; return literal("false");
      case 'n': out = -1; return literal("null");
      default: return fail("not true, false or null");
    }
  }

  /// Skips one value of any kind, checking it; `raw` spans it.
  bool skip(std::string_view* raw = nullptr) {
    ws();
    const char* start = p_;
    bool done = false;
    switch (p_ < end_ ? *p_ : 0) {
      case '{':
        done = object([](std::string_view, json_scan& s) { s.skip(); });
        break;
      case '[':
        done = array([](json_scan& s) { s.skip(); });
        break;
      case '"': {
        std::string_view unused;
        done = string(unused);
        break;
      }
      case 't': done = literal("true"); break;
      case 'f': done = literal("false"); break;
      case 'n': done = literal("null"); break;
      case 0: return fail("unexpected end of line");
      default: done = number(); break;
    }
    if (done && raw != nullptr) {
      *raw = std::string_view(start, static_cast<size_t>(p_ - start));
    }
    return done;
  }

  /// Marks the text wrong (a member of the wrong type, say).
  bool fail(const char* why) {
    if (ok_) {
      ok_ = false;
      error_ = why;
    }
    p_ = end_;
    return false;
  }

 private:
  // Moves p_ to the next '"', '\\' or control character, 8 bytes at a
  // time while it can (SWAR: a zero byte in x ^ pattern marks a match).
  void skip_plain() {
    constexpr uint64_t ones = 0x0101010101010101ull;
    constexpr uint64_t highs = 0x8080808080808080ull;
    while (end_ - p_ >= 8) {
      uint64_t x;
      std::memcpy(&x, p_, 8);
      const uint64_t q = x ^ (ones * '"');
      const uint64_t b = x ^ (ones * '\\');
      const uint64_t special = ((q - ones) & ~q) | ((b - ones) & ~b) | ((x - ones * 0x20) & ~x);
      if ((special & highs) != 0) {
        break;
      }
      p_ += 8;
    }
    while (p_ < end_) {
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"' || c == '\\' || c < 0x20) {
        return;
      }
      ++p_;
    }
  }
  static bool hex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  void ws() {
    while (p_ < end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) {
      ++p_;
    }
  }
  bool expect(char c) {
    if (p_ < end_ && *p_ == c) {
      ++p_;
      return true;
    }
    return fail(p_ < end_ ? "unexpected character" : "unexpected end of line");
  }
  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) >= word.size() &&
        std::string_view(p_, word.size()) == word) {
      p_ += word.size();
      return true;
    }
    return fail("bad literal");
  }
  bool digits() {
    const char* start = p_;
    while (p_ < end_ && *p_ >= '0' && *p_ <= '9') {
      ++p_;
    }
    return p_ != start;
  }
  // RFC 8259 number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number() {
    if (p_ < end_ && *p_ == '-') {
      ++p_;
    }
    if (p_ < end_ && *p_ == '0') {
      ++p_;
    } else if (!digits()) {
      return fail("not a JSON value");
    }
    if (p_ < end_ && *p_ == '.') {
      ++p_;
      if (!digits()) {
        return fail("bad number");
      }
    }
    if (p_ < end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ < end_ && (*p_ == '+' || *p_ == '-')) {
        ++p_;
      }
      if (!digits()) {
        return fail("bad number");
      }
    }
    return true;
  }

  const char* p_;
  const char* end_;
  int depth_ = 0;
  bool ok_ = true;
  const char* error_ = "";
};

}  // namespace ptrscan::diff
