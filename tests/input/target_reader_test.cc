#include "input/target_reader.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace ptrscan {
namespace {

std::string describe(const target_spec& t) {
  switch (t.kind) {
    case target_spec::kind_t::address:
      return t.address.to_string();
    case target_spec::kind_t::block:
      return t.block.base.to_string() + "/" + std::to_string(t.block.prefix);
    case target_spec::kind_t::domain:
      return "domain:" + t.domain;
    case target_spec::kind_t::sender:
      return "sender:" + t.address.to_string() + "," + t.domain + (t.has_helo ? "," + t.helo : "");
  }
  return "?";
}

// Everything a reader produced, in order.
struct read_result {
  std::vector<std::string> targets;
  std::vector<rejected_line> rejects;
  std::vector<std::string> errors;  // non-OK statuses from next()
};

read_result read_all(target_reader& reader) {
  read_result r;
  auto on_reject = [&r](const rejected_line& l) { r.rejects.push_back(l); };
  // Bounded so a reader that never ends fails the test instead of hanging it.
  for (int guard = 0; guard < 10'000'000; ++guard) {
    absl::StatusOr<std::optional<target_spec>> next = reader.next(on_reject);
    if (!next.ok()) {
      r.errors.push_back(std::string(next.status().message()));
      continue;
    }
    if (!next->has_value()) {
      return r;
    }
    r.targets.push_back(describe(**next));
  }
  ADD_FAILURE() << "reader did not end";
  return r;
}

class TargetReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string templ = ::testing::TempDir() + "target_reader_test.XXXXXX";
    ASSERT_NE(::mkdtemp(templ.data()), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Writes `bytes` verbatim to a new file in the test's directory.
  std::string write_file(std::string_view name, std::string_view bytes) {
    std::string path = dir_ + "/" + std::string(name);
    std::ofstream out(path, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    EXPECT_TRUE(out.good()) << path;
    return path;
  }

  std::unique_ptr<target_reader> open_ok(std::vector<std::string> positional,
                                         std::vector<std::string> files) {
    absl::StatusOr<std::unique_ptr<target_reader>> r =
        target_reader::open(std::move(positional), std::move(files));
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? std::move(*r) : nullptr;
  }

  std::string dir_;
};

// Points fd 0 at another file for the lifetime of the object.
class stdin_redirect {
 public:
  explicit stdin_redirect(int fd) : saved_(::dup(STDIN_FILENO)) {
    ::dup2(fd, STDIN_FILENO);
    ::close(fd);
  }
  ~stdin_redirect() {
    ::dup2(saved_, STDIN_FILENO);
    ::close(saved_);
  }
  stdin_redirect(const stdin_redirect&) = delete;
  stdin_redirect& operator=(const stdin_redirect&) = delete;

 private:
  int saved_;
};

TEST_F(TargetReaderTest, MixedGoodAndBadLinesWithLineNumbers) {
  std::string path = write_file("mixed.txt",
                                "1.2.3.4\n"              // 1
                                "\n"                     // 2 blank
                                "# a comment\n"          // 3 comment
                                "bad..name\n"            // 4 rejected
                                "  Example.COM.  \n"     // 5
                                "999.1.1.1\r\n"          // 6 rejected, CRLF
                                "10.0.0.1/30 # tail\n"   // 7
                                "   \t \n"               // 8 blank
                                "1.2.3.4 5.6.7.8\n"      // 9 rejected
                                "2001:db8::1");          // 10, no final newline
  auto reader = open_ok({}, {path});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.targets, (std::vector<std::string>{"1.2.3.4", "domain:example.com",
                                                 "10.0.0.0/30", "2001:db8::1"}));
  ASSERT_EQ(r.rejects.size(), 3u);
  EXPECT_EQ(r.rejects[0].source, path);
  EXPECT_EQ(r.rejects[0].line, 4u);
  EXPECT_EQ(r.rejects[0].text, "bad..name");
  EXPECT_NE(r.rejects[0].message.find("empty label"), std::string::npos);
  EXPECT_EQ(r.rejects[1].line, 6u);
  EXPECT_EQ(r.rejects[1].text, "999.1.1.1");  // without the '\r'
  EXPECT_EQ(r.rejects[1].message, "not a valid IPv4 address");
  EXPECT_EQ(r.rejects[2].line, 9u);
  EXPECT_EQ(r.rejects[2].message, "expected one target per line");
  EXPECT_EQ(reader->lines_read(), 7u);
  EXPECT_EQ(reader->lines_rejected(), 3u);
}

TEST_F(TargetReaderTest, EmptyAndCommentOnlyFiles) {
  std::string empty = write_file("empty.txt", "");
  std::string comments = write_file("comments.txt", "# only\n\n   # comments\r\n\n");
  auto reader = open_ok({}, {empty, comments});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  EXPECT_TRUE(r.targets.empty());
  EXPECT_TRUE(r.rejects.empty());
  EXPECT_EQ(reader->lines_read(), 0u);
  EXPECT_EQ(reader->lines_rejected(), 0u);
}

TEST_F(TargetReaderTest, OverLongLineIsRejectedAndNextLineRead) {
  std::string longer(5000, 'a');
  std::string huge(1'000'000, 'x');  // spans many buffer fills
  std::string path = write_file("long.txt", "1.1.1.1\n" + longer + "\n2.2.2.2\n" + huge +
                                                "\n3.3.3.3\n" + longer);  // last: no newline
  auto reader = open_ok({}, {path});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  EXPECT_EQ(r.targets, (std::vector<std::string>{"1.1.1.1", "2.2.2.2", "3.3.3.3"}));
  ASSERT_EQ(r.rejects.size(), 3u);
  EXPECT_EQ(r.rejects[0].line, 2u);
  EXPECT_EQ(r.rejects[0].text, std::string(200, 'a'));
  EXPECT_NE(r.rejects[0].message.find("line too long"), std::string::npos);
  EXPECT_EQ(r.rejects[1].line, 4u);
  EXPECT_EQ(r.rejects[1].text, std::string(200, 'x'));
  EXPECT_NE(r.rejects[1].message.find("line too long"), std::string::npos);
  EXPECT_EQ(r.rejects[2].line, 6u);
  EXPECT_EQ(reader->lines_read(), 6u);
  EXPECT_EQ(reader->lines_rejected(), 3u);
}

TEST_F(TargetReaderTest, LineLengthLimitIs4096Bytes) {
  // Padding with trailing blanks keeps each line a valid target of known length.
  std::string at_limit = "1.2.3.4" + std::string(4096 - 7, ' ');
  std::string over_limit = "5.6.7.8" + std::string(4097 - 7, ' ');
  std::string path =
      write_file("limit.txt", at_limit + "\n" + over_limit + "\n" + at_limit + "\r\n");
  auto reader = open_ok({}, {path});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  EXPECT_EQ(r.targets, (std::vector<std::string>{"1.2.3.4", "1.2.3.4"}));
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].line, 2u);
  EXPECT_EQ(r.rejects[0].text.size(), 200u);
  EXPECT_NE(r.rejects[0].message.find("line too long"), std::string::npos);
}

TEST_F(TargetReaderTest, RejectedTextIsTruncatedTo200Bytes) {
  std::string bad(300, 'b');  // a single 300-octet label
  std::string path = write_file("trunc.txt", bad + "\n");
  auto reader = open_ok({}, {path});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].text, std::string(200, 'b'));
  EXPECT_EQ(r.rejects[0].line, 1u);
}

TEST_F(TargetReaderTest, ManyLinesKeepExactLineNumbers) {
  // Enough lines to cross many 64 KiB buffer boundaries at odd offsets.
  std::string content;
  const int n = 100'000;
  for (int i = 1; i <= n; ++i) {
    if (i % 25'000 == 0) {
      content += "bad_" + std::to_string(i) + "..\n";
    } else {
      content += "10." + std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) + "." +
                 std::to_string(i % 256) + "\n";
    }
  }
  std::string path = write_file("many.txt", content);
  auto reader = open_ok({}, {path});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  EXPECT_EQ(r.targets.size(), static_cast<size_t>(n - 4));
  ASSERT_EQ(r.rejects.size(), 4u);
  for (size_t k = 0; k < 4; ++k) {
    uint64_t line = (k + 1) * 25'000;
    EXPECT_EQ(r.rejects[k].line, line);
    EXPECT_EQ(r.rejects[k].text, "bad_" + std::to_string(line) + "..");
  }
  EXPECT_EQ(r.targets.front(), "10.0.0.1");
  EXPECT_EQ(r.targets.back(), "10.1.134.159");  // 99999 = 1*65536 + 134*256 + 159
  EXPECT_EQ(reader->lines_read(), static_cast<uint64_t>(n));
}

TEST_F(TargetReaderTest, MissingFileFailsAtOpen) {
  std::string good = write_file("good.txt", "1.2.3.4\n");
  std::string missing = dir_ + "/does-not-exist.txt";
  absl::StatusOr<std::unique_ptr<target_reader>> r = target_reader::open({}, {good, missing});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "cannot open '" + missing + "': No such file or directory");
}

TEST_F(TargetReaderTest, DirectoryFailsAtOpen) {
  absl::StatusOr<std::unique_ptr<target_reader>> r = target_reader::open({}, {dir_});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("cannot open '" + dir_ + "'"), std::string::npos);
}

TEST_F(TargetReaderTest, PositionalBeforeFilesAndFilesInOrder) {
  std::string a = write_file("a.txt", "1.0.0.1\nbad..a\n1.0.0.2\n");
  std::string b = write_file("b.txt", "# b\n2.0.0.1\n");
  auto reader = open_ok({"9.0.0.1", "not..valid", "", "9.0.0.2/32"}, {a, b});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  EXPECT_EQ(r.targets, (std::vector<std::string>{"9.0.0.1", "9.0.0.2/32", "1.0.0.1", "1.0.0.2",
                                                 "2.0.0.1"}));
  ASSERT_EQ(r.rejects.size(), 2u);
  EXPECT_EQ(r.rejects[0].source, "<arguments>");
  EXPECT_EQ(r.rejects[0].line, 2u);  // the argument's 1-based index
  EXPECT_EQ(r.rejects[0].text, "not..valid");
  EXPECT_EQ(r.rejects[1].source, a);
  EXPECT_EQ(r.rejects[1].line, 2u);
  EXPECT_EQ(reader->lines_read(), 7u);
  EXPECT_EQ(reader->lines_rejected(), 2u);
}

TEST_F(TargetReaderTest, PositionalOnlyDoesNotReadStdin) {
  // stdin holds a target that must not appear.
  std::string in = write_file("stdin.txt", "7.7.7.7\n");
  stdin_redirect redirect(::open(in.c_str(), O_RDONLY));
  auto reader = open_ok({"1.2.3.4"}, {});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  EXPECT_EQ(r.targets, (std::vector<std::string>{"1.2.3.4"}));
}

TEST_F(TargetReaderTest, NoArgumentsReadsStdin) {
  std::string in = write_file("stdin.txt", "7.7.7.7\nnope..\n8.8.8.8\n");
  stdin_redirect redirect(::open(in.c_str(), O_RDONLY));
  auto reader = open_ok({}, {});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  EXPECT_EQ(r.targets, (std::vector<std::string>{"7.7.7.7", "8.8.8.8"}));
  ASSERT_EQ(r.rejects.size(), 1u);
  EXPECT_EQ(r.rejects[0].source, "<stdin>");
  EXPECT_EQ(r.rejects[0].line, 2u);
}

TEST_F(TargetReaderTest, DashIsStdinAmongFiles) {
  std::string in = write_file("stdin.txt", "7.7.7.7\n");
  std::string a = write_file("a.txt", "1.1.1.1\n");
  std::string b = write_file("b.txt", "2.2.2.2\n");
  stdin_redirect redirect(::open(in.c_str(), O_RDONLY));
  auto reader = open_ok({}, {a, "-", b});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  EXPECT_EQ(r.targets, (std::vector<std::string>{"1.1.1.1", "7.7.7.7", "2.2.2.2"}));
  // fd 0 is borrowed, never closed by the reader.
  reader.reset();
  EXPECT_NE(::fcntl(STDIN_FILENO, F_GETFD), -1);
}

TEST_F(TargetReaderTest, PipeDeliveringSmallPiecesIsReassembled) {
  // A pipe hands read() whatever has arrived: lines split across reads.
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string content = "1.2.3.4\r\nexample.org\nbad..x\n" + std::string(6000, 'z') + "\n5.6.7.8";
  std::thread writer([fd = fds[1], &content] {
    for (size_t i = 0; i < content.size(); i += 7) {
      size_t n = std::min<size_t>(7, content.size() - i);
      if (::write(fd, content.data() + i, n) != static_cast<ssize_t>(n)) {
        break;
      }
    }
    ::close(fd);
  });
  read_result r;
  {
    stdin_redirect redirect(fds[0]);
    auto reader = open_ok({}, {"-"});
    EXPECT_NE(reader, nullptr);
    if (reader) {
      r = read_all(*reader);
    }
  }
  // Joined before any ASSERT can return early.
  writer.join();
  EXPECT_EQ(r.targets, (std::vector<std::string>{"1.2.3.4", "domain:example.org", "5.6.7.8"}));
  ASSERT_EQ(r.rejects.size(), 2u);
  EXPECT_EQ(r.rejects[0].line, 3u);
  EXPECT_EQ(r.rejects[1].line, 4u);
  EXPECT_NE(r.rejects[1].message.find("line too long"), std::string::npos);
}

TEST_F(TargetReaderTest, Utf8ByteOrderMarkIsIgnored) {
  std::string path = write_file("bom.txt", "\xEF\xBB\xBF" "1.2.3.4\r\n5.6.7.8\r\n");
  auto reader = open_ok({}, {path});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  EXPECT_EQ(r.targets, (std::vector<std::string>{"1.2.3.4", "5.6.7.8"}));
  EXPECT_TRUE(r.rejects.empty());
}

TEST_F(TargetReaderTest, ReadErrorIsAStatusAndReadingGoesOn) {
  // A directory as stdin opens fine but read() fails with EISDIR.
  std::string b = write_file("b.txt", "2.2.2.2\n");
  stdin_redirect redirect(::open(dir_.c_str(), O_RDONLY | O_DIRECTORY));
  auto reader = open_ok({"1.1.1.1"}, {"-", b});
  ASSERT_NE(reader, nullptr);
  read_result r = read_all(*reader);
  EXPECT_EQ(r.targets, (std::vector<std::string>{"1.1.1.1", "2.2.2.2"}));
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_NE(r.errors[0].find("error reading '<stdin>'"), std::string::npos) << r.errors[0];
}

TEST_F(TargetReaderTest, RejectCallbackMayBeEmpty) {
  std::string path = write_file("a.txt", "bad..\n1.2.3.4\n");
  auto reader = open_ok({}, {path});
  ASSERT_NE(reader, nullptr);
  absl::StatusOr<std::optional<target_spec>> next = reader->next({});
  ASSERT_TRUE(next.ok());
  ASSERT_TRUE(next->has_value());
  EXPECT_EQ(describe(**next), "1.2.3.4");
  EXPECT_EQ(reader->lines_rejected(), 1u);
}

}  // namespace
}  // namespace ptrscan
