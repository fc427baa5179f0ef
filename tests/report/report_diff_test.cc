// `ptrscan report --diff OLD`: change counts beside the current totals and
// the changed hosts, capped, escaped (tools/report/diff_section.cc).
#include <gtest/gtest.h>

#include <string>

#include "report/report_args.h"
#include "report/report_main.h"
#include "test_files.h"

namespace ptrscan::report {
namespace {

using testing::read_file;
using testing::temp_dir;
using testing::write_file;

std::string host(int i, const char* ptr_name, const char* input = nullptr) {
  std::string line = "{\"ip\":\"10.0.0." + std::to_string(i) + "\"";
  if (input != nullptr) {
    line += ",\"input\":\"" + std::string(input) + "\"";
  }
  line += ",\"ptr\":";
  line += ptr_name == nullptr ? std::string(R"({"status":"nxdomain"})")
                              : R"({"status":"ok","names":[")" + std::string(ptr_name) + "\"]}";
  return line + ",\"ts\":\"2027-01-01T00:00:00.000Z\"}\n";
}

TEST(ReportDiff, CountsPerKindAndTheChangedHosts) {
  temp_dir dir;
  const std::string old_file = dir.file("old.ndjson");
  const std::string new_file = dir.file("new.ndjson");
  write_file(old_file, host(1, nullptr) + host(2, "a.test") + host(3, "b.test") +
                           host(4, "c.test", "x<script>.test"));
  write_file(new_file, host(1, "n.test") + host(2, "a.test") + host(3, "b2.test") +
                           host(4, "d.test", "x<script>.test") + host(5, "e.test"));
  const std::string out = dir.file("r.html");
  ASSERT_EQ(report_main({"--diff", old_file, "-o", out, new_file}), 0);
  const std::string page = read_file(out);
  EXPECT_NE(page.find(R"(id="diff-ptr_added" data-count="1")"), std::string::npos);
  EXPECT_NE(page.find(R"(id="diff-ptr_changed" data-count="2")"), std::string::npos);
  EXPECT_NE(page.find(R"(id="diff-only_in_new" data-count="1")"), std::string::npos);
  EXPECT_NE(page.find(R"(id="diff-ptr_removed" data-count="0")"), std::string::npos);
  EXPECT_NE(page.find(R"(id="diff-changed" data-count="4")"), std::string::npos);
  EXPECT_NE(page.find(R"(id="diff-unchanged" data-count="1")"), std::string::npos);
  // Beside the count: the current total it changes (5 records with a PTR).
  EXPECT_NE(page.find("5 <span class=\"of\">records with a PTR name"), std::string::npos);
  EXPECT_NE(page.find("showing 4 of 4"), std::string::npos);
  EXPECT_NE(page.find("<td>10.0.0.3</td><td></td><td>ptr_changed</td>"), std::string::npos);
  EXPECT_EQ(page.find("x<script>"), std::string::npos);
  EXPECT_NE(page.find("x&lt;script&gt;.test"), std::string::npos);
}

TEST(ReportDiff, ListIsCapped) {
  temp_dir dir;
  std::string old_text;
  std::string new_text;
  for (int i = 0; i < 250; ++i) {
    old_text += "{\"ip\":\"10.1." + std::to_string(i) + ".1\"}\n";
    new_text += "{\"ip\":\"10.2." + std::to_string(i) + ".1\"}\n";
  }
  write_file(dir.file("old"), old_text);
  write_file(dir.file("new"), new_text);
  ASSERT_EQ(report_main({"--diff", dir.file("old"), "-o", dir.file("r.html"), dir.file("new")}), 0);
  const std::string page = read_file(dir.file("r.html"));
  EXPECT_NE(page.find("showing 200 of 500"), std::string::npos);
  EXPECT_NE(page.find(R"(id="diff-only_in_old" data-count="250")"), std::string::npos);
}

TEST(ReportDiff, UsageAndBadOld) {
  temp_dir dir;
  write_file(dir.file("new"), host(1, "a.test"));
  write_file(dir.file("junk"), "junk\n");
  EXPECT_EQ(report_main({"--diff", "-", dir.file("new")}), 2);
  EXPECT_EQ(report_main({"--diff", dir.file("new"), "-"}), 2);
  EXPECT_EQ(report_main({"--diff", dir.file("missing"), "-o", dir.file("r.html"), dir.file("new")}), 2);
  EXPECT_EQ(report_main({"--diff", dir.file("junk"), "-o", dir.file("r.html"), dir.file("new")}), 3);
}

}  // namespace
}  // namespace ptrscan::report
