#include "output/json_writer.h"

#include <array>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <system_error>

#include "net/text_hazards.h"

namespace ptrscan {
namespace {

// Byte classes for the scanning loop. Everything that is not `plain` leaves
// the fast path: ASCII that needs an escape, or the lead byte of a multi-byte
// sequence that must be validated first.
enum : uint8_t { plain = 0, escape = 1, non_ascii = 2 };

constexpr std::array<uint8_t, 256> make_byte_classes() {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    if (c < 0x20 || c == '"' || c == '\\' || c == 0x7f) {
      t[c] = escape;
    } else if (c >= 0x80) {
      t[c] = non_ascii;
    } else {
      t[c] = plain;
    }
  }
  return t;
}
constexpr std::array<uint8_t, 256> byte_class = make_byte_classes();

constexpr uint64_t ones = 0x0101010101010101ULL;
constexpr uint64_t highs = 0x8080808080808080ULL;

// True when none of the 8 bytes of `w` needs attention: no byte < 0x20, none
// >= 0x7f, no '"' and no '\\'. These are the "has byte less than / zero byte /
// more than" tests from Bit Twiddling Hacks; each is exact as an existence test,
// which is all we need to decide whether the word can be copied as is.
inline bool plain_word(uint64_t w) {
  const uint64_t lt_space = (w - ones * 0x20) & ~w;
  const uint64_t q = w ^ (ones * '"');
  const uint64_t quote = (q - ones) & ~q;
  const uint64_t b = w ^ (ones * '\\');
  const uint64_t backslash = (b - ones) & ~b;
  // Adding 1 lifts 0x7f into the high bit; bytes >= 0x80 have it already.
  const uint64_t ge_del = (w + ones) | w;
  return ((lt_space | quote | backslash | ge_del) & highs) == 0;
}

// Length of the well-formed UTF-8 sequence starting at p[0] (a byte >= 0x80),
// or 0 if there is none. Ranges are those of Unicode Table 3-7, which rule out
// overlong forms, UTF-16 surrogates and code points above U+10FFFF.
inline size_t utf8_sequence_length(const unsigned char* p, size_t avail) {
  const unsigned char c = p[0];
  auto cont = [](unsigned char x) { return (x & 0xc0) == 0x80; };
  if (c >= 0xc2 && c <= 0xdf) {
    return (avail >= 2 && cont(p[1])) ? 2 : 0;
  }
  if (c >= 0xe0 && c <= 0xef) {
    if (avail < 3) {
      return 0;
    }
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (c == 0xe0) {
      lo = 0xa0;  // below is overlong
    } else if (c == 0xed) {
      hi = 0x9f;  // above is a surrogate
    }
    return (p[1] >= lo && p[1] <= hi && cont(p[2])) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (avail < 4) {
      return 0;
    }
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    if (c == 0xf0) {
      lo = 0x90;  // below is overlong
    } else if (c == 0xf4) {
      hi = 0x8f;  // above is > U+10FFFF
    }
    return (p[1] >= lo && p[1] <= hi && cont(p[2]) && cont(p[3])) ? 4 : 0;
  }
  // 0x80..0xc1 (continuation or overlong lead) and 0xf5..0xff.
  return 0;
}

void append_escape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out.append("\\\"", 2);
      return;
    case '\\':
      out.append("\\\\", 2);
      return;
    case '\n':
      out.append("\\n", 2);
      return;
    case '\r':
      out.append("\\r", 2);
      return;
    case '\t':
      out.append("\\t", 2);
      return;
    case '\b':
      out.append("\\b", 2);
      return;
    case '\f':
      out.append("\\f", 2);
      return;
    default:
      break;
  }
  static constexpr char hex[] = "0123456789abcdef";
  const char buf[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};
  out.append(buf, sizeof buf);
}

}  // namespace

void append_json_string(std::string& out, std::string_view bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  out.push_back('"');
  size_t i = 0;
  while (i < n) {
    // Extend a run of bytes that are copied unchanged (plain ASCII and
    // well-formed multi-byte sequences), then append it in one go.
    const size_t run_start = i;
    for (;;) {
      while (i + 8 <= n) {
        uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (!plain_word(w)) {
          break;
        }
        i += 8;
      }
      while (i < n && byte_class[p[i]] == plain) {
        ++i;
      }
      if (i < n && byte_class[p[i]] == non_ascii) {
        const size_t len = utf8_sequence_length(p + i, n - i);
        // A display hazard (C1, bidi, U+2028/9) is well-formed but leaves
        // the run to be written as \uXXXX.
        if (len != 0 && (len == 4 || text_hazard_at(bytes.substr(i, len)) == 0)) {
          i += len;
          continue;
        }
      }
      break;
    }
    if (i > run_start) {
      out.append(bytes.data() + run_start, i - run_start);
    }
    if (i == n) {
      break;
    }
    const unsigned char c = p[i];
    size_t hazard_len = 0;
    if (byte_class[c] == escape) {
      append_escape(out, c);
    } else if (const uint32_t cp = text_hazard_at(bytes.substr(i), &hazard_len); cp != 0) {
      static constexpr char hex[] = "0123456789abcdef";
      const char buf[6] = {'\\', 'u', hex[(cp >> 12) & 0xf], hex[(cp >> 8) & 0xf],
                           hex[(cp >> 4) & 0xf], hex[cp & 0xf]};
      out.append(buf, sizeof buf);
      i += hazard_len;
      continue;
    } else {
      // Each byte outside a well-formed sequence becomes one U+FFFD, as Go's
      // encoding/json (and so zgrab2) does. The escaped form keeps a replaced
      // byte distinguishable from a U+FFFD that really was in the input.
      out.append("\\ufffd", 6);
    }
    ++i;
  }
  out.push_back('"');
}

void json_writer::before_value() {
  if (after_key_) {
    // The key already placed the comma; the value follows the ':'.
    after_key_ = false;
    return;
  }
  const uint64_t bit = uint64_t{1} << depth_;
  if ((first_bits_ & bit) != 0) {
    first_bits_ &= ~bit;
  } else {
    out_.push_back(',');
  }
}

json_writer& json_writer::begin_object() {
  before_value();
  out_.push_back('{');
  assert(depth_ < 63);
  ++depth_;
  first_bits_ |= uint64_t{1} << depth_;
  return *this;
}

json_writer& json_writer::end_object() {
  assert(depth_ > 0);
  out_.push_back('}');
  --depth_;
  return *this;
}

json_writer& json_writer::begin_array() {
  before_value();
  out_.push_back('[');
  assert(depth_ < 63);
  ++depth_;
  first_bits_ |= uint64_t{1} << depth_;
  return *this;
}

json_writer& json_writer::end_array() {
  assert(depth_ > 0);
  out_.push_back(']');
  --depth_;
  return *this;
}

json_writer& json_writer::key(std::string_view k) {
  before_value();
  append_json_string(out_, k);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

json_writer& json_writer::value(std::string_view s) {
  before_value();
  append_json_string(out_, s);
  return *this;
}

json_writer& json_writer::value(bool b) {
  before_value();
  if (b) {
    out_.append("true", 4);
  } else {
    out_.append("false", 5);
  }
  return *this;
}

json_writer& json_writer::value(int64_t v) {
  before_value();
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, static_cast<size_t>(res.ptr - buf));
  return *this;
}

json_writer& json_writer::value(uint64_t v) {
  before_value();
  char buf[24];
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, static_cast<size_t>(res.ptr - buf));
  return *this;
}

json_writer& json_writer::value_fixed(double v, int decimals) {
  if (!std::isfinite(v)) {
    return null();
  }
  before_value();
  // DBL_MAX has 309 integer digits; with the sign, the point and at most 40
  // decimals the buffer always fits. to_chars ignores the C locale, so the
  // separator is always '.'.
  constexpr int max_decimals = 40;
  if (decimals < 0) {
    decimals = 0;
  } else if (decimals > max_decimals) {
    decimals = max_decimals;
  }
  char buf[320 + max_decimals];
  const auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, decimals);
  if (res.ec != std::errc()) {
    out_.append("null", 4);  // unreachable with the buffer above; stay valid JSON
    return *this;
  }
  out_.append(buf, static_cast<size_t>(res.ptr - buf));
  return *this;
}

json_writer& json_writer::null() {
  before_value();
  out_.append("null", 4);
  return *this;
}

void json_writer::end_line() {
  out_.push_back('\n');
  // The next top-level value starts a new line, so it takes no comma.
  first_bits_ |= 1;
  after_key_ = false;
}

}  // namespace ptrscan
