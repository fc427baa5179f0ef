// ptrscan diff: the external sort and merge join (tools/diff/diff_engine.cc,
// spill.cc) against an in-memory join of the same records; .zst inputs,
// duplicates, malformed lines, interruption, the command line.
#include "diff/diff_engine.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zstd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "diff/diff_main.h"

namespace ptrscan::diff {
namespace {

namespace fs = std::filesystem;

class DiffEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ptrscan-diff-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "spill");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  std::string write_zst(const std::string& name, const std::string& text) {
    std::string z(ZSTD_compressBound(text.size()), '\0');
    z.resize(ZSTD_compress(z.data(), z.size(), text.data(), text.size(), 3));
    return write(name, z);
  }
  size_t spill_files() const {
    return static_cast<size_t>(std::distance(fs::recursive_directory_iterator(dir_ / "spill"),
                                             fs::recursive_directory_iterator()));
  }

  fs::path dir_;
};

// A random host record: few enough distinct values that old and new agree
// on most keys and differ on some.
std::string random_record(std::mt19937_64& rng, uint32_t host, const std::string& ts) {
  const char* ptr[] = {R"({"status":"ok","names":["a.test"]})",
                       R"({"status":"ok","names":["b.test"]})", R"({"status":"nxdomain"})",
                       R"({"status":"timeout"})"};
  const char* fc[] = {"pass", "fail", "error"};
  const char* cls[] = {"custom", "mail-like", "generic-dynamic"};
  const char* bl[] = {"listed", "not_listed"};
  const char* port[] = {"ok", "refused", "timeout"};
  std::ostringstream s;
  s << R"({"ip":"10.)" << (host >> 16) << '.' << ((host >> 8) & 255) << '.' << (host & 255)
    << R"(","ptr":)" << ptr[rng() % 4] << R"(,"fcrdns":{"status":")" << fc[rng() % 3]
    << R"("},"rdns":{"class":")" << cls[rng() % 3] << R"("},"dnsbl":[{"zone":"bl.test","status":")"
    << bl[rng() % 2] << R"("}],"smtp":[{"port":25,"status":")" << port[rng() % 3]
    << R"(","ms":{"total":1}}],"checks":{"banner_ptr_match":)" << (rng() % 2 ? "true" : "false")
    << R"(},"ts":")" << ts << R"("})";
  return s.str();
}

// The reference: the whole join in memory, with the same compare().
std::string in_memory_join(const std::string& old_text, const std::string& new_text,
                           kind_counts& counts) {
  std::map<std::string, record_facts> a;
  std::map<std::string, record_facts> b;
  for (auto [text, side] : {std::pair{&old_text, &a}, std::pair{&new_text, &b}}) {
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      record_facts f;
      if (parse_record(line, f).empty()) {
        (*side)[f.sort_key()] = f;  // the last one wins
      }
    }
  }
  std::string out;
  auto i = a.begin();
  auto j = b.begin();
  while (i != a.end() || j != b.end()) {
    if (j == b.end() || (i != a.end() && i->first < j->first)) {
      compare(&i->second, nullptr, out, counts);
      ++i;
    } else if (i == a.end() || j->first < i->first) {
      compare(nullptr, &j->second, out, counts);
      ++j;
    } else {
      compare(&i->second, &j->second, out, counts);
      ++i;
      ++j;
    }
  }
  return out;
}

TEST_F(DiffEngine, ManySpilledRunsGiveTheInMemoryJoin) {
  std::mt19937_64 rng(17);
  std::string old_text;
  std::string new_text;
  // 3,000 keys each side, overlapping; some keys twice (a resumed scan).
  for (int i = 0; i < 3000; ++i) {
    old_text += random_record(rng, static_cast<uint32_t>(rng() % 4000), "2027-01-01T00:00:00.000Z") + "\n";
    new_text += random_record(rng, static_cast<uint32_t>(rng() % 4000), "2027-02-01T00:00:00.000Z") + "\n";
  }
  kind_counts expected_counts{};
  const std::string expected = in_memory_join(old_text, new_text, expected_counts);
  ASSERT_GT(expected.size(), 1000u);

  diff_options o;
  o.old_inputs = {write("old.ndjson", old_text)};
  o.new_inputs = {write_zst("new.ndjson.zst", new_text)};
  o.max_memory = 8192;  // a few dozen records a run: ~100 runs, merged 4 at a time
  o.tmp_dir = (dir_ / "spill").string();
  std::string got;
  const diff_result r = run_diff(o, [&](std::string_view line, const record_facts&, const kind_counts&) {
    got.append(line);
    return true;
  });
  ASSERT_EQ(r.failed, diff_result::failure::none) << r.error;
  EXPECT_GT(r.runs, 50u);
  EXPECT_EQ(got, expected);
  EXPECT_EQ(r.counts, expected_counts);
  EXPECT_EQ(r.old_side.records, 3000u);
  EXPECT_EQ(r.new_side.records, 3000u);
  // Duplicates: records minus distinct keys.
  std::map<std::string, int> keys;
  std::istringstream in(old_text);
  for (std::string line; std::getline(in, line);) {
    record_facts f;
    ASSERT_EQ(parse_record(line, f), "");
    ++keys[f.sort_key()];
  }
  EXPECT_EQ(r.old_side.duplicates, 3000u - keys.size());
  EXPECT_GT(r.old_side.duplicates, 0u);
  EXPECT_EQ(spill_files(), 0u) << "runs left behind";
}

TEST_F(DiffEngine, LastDuplicateWinsAcrossRuns) {
  const std::string rec_a = R"({"ip":"10.0.0.1","rdns":{"class":"custom"},"ts":"2027-01-01T00:00:00.000Z"})";
  const std::string rec_b = R"({"ip":"10.0.0.1","rdns":{"class":"mail-like"},"ts":"2027-01-01T00:00:01.000Z"})";
  std::string old_text = rec_a + "\n";
  for (int i = 0; i < 200; ++i) {  // pushes the two copies into different runs
    old_text += R"({"ip":"10.1.0.)" + std::to_string(i) + R"("})" "\n";
  }
  old_text += rec_b + "\n";
  std::string new_text = R"({"ip":"10.0.0.1","rdns":{"class":"mail-like"}})" "\n";
  diff_options o;
  o.old_inputs = {write("old", old_text)};
  o.new_inputs = {write("new", new_text)};
  o.max_memory = 4096;
  o.tmp_dir = (dir_ / "spill").string();
  std::string got;
  const diff_result r = run_diff(o, [&](std::string_view line, const record_facts&, const kind_counts&) {
    got.append(line);
    return true;
  });
  ASSERT_EQ(r.failed, diff_result::failure::none) << r.error;
  EXPECT_GT(r.runs, 2u);
  EXPECT_EQ(r.old_side.duplicates, 1u);
  // 10.0.0.1 was mail-like last in OLD: unchanged. Only the 200 others changed.
  EXPECT_EQ(got.find("10.0.0.1\""), std::string::npos) << got.substr(0, 300);
  EXPECT_EQ(r.counts[static_cast<size_t>(change_kind::only_in_old)], 200u);
  EXPECT_EQ(r.unchanged, 1u);
}

TEST_F(DiffEngine, MalformedLinesAreCountedAndNamed) {
  const std::string good = R"({"ip":"10.0.0.1","ts":"2027-01-01T00:00:00.000Z"})";
  diff_options o;
  o.old_inputs = {write("old", good + "\n{\"ip\":\"10.0.0.2\",\n\nnot json\n" + good + "\n")};
  o.new_inputs = {write("new", good + "\n")};
  o.tmp_dir = (dir_ / "spill").string();
  const diff_result r = run_diff(o, [](auto, auto&, auto&) { return true; });
  ASSERT_EQ(r.failed, diff_result::failure::none);
  EXPECT_EQ(r.old_side.malformed, 2u);
  ASSERT_EQ(r.old_side.malformed_where.size(), 2u);
  EXPECT_EQ(r.old_side.malformed_where[0].rfind(o.old_inputs[0] + ":2: ", 0), 0u)
      << r.old_side.malformed_where[0];
  EXPECT_EQ(r.old_side.malformed_where[1].rfind(o.old_inputs[0] + ":4: ", 0), 0u);
  EXPECT_EQ(r.old_side.duplicates, 1u);
  const std::string summary = summary_record(r, o);
  EXPECT_NE(summary.find("\"malformed\":2"), std::string::npos) << summary;
  EXPECT_NE(summary.find(":2: "), std::string::npos) << summary;
  EXPECT_EQ(summary.find("truncated"), std::string::npos);
}

TEST_F(DiffEngine, NoRecordsAndUnreadableInputsFail) {
  diff_options o;
  o.tmp_dir = (dir_ / "spill").string();
  o.old_inputs = {write("junk", "not json\n\n")};
  o.new_inputs = {write("new", R"({"ip":"10.0.0.1"})" "\n")};
  diff_result r = run_diff(o, [](auto, auto&, auto&) { return true; });
  EXPECT_EQ(r.failed, diff_result::failure::no_records);
  EXPECT_NE(r.error.find("OLD"), std::string::npos) << r.error;
  o.old_inputs = {(dir_ / "missing").string()};
  r = run_diff(o, [](auto, auto&, auto&) { return true; });
  EXPECT_EQ(r.failed, diff_result::failure::unreadable);
  // A .zst file cut short is unreadable, not a shorter scan.
  std::string z;
  {
    std::string text;
    for (int i = 0; i < 2000; ++i) {
      text += R"({"ip":"10.0.)" + std::to_string(i / 256) + "." + std::to_string(i % 256) + "\"}\n";
    }
    std::string full(ZSTD_compressBound(text.size()), '\0');
    full.resize(ZSTD_compress(full.data(), full.size(), text.data(), text.size(), 3));
    z = full.substr(0, full.size() / 2);
  }
  o.old_inputs = {write("cut.zst", z)};
  r = run_diff(o, [](auto, auto&, auto&) { return true; });
  EXPECT_EQ(r.failed, diff_result::failure::unreadable);
  EXPECT_EQ(spill_files(), 0u);
}

TEST_F(DiffEngine, OneSideFailingIsTheErrorReported) {
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += R"({"ip":"10.)" + std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) +
            "." + std::to_string(i % 256) + "\"}\n";
  }
  diff_options o;
  o.old_inputs = {write("old", text)};
  o.new_inputs = {(dir_ / "missing").string()};
  o.max_memory = 4096;
  o.tmp_dir = (dir_ / "spill").string();
  diff_result r = run_diff(o, [](auto, auto&, auto&) { return true; });
  EXPECT_EQ(r.failed, diff_result::failure::unreadable);
  EXPECT_NE(r.error.find("missing"), std::string::npos) << r.error;
  std::swap(o.old_inputs, o.new_inputs);
  r = run_diff(o, [](auto, auto&, auto&) { return true; });
  EXPECT_EQ(r.failed, diff_result::failure::unreadable);
  EXPECT_NE(r.error.find("missing"), std::string::npos) << r.error;
  EXPECT_EQ(spill_files(), 0u);
}

TEST_F(DiffEngine, StopRemovesSpilledRuns) {
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += R"({"ip":"10.)" + std::to_string(i / 65536) + "." + std::to_string((i / 256) % 256) +
            "." + std::to_string(i % 256) + "\"}\n";
  }
  diff_options o;
  o.old_inputs = {write("old", text)};
  o.new_inputs = {write("new", text)};
  o.max_memory = 4096;
  o.tmp_dir = (dir_ / "spill").string();
  std::atomic<bool> stop{true};
  o.stop = &stop;
  const diff_result r = run_diff(o, [](auto, auto&, auto&) { return true; });
  EXPECT_EQ(r.failed, diff_result::failure::stopped);
  EXPECT_EQ(spill_files(), 0u);
}

TEST_F(DiffEngine, CommandLineWritesZstdOutputAndExitCodes) {
  const std::string old_file = write("old", R"({"ip":"10.0.0.1","ptr":{"status":"nxdomain"}})" "\n");
  const std::string new_file = write_zst(
      "new.zst", R"({"ip":"10.0.0.1","ptr":{"status":"ok","names":["a.test"]}})" "\n");
  const std::string out = (dir_ / "out.ndjson.zst").string();
  EXPECT_EQ(diff_main({old_file, new_file, "-o", out, "--max-memory", "64k", "--tmp-dir",
                       (dir_ / "spill").string()}),
            0);
  std::ifstream in(out, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  const std::string z = bytes.str();
  std::string text(1 << 16, '\0');
  const size_t n = ZSTD_decompress(text.data(), text.size(), z.data(), z.size());
  ASSERT_FALSE(ZSTD_isError(n)) << ZSTD_getErrorName(n);
  text.resize(n);
  EXPECT_EQ(text.rfind(R"({"type":"change","ip":"10.0.0.1","changes":[{"kind":"ptr_added","old":"nxdomain","new":["a.test"]}]})"
                       "\n{\"type\":\"diff_summary\",",
                       0),
            0u)
      << text;
  EXPECT_NE(text.find("\"ptr_added\":1,"), std::string::npos);

  EXPECT_EQ(diff_main({old_file}), 2);
  EXPECT_EQ(diff_main({"-", "-"}), 2);
  EXPECT_EQ(diff_main({old_file, new_file, "--max-memory", "12x"}), 2);
  EXPECT_EQ(diff_main({old_file, (dir_ / "missing").string(), "-o", out}), 2);
  EXPECT_EQ(diff_main({write("junk", "x\n"), new_file, "-o", out}), 3);
  // The output cannot be written: a runtime failure, not a usage error.
  if (fs::exists("/dev/full")) {
    EXPECT_EQ(diff_main({old_file, new_file, "-o", "/dev/full"}), 1);
  } else if (std::getenv("CI") != nullptr) {
    ADD_FAILURE() << "no /dev/full: the write-failure case did not run";
  }
  EXPECT_EQ(parse_size("512M"), uint64_t{512} << 20);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("1G"), uint64_t{1} << 30);
  EXPECT_FALSE(parse_size("1.5G"));
  // Plain byte counts past 16 MiB are sizes too; values past 64 bits are not.
  EXPECT_EQ(parse_size("20000000000"), uint64_t{20000000000});
  EXPECT_FALSE(parse_size("99999999999999999999"));
  EXPECT_FALSE(parse_size("18446744073709551616"));
  EXPECT_FALSE(parse_size("17179869184G"));  // 2^34 GiB: past 64 bits
  // More than the machine has is a usage error, not an allocation failure.
  EXPECT_EQ(diff_main({old_file, new_file, "--max-memory", "16777216G"}), 2);
}

}  // namespace
}  // namespace ptrscan::diff
