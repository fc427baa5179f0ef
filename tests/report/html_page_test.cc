#include "report/html_page.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "report/html_escape.h"
#include "report/page_format.h"
#include "report/page_sections.h"

namespace ptrscan::report {
namespace {

report_view build(const std::vector<std::string>& lines) {
  report_builder builder;
  for (const std::string& line : lines) {
    builder.add(parse_record(line));
  }
  return builder.view();
}

// The value of data-count on the element with `id`, or -1.
long long count_of(const std::string& html, const std::string& id) {
  const std::regex re("id=\"" + id + "\" data-count=\"([0-9]+)\"");
  std::smatch m;
  return std::regex_search(html, m, re) ? std::stoll(m[1]) : -1;
}

TEST(HtmlEscape, EscapesMarkupAndQuotes) {
  EXPECT_EQ(escaped("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(escaped("a\"b&c"), "a&quot;b&amp;c");
  EXPECT_EQ(escaped("mx1.example.org"), "mx1.example.org");
  EXPECT_EQ(escaped("na\xC3\xAFve"), "na\xC3\xAFve");  // UTF-8 passes through
  EXPECT_EQ(escaped(std::string("a\0b\x1b", 4)),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD");
}

// Display hazards from the network are shown as text, never obeyed: a bidi
// override in a PTR name must not reorder its table row.
TEST(HtmlEscape, ShowsDisplayHazardsVisibly) {
  EXPECT_EQ(escaped("evil\xe2\x80\xaegro.example"), "evil&lt;U+202E&gt;gro.example");
  EXPECT_EQ(escaped("\xe2\x81\xa6x\xe2\x81\xa9"), "&lt;U+2066&gt;x&lt;U+2069&gt;");
  EXPECT_EQ(escaped("a\xc2\x9b" "31m"), "a&lt;U+009B&gt;31m");
  EXPECT_EQ(escaped("a\xe2\x80\xa8" "b\xe2\x80\xa9"), "a&lt;U+2028&gt;b&lt;U+2029&gt;");
  // Neighbours are ordinary text.
  EXPECT_EQ(escaped("\xc2\xa0\xe2\x80\xaf"), "\xc2\xa0\xe2\x80\xaf");
}

TEST(PageFormat, GroupsDigitsAndRoundsPercentages) {
  EXPECT_EQ(grouped(0), "0");
  EXPECT_EQ(grouped(999), "999");
  EXPECT_EQ(grouped(65536), "65,536");
  EXPECT_EQ(grouped(100000000), "100,000,000");
  EXPECT_EQ(percent(1, 3), "33.3 %");
  EXPECT_EQ(percent(0, 0), "\xE2\x80\x93");
  EXPECT_EQ(percent_value(29693, 65536), "45.3");
}

TEST(HtmlPage, HostileNamesStayText) {
  // Names come from whoever runs the scanned hosts' DNS and mail servers.
  const std::string hostile_ptr = R"(<script>alert(1)<\/script>)";
  const std::string hostile_banner = R"(x\"><img src=x onerror=alert(2)>)";
  const report_view v = build({
      R"({"ip":"192.0.2.1","ptr":{"status":"ok","names":[")" + hostile_ptr +
          R"("]},"fcrdns":{"status":"fail"},"smtp":[{"port":25,"status":"ok","banner_host":")" +
          hostile_banner + R"("}],"checks":{"banner_ptr_match":false}})",
  });
  ASSERT_EQ(v.totals.records, 1u);
  ASSERT_EQ(v.mismatches.size(), 1u);
  page_info info;
  info.inputs = {"<b>scan</b>.ndjson"};
  const std::string html = render_page(v, info);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<b>scan"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("x&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;scan&lt;/b&gt;.ndjson"), std::string::npos);
  // The page's own script is the only one.
  size_t scripts = 0;
  for (size_t at = html.find("<script"); at != std::string::npos;
       at = html.find("<script", at + 1)) {
    ++scripts;
  }
  EXPECT_EQ(scripts, 1u);
}

TEST(HtmlPage, IsSelfContained) {
  const std::string html = render_page(build({R"({"ip":"192.0.2.1"})"}), {{"r.ndjson"}});
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find(" src="), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_NE(html.find("Content-Security-Policy"), std::string::npos);
}

TEST(HtmlPage, NumbersCarryIdsAndRawCounts) {
  const report_view v = build({
      R"({"ip":"192.0.2.1","ptr":{"status":"ok","names":["a.test"]},"fcrdns":{"status":"pass"},"rdns":{"class":"custom"}})",
      R"({"ip":"192.0.2.2","ptr":{"status":"ok","names":["b.test"]},"fcrdns":{"status":"fail"},"rdns":{"class":"generic-dynamic"}})",
      R"({"ip":"192.0.2.3","ptr":{"status":"nxdomain"},"fcrdns":{"status":"none"},"rdns":{"class":"none"}})",
      R"({"ip":"2001:db8::5","ptr":{"status":"servfail"},"fcrdns":{"status":"error"}})",
      R"({"domain":"example.org"})",
  });
  const std::string html = render_page(v, {{"r.ndjson"}});
  EXPECT_EQ(count_of(html, "total-records"), 4);
  EXPECT_EQ(count_of(html, "total-ipv4"), 3);
  EXPECT_EQ(count_of(html, "total-ipv6"), 1);
  EXPECT_EQ(count_of(html, "ptr-found"), 2);
  EXPECT_EQ(count_of(html, "ptr-absent"), 1);
  EXPECT_EQ(count_of(html, "ptr-errors"), 1);
  EXPECT_EQ(count_of(html, "ptr-coverage"), 2);
  EXPECT_NE(
      html.find("id=\"ptr-coverage\" data-count=\"2\" data-total=\"4\" data-percent=\"50.0\""),
      std::string::npos);
  EXPECT_EQ(count_of(html, "fcrdns-pass"), 1);
  EXPECT_EQ(count_of(html, "fcrdns-fail"), 1);
  EXPECT_EQ(count_of(html, "fcrdns-error"), 1);
  EXPECT_EQ(count_of(html, "fcrdns-none"), 1);
  EXPECT_EQ(count_of(html, "class-generic-dynamic"), 1);
  EXPECT_EQ(count_of(html, "class-custom"), 1);
  EXPECT_EQ(count_of(html, "class-none"), 1);
  EXPECT_EQ(count_of(html, "total-domain-summaries"), 1);
  EXPECT_EQ(count_of(html, "total-bad-lines"), 0);
  EXPECT_EQ(count_of(html, "networks-seen"), 2);
  EXPECT_EQ(count_of(html, "blocks-seen"), 1);
  EXPECT_EQ(count_of(html, "verdict-no-ptr"), 1);
  EXPECT_NE(html.find("<tr data-network=\"2001:db8::/48\""), std::string::npos);
  EXPECT_NE(html.find("data-initial-sort=\"6\""), std::string::npos);
}

TEST(EncodeCells, TwoCellsPerCharacterRowMajor) {
  std::vector<map_verdict> cells(256 * 256, map_verdict::not_scanned);
  cells[0] = map_verdict::pass;        // 1 << 3 | 0 = 8 -> 'I'
  cells[3] = map_verdict::unchecked;   // 0 << 3 | 5 = 5 -> 'F'
  cells[65535] = map_verdict::no_ptr;  // 0 << 3 | 3 -> 'D'
  const std::string text = encode_cells(cells);
  ASSERT_EQ(text.size(), 32768u);
  EXPECT_EQ(text[0], 'I');
  EXPECT_EQ(text[1], 'F');
  EXPECT_EQ(text[2], 'A');
  EXPECT_EQ(text.back(), 'D');
  EXPECT_EQ(encode_cells({map_verdict::fail, map_verdict::error, map_verdict::fail}), "UQ");
}

}  // namespace
}  // namespace ptrscan::report
