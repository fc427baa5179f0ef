#include "report/line_reader.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "test_files.h"

namespace ptrscan::report {
namespace {

using testing::temp_dir;
using testing::write_file;
using testing::zstd_frame;

struct read_result {
  std::vector<std::string> lines;  // "<too long>" for a skipped line
  std::vector<uint64_t> numbers;
  std::string error;
};

read_result read_all(const std::string& path) {
  read_result r;
  line_reader reader(path);
  std::string_view line;
  for (;;) {
    const line_reader::status s = reader.next(line);
    if (s == line_reader::status::end) {
      break;
    }
    if (s == line_reader::status::failed) {
      r.error = reader.error();
      break;
    }
    r.lines.push_back(s == line_reader::status::line ? std::string(line) : "<too long>");
    r.numbers.push_back(reader.line_number());
  }
  return r;
}

TEST(LineReader, SplitsPlainTextAndKeepsALastLineWithoutNewline) {
  temp_dir dir;
  write_file(dir.file("a.ndjson"), "one\n\nthree\nfour");
  const read_result r = read_all(dir.file("a.ndjson"));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lines, (std::vector<std::string>{"one", "", "three", "four"}));
  EXPECT_EQ(r.numbers, (std::vector<uint64_t>{1, 2, 3, 4}));
}

TEST(LineReader, EmptyFileHasNoLines) {
  temp_dir dir;
  write_file(dir.file("empty"), "");
  const read_result r = read_all(dir.file("empty"));
  EXPECT_EQ(r.error, "");
  EXPECT_TRUE(r.lines.empty());
}

TEST(LineReader, DecompressesConcatenatedZstdFramesWhateverTheName) {
  // ptrscan writes one frame at least every second; lines span frames.
  temp_dir dir;
  write_file(dir.file("results.json"), zstd_frame("first\nsec") + zstd_frame("ond\nthird\n"));
  const read_result r = read_all(dir.file("results.json"));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lines, (std::vector<std::string>{"first", "second", "third"}));
}

TEST(LineReader, ReadsLongInputAcrossManyBuffers) {
  std::string text;
  for (int i = 0; i < 200000; ++i) {
    text += "line " + std::to_string(i) + "\n";
  }
  temp_dir dir;
  write_file(dir.file("big.zst"), zstd_frame(text));
  const read_result r = read_all(dir.file("big.zst"));
  ASSERT_EQ(r.lines.size(), 200000u);
  EXPECT_EQ(r.lines[123456], "line 123456");
  EXPECT_EQ(r.numbers.back(), 200000u);
}

TEST(LineReader, SkipsAnOverlongLineAndGoesOn) {
  const std::string huge(line_reader::max_line_bytes + 10, 'x');
  temp_dir dir;
  write_file(dir.file("long"), "before\n" + huge + "\nafter\n" + huge);
  const read_result r = read_all(dir.file("long"));
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.lines, (std::vector<std::string>{"before", "<too long>", "after", "<too long>"}));
  EXPECT_EQ(r.numbers, (std::vector<uint64_t>{1, 2, 3, 4}));
}

// Issue 15: an overlong line is not held whole, but its head comes back (the
// report keeps the host it names), both when the line ends within the
// buffer and when it runs on past it.
TEST(LineReader, AnOverlongLineReturnsItsHead) {
  const std::string head = R"({"ip":"198.51.100.7","ptr":{"status":"ok","names":[)";
  std::string huge = head;
  huge.resize(line_reader::max_line_bytes * 3, 'x');
  temp_dir dir;
  write_file(dir.file("long.zst"), zstd_frame(huge + "\nafter\n" + huge));
  line_reader reader(dir.file("long.zst"));
  std::string_view line;
  for (int i = 0; i < 2; ++i) {
    ASSERT_EQ(reader.next(line), line_reader::status::too_long) << i;
    EXPECT_EQ(line.size(), line_reader::head_bytes);
    EXPECT_EQ(line.substr(0, head.size()), head);
    if (i == 0) {
      ASSERT_EQ(reader.next(line), line_reader::status::line);
      EXPECT_EQ(line, "after");
    }
  }
  EXPECT_EQ(reader.next(line), line_reader::status::end);
  EXPECT_EQ(reader.line_number(), 3u);
}

TEST(LineReader, ReportsATruncatedZstdStream) {
  std::string frame = zstd_frame("a\nb\nc\n");
  frame.resize(frame.size() - 3);
  temp_dir dir;
  write_file(dir.file("cut.zst"), frame);
  const read_result r = read_all(dir.file("cut.zst"));
  EXPECT_NE(r.error.find("truncated"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("cut.zst"), std::string::npos) << r.error;
}

TEST(LineReader, ReportsACorruptZstdStream) {
  std::string frame = zstd_frame(std::string(1000, 'a') + "\n");
  for (size_t i = 6; i < frame.size(); ++i) {
    frame[i] = static_cast<char>(frame[i] ^ 0x5a);
  }
  temp_dir dir;
  write_file(dir.file("bad.zst"), frame);
  EXPECT_NE(read_all(dir.file("bad.zst")).error, "");
}

TEST(LineReader, ReportsAMissingFile) {
  const read_result r = read_all("/nonexistent/results.ndjson");
  EXPECT_NE(r.error.find("cannot open /nonexistent/results.ndjson"), std::string::npos) << r.error;
}

}  // namespace
}  // namespace ptrscan::report
