// DNS wire pieces of the ring transport: names in and out, the query we
// build, and the question check that decides which answers count.
#include "dns/wire.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptrscan {
namespace {

std::vector<uint8_t> encode(std::string_view text) {
  std::array<uint8_t, max_wire_name> buf{};
  const size_t n = encode_name(text, buf);
  return std::vector<uint8_t>(buf.begin(), buf.begin() + static_cast<ptrdiff_t>(n));
}

std::vector<uint8_t> bytes(std::string_view s) { return std::vector<uint8_t>(s.begin(), s.end()); }

using namespace std::string_literals;  // "...\0"s keeps the root label

struct name_case {
  const char* text;
  std::vector<uint8_t> wire;  // empty: cannot be encoded
};

TEST(WireTest, EncodesNames) {
  const std::string long_label(63, 'a');
  const std::vector<name_case> cases = {
      {"7.0.18.198.in-addr.arpa", bytes("\x01" "7\x01" "0\x02" "18\x03" "198\x07in-addr\x04" "arpa\0"s)},
      {"mx.example.", bytes("\x02mx\x07" "example\0"s)},
      {".", bytes("\0"s)},
      {"", bytes("\0"s)},
      {"a\\.b.c", bytes("\x03" "a.b\x01" "c\0"s)},
      {"a\\\\b", bytes("\x03" "a\\b\0"s)},
      {"a\\065b", bytes("\x03" "aAb\0"s)},
      {"a\\256", {}},       // \DDD over 255
      {"a\\06", {}},        // \DDD cut short
      {"a\\", {}},          // dangling escape
      {"a..b", {}},         // empty label
      {".a", {}},
  };
  for (const name_case& c : cases) {
    std::vector<uint8_t> got = encode(c.text);
    EXPECT_EQ(got, c.wire) << c.text;
  }
  EXPECT_EQ(encode(long_label + ".x").size(), 63u + 1 + 2 + 1);
  EXPECT_TRUE(encode(long_label + "a.x").empty());  // 64-octet label
  std::string long_name;
  while (long_name.size() < 260) {
    long_name += "abcdefghi.";
  }
  EXPECT_TRUE(encode(long_name).empty());  // over 255 octets
}

// A trailing dot is the root only when it is not escaped, and a backslash
// before it may itself be escaped (found by fuzz/dns_wire: the text \000\\.
// did not encode, though \000\\ does).
TEST(WireTest, RootDotAfterEscapedBackslash) {
  EXPECT_EQ(strip_root_dot("a.b."), "a.b");
  EXPECT_EQ(strip_root_dot("a\\\\."), "a\\\\");       // a\\.  : label a\ and the root
  EXPECT_EQ(strip_root_dot("a\\\\\\."), "a\\\\\\.");  // a\\\. : label a\. only
  EXPECT_EQ(strip_root_dot("a\\."), "a\\.");          // a\.   : label a. only
  EXPECT_EQ(strip_root_dot("."), "");
  EXPECT_EQ(strip_root_dot("\\."), "\\.");
  EXPECT_EQ(encode("\\000\\\\."), bytes("\x02\0\\\0"s));
  EXPECT_EQ(encode("a\\\\."), encode("a\\\\"));
  EXPECT_EQ(encode("a\\\\\\."), bytes("\x03" "a\\.\0"s));
}

TEST(WireTest, DecodeIsTheInverseOfEncode) {
  for (const char* text : {"7.0.18.198.in-addr.arpa", "a\\.b.c", "a\\\\b", "a\\000b.x", "."}) {
    EXPECT_EQ(decode_name(encode(text)), text);
  }
  EXPECT_EQ(decode_name(bytes("\xc0\x0c")), "");  // compressed: not ours
  EXPECT_EQ(decode_name(bytes("\x05" "ab")), "");   // runs off the end
}

// read_name is the one decoder of names in messages: compression followed,
// letters lower-cased, odd octets escaped, and every malformed name refused
// the same way wherever it sits (question, owner, rdata).
TEST(WireTest, ReadNameInAMessage) {
  // header, then "Ab.C" at 12, then "x" + pointer to 12 at 18.
  std::vector<uint8_t> msg(12, 0);
  const std::vector<uint8_t> first = bytes("\x02" "Ab\x01" "C\0"s);
  msg.insert(msg.end(), first.begin(), first.end());
  const size_t second = msg.size();
  msg.insert(msg.end(), {1, 'X', 0xc0, 12});
  std::string text;
  EXPECT_EQ(read_name(msg, 12, &text), second);
  EXPECT_EQ(text, "ab.c");
  EXPECT_EQ(read_name(msg, second, &text), msg.size());  // ends after the pointer
  EXPECT_EQ(text, "x.ab.c");
  EXPECT_EQ(read_name(msg, second, nullptr), msg.size());
  // Odd octets escaped, the same in every name.
  std::vector<uint8_t> odd(12, 0);
  odd.insert(odd.end(), {4, 'a', '.', 0x00, '\\', 1, 0xff, 0});
  EXPECT_NE(read_name(odd, 12, &text), 0u);
  EXPECT_EQ(text, "a\\.\\000\\\\.\\255");
  // Kept case only on request (decode_name).
  EXPECT_NE(read_name(msg, 12, &text, name_form::verbatim), 0u);
  EXPECT_EQ(text, "Ab.C");
  EXPECT_EQ(read_name(msg, second, &text, name_form::verbatim), 0u);  // no pointers there

  struct bad_case {
    const char* what;
    std::vector<uint8_t> name;  // at offset 12; a pointer to 0xffff is patched to itself
  };
  const std::vector<bad_case> bad = {
      {"pointer to itself", {0xc0, 12}},
      {"0x40 label type", {0x41, 'a', 0}},
      {"0x80 label type", {0x81, 'a', 0}},
      {"label runs off the message", {5, 'a', 'b'}},
      {"no root label", {1, 'a'}},
      {"pointer past the end", {0xc0, 0xff}},
  };
  for (const bad_case& c : bad) {
    std::vector<uint8_t> m(12, 0);
    m.insert(m.end(), c.name.begin(), c.name.end());
    EXPECT_EQ(read_name(m, 12, &text), 0u) << c.what;
  }
  // Pointer chains: 64 jumps are followed, the 65th is a loop.
  auto chain = [](int jumps) {
    std::vector<uint8_t> m(12, 0);
    m.insert(m.end(), {1, 'a', 0});  // at 12
    for (int i = 0; i < jumps; ++i) {
      const size_t prev = i == 0 ? 12 : m.size() - 2;
      m.push_back(static_cast<uint8_t>(0xc0 | (prev >> 8)));
      m.push_back(static_cast<uint8_t>(prev));
    }
    return m;
  };
  const std::vector<uint8_t> ok = chain(max_name_jumps);
  EXPECT_EQ(read_name(ok, ok.size() - 2, &text), ok.size());
  EXPECT_EQ(text, "a");
  const std::vector<uint8_t> too_long = chain(max_name_jumps + 1);
  EXPECT_EQ(read_name(too_long, too_long.size() - 2, &text), 0u);
}

TEST(WireTest, BuildsARecursiveQueryWithEdns) {
  std::array<uint8_t, max_query_bytes> out{};
  const std::vector<uint8_t> name = encode("ab.c");
  const size_t n = build_query(0x1234, name, 12, 1232, out);
  const std::vector<uint8_t> want = {
      0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 1,  // ID, RD, QD=1, AR=1
      2, 'a', 'b', 1, 'c', 0, 0, 12, 0, 1,             // ab.c PTR IN
      0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0};         // OPT, 1232, no options
  EXPECT_EQ(std::vector<uint8_t>(out.begin(), out.begin() + static_cast<ptrdiff_t>(n)), want);
  EXPECT_EQ(build_query(1, name, 1, 0, out), 12u + name.size() + 4);  // no OPT
}

TEST(WireTest, QuestionMustMatch) {
  std::array<uint8_t, max_query_bytes> q{};
  const std::vector<uint8_t> name = encode("Mx.Example");
  const size_t n = build_query(7, name, 1, 0, q);
  const std::span<const uint8_t> query(q.data(), n);
  auto response = [&](std::string_view qname, uint16_t type, uint16_t qdcount) {
    std::vector<uint8_t> r(q.begin(), q.begin() + 12);
    r[2] = 0x81;
    r[5] = static_cast<uint8_t>(qdcount);
    std::vector<uint8_t> w = encode(qname);
    r.insert(r.end(), w.begin(), w.end());
    r.insert(r.end(), {static_cast<uint8_t>(type >> 8), static_cast<uint8_t>(type), 0, 1});
    return r;
  };
  EXPECT_TRUE(question_matches(response("mx.example", 1, 1), query));
  EXPECT_TRUE(question_matches(response("MX.EXAMPLE", 1, 1), query));
  EXPECT_FALSE(question_matches(response("mx.example", 28, 1), query));  // other type
  EXPECT_FALSE(question_matches(response("mx.exampla", 1, 1), query));
  EXPECT_FALSE(question_matches(response("mx.example.org", 1, 1), query));
  EXPECT_FALSE(question_matches(response("mx.example", 1, 0), query));  // no question
  std::vector<uint8_t> cut = response("mx.example", 1, 1);
  cut.resize(cut.size() - 3);
  EXPECT_FALSE(question_matches(cut, query));
  response_header h;
  EXPECT_FALSE(read_header(std::vector<uint8_t>(11, 0), h));
  ASSERT_TRUE(read_header(response("mx.example", 1, 1), h));
  EXPECT_EQ(h.id, 7);
  EXPECT_TRUE(h.is_response);
  EXPECT_FALSE(h.truncated);
}

}  // namespace
}  // namespace ptrscan
