#include "report/report_main.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "test_files.h"

namespace ptrscan::report {
namespace {

using testing::read_file;
using testing::temp_dir;
using testing::write_file;
using testing::zstd_frame;

struct run_result {
  int exit_code;
  std::string err;
};

run_result run(const std::vector<std::string>& args) {
  ::testing::internal::CaptureStderr();
  const int code = report_main(args);
  return {code, ::testing::internal::GetCapturedStderr()};
}

long long count_of(const std::string& html, const std::string& id) {
  const std::regex re("id=\"" + id + "\" data-count=\"([0-9]+)\"");
  std::smatch m;
  return std::regex_search(html, m, re) ? std::stoll(m[1]) : -1;
}

constexpr const char* good =
    R"({"ip":"192.0.2.1","ptr":{"status":"ok","names":["a.test"]},"fcrdns":{"status":"pass"}})"
    "\n";

TEST(ReportMain, WritesTheReportFromSeveralInputs) {
  temp_dir dir;
  write_file(dir.file("a.ndjson"), good);
  write_file(dir.file("b.ndjson.zst"),
             zstd_frame(R"({"ip":"192.0.2.2","ptr":{"status":"nxdomain"}})"
                        "\n"));
  const run_result r =
      run({"-o", dir.file("out.html"), dir.file("a.ndjson"), dir.file("b.ndjson.zst")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::string html = read_file(dir.file("out.html"));
  EXPECT_EQ(count_of(html, "total-records"), 2);
  EXPECT_EQ(count_of(html, "ptr-absent"), 1);
  EXPECT_NE(r.err.find("2 records"), std::string::npos) << r.err;
}

TEST(ReportMain, BadLinesAreNamedSkippedAndCounted) {
  temp_dir dir;
  write_file(dir.file("mixed.ndjson"),
             std::string(good) + "not json\n\n{\"ip\":\"999.1.1.1\"}\n" + good + "[1]");
  const run_result r = run({"--output=" + dir.file("out.html"), dir.file("mixed.ndjson")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(dir.file("mixed.ndjson") + ":2: skipped: not valid JSON"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(":4: skipped: \"ip\" is not an IP address"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(":6: skipped: not a JSON object"), std::string::npos) << r.err;
  const std::string html = read_file(dir.file("out.html"));
  EXPECT_EQ(count_of(html, "total-records"), 2);
  EXPECT_EQ(count_of(html, "total-bad-lines"), 3);  // the blank line is not one
}

// Issue 15: a record longer than the report reads (a hostile range's) is
// kept as a host of unknown verdict, shown and counted, never dropped.
TEST(ReportMain, OversizedRecordIsKeptShownAndCounted) {
  std::string huge = R"({"ip":"198.51.100.7","ptr":{"status":"ok","names":[)";
  while (huge.size() <= (size_t{1} << 20) + 100) {
    huge += R"("h.example",)";
  }
  huge += R"("z.example"]}})";
  temp_dir dir;
  write_file(dir.file("big.ndjson"),
             std::string(good) + huge + "\n" + std::string(64, 'x') + std::string(2 << 20, 'y') +
                 "\n");
  const run_result r = run({"-o", dir.file("out.html"), dir.file("big.ndjson")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find(":2: longer than 1 MiB: kept as host 198.51.100.7"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find(":3: skipped: line longer than 1 MiB, without \"ip\""), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("2 records (1 oversized)"), std::string::npos) << r.err;
  const std::string html = read_file(dir.file("out.html"));
  EXPECT_EQ(count_of(html, "total-records"), 2);
  EXPECT_EQ(count_of(html, "total-oversized"), 1);
  EXPECT_EQ(count_of(html, "total-bad-lines"), 1);
  EXPECT_NE(html.find("198.51.100"), std::string::npos);  // its network is on the page
}

TEST(ReportMain, ManyBadLinesAreSummarised) {
  temp_dir dir;
  std::string text;
  for (int i = 0; i < 25; ++i) {
    text += "oops\n";
  }
  write_file(dir.file("junk"), text + good);
  const run_result r = run({"-o", dir.file("out.html"), dir.file("junk")});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find(":10: skipped"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(":11: skipped"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("25 bad lines skipped"), std::string::npos) << r.err;
  EXPECT_EQ(count_of(read_file(dir.file("out.html")), "total-bad-lines"), 25);
}

// Issue 16: a file of junk exited 0 with an empty-looking report.
TEST(ReportMain, NoRecordAtAllIsExitThreeAndWritesNothing) {
  temp_dir dir;
  write_file(dir.file("junk"), "oops\n{\"neither\":1}\n");
  write_file(dir.file("empty"), "");
  for (const std::string& input : {dir.file("junk"), dir.file("empty")}) {
    const run_result r = run({"-o", dir.file("out.html"), input});
    EXPECT_EQ(r.exit_code, 3) << input << r.err;
    EXPECT_NE(r.err.find("no line of the input is a ptrscan record"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("out.html")));
  }
  // One domain summary is a record.
  write_file(dir.file("domain"), "oops\n{\"domain\":\"example.org\",\"findings\":[]}\n");
  EXPECT_EQ(run({"-o", dir.file("out.html"), dir.file("domain")}).exit_code, 0);
}

TEST(ReportMain, AsOfSetsTheCertificateReference) {
  temp_dir dir;
  write_file(dir.file("a.ndjson"),
             R"({"ip":"192.0.2.1","smtp":[{"port":25,"status":"ok","tls":{"not_after":"2027-01-01T00:00:00Z"}}]})"
             "\n");
  EXPECT_EQ(run({"--as-of", "2026-12-15", "-o", dir.file("soon.html"), dir.file("a.ndjson")})
                .exit_code,
            0);
  EXPECT_EQ(count_of(read_file(dir.file("soon.html")), "certs-expiring"), 1);
  EXPECT_EQ(run({"--as-of=2026-06-01T00:00:00Z", "-o", dir.file("far.html"),
                 dir.file("a.ndjson")})
                .exit_code,
            0);
  EXPECT_EQ(count_of(read_file(dir.file("far.html")), "certs-expiring"), 0);
  const run_result bad = run({"--as-of", "yesterday", dir.file("a.ndjson")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--as-of"), std::string::npos) << bad.err;
}

TEST(ReportMain, UnreadableInputIsAUsageErrorAndWritesNothing) {
  temp_dir dir;
  std::string cut = zstd_frame(good);
  cut.resize(cut.size() - 2);
  write_file(dir.file("cut.zst"), cut);
  for (const std::string& input : {dir.file("missing.ndjson"), dir.file("cut.zst")}) {
    const run_result r = run({"-o", dir.file("out.html"), input});
    EXPECT_EQ(r.exit_code, 2) << input;
    EXPECT_NE(r.err.find(input), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir.file("out.html")));
  }
}

TEST(ReportMain, UsageErrors) {
  EXPECT_EQ(run({}).exit_code, 2);
  EXPECT_EQ(run({"-o"}).exit_code, 2);
  EXPECT_EQ(run({"--frobnicate", "x"}).exit_code, 2);
  EXPECT_EQ(run({"-", "-"}).exit_code, 2);
  const run_result r = run({"-x"});
  EXPECT_NE(r.err.find("unknown option -x"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("usage: ptrscan report"), std::string::npos) << r.err;
}

TEST(ReportMain, WriteFailureIsExitOne) {
  temp_dir dir;
  write_file(dir.file("a.ndjson"), good);
  const run_result r = run({"-o", dir.file("no-such-dir/out.html"), dir.file("a.ndjson")});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot create"), std::string::npos) << r.err;
  if (std::filesystem::exists("/dev/full")) {
    EXPECT_EQ(run({"-o", "/dev/full", dir.file("a.ndjson")}).exit_code, 1);
  }
}

}  // namespace
}  // namespace ptrscan::report
