// The JSON writer with bytes from the network as strings: banners, EHLO
// lines, PTR names and certificate names reach it unfiltered.
//
// Two passes over each input:
//  1. The whole input as one string value. The output must be valid UTF-8,
//     hold no raw control byte, parse as JSON (nlohmann::json is the oracle),
//     and decode to the input with each byte that is not part of a
//     well-formed UTF-8 sequence replaced by U+FFFD. The expected string
//     comes from a byte-at-a-time decoder written here from Unicode's
//     Table 3-7, independent of the writer's word-at-a-time fast path.
//  2. The input drives a sequence of writer calls (nested objects and arrays,
//     keys and strings from the input, integers, fixed-point doubles, bools,
//     nulls, several NDJSON lines) while the same document is built as a
//     nlohmann::json; every output line must parse to it.

#include <fuzzer/FuzzedDataProvider.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "output/json_writer.h"

namespace {

using nlohmann::json;

// Length of the well-formed UTF-8 sequence at s[i], 0 if there is none: the
// code point is decoded and rejected when overlong, a surrogate or above
// U+10FFFF.
size_t utf8_length(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = b(i);
  size_t len;
  uint32_t cp;
  uint32_t min;
  if (lead < 0x80) {
    return 1;
  } else if ((lead & 0xe0) == 0xc0) {
    len = 2, cp = lead & 0x1f, min = 0x80;
  } else if ((lead & 0xf0) == 0xe0) {
    len = 3, cp = lead & 0x0f, min = 0x800;
  } else if ((lead & 0xf8) == 0xf0) {
    len = 4, cp = lead & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) {
    return 0;
  }
  for (size_t k = 1; k < len; ++k) {
    if ((b(i + k) & 0xc0) != 0x80) {
      return 0;
    }
    cp = cp << 6 | (b(i + k) & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

// What a string should read as after the writer's repair.
std::string repaired(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const size_t len = utf8_length(s, i);
    if (len == 0) {
      out += "\xef\xbf\xbd";  // U+FFFD
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

bool valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t len = utf8_length(s, i);
    if (len == 0) {
      return false;
    }
    i += len;
  }
  return true;
}

void check_string(std::string_view bytes) {
  std::string out;
  ptrscan::append_json_string(out, bytes);
  FUZZ_CHECK(valid_utf8(out));
  for (char c : out) {
    FUZZ_CHECK(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f);
  }
  const json parsed = json::parse(out, nullptr, /*allow_exceptions=*/false);
  FUZZ_CHECK(parsed.is_string());
  FUZZ_CHECK(parsed.get_ref<const std::string&>() == repaired(bytes));
}

// The writer's value_fixed() against printf's correctly rounded %.*f.
json expected_fixed(double v, int decimals) {
  if (!std::isfinite(v)) {
    return nullptr;
  }
  const int d = decimals < 0 ? 0 : (decimals > 40 ? 40 : decimals);
  char buf[400];
  std::snprintf(buf, sizeof buf, "%.*f", d, v);
  return json::parse(buf);
}

// Writes a random document with `w` and builds the same one in `lines`.
class document_builder {
 public:
  document_builder(FuzzedDataProvider& in, ptrscan::json_writer& w) : in_(in), w_(w) {}

  std::vector<json> build() {
    for (int op = 0; op < 400 && in_.remaining_bytes() > 0; ++op) {
      step();
    }
    while (!open_.empty()) {
      close();
    }
    return std::move(lines_);
  }

 private:
  struct frame {
    json value;
    bool is_object;
    std::string key;  // the pending key, repaired
  };

  void step() {
    const int op = in_.ConsumeIntegralInRange(0, 9);
    if (op == 9) {
      if (!open_.empty()) {
        close();
      }
      return;
    }
    // Inside an object every value needs its key first.
    if (!open_.empty() && open_.back().is_object) {
      const std::string k = in_.ConsumeRandomLengthString(64);
      w_.key(k);
      open_.back().key = repaired(k);
    }
    switch (op) {
      case 0:
      case 1:
        if (open_.size() < 32) {  // the writer's documented nesting limit
          const bool object = op == 0;
          if (object) {
            w_.begin_object();
          } else {
            w_.begin_array();
          }
          open_.push_back({object ? json::object() : json::array(), object, {}});
        } else {
          w_.null();
          add(nullptr);
        }
        break;
      case 2: {
        const std::string s = in_.ConsumeRandomLengthString(256);
        w_.value(std::string_view(s));
        add(repaired(s));
        break;
      }
      case 3: {
        const bool b = in_.ConsumeBool();
        w_.value(b);
        add(b);
        break;
      }
      case 4: {
        const auto v = in_.ConsumeIntegral<int64_t>();
        w_.value(v);
        add(v);
        break;
      }
      case 5: {
        const auto v = in_.ConsumeIntegral<uint64_t>();
        w_.value(v);
        add(v);
        break;
      }
      case 6: {
        const int decimals = in_.ConsumeIntegralInRange(-2, 45);
        double v = 0;
        switch (in_.ConsumeIntegralInRange(0, 7)) {
          case 0:
            v = std::nan("");
            break;
          case 1:
            v = HUGE_VAL;
            break;
          case 2:
            v = -HUGE_VAL;
            break;
          default:
            v = in_.ConsumeFloatingPoint<double>();
            break;
        }
        w_.value_fixed(v, decimals);
        add(expected_fixed(v, decimals));
        break;
      }
      case 7: {
        const int v = in_.ConsumeIntegral<int>();
        w_.value(v);
        add(v);
        break;
      }
      default:
        w_.null();
        add(nullptr);
        break;
    }
  }

  void close() {
    frame f = std::move(open_.back());
    open_.pop_back();
    if (f.is_object) {
      w_.end_object();
    } else {
      w_.end_array();
    }
    add(std::move(f.value));
  }

  // A finished value goes into its container, or ends an NDJSON line.
  void add(json v) {
    if (open_.empty()) {
      w_.end_line();
      lines_.push_back(std::move(v));
    } else if (open_.back().is_object) {
      open_.back().value[open_.back().key] = std::move(v);
    } else {
      open_.back().value.push_back(std::move(v));
    }
  }

  FuzzedDataProvider& in_;
  ptrscan::json_writer& w_;
  std::vector<frame> open_;
  std::vector<json> lines_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check_string(std::string_view(reinterpret_cast<const char*>(data), size));

  FuzzedDataProvider in(data, size);
  std::string out;
  ptrscan::json_writer w(out);
  const std::vector<json> expected = document_builder(in, w).build();

  FUZZ_CHECK(valid_utf8(out));
  size_t line_start = 0;
  for (const json& want : expected) {
    const size_t end = out.find('\n', line_start);
    FUZZ_CHECK(end != std::string::npos);
    const json got =
        json::parse(out.begin() + static_cast<ptrdiff_t>(line_start),
                    out.begin() + static_cast<ptrdiff_t>(end), nullptr, false);
    FUZZ_CHECK(!got.is_discarded());
    FUZZ_CHECK(got == want);
    line_start = end + 1;
  }
  FUZZ_CHECK(line_start == out.size());
  return 0;
}
