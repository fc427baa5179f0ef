#include "smtp/reply_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace ptrscan {
namespace {

using namespace std::string_literals;
using result = reply_reader::result;

// What one feed sequence produced.
struct outcome {
  result res = result::need_more;
  smtp_reply reply;
  std::string leftover;
  size_t feeds = 0;
};

// Feeds `input` in pieces of `piece` bytes (0: in one piece) until the reader
// stops asking for more.
outcome feed_in_pieces(reply_reader& rd, std::string_view input, size_t piece) {
  outcome o;
  while (true) {
    std::string_view chunk = piece == 0 ? input : input.substr(0, piece);
    input.remove_prefix(chunk.size());
    ++o.feeds;
    o.res = rd.feed(chunk);
    if (o.res != result::need_more || input.empty()) {
      o.leftover = std::string(chunk) + std::string(input);
      break;
    }
    EXPECT_TRUE(chunk.empty()) << "need_more must consume everything";
  }
  o.reply = rd.reply();
  return o;
}

// Feeds `input` split in two at `at`.
outcome feed_split(reply_reader& rd, std::string_view input, size_t at) {
  outcome o;
  std::string_view a = input.substr(0, at);
  std::string_view b = input.substr(at);
  o.res = rd.feed(a);
  if (o.res == result::need_more) {
    EXPECT_TRUE(a.empty());
    o.res = rd.feed(b);
    o.leftover = std::string(b);
  } else {
    o.leftover = std::string(a) + std::string(b);
  }
  o.reply = rd.reply();
  return o;
}

void expect_same(const outcome& got, const outcome& want, const std::string& where) {
  EXPECT_EQ(got.res, want.res) << where;
  EXPECT_EQ(got.reply.code, want.reply.code) << where;
  EXPECT_EQ(got.reply.lines, want.reply.lines) << where;
  EXPECT_EQ(got.reply.raw, want.reply.raw) << where;
  EXPECT_EQ(got.reply.malformed, want.reply.malformed) << where;
  EXPECT_EQ(got.reply.truncated, want.reply.truncated) << where;
  EXPECT_EQ(got.leftover, want.leftover) << where;
}

struct reply_case {
  std::string label;
  std::string input;
  result res;
  int code;
  std::vector<std::string> lines;
  bool malformed;
  bool truncated;
  std::string leftover;
};

const std::vector<reply_case>& reply_cases() {
  // One case per row reads better than one field per line.
  // clang-format off
  static const std::vector<reply_case> cases = {
      {"single line", "220 mx.example.org ESMTP\r\n", result::complete, 220,
       {"mx.example.org ESMTP"}, false, false, ""},
      {"multi-line greeting", "220-a\r\n220-b\r\n220 c\r\n", result::complete, 220,
       {"a", "b", "c"}, false, false, ""},
      {"code alone", "220\r\n", result::complete, 220, {""}, false, false, ""},
      {"code and space only", "220 \r\n", result::complete, 220, {""}, false, false, ""},
      {"bare LF", "250-a\n250 b\n", result::complete, 250, {"a", "b"}, false, false, ""},
      {"mixed CRLF and LF", "250-a\r\n250 b\n", result::complete, 250, {"a", "b"}, false, false,
       ""},
      {"lone CR kept", "220 a\rb\r\n", result::complete, 220, {"a\rb"}, false, false, ""},
      {"only the CR before LF stripped", "220 a\r\r\n", result::complete, 220, {"a\r"}, false,
       false, ""},
      {"incomplete line", "220 mx.example.org", result::need_more, 0, {}, false, false, ""},
      {"continuation then silence", "220-a\r\n220-b\r\n", result::need_more, 220, {"a", "b"},
       false, false, ""},
      {"pipelined replies", "250 ok\r\n354 go ahead\r\n", result::complete, 250, {"ok"}, false,
       false, "354 go ahead\r\n"},
      {"pipelined partial", "250-a\r\n250 b\r\n221 by", result::complete, 250, {"a", "b"}, false,
       false, "221 by"},
      {"4th char neither dash nor space", "250x\r\n250 next\r\n", result::complete, 250, {"x"},
       true, false, "250 next\r\n"},
      {"code mismatch", "250-a\r\n251-b\r\n250 c\r\n", result::complete, 250, {"a", "b", "c"},
       true, false, ""},
      {"code mismatch on last line", "220-a\r\n554 no\r\n", result::complete, 220, {"a", "no"},
       true, false, ""},
      {"garbage first line", "HTTP/1.1 400 Bad Request\r\nServer: x\r\n", result::complete, 0,
       {"HTTP/1.1 400 Bad Request"}, true, false, "Server: x\r\n"},
      {"garbage later line ends the reply", "220-a\r\nhello\r\n220 b\r\n", result::complete,
       220, {"a", "hello"}, true, false, "220 b\r\n"},
      {"two digits", "22 x\r\n", result::complete, 0, {"22 x"}, true, false, ""},
      {"empty line", "\r\n220 x\r\n", result::complete, 0, {""}, true, false, "220 x\r\n"},
      {"NUL and high bytes kept", "220 a\0b\xff\xc3\xa9\r\n"s, result::complete, 220,
       {"a\0b\xff\xc3\xa9"s}, false, false, ""},
      // "\000" then '0': octal escapes stop after three digits.
      {"NUL in the code", "2\0000 x\r\n"s, result::complete, 0, {"2\0000 x"s}, true, false, ""},
  };
  // clang-format on
  return cases;
}

TEST(SmtpReplyTest, Table) {
  for (const reply_case& c : reply_cases()) {
    SCOPED_TRACE(c.label);
    reply_reader rd;
    outcome o = feed_in_pieces(rd, c.input, 0);
    EXPECT_EQ(o.res, c.res);
    EXPECT_EQ(o.reply.code, c.code);
    EXPECT_EQ(o.reply.lines, c.lines);
    EXPECT_EQ(o.reply.malformed, c.malformed);
    EXPECT_EQ(o.reply.truncated, c.truncated);
    EXPECT_EQ(o.leftover, c.leftover);
    // raw is exactly the bytes consumed.
    EXPECT_EQ(o.reply.raw + o.leftover, c.input);
  }
}

TEST(SmtpReplyTest, EveryTwoWaySplitMatchesOneFeed) {
  for (const reply_case& c : reply_cases()) {
    reply_reader whole_rd;
    outcome whole = feed_in_pieces(whole_rd, c.input, 0);
    for (size_t at = 0; at <= c.input.size(); ++at) {
      reply_reader rd;
      expect_same(feed_split(rd, c.input, at), whole, c.label + " split at " + std::to_string(at));
    }
  }
}

TEST(SmtpReplyTest, SmallPiecesMatchOneFeed) {
  for (const reply_case& c : reply_cases()) {
    reply_reader whole_rd;
    outcome whole = feed_in_pieces(whole_rd, c.input, 0);
    for (size_t piece : {1, 2, 3, 5, 7}) {
      reply_reader rd;
      expect_same(feed_in_pieces(rd, c.input, piece), whole,
                  c.label + " in pieces of " + std::to_string(piece));
    }
  }
}

TEST(SmtpReplyTest, FirstLine) {
  smtp_reply r;
  EXPECT_EQ(r.first_line(), "");
  r.lines = {"one", "two"};
  EXPECT_EQ(r.first_line(), "one");
  r.code = 250;
  r.raw = "x";
  r.malformed = r.truncated = true;
  r.clear();
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(r.lines.empty());
  EXPECT_TRUE(r.raw.empty());
  EXPECT_FALSE(r.malformed);
  EXPECT_FALSE(r.truncated);
}

TEST(SmtpReplyTest, PipelinedRepliesReadInTurn) {
  std::string buf = "250-mx.example.org\r\n250 PIPELINING\r\n250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n";
  std::string_view data = buf;
  reply_reader rd;
  ASSERT_EQ(rd.feed(data), result::complete);
  EXPECT_EQ(rd.reply().lines, (std::vector<std::string>{"mx.example.org", "PIPELINING"}));
  // Without reset() the reader stays on the finished reply.
  EXPECT_EQ(rd.feed(data), result::complete);
  EXPECT_EQ(data, "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n");
  rd.reset();
  ASSERT_EQ(rd.feed(data), result::complete);
  EXPECT_EQ(rd.reply().first_line(), "2.1.0 Ok");
  EXPECT_EQ(rd.reply().raw, "250 2.1.0 Ok\r\n");
  rd.reset();
  ASSERT_EQ(rd.feed(data), result::complete);
  EXPECT_EQ(rd.reply().first_line(), "2.1.5 Ok");
  EXPECT_TRUE(data.empty());
  rd.reset();
  EXPECT_EQ(rd.feed(data), result::need_more);
  EXPECT_TRUE(rd.reply().raw.empty());
}

TEST(SmtpReplyTest, OverlongLineCappedAndReplyCompletes) {
  const std::string long_text(10 * 1024, 'a');
  const std::string input = "220-" + long_text + "\r\n220 short\r\n";
  for (size_t piece : {0, 1, 16, 4096}) {
    SCOPED_TRACE(piece);
    reply_reader rd(2048, 65536);
    outcome o = feed_in_pieces(rd, input, piece);
    ASSERT_EQ(o.res, result::complete);
    EXPECT_EQ(o.reply.code, 220);
    ASSERT_EQ(o.reply.lines.size(), 2u);
    EXPECT_EQ(o.reply.lines[0], long_text.substr(0, 2048));
    EXPECT_EQ(o.reply.lines[1], "short");
    EXPECT_TRUE(o.reply.truncated);
    EXPECT_FALSE(o.reply.malformed);
    EXPECT_EQ(o.reply.raw, input);
  }
}

TEST(SmtpReplyTest, LineExactlyAtCapIsNotTruncated) {
  reply_reader rd(8, 1024);
  std::string_view data = "250 12345678\r\n";
  ASSERT_EQ(rd.feed(data), result::complete);
  EXPECT_EQ(rd.reply().first_line(), "12345678");
  EXPECT_FALSE(rd.reply().truncated);
  rd.reset();
  data = "250 123456789\r\n";
  ASSERT_EQ(rd.feed(data), result::complete);
  EXPECT_EQ(rd.reply().first_line(), "12345678");
  EXPECT_TRUE(rd.reply().truncated);
  // reset() clears the flag for the next reply.
  rd.reset();
  data = "250 ok\r\n";
  ASSERT_EQ(rd.feed(data), result::complete);
  EXPECT_FALSE(rd.reply().truncated);
}

TEST(SmtpReplyTest, EndlessLineIsTooLongAfterCapInOneBytePieces) {
  const size_t cap = 4096;
  reply_reader rd(512, cap);
  size_t fed = 0;
  result res = result::need_more;
  while (res == result::need_more && fed < 10 * cap) {
    std::string_view one = "x";
    res = rd.feed(one);
    EXPECT_TRUE(one.empty());
    ++fed;
    EXPECT_LE(rd.reply().raw.size(), cap);
    EXPECT_LE(rd.reply().raw.capacity(), 2 * cap);
  }
  EXPECT_EQ(res, result::too_long);
  EXPECT_EQ(fed, cap);
  EXPECT_EQ(rd.reply().raw, std::string(cap, 'x'));
  EXPECT_TRUE(rd.reply().truncated);
  EXPECT_TRUE(rd.reply().lines.empty());
  // It stays given up, and consumes nothing more.
  std::string_view more = "\r\n";
  EXPECT_EQ(rd.feed(more), result::too_long);
  EXPECT_EQ(more, "\r\n");
}

TEST(SmtpReplyTest, EndlessLineInOneBigFeedStopsAtCap) {
  const size_t cap = 65536;
  const std::string flood(3 * cap, '\xff');
  std::string_view data = flood;
  reply_reader rd;
  EXPECT_EQ(rd.feed(data), result::too_long);
  EXPECT_EQ(rd.reply().raw.size(), cap);
  EXPECT_EQ(data.size(), flood.size() - cap);
}

TEST(SmtpReplyTest, EndlessContinuationLinesAreTooLong) {
  std::string flood;
  while (flood.size() < 2000) {
    flood += "250-more\r\n";
  }
  reply_reader rd(512, 1000);
  outcome o = feed_in_pieces(rd, flood, 3);
  EXPECT_EQ(o.res, result::too_long);
  EXPECT_EQ(o.reply.raw.size(), 1000u);
  EXPECT_EQ(o.reply.lines.size(), 100u);
}

TEST(SmtpReplyTest, ReplyEndingExactlyAtCapCompletes) {
  const std::string input = "250-ab\r\n250 cd\r\n";  // 16 bytes
  reply_reader rd(512, input.size());
  for (size_t piece : {0, 1}) {
    rd.reset();
    outcome o = feed_in_pieces(rd, input, piece);
    EXPECT_EQ(o.res, result::complete);
    EXPECT_FALSE(o.reply.truncated);
  }
  reply_reader small(512, input.size() - 1);
  EXPECT_EQ(feed_in_pieces(small, input, 0).res, result::too_long);
}

TEST(SmtpReplyTest, ZeroCaps) {
  reply_reader no_reply(512, 0);
  std::string_view data = "250 ok\r\n";
  EXPECT_EQ(no_reply.feed(data), result::too_long);
  EXPECT_EQ(data, "250 ok\r\n");
  reply_reader no_text(0, 100);
  ASSERT_EQ(no_text.feed(data), result::complete);
  EXPECT_EQ(no_text.reply().code, 250);
  EXPECT_EQ(no_text.reply().first_line(), "");
  EXPECT_TRUE(no_text.reply().truncated);
}

TEST(SmtpReplyTest, EmptyFeed) {
  reply_reader rd;
  std::string_view data;
  EXPECT_EQ(rd.feed(data), result::need_more);
}

smtp_reply read_reply(std::string_view input) {
  reply_reader rd;
  rd.feed(input);
  return rd.reply();
}

struct host_case {
  std::string input;
  std::string host;
};

TEST(SmtpReplyHostTest, Table) {
  const std::vector<host_case> cases = {
      {"220 mx1.Example.ORG. ESMTP Postfix\r\n", "mx1.example.org"},
      {"220 [192.0.2.1] hi\r\n", "[192.0.2.1]"},
      {"220 [IPv6:2001:DB8::1] ready\r\n", "[ipv6:2001:db8::1]"},
      {"220 ESMTP\r\n", ""},
      {"220 ESMTP Postfix\r\n", ""},
      {"220-mx.example.net\r\n220 ok\r\n", "mx.example.net"},
      {"554 no service\r\n", ""},
      {"421 Service not available\r\n", ""},
      {"554 mx.example.net ESMTP not accepting mail\r\n", "mx.example.net"},
      {"220 \r\n", ""},
      {"220\r\n", ""},
      {"220 localhost ESMTP\r\n", "localhost"},
      {"220 MAIL01 Microsoft ESMTP MAIL Service ready\r\n", "mail01"},
      {"220   mx.example.org\tESMTP\r\n", "mx.example.org"},
      {"220 mx.example.org\r\n", "mx.example.org"},
      {"220 _dmarc-ish_host.example.org x\r\n", "_dmarc-ish_host.example.org"},
      {"220 *** ESMTP\r\n", ""},
      {"220 \xc3\xa9xample.org ESMTP\r\n", ""},
      {"220 mx.example.org, ESMTP\r\n", ""},
      {"220 mx..example.org\r\n", ""},
      {"220 .example.org\r\n", ""},
      {"220 mx.example.org.. x\r\n", ""},
      {"220 .\r\n", ""},
      {"220 " + std::string(64, 'a') + ".example.org\r\n", ""},
      {"220 " + std::string(63, 'a') + ".example.org\r\n", std::string(63, 'a') + ".example.org"},
      {"220 [192.0.2.999]\r\n", ""},
      {"220 [mx.example.org]\r\n", ""},
      {"220 [IPv6:192.0.2.1]\r\n", ""},
      {"220 []\r\n", ""},
      {"220 [" + std::string(100, '1') + "]\r\n", ""},
      {"220 mx\0.example.org\r\n"s, ""},
      // inet_pton stops at a NUL; the junk after it must not pass as a literal
      // (found by fuzz/smtp_reply).
      {"220 [192.0.2.1\0junk] ESMTP\r\n"s, ""},
      {"220 [IPv6:2001:db8::1\0\0] ESMTP\r\n"s, ""},
      {"HTTP/1.1 400 Bad Request\r\n", ""},
  };
  for (const host_case& c : cases) {
    EXPECT_EQ(reply_host(read_reply(c.input)), c.host) << c.input;
  }
}

TEST(EhloTest, PostfixLike) {
  smtp_reply r = read_reply(
      "250-mx.example.org\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-STARTTLS\r\n"
      "250-8BITMIME\r\n250 SMTPUTF8\r\n");
  ehlo_info e = parse_ehlo(r);
  EXPECT_EQ(e.host, "mx.example.org");
  EXPECT_EQ(e.extensions, (std::vector<std::string>{"PIPELINING", "SIZE 10240000", "STARTTLS",
                                                    "8BITMIME", "SMTPUTF8"}));
  EXPECT_TRUE(e.has("STARTTLS"));
  EXPECT_TRUE(e.has("starttls"));
  EXPECT_TRUE(e.has("size"));
  EXPECT_TRUE(e.has("SMTPUTF8"));
  EXPECT_FALSE(e.has("CHUNKING"));
  EXPECT_FALSE(e.has("START"));
  EXPECT_FALSE(e.has(""));
  EXPECT_EQ(e.param("SIZE"), "10240000");
  EXPECT_EQ(e.param("size"), "10240000");
  EXPECT_EQ(e.param("STARTTLS"), "");
  EXPECT_EQ(e.param("AUTH"), "");
}

TEST(EhloTest, GreetingTextAfterHost) {
  smtp_reply r = read_reply(
      "250-MX.Example.ORG Hello client.example [192.0.2.7]\r\n"
      "250-AUTH  LOGIN PLAIN \r\n250-AUTH=LOGIN\r\n250-  \r\n250-\tDSN\r\n250 HELP\r\n");
  ehlo_info e = parse_ehlo(r);
  EXPECT_EQ(e.host, "mx.example.org");
  EXPECT_EQ(e.extensions,
            (std::vector<std::string>{"AUTH  LOGIN PLAIN", "AUTH=LOGIN", "DSN", "HELP"}));
  EXPECT_EQ(e.param("auth"), "LOGIN PLAIN");
  EXPECT_TRUE(e.has("AUTH=LOGIN"));
  EXPECT_TRUE(e.has("dsn"));
}

TEST(EhloTest, FirstLineWithoutHost) {
  for (std::string_view input : {"250-\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
                                 "250-Hello [192.0.2.7]\r\n250-PIPELINING\r\n250 STARTTLS\r\n",
                                 "250-*** welcome ***\r\n250-PIPELINING\r\n250 STARTTLS\r\n"}) {
    ehlo_info e = parse_ehlo(read_reply(input));
    EXPECT_EQ(e.host, "") << input;
    EXPECT_EQ(e.extensions, (std::vector<std::string>{"PIPELINING", "STARTTLS"})) << input;
    EXPECT_TRUE(e.has("starttls")) << input;
  }
}

TEST(EhloTest, SingleLineHasNoExtensions) {
  ehlo_info e = parse_ehlo(read_reply("250 mx.example.org\r\n"));
  EXPECT_EQ(e.host, "mx.example.org");
  EXPECT_TRUE(e.extensions.empty());
  EXPECT_FALSE(e.has("PIPELINING"));
}

TEST(EhloTest, AtMost64Extensions) {
  std::string input = "250-mx.example.org\r\n";
  for (int i = 0; i < 100; ++i) {
    input += "250-X-EXT" + std::to_string(i) + "\r\n";
  }
  input += "250 LAST\r\n";
  ehlo_info e = parse_ehlo(read_reply(input));
  ASSERT_EQ(e.extensions.size(), ehlo_info::max_extensions);
  EXPECT_EQ(e.extensions.front(), "X-EXT0");
  EXPECT_EQ(e.extensions.back(), "X-EXT63");
  EXPECT_FALSE(e.has("LAST"));
}

TEST(EhloTest, EmptyReply) {
  ehlo_info e = parse_ehlo(smtp_reply{});
  EXPECT_EQ(e.host, "");
  EXPECT_TRUE(e.extensions.empty());
  EXPECT_FALSE(e.has("SIZE"));
  EXPECT_EQ(e.param("SIZE"), "");
}

// Issue 16 item 5: what middleboxes leave, and enhanced status codes.
TEST(EhloParse, MaskedStarttlsIsSeenInEveryLine) {
  for (const char* keyword : {"XXXXXXXA", "XXXXXXXX", "xxxxxxxa"}) {
    SCOPED_TRACE(keyword);
    std::string input = "250-mx.example.test\r\n";
    for (int i = 0; i < 70; ++i) {
      input += "250-X-EXT" + std::to_string(i) + "\r\n";
    }
    input += std::string("250 ") + keyword + "\r\n";
    const ehlo_info e = parse_ehlo(read_reply(input));
    EXPECT_TRUE(e.starttls_masked);
    EXPECT_FALSE(e.starttls);
  }
  for (const char* keyword : {"XXXXXXA", "XXXXXXXXA", "XXXXXXAX", "XAUTH", "STARTTLS"}) {
    SCOPED_TRACE(keyword);
    const ehlo_info e =
        parse_ehlo(read_reply(std::string("250-mx.example.test\r\n250 ") + keyword + "\r\n"));
    EXPECT_FALSE(e.starttls_masked);
  }
}

TEST(EnhancedStatus, TakesTheCodeThatStartsTheText) {
  EXPECT_EQ(enhanced_status(554, "5.7.1 <x@example.test>: Relay access denied"), "5.7.1");
  EXPECT_EQ(enhanced_status(250, "2.1.0 Ok"), "2.1.0");
  EXPECT_EQ(enhanced_status(450, "4.2.0 Greylisted"), "4.2.0");
  EXPECT_EQ(enhanced_status(550, "5.123.456"), "5.123.456");
  EXPECT_EQ(enhanced_status(451, "4.7.1\tlater"), "4.7.1");
  // The class must be the reply code's first digit and 2, 4 or 5.
  EXPECT_EQ(enhanced_status(554, "4.7.1 mismatch"), "");
  EXPECT_EQ(enhanced_status(354, "3.0.0 go on"), "");
  // Not a code: too many digits, no detail, glued text, not at the start.
  for (const char* text : {"5.7.1234 x", "5.7 denied", "5.7.1x", "5..1 x", "Relay 5.7.1",
                           "", "5.7."}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(enhanced_status(554, text), "");
  }
}

TEST(BannerMasked, MostlyAsterisksAfterTheCode) {
  EXPECT_TRUE(banner_masked("220 ****************************2*0**0*0*******0***0"));
  EXPECT_TRUE(banner_masked("220 ********"));
  EXPECT_TRUE(banner_masked("220-****************\r\n220 ****************"));
  EXPECT_FALSE(banner_masked("220 *******"));  // 7: too few to say
  EXPECT_FALSE(banner_masked("220 mx.example.test ESMTP ******** ready"));
  EXPECT_FALSE(banner_masked("220 mx.example.test ESMTP"));
  EXPECT_FALSE(banner_masked(""));
}

TEST(Greylisting, OnlyATemporaryRefusalThatSaysSo) {
  EXPECT_TRUE(says_greylisted(450, "4.2.0 <a@b.test>: Recipient address rejected: Greylisted"));
  EXPECT_TRUE(says_greylisted(451, "4.7.1 Please try again later (GRAYLISTED)"));
  EXPECT_TRUE(says_greylisted(421, "grey-listed, come back in 5 minutes"));
  EXPECT_TRUE(says_greylisted(450, "Gray list in effect"));
  EXPECT_FALSE(says_greylisted(451, "4.7.1 Rate limit exceeded, try again later"));
  EXPECT_FALSE(says_greylisted(550, "5.7.1 greylisted forever"));  // a refusal, not a deferral
  EXPECT_FALSE(says_greylisted(250, "greylist passed"));
}

}  // namespace
}  // namespace ptrscan
