#include "checks/rdns_tokens.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace ptrscan::rdns {
namespace {

std::vector<std::string> tokens_of(std::string_view text, size_t skip_begin = 0,
                                   size_t skip_end = 0) {
  std::vector<std::string> out;
  for_each_token(text, skip_begin, skip_end,
                 [&](std::string_view t, size_t) { out.emplace_back(t); });
  return out;
}

using strings = std::vector<std::string>;

TEST(RdnsTokensTest, SplitsOnSeparatorsAndLetterDigitBoundaries) {
  EXPECT_EQ(tokens_of("c-73-15-2-1.hsd1.ca"),
            (strings{"c", "73", "15", "2", "1", "hsd", "1", "ca"}));
  EXPECT_EQ(tokens_of("p5b0a1c2d.dip0"),
            (strings{"p", "5", "b", "0", "a", "1", "c", "2", "d", "dip", "0"}));
  EXPECT_EQ(tokens_of("mail2019"), (strings{"mail", "2019"}));
  EXPECT_EQ(tokens_of("dinamic_adsl_1-2"), (strings{"dinamic", "adsl", "1", "2"}));
  EXPECT_EQ(tokens_of(""), strings{});
  EXPECT_EQ(tokens_of("..--__"), strings{});
}

TEST(RdnsTokensTest, SkipsTheAddressSpan) {
  // "dsl51b66e0f": the hex address is 51b66e0f; its letters are not words.
  EXPECT_EQ(tokens_of("dsl51b66e0f.pool", 3, 11), (strings{"dsl", "pool"}));
  EXPECT_EQ(tokens_of("p5ded0a1c.x", 1, 9), (strings{"p", "x"}));
}

TEST(RdnsTokensTest, KeywordsAreWholeTokensOnly) {
  for (const char* word : {"poolside", "hotel", "dynamics", "statistics", "mailchimp", "smtps2",
                           "staticky", "mxr", "pooler", "customers2", "generaldynamics"}) {
    EXPECT_EQ(find_keyword(word), nullptr) << word;
  }
  ASSERT_NE(find_keyword("pool"), nullptr);
  EXPECT_EQ(find_keyword("pool")->role, token_role::dynamic);
  EXPECT_EQ(find_keyword("static")->role, token_role::static_);
  EXPECT_EQ(find_keyword("mx")->role, token_role::mail);
  EXPECT_EQ(find_keyword("dsl")->role, token_role::access);
  EXPECT_EQ(find_keyword("business")->role, token_role::business);
}

TEST(RdnsTokensTest, TableMatchesTheCitedListInDatasets) {
  const auto path = std::filesystem::path(PTRSCAN_SOURCE_DIR) / "datasets/rdns/keywords.tsv";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const char* role_names[] = {"dynamic", "access", "static", "business", "mail"};
  std::vector<std::string> listed;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') {
      continue;
    }
    // word \t role \t standalone \t sources
    std::vector<std::string> cols;
    size_t start = 0;
    for (size_t tab; (tab = line.find('\t', start)) != std::string::npos; start = tab + 1) {
      cols.push_back(line.substr(start, tab - start));
    }
    cols.push_back(line.substr(start));
    ASSERT_EQ(cols.size(), 4u) << line;
    EXPECT_FALSE(cols[3].empty()) << "no source for " << cols[0];
    const keyword* k = find_keyword(cols[0]);
    ASSERT_NE(k, nullptr) << cols[0] << " is cited but not in the table";
    EXPECT_EQ(role_names[static_cast<int>(k->role)], cols[1]) << cols[0];
    EXPECT_EQ(k->standalone ? "yes" : "no", cols[2]) << cols[0];
    listed.push_back(cols[0]);
  }
  EXPECT_EQ(listed.size(), keywords().size()) << "a table word has no citation";
}

}  // namespace
}  // namespace ptrscan::rdns
