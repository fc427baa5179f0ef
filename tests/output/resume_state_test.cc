// The --state record: ordinals done, the watermark, and the file format.
#include "output/resume_state.h"

#include <gtest/gtest.h>

namespace ptrscan {
namespace {

TEST(ResumeStateTest, WatermarkAdvancesOverContiguousOrdinals) {
  resume_point p;
  p.add({0, 1, 3, 5});
  EXPECT_EQ(p.watermark, 2u);
  EXPECT_EQ(p.done_above.size(), 2u);
  EXPECT_TRUE(p.done(1));
  EXPECT_FALSE(p.done(2));
  EXPECT_TRUE(p.done(3));
  p.add({2, 4});
  EXPECT_EQ(p.watermark, 6u);
  EXPECT_TRUE(p.done_above.empty());
  EXPECT_EQ(p.done_count(), 6u);
}

TEST(ResumeStateTest, RoundTripsThroughItsText) {
  resume_point p;
  p.fingerprint = 12345678901234567ULL;
  p.seed = 7;
  p.file_size = 4242;
  p.add({0, 1, 2, 10, 12});
  absl::StatusOr<resume_point> q = resume_point::parse(p.serialise(), "s");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->fingerprint, p.fingerprint);
  EXPECT_EQ(q->seed, 7u);
  EXPECT_EQ(q->file_size, 4242u);
  EXPECT_EQ(q->watermark, 3u);
  EXPECT_TRUE(q->done(10) && q->done(12) && !q->done(11));
}

TEST(ResumeStateTest, DamagedFilesAreRefused) {
  resume_point p;
  p.add({5, 6});
  const std::string text = p.serialise();
  for (const std::string& bad : {std::string(""), std::string("hello\n"),
                                 text.substr(0, text.size() - 4),  // no "end"
                                 text.substr(0, text.find("seed"))}) {
    EXPECT_FALSE(resume_point::parse(bad, "s").ok()) << bad;
  }
}

TEST(ResumeStateTest, FingerprintIgnoresOnlyPresentation) {
  const uint64_t a = arguments_fingerprint({"--rate", "10", "198.18.0.0/24"});
  EXPECT_EQ(a, arguments_fingerprint({"--rate", "10", "--no-progress", "198.18.0.0/24"}));
  EXPECT_EQ(a, arguments_fingerprint({"-q", "--rate", "10", "-u", "s.csv", "198.18.0.0/24"}));
  EXPECT_EQ(a, arguments_fingerprint({"--quiet", "--rate", "10", "--status-updates-file=s.csv",
                                      "198.18.0.0/24"}));
  EXPECT_NE(a, arguments_fingerprint({"--rate", "10", "198.18.0.0/25"}));
  EXPECT_NE(a, arguments_fingerprint({"--rate", "1", "0", "198.18.0.0/24"}));
}

}  // namespace
}  // namespace ptrscan
