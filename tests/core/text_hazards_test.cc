#include "net/text_hazards.h"

#include <gtest/gtest.h>

#include <string>

namespace ptrscan {
namespace {

TEST(TextHazards, TheClosedSet) {
  for (uint32_t cp = 0; cp < 0x3000; ++cp) {
    const bool want = (cp >= 0x80 && cp <= 0x9f) || cp == 0x61c || cp == 0x200e ||
                      cp == 0x200f || (cp >= 0x2028 && cp <= 0x202e) ||
                      (cp >= 0x2066 && cp <= 0x2069);
    EXPECT_EQ(is_text_hazard(cp), want) << std::hex << cp;
  }
  size_t len = 0;
  EXPECT_EQ(text_hazard_at("\xe2\x80\xae" "abc", &len), 0x202eU);
  EXPECT_EQ(len, 3U);
  EXPECT_EQ(text_hazard_at("\xc2\x85", &len), 0x85U);
  EXPECT_EQ(len, 2U);
  EXPECT_EQ(text_hazard_at("\xd8\x9c", &len), 0x61cU);
  EXPECT_EQ(text_hazard_at("\xe2\x80"), 0U);      // cut short: not a character
  EXPECT_EQ(text_hazard_at("\xe2\x82\xac"), 0U);  // the euro sign
  EXPECT_EQ(text_hazard_at("a"), 0U);
}

// What stderr shows of text the program did not write.
TEST(TextHazards, TerminalSafe) {
  EXPECT_EQ(terminal_safe("targets.txt"), "targets.txt");
  EXPECT_EQ(terminal_safe("a\x1b[31mb"), "a\\x1b[31mb");
  EXPECT_EQ(terminal_safe(std::string("a\0b\n\r\x7f", 6)), "a\\x00b\\x0a\\x0d\\x7f");
  EXPECT_EQ(terminal_safe("back\\slash"), "back\\x5cslash");
  EXPECT_EQ(terminal_safe("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 kept
  EXPECT_EQ(terminal_safe("x\xe2\x80\xaey"), "x<U+202E>y");
  EXPECT_EQ(terminal_safe("\xc2\x9b" "31m"), "<U+009B>31m");
  EXPECT_EQ(terminal_safe("\xe2\x80\xa8\xe2\x81\xa7"), "<U+2028><U+2067>");
  EXPECT_EQ(terminal_safe("\xff\xc3"), "\\xff\\xc3");  // not UTF-8
}

}  // namespace
}  // namespace ptrscan
