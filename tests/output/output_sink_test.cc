#include "output/output_sink.h"

#include <fcntl.h>
#include <signal.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zstd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "../support/missing_fixture.h"

namespace ptrscan {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct decoded {
  std::string bytes;
  bool ok = false;        // no decoder error
  bool complete = false;  // ended on a frame boundary
};

// Decodes every frame in `data` with the streaming API, as a reader would.
decoded zstd_decode(const std::string& data) {
  decoded d;
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  std::vector<char> buf(ZSTD_DStreamOutSize());
  ZSTD_inBuffer in{data.data(), data.size(), 0};
  size_t r = 0;
  for (;;) {
    ZSTD_outBuffer out{buf.data(), buf.size(), 0};
    r = ZSTD_decompressStream(dctx, &out, &in);
    if (ZSTD_isError(r)) {
      ZSTD_freeDCtx(dctx);
      return d;
    }
    d.bytes.append(buf.data(), out.pos);
    if (in.pos == in.size && out.pos < out.size) {
      break;
    }
  }
  ZSTD_freeDCtx(dctx);
  d.ok = true;
  d.complete = (r == 0);
  return d;
}

// Number of complete frames, or -1 if the data is not a sequence of frames.
int count_frames(const std::string& data) {
  int frames = 0;
  size_t pos = 0;
  while (pos < data.size()) {
    const size_t n = ZSTD_findFrameCompressedSize(data.data() + pos, data.size() - pos);
    if (ZSTD_isError(n)) {
      return -1;
    }
    pos += n;
    ++frames;
  }
  return frames;
}

struct command_result {
  std::string out;
  int exit_code = -1;
};

// The user contract: `zstd -dc FILE` prints the records.
command_result zstd_cli_decode(const std::string& path) {
  command_result res;
  const std::string cmd = "zstd -q -dc -- '" + path + "' 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) {
    return res;
  }
  char buf[65536];
  size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
    res.out.append(buf, n);
  }
  const int status = ::pclose(p);
  res.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return res;
}

class OutputSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "ptrscan-sink-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (fs::path(dir_) / name).string(); }

  std::string dir_;
};

// A line per (thread, sequence), several lines per chunk.
std::string make_chunk(int thread, int first_seq, int lines) {
  std::string chunk;
  for (int s = first_seq; s < first_seq + lines; ++s) {
    chunk += "{\"t\":" + std::to_string(thread) + ",\"seq\":" + std::to_string(s) +
             ",\"pad\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"}\n";
  }
  return chunk;
}

// Every line present exactly once, and each thread's lines in its order.
void expect_all_lines_in_order(const std::string& content, int threads, int lines_per_thread) {
  std::vector<int> next(static_cast<size_t>(threads), 0);
  std::istringstream in(content);
  std::string line;
  int total = 0;
  while (std::getline(in, line)) {
    int t = -1;
    int seq = -1;
    ASSERT_EQ(std::sscanf(line.c_str(), "{\"t\":%d,\"seq\":%d", &t, &seq), 2) << line;
    ASSERT_GE(t, 0);
    ASSERT_LT(t, threads);
    ASSERT_EQ(seq, next[static_cast<size_t>(t)]) << "thread " << t;
    ++next[static_cast<size_t>(t)];
    ++total;
  }
  EXPECT_EQ(total, threads * lines_per_thread);
  for (int t = 0; t < threads; ++t) {
    EXPECT_EQ(next[static_cast<size_t>(t)], lines_per_thread) << "thread " << t;
  }
}

TEST_F(OutputSinkTest, PlainFileManyProducers) {
  const std::string p = path("out.ndjson");
  output_sink_options opt;
  opt.max_queued_chunks = 4;  // small, so producers block and resume
  auto sink = output_sink::open(p, opt);
  ASSERT_TRUE(sink.ok()) << sink.status();

  constexpr int threads = 4;
  constexpr int chunks = 500;
  constexpr int lines = 7;
  std::vector<std::thread> producers;
  for (int t = 0; t < threads; ++t) {
    producers.emplace_back([&, t] {
      for (int c = 0; c < chunks; ++c) {
        (*sink)->submit(make_chunk(t, c * lines, lines));
      }
    });
  }
  for (auto& th : producers) {
    th.join();
  }
  ASSERT_TRUE((*sink)->close().ok());
  const std::string content = read_file(p);
  expect_all_lines_in_order(content, threads, chunks * lines);
  EXPECT_EQ((*sink)->bytes_in(), content.size());
  EXPECT_EQ((*sink)->bytes_out(), content.size());
  EXPECT_TRUE((*sink)->error().ok());
}

TEST_F(OutputSinkTest, TruncatesExistingFile) {
  const std::string p = path("out.ndjson");
  {
    std::ofstream f(p);
    f << "old content that is longer than the new one\n";
  }
  auto sink = output_sink::open(p);
  ASSERT_TRUE(sink.ok()) << sink.status();
  (*sink)->submit("new\n");
  ASSERT_TRUE((*sink)->close().ok());
  EXPECT_EQ(read_file(p), "new\n");
  struct stat st {};
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777 & ~0644u, 0u);
}

TEST_F(OutputSinkTest, ZstdDecodesToSubmittedBytes) {
  const std::string p = path("out.ndjson.zst");
  auto sink = output_sink::open(p);
  ASSERT_TRUE(sink.ok()) << sink.status();
  std::string expected;
  for (int c = 0; c < 300; ++c) {
    std::string chunk = make_chunk(0, c * 10, 10);
    expected += chunk;
    (*sink)->submit(std::move(chunk));
  }
  ASSERT_TRUE((*sink)->close().ok());
  EXPECT_EQ((*sink)->bytes_in(), expected.size());

  const std::string file = read_file(p);
  EXPECT_EQ((*sink)->bytes_out(), file.size());
  EXPECT_LT(file.size(), expected.size());
  const decoded d = zstd_decode(file);
  ASSERT_TRUE(d.ok);
  EXPECT_TRUE(d.complete);
  EXPECT_EQ(d.bytes, expected);

  const command_result cli = zstd_cli_decode(p);
  EXPECT_EQ(cli.exit_code, 0);
  EXPECT_EQ(cli.out, expected);
}

TEST_F(OutputSinkTest, ZstdManyProducers) {
  const std::string p = path("out.ndjson.zst");
  output_sink_options opt;
  opt.max_queued_chunks = 3;
  opt.frame_max_bytes = 50000;
  auto sink = output_sink::open(p, opt);
  ASSERT_TRUE(sink.ok()) << sink.status();
  constexpr int threads = 3;
  constexpr int chunks = 300;
  constexpr int lines = 5;
  std::vector<std::thread> producers;
  for (int t = 0; t < threads; ++t) {
    producers.emplace_back([&, t] {
      for (int c = 0; c < chunks; ++c) {
        (*sink)->submit(make_chunk(t, c * lines, lines));
      }
    });
  }
  for (auto& th : producers) {
    th.join();
  }
  ASSERT_TRUE((*sink)->close().ok());
  const command_result cli = zstd_cli_decode(p);
  ASSERT_EQ(cli.exit_code, 0);
  expect_all_lines_in_order(cli.out, threads, chunks * lines);
}

TEST_F(OutputSinkTest, ZstdFramesCutByMaxBytes) {
  const std::string p = path("out.ndjson.zst");
  output_sink_options opt;
  opt.frame_max_bytes = 64 * 1024;
  opt.frame_interval_ms = 1000000;  // only the size rule applies
  auto sink = output_sink::open(p, opt);
  ASSERT_TRUE(sink.ok()) << sink.status();
  std::string expected;
  // One chunk much bigger than a frame, then many small ones.
  std::string big;
  for (int i = 0; big.size() < 300 * 1024; ++i) {
    big += make_chunk(1, i, 1);
  }
  expected += big;
  (*sink)->submit(std::move(big));
  for (int c = 0; c < 100; ++c) {
    std::string chunk = make_chunk(2, c * 50, 50);
    expected += chunk;
    (*sink)->submit(std::move(chunk));
  }
  ASSERT_TRUE((*sink)->close().ok());

  const std::string file = read_file(p);
  const int frames = count_frames(file);
  const auto min_frames = static_cast<int>(expected.size() / opt.frame_max_bytes);
  EXPECT_GE(frames, min_frames);
  EXPECT_LE(frames, min_frames + 1);
  // Each frame holds at most frame_max_bytes of input.
  size_t pos = 0;
  while (pos < file.size()) {
    const size_t n = ZSTD_findFrameCompressedSize(file.data() + pos, file.size() - pos);
    ASSERT_FALSE(ZSTD_isError(n));
    const decoded one = zstd_decode(file.substr(pos, n));
    ASSERT_TRUE(one.ok && one.complete);
    EXPECT_LE(one.bytes.size(), opt.frame_max_bytes);
    pos += n;
  }
  const decoded d = zstd_decode(file);
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.bytes, expected);
  EXPECT_EQ(zstd_cli_decode(p).out, expected);
}

// A frame is ended by the clock while the sink is still open, so a process
// killed now leaves a file that `zstd -dc` reads completely.
TEST_F(OutputSinkTest, ZstdFrameEndedByIntervalWhileOpen) {
  const std::string p = path("out.ndjson.zst");
  output_sink_options opt;
  opt.frame_interval_ms = 20;
  auto sink = output_sink::open(p, opt);
  ASSERT_TRUE(sink.ok()) << sink.status();
  const std::string first = make_chunk(0, 0, 3);
  (*sink)->submit(first);

  // Poll (no timing assertion): the frame must appear eventually.
  std::string file;
  for (int i = 0; i < 1000 && file.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    file = read_file(p);
  }
  ASSERT_EQ(count_frames(file), 1);
  const command_result cli = zstd_cli_decode(p);
  EXPECT_EQ(cli.exit_code, 0);
  EXPECT_EQ(cli.out, first);

  const std::string second = make_chunk(0, 3, 3);
  (*sink)->submit(second);
  ASSERT_TRUE((*sink)->close().ok());
  EXPECT_EQ(zstd_cli_decode(p).out, first + second);
}

TEST_F(OutputSinkTest, EmptyZstdOutputIsValid) {
  const std::string p = path("empty.ndjson.zst");
  auto sink = output_sink::open(p);
  ASSERT_TRUE(sink.ok()) << sink.status();
  ASSERT_TRUE((*sink)->close().ok());
  const command_result cli = zstd_cli_decode(p);
  EXPECT_EQ(cli.exit_code, 0);
  EXPECT_EQ(cli.out, "");
  EXPECT_EQ(count_frames(read_file(p)), 1);
}

TEST_F(OutputSinkTest, EmptyPlainOutputIsEmpty) {
  const std::string p = path("empty.ndjson");
  auto sink = output_sink::open(p);
  ASSERT_TRUE(sink.ok()) << sink.status();
  (*sink)->submit("");
  ASSERT_TRUE((*sink)->close().ok());
  EXPECT_EQ(read_file(p), "");
  EXPECT_EQ((*sink)->bytes_out(), 0u);
}

TEST_F(OutputSinkTest, CloseIsIdempotentAndLaterChunksAreDropped) {
  const std::string p = path("out.ndjson");
  auto sink = output_sink::open(p);
  ASSERT_TRUE(sink.ok()) << sink.status();
  (*sink)->submit("a\n");
  EXPECT_TRUE((*sink)->close().ok());
  EXPECT_TRUE((*sink)->close().ok());
  (*sink)->submit("late\n");  // must not block or crash
  EXPECT_EQ(read_file(p), "a\n");
  EXPECT_EQ((*sink)->bytes_in(), 2u);
}

TEST_F(OutputSinkTest, DestructorFlushes) {
  const std::string p = path("out.ndjson.zst");
  {
    auto sink = output_sink::open(p);
    ASSERT_TRUE(sink.ok()) << sink.status();
    (*sink)->submit("x\n");
  }
  EXPECT_EQ(zstd_cli_decode(p).out, "x\n");
}

void expect_write_error(const std::string& p) {
  output_sink_options opt;
  opt.max_queued_chunks = 2;
  auto sink = output_sink::open(p, opt);
  ASSERT_TRUE(sink.ok()) << sink.status();
  // Far more chunks than the queue holds: after the error, submit() must
  // discard rather than wait for a writer that stopped.
  std::atomic<bool> done{false};
  std::thread producer([&] {
    for (int c = 0; c < 2000; ++c) {
      (*sink)->submit(make_chunk(0, c * 100, 100));
    }
    done = true;
  });
  producer.join();
  EXPECT_TRUE(done);
  const absl::Status st = (*sink)->close();
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("write to '" + p + "' failed"), std::string::npos) << st;
  EXPECT_NE(st.message().find("No space left on device"), std::string::npos) << st;
  EXPECT_EQ((*sink)->error(), st);
  EXPECT_EQ((*sink)->close(), st);  // idempotent, same error
  EXPECT_EQ((*sink)->bytes_out(), 0u);
}

TEST_F(OutputSinkTest, WriteErrorOnDevFull) {
  if (::access("/dev/full", W_OK) != 0) {
    PTRSCAN_MISSING_FIXTURE("/dev/full not available");
  }
  expect_write_error("/dev/full");
}

TEST_F(OutputSinkTest, WriteErrorOnDevFullCompressed) {
  if (::access("/dev/full", W_OK) != 0) {
    PTRSCAN_MISSING_FIXTURE("/dev/full not available");
  }
  // The ".zst" suffix picks compression; the link leads to /dev/full.
  const std::string p = path("full.ndjson.zst");
  fs::create_symlink("/dev/full", p);
  expect_write_error(p);
}

TEST_F(OutputSinkTest, OpenDirectoryFails) {
  auto sink = output_sink::open(dir_);
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.status().message().find("cannot open '" + dir_ + "' for writing: "),
            std::string::npos)
      << sink.status();
}

TEST_F(OutputSinkTest, OpenMissingDirectoryFails) {
  auto sink = output_sink::open("/nonexistent-dir/x.ndjson.zst");
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().message(),
            "cannot open '/nonexistent-dir/x.ndjson.zst' for writing: No such file or directory");
}

// Points fd 1 at another file for the life of the object.
class stdout_redirect {
 public:
  explicit stdout_redirect(int fd) {
    std::fflush(stdout);
    saved_ = ::dup(STDOUT_FILENO);
    ok_ = saved_ >= 0 && ::dup2(fd, STDOUT_FILENO) == STDOUT_FILENO;
  }
  ~stdout_redirect() {
    if (saved_ >= 0) {
      ::dup2(saved_, STDOUT_FILENO);
      ::close(saved_);
    }
  }
  stdout_redirect(const stdout_redirect&) = delete;
  stdout_redirect& operator=(const stdout_redirect&) = delete;
  bool ok() const { return ok_; }

 private:
  int saved_ = -1;
  bool ok_ = false;
};

// Opens "-", writes `data` and closes; the status of open or close.
absl::Status write_to_stdout(const std::string& data) {
  auto sink = output_sink::open("-");
  if (!sink.ok()) {
    return sink.status();
  }
  (*sink)->submit(data);
  return (*sink)->close();
}

// "-" writes to fd 1 and leaves it open.
TEST_F(OutputSinkTest, DashWritesToStdoutWithoutClosingIt) {
  const std::string p = path("stdout.txt");
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  absl::Status st;
  bool fd1_open = false;
  {
    stdout_redirect redirect(fd);
    ::close(fd);
    ASSERT_TRUE(redirect.ok());
    st = write_to_stdout("to stdout\n");
    fd1_open = ::fcntl(STDOUT_FILENO, F_GETFD) != -1;
  }
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_TRUE(fd1_open);
  EXPECT_EQ(read_file(p), "to stdout\n");
}

// A non-blocking stdout pipe (set up so by a parent) that fills up: the sink
// waits for the reader instead of failing on EAGAIN, and handles short writes.
TEST_F(OutputSinkTest, NonBlockingStdoutPipe) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ASSERT_EQ(::fcntl(fds[1], F_SETFL, O_NONBLOCK), 0);
  std::string expected;
  for (int c = 0; expected.size() < 1024 * 1024; ++c) {
    expected += make_chunk(0, c * 100, 100);
  }
  std::string got;
  std::thread reader([&] {
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) {
      got.append(buf, static_cast<size_t>(n));
      // Read slowly at first so the pipe fills up.
      if (got.size() < 256 * 1024) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
      }
    }
  });
  absl::Status st;
  {
    stdout_redirect redirect(fds[1]);
    ::close(fds[1]);  // fd 1 now holds the only write end
    ASSERT_TRUE(redirect.ok());
    st = write_to_stdout(expected);
  }  // restoring fd 1 closes the write end: the reader sees EOF
  reader.join();
  ::close(fds[0]);
  ASSERT_TRUE(st.ok()) << st;
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
}

// The scanner ignores SIGPIPE, so a closed reader shows up as EPIPE.
TEST_F(OutputSinkTest, BrokenPipeIsAnError) {
  struct sigaction ignore {};
  struct sigaction old {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &old), 0);
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ::close(fds[0]);
  absl::Status st;
  {
    stdout_redirect redirect(fds[1]);
    ::close(fds[1]);
    ASSERT_TRUE(redirect.ok());
    st = write_to_stdout("lost\n");
  }
  ::sigaction(SIGPIPE, &old, nullptr);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(), "write to '-' failed: Broken pipe");
}

}  // namespace
}  // namespace ptrscan

namespace ptrscan {
namespace {

TEST_F(OutputSinkTest, CheckpointsReportDurableOrdinalsAndAppendResumes) {
  // What --state relies on: at each checkpoint the file is exactly the
  // frames of the reported chunks; a sink opened to append adds frames
  // after them and the whole file still decodes.
  const std::string p = path("out.ndjson.zst");
  std::vector<uint64_t> done;
  std::vector<uint64_t> sizes;
  output_sink_options o;
  o.checkpoint_interval_ms = 100'000;  // only the one at close
  o.on_checkpoint = [&](uint64_t size, std::vector<uint64_t>&& ordinals) {
    sizes.push_back(size);
    done.insert(done.end(), ordinals.begin(), ordinals.end());
  };
  auto sink = output_sink::open(p, o);
  ASSERT_TRUE(sink.ok()) << sink.status();
  (*sink)->submit("{\"ip\":\"a\"}\n{\"ip\":\"b\"}\n", {7, 3});
  (*sink)->submit("{\"ip\":\"c\"}\n", {9});
  ASSERT_TRUE((*sink)->close().ok());
  ASSERT_EQ(sizes.size(), 1u);
  EXPECT_EQ(sizes[0], read_file(p).size());
  EXPECT_EQ(done, (std::vector<uint64_t>{7, 3, 9}));

  output_sink_options again = o;
  again.append = true;
  sizes.clear();
  auto more = output_sink::open(p, again);
  ASSERT_TRUE(more.ok());
  (*more)->submit("{\"ip\":\"d\"}\n", {11});
  ASSERT_TRUE((*more)->close().ok());
  EXPECT_EQ(sizes.at(0), read_file(p).size());
  const decoded d = zstd_decode(read_file(p));
  ASSERT_TRUE(d.ok);
  EXPECT_EQ(d.bytes, "{\"ip\":\"a\"}\n{\"ip\":\"b\"}\n{\"ip\":\"c\"}\n{\"ip\":\"d\"}\n");
}

}  // namespace
}  // namespace ptrscan
