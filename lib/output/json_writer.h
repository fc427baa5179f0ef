#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace ptrscan {

/// Appends `bytes` to `out` as a JSON string literal (with the quotes).
/// Whatever the input, the output is valid JSON and valid UTF-8: well-formed
/// UTF-8 sequences are kept, '"' and '\\' are escaped, control characters
/// (< 0x20 and 0x7f) become \u00XX (\n, \r, \t short forms), and every byte
/// that is not part of a well-formed sequence (overlongs, surrogates,
/// > U+10FFFF, truncated sequences) becomes U+FFFD (escaped, \ufffd). The
/// display hazards of net/text_hazards.h (C1 controls, bidi marks, overrides
/// and isolates, U+2028/U+2029) are written as \uXXXX escapes: the same
/// string to a JSON parser, inert on a terminal that shows the raw line.
void append_json_string(std::string& out, std::string_view bytes);

/// A small streaming JSON writer that appends to a caller-owned string, so
/// records are serialised straight into a shard's output chunk. It inserts
/// commas itself; the caller pairs begin_*/end_* calls. Nesting depth <= 32.
class json_writer {
 public:
  explicit json_writer(std::string& out) : out_(out) {}

  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  /// Object key; the next value call supplies its value.
  json_writer& key(std::string_view k);
  /// A key written in the code (a string literal: nearly every key) that
  /// needs no escape is copied as it is, without append_json_string()'s
  /// scan and call; any other goes through it. A char array that is not
  /// const holds data, and goes through the string_view overload.
  template <size_t N>
  json_writer& key(const char (&k)[N]) {
    const std::string_view text(k, N - 1);
    if (!is_plain_literal(text)) {
      return key(c_string(k, N));  // a NUL inside: a shorter C string
    }
    before_value();
    out_.push_back('"');
    out_.append(text);
    out_.append("\":", 2);
    after_key_ = true;
    return *this;
  }
  template <size_t N>
  json_writer& key(char (&k)[N]) {
    return key(std::string_view(k));
  }

  json_writer& value(std::string_view s);
  /// A C string (not bool, which a pointer would otherwise convert to).
  template <typename T>
    requires std::is_same_v<T, const char*> || std::is_same_v<T, char*>
  json_writer& value(T s) {
    return value(std::string_view(s));
  }
  /// A string literal value ("ok", "pass"): copied as key() copies one.
  template <size_t N>
  json_writer& value(const char (&s)[N]) {
    const std::string_view text(s, N - 1);
    if (!is_plain_literal(text)) {
      return value(c_string(s, N));
    }
    before_value();
    out_.push_back('"');
    out_.append(text);
    out_.push_back('"');
    return *this;
  }
  template <size_t N>
  json_writer& value(char (&s)[N]) {
    return value(std::string_view(s));
  }
  json_writer& value(bool b);
  json_writer& value(int64_t v);
  json_writer& value(uint64_t v);
  json_writer& value(int v) { return value(static_cast<int64_t>(v)); }
  /// Finite doubles with up to `decimals` fraction digits (trailing zeros kept);
  /// NaN and infinities are written as null.
  json_writer& value_fixed(double v, int decimals);
  json_writer& null();

  /// Ends the current top-level value with '\n' (one NDJSON line).
  void end_line();

  /// Where the writer stands: rewind() to it drops everything written since
  /// (the bytes and the comma state), e.g. a section that made a record too
  /// large.
  struct mark_t {
    size_t size;
    uint32_t depth;
    uint64_t first_bits;
    bool after_key;
  };
  mark_t mark() const { return {out_.size(), depth_, first_bits_, after_key_}; }
  void rewind(const mark_t& m) {
    out_.resize(m.size);
    depth_ = m.depth;
    first_bits_ = m.first_bits;
    after_key_ = m.after_key;
  }

  /// The C string in a const char array: up to its first NUL (a literal's
  /// is its last element; a fixed-size array may hold a shorter string, as
  /// the const char* overload read it), at most N bytes.
  static constexpr std::string_view c_string(const char* a, size_t n) {
    size_t len = 0;
    while (len < n && a[len] != '\0') {
      ++len;
    }
    return {a, len};
  }
  /// True when append_json_string() would copy `s` unchanged: printable
  /// ASCII without '"' or '\\' (and so no NUL: an array whose string ends
  /// before its last element takes the escaping path).
  static constexpr bool is_plain_literal(std::string_view s) {
    for (const char c : s) {
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return false;
      }
    }
    return true;
  }

 private:
  void before_value();
  std::string& out_;
  uint32_t depth_ = 0;
  uint64_t first_bits_ = 1;  // bit d set: no element written yet at depth d
  bool after_key_ = false;
};

}  // namespace ptrscan
