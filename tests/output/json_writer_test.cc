#include "output/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <ostream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>

namespace ptrscan {
namespace {

using namespace std::string_literals;

std::string to_json_string(std::string_view bytes) {
  std::string out;
  append_json_string(out, bytes);
  return out;
}

// Strict UTF-8 check (Unicode Table 3-7), independent of the code under test's
// structure: decode code points and reject what the table rejects.
bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len = 0;
    uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + static_cast<size_t>(len) > s.size()) {
      return false;
    }
    for (int k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
      if ((cc & 0xc0) != 0x80) {
        return false;
      }
      cp = (cp << 6) | (cc & 0x3f);
    }
    const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += static_cast<size_t>(len);
  }
  return true;
}

// A byte-at-a-time reference: the same contract, written the obvious way.
std::string reference_json_string(std::string_view in) {
  std::string out = "\"";
  size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", c);
            out += buf;
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    const size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
    if (len != 0 && i + len <= in.size() && valid_utf8(in.substr(i, len))) {
      uint32_t cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
      for (size_t k = 1; k < len; ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(in[i + k]) & 0x3f);
      }
      // Display hazards: C1, the bidi marks, embeddings, overrides and
      // isolates, and the line/paragraph separators.
      const bool hazard = (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e ||
                          cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
                          (cp >= 0x2066 && cp <= 0x2069);
      if (hazard) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(cp));
        out += buf;
      } else {
        out.append(in.substr(i, len));
      }
      i += len;
    } else {
      out += "\\ufffd";
      ++i;
    }
  }
  out += "\"";
  return out;
}

struct string_case {
  const char* name;
  std::string input;
  std::string expected;  // exact output including the quotes
};

// Failures name the case rather than dumping the struct's bytes.
void PrintTo(const string_case& c, std::ostream* os) { *os << c.name; }

class JsonStringTest : public ::testing::TestWithParam<string_case> {};

TEST_P(JsonStringTest, Escapes) {
  const auto& c = GetParam();
  const std::string got = to_json_string(c.input);
  EXPECT_EQ(got, c.expected);
  EXPECT_TRUE(valid_utf8(got));
  // nlohmann validates UTF-8 and the JSON grammar on parse (throws otherwise).
  EXPECT_TRUE(nlohmann::json::accept(got)) << got;
}

const std::string fffd = "\\ufffd";

INSTANTIATE_TEST_SUITE_P(
    Cases, JsonStringTest,
    ::testing::Values(
        string_case{"empty", "", "\"\""},
        string_case{"ascii", "mx1.example.org", "\"mx1.example.org\""},
        string_case{"long_ascii", "220 mx1.example.org ESMTP Postfix (Debian/GNU) ready",
                    "\"220 mx1.example.org ESMTP Postfix (Debian/GNU) ready\""},
        string_case{"quote", "a\"b", "\"a\\\"b\""},
        string_case{"backslash", "a\\b", "\"a\\\\b\""},
        string_case{"short_forms", "\n\r\t\b\f", "\"\\n\\r\\t\\b\\f\""},
        string_case{"nul", "x\0y"s, "\"x\\u0000y\""},
        string_case{"c0_controls", "\x01\x07\x0b\x0e\x1b\x1f", "\"\\u0001\\u0007\\u000b\\u000e\\u001b\\u001f\""},
        string_case{"del", "a\x7f", "\"a\\u007f\""},
        string_case{"del_in_long_run", "abcdefgh\x7fijklmnop", "\"abcdefgh\\u007fijklmnop\""},
        string_case{"space_and_tilde", " ~", "\" ~\""},
        string_case{"escape_in_long_run", "abcdefghij\"klmnopqrstuvwxyz", "\"abcdefghij\\\"klmnopqrstuvwxyz\""},
        string_case{"two_byte", "caf\xc3\xa9", "\"caf\xc3\xa9\""},
        string_case{"two_byte_min_is_c1", "\xc2\x80", "\"\\u0080\""},
        // Display hazards (net/text_hazards.h) become \u escapes; their
        // neighbours stay as they are.
        string_case{"c1_csi_and_nel", "a\xc2\x9b" "31m\xc2\x85z", "\"a\\u009b31m\\u0085z\""},
        string_case{"c1_last", "\xc2\x9f", "\"\\u009f\""},
        string_case{"nbsp_after_c1_kept", "\xc2\xa0", "\"\xc2\xa0\""},
        string_case{"rlo_in_long_run", "abcdefgh\xe2\x80\xaeijklmnop",
                    "\"abcdefgh\\u202eijklmnop\""},
        string_case{"bidi_embeddings", "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
                    "\"\\u202a\\u202b\\u202c\\u202d\""},
        string_case{"bidi_isolates", "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
                    "\"\\u2066\\u2067\\u2068\\u2069\""},
        string_case{"bidi_marks", "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c",
                    "\"\\u200e\\u200f\\u061c\""},
        string_case{"line_and_paragraph_separators", "a\xe2\x80\xa8" "b\xe2\x80\xa9",
                    "\"a\\u2028b\\u2029\""},
        string_case{"hazard_neighbours_kept",
                    "\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b",
                    "\"\xe2\x80\xa7\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa\xd8\x9b\""},
        string_case{"truncated_rlo_is_invalid_not_hazard", "\xe2\x80", "\"" + fffd + fffd + "\""},
        string_case{"three_byte", "\xe2\x82\xac", "\"\xe2\x82\xac\""},
        string_case{"three_byte_e0_min", "\xe0\xa0\x80", "\"\xe0\xa0\x80\""},
        string_case{"three_byte_before_surrogates", "\xed\x9f\xbf", "\"\xed\x9f\xbf\""},
        string_case{"real_fffd_kept", "\xef\xbf\xbd", "\"\xef\xbf\xbd\""},
        string_case{"four_byte", "\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\""},
        string_case{"four_byte_max", "\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\""},
        string_case{"mixed_runs", "ab\xc3\xa9\xe2\x82\xac" "cd\xf0\x9f\x98\x80" "ef",
                    "\"ab\xc3\xa9\xe2\x82\xac" "cd\xf0\x9f\x98\x80" "ef\""},
        string_case{"overlong_c0_80", "\xc0\x80", "\"" + fffd + fffd + "\""},
        string_case{"overlong_c1_bf", "\xc1\xbf", "\"" + fffd + fffd + "\""},
        string_case{"overlong_e0_80_80", "\xe0\x80\x80", "\"" + fffd + fffd + fffd + "\""},
        string_case{"overlong_f0_80_80_80", "\xf0\x80\x80\x80", "\"" + fffd + fffd + fffd + fffd + "\""},
        string_case{"surrogate_ed_a0_80", "\xed\xa0\x80", "\"" + fffd + fffd + fffd + "\""},
        string_case{"surrogate_ed_bf_bf", "\xed\xbf\xbf", "\"" + fffd + fffd + fffd + "\""},
        string_case{"above_max_f4_90_80_80", "\xf4\x90\x80\x80", "\"" + fffd + fffd + fffd + fffd + "\""},
        string_case{"f5_lead", "\xf5\x80\x80\x80", "\"" + fffd + fffd + fffd + fffd + "\""},
        string_case{"truncated_e2_82_at_end", "ab\xe2\x82", "\"ab" + fffd + fffd + "\""},
        string_case{"truncated_then_ascii", "\xe2\x82x", "\"" + fffd + fffd + "x\""},
        string_case{"truncated_four_byte", "\xf0\x9f\x98", "\"" + fffd + fffd + fffd + "\""},
        string_case{"lone_continuation", "a\x80" "b", "\"a" + fffd + "b\""},
        string_case{"ff_fe", "\xff\xfe", "\"" + fffd + fffd + "\""},
        string_case{"bad_then_good", "\xc3\xc3\xa9", "\"" + fffd + "\xc3\xa9\""},
        string_case{"lead_then_control", "\xc3\n", "\"" + fffd + "\\n\""}),
    [](const ::testing::TestParamInfo<string_case>& p) { return std::string(p.param.name); });

// Thousands of random byte strings, biased towards the interesting bytes:
// whatever comes in, the output parses as one JSON string and is UTF-8.
TEST(JsonStringPropertyTest, RandomBytesGiveValidJsonAndUtf8) {
  std::mt19937_64 rng(20240601);
  const unsigned char interesting[] = {0x00, 0x1f, '"', '\\', 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xc2,
                                       0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 'a', 0xa0,
                                       0x9f, 0x8f, 0x90};
  for (int iter = 0; iter < 20000; ++iter) {
    const size_t len = rng() % 70;
    std::string in;
    for (size_t i = 0; i < len; ++i) {
      const uint64_t r = rng();
      if (r % 3 == 0) {
        in.push_back(static_cast<char>(interesting[(r >> 8) % sizeof interesting]));
      } else {
        in.push_back(static_cast<char>(r >> 16));
      }
    }
    const std::string out = to_json_string(in);
    ASSERT_TRUE(valid_utf8(out)) << "iteration " << iter;
    ASSERT_EQ(out, reference_json_string(in)) << "iteration " << iter;
    nlohmann::json parsed;
    ASSERT_NO_THROW(parsed = nlohmann::json::parse(out)) << "iteration " << iter << ": " << out;
    ASSERT_TRUE(parsed.is_string());
    // Valid input must round-trip exactly.
    if (valid_utf8(in)) {
      ASSERT_EQ(parsed.get<std::string>(), in);
    }
  }
}

// Valid UTF-8 (random code points) comes back unchanged after a parse.
TEST(JsonStringPropertyTest, ValidUtf8RoundTrips) {
  std::mt19937 rng(7);
  for (int iter = 0; iter < 5000; ++iter) {
    std::string in;
    const int n = static_cast<int>(rng() % 20);
    for (int i = 0; i < n; ++i) {
      uint32_t cp = rng() % 0x110000;
      if (cp >= 0xd800 && cp <= 0xdfff) {
        cp = 'x';
      }
      if (cp < 0x80) {
        in.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        in.push_back(static_cast<char>(0xc0 | (cp >> 6)));
        in.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      } else if (cp < 0x10000) {
        in.push_back(static_cast<char>(0xe0 | (cp >> 12)));
        in.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        in.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      } else {
        in.push_back(static_cast<char>(0xf0 | (cp >> 18)));
        in.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
        in.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
        in.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
      }
    }
    ASSERT_EQ(nlohmann::json::parse(to_json_string(in)).get<std::string>(), in);
  }
}

// Every byte that leaves the fast path is caught at every offset of the
// 8-byte words the scanner reads.
TEST(JsonStringPropertyTest, SpecialByteAtEveryOffset) {
  for (int b = 0; b < 256; ++b) {
    for (size_t offset = 0; offset < 24; ++offset) {
      std::string in(24, 'a');
      in[offset] = static_cast<char>(b);
      ASSERT_EQ(to_json_string(in), reference_json_string(in)) << "byte " << b << " at " << offset;
    }
  }
}

TEST(JsonStringAppendTest, AppendsToExistingContent) {
  std::string out = "prefix:";
  append_json_string(out, "v");
  EXPECT_EQ(out, "prefix:\"v\"");
}

TEST(JsonWriterTest, NestedObjectsAndArrays) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  w.key("ip").value("198.18.0.7");
  w.key("ptr").begin_object();
  w.key("status").value("ok");
  w.key("names").begin_array().value("a.example").value("b.example").end_array();
  w.end_object();
  w.key("smtp").begin_array();
  w.begin_object().key("port").value(25).key("ok").value(true).end_object();
  w.begin_object().key("port").value(465).key("ok").value(false).end_object();
  w.end_array();
  w.key("none").null();
  w.end_object();
  w.end_line();
  EXPECT_EQ(out,
            R"({"ip":"198.18.0.7","ptr":{"status":"ok","names":["a.example","b.example"]},)"
            R"("smtp":[{"port":25,"ok":true},{"port":465,"ok":false}],"none":null})"
            "\n");
  EXPECT_TRUE(nlohmann::json::accept(out));
}

TEST(JsonWriterTest, EmptyContainers) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  w.key("o").begin_object().end_object();
  w.key("a").begin_array().end_array();
  w.key("aa").begin_array().begin_array().end_array().begin_object().end_object().end_array();
  w.end_object();
  EXPECT_EQ(out, R"({"o":{},"a":[],"aa":[[],{}]})");
}

TEST(JsonWriterTest, EmptyTopLevelObject) {
  std::string out;
  json_writer w(out);
  w.begin_object().end_object();
  w.end_line();
  EXPECT_EQ(out, "{}\n");
}

TEST(JsonWriterTest, SeveralLinesHaveNoLeadingComma) {
  std::string out;
  json_writer w(out);
  for (int i = 0; i < 3; ++i) {
    w.begin_object().key("n").value(i).end_object();
    w.end_line();
  }
  EXPECT_EQ(out, "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
}

TEST(JsonWriterTest, KeysAreEscaped) {
  std::string out;
  json_writer w(out);
  w.begin_object().key("a\"b\n").value("x").end_object();
  EXPECT_EQ(out, R"({"a\"b\n":"x"})");
}

// Literal keys and values take a copy path of their own: it must write what
// the escaping path writes, for plain literals and for ones that need
// escapes, and a char array that is not const is data (escaped).
TEST(JsonWriterTest, LiteralKeysAndValuesAreWrittenAsEscaped) {
  std::string fast;
  json_writer f(fast);
  f.begin_object().key("status").value("ok");
  f.key("a\"b").value("tab\there").key("\x7f").value("\xc3\xa9");
  f.key("bidi").value("\xe2\x80\xae").end_object();
  std::string slow;
  json_writer s(slow);
  s.begin_object().key(std::string_view("status")).value(std::string_view("ok"));
  s.key(std::string_view("a\"b")).value(std::string_view("tab\there"));
  s.key(std::string_view("\x7f")).value(std::string_view("\xc3\xa9"));
  s.key(std::string_view("bidi")).value(std::string_view("\xe2\x80\xae")).end_object();
  EXPECT_EQ(fast, slow);
  EXPECT_EQ(fast, std::string(R"({"status":"ok","a\"b":"tab\there","\u007f":")") +
                      "\xc3\xa9" + R"(","bidi":"\u202e"})");  // é is kept, U+202E escaped

  // A fixed-size const array holding a shorter C string: the string, as
  // the const char* overload wrote it (not the NULs after it).
  const char padded[16] = "short";
  const char rows[][5] = {"A", "AAAA"};
  std::string fixed;
  json_writer x(fixed);
  x.begin_object().key(padded).value(rows[0]).key(rows[1]).value(padded).end_object();
  EXPECT_EQ(fixed, R"({"short":"A","AAAA":"short"})");

  char data[] = "x\"y";  // not const: data, whatever its storage
  std::string out;
  json_writer d(out);
  d.begin_object().key(data).value(data).end_object();
  EXPECT_EQ(out, R"({"x\"y":"x\"y"})");
  const char* pointer = "p\\q";
  out.clear();
  json_writer p(out);
  p.begin_array().value(pointer).value(true).end_array();
  EXPECT_EQ(out, R"(["p\\q",true])");  // a pointer is a string, not a bool
}

TEST(JsonWriterTest, Integers) {
  std::string out;
  json_writer w(out);
  w.begin_array();
  w.value(0);
  w.value(-1);
  w.value(int64_t{-1234567890123});
  w.value(std::numeric_limits<int64_t>::min());
  w.value(std::numeric_limits<int64_t>::max());
  w.value(std::numeric_limits<uint64_t>::max());
  w.end_array();
  EXPECT_EQ(out,
            "[0,-1,-1234567890123,-9223372036854775808,9223372036854775807,"
            "18446744073709551615]");
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j[5].get<uint64_t>(), std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(j[3].get<int64_t>(), std::numeric_limits<int64_t>::min());
}

TEST(JsonWriterTest, FixedDoubles) {
  std::string out;
  json_writer w(out);
  w.begin_array();
  w.value_fixed(0.21, 2);
  w.value_fixed(3.5, 2);
  w.value_fixed(2.0, 0);
  w.value_fixed(-1.25, 3);
  w.value_fixed(123456.789, 1);
  w.end_array();
  // Trailing zeros kept, '.' whatever the locale.
  EXPECT_EQ(out, "[0.21,3.50,2,-1.250,123456.8]");
}

TEST(JsonWriterTest, FixedDoubleRoundsToNearby) {
  // 0.215 is not representable; accept whichever side to_chars rounds to, but
  // the text must be 2-decimal and parse back close to the value.
  std::string out;
  json_writer w(out);
  w.value_fixed(0.215, 2);
  ASSERT_EQ(out.size(), 4u) << out;
  EXPECT_EQ(out.substr(0, 2), "0.");
  const double parsed = nlohmann::json::parse(out).get<double>();
  EXPECT_NEAR(parsed, 0.215, 0.0051);
}

TEST(JsonWriterTest, NonFiniteIsNull) {
  std::string out;
  json_writer w(out);
  w.begin_object();
  w.key("nan").value_fixed(std::nan(""), 2);
  w.key("inf").value_fixed(std::numeric_limits<double>::infinity(), 2);
  w.key("ninf").value_fixed(-std::numeric_limits<double>::infinity(), 2);
  w.key("big").value_fixed(std::numeric_limits<double>::max(), 2);
  w.end_object();
  const auto j = nlohmann::json::parse(out);
  EXPECT_TRUE(j["nan"].is_null());
  EXPECT_TRUE(j["inf"].is_null());
  EXPECT_TRUE(j["ninf"].is_null());
  EXPECT_TRUE(j["big"].is_number());
}

TEST(JsonWriterTest, DeepNesting) {
  std::string out;
  json_writer w(out);
  for (int i = 0; i < 32; ++i) {
    w.begin_array();
    w.value(i);
  }
  for (int i = 0; i < 32; ++i) {
    w.end_array();
  }
  const auto j = nlohmann::json::parse(out);
  EXPECT_EQ(j[0].get<int>(), 0);
  EXPECT_EQ(j[1][0].get<int>(), 1);
}

TEST(JsonWriterTest, AppendsToExistingChunk) {
  std::string out = "{\"n\":0}\n";
  json_writer w(out);
  w.begin_object().key("n").value(1).end_object();
  w.end_line();
  EXPECT_EQ(out, "{\"n\":0}\n{\"n\":1}\n");
}

// The record cap (shard::write_host_record) drops a probe's sections by
// rewinding to a mark: the bytes and the comma state go back, so what is
// written next is valid JSON, first member or not.
TEST(JsonWriterTest, RewindDropsASectionAndKeepsTheCommas) {
  for (bool first : {true, false}) {
    std::string out = "prefix\n";
    json_writer w(out);
    w.begin_object();
    if (!first) {
      w.key("ip").value("192.0.2.1");
    }
    const json_writer::mark_t m = w.mark();
    w.key("big").begin_object().key("list").begin_array().value("x").value("y");
    w.end_array().end_object();
    w.rewind(m);
    w.key("truncated").begin_array().value("big").end_array();
    w.end_object();
    w.end_line();
    EXPECT_EQ(out, first ? "prefix\n{\"truncated\":[\"big\"]}\n"
                         : "prefix\n{\"ip\":\"192.0.2.1\",\"truncated\":[\"big\"]}\n");
  }
}

}  // namespace
}  // namespace ptrscan
