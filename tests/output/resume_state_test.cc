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

TEST(ResumeStateTest, AnOlderFormatIsRefusedWithItsReason) {
  // Format 1 kept zone record keys per thread: resumed now, its zones would
  // be written twice.
  resume_point p;
  p.add({0, 1});
  std::string text = p.serialise();
  ASSERT_EQ(text.rfind("ptrscan-state 2\n", 0), 0u) << text;
  text.replace(0, 15, "ptrscan-state 1");
  const absl::StatusOr<resume_point> q = resume_point::parse(text, "old.state");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("old.state: a state file of an older ptrscan"),
            std::string::npos)
      << q.status();
}

TEST(ResumeStateTest, RecordKeysAreKeptApartFromOrdinals) {
  resume_point p;
  const uint64_t zone = resume_point::record_key(0xfeedULL);
  EXPECT_NE(zone, resume_point::record_key(0xfeefULL));
  EXPECT_EQ(zone, resume_point::record_key(0xfeedULL));  // stable, whichever thread asks
  p.add({0, zone, 1});
  EXPECT_EQ(p.watermark, 2u);
  EXPECT_EQ(p.done_count(), 2u);  // hosts only
  EXPECT_TRUE(p.record_done(zone));
  EXPECT_FALSE(p.record_done(resume_point::record_key(0xbeefULL)));
  absl::StatusOr<resume_point> q = resume_point::parse(p.serialise(), "s");
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_TRUE(q->record_done(zone));
  EXPECT_EQ(q->done_count(), 2u);
  // A record key where an ordinal belongs, and an ordinal among the
  // records, are damage.
  resume_point bad;
  bad.add({5});
  std::string text = bad.serialise();
  const std::string swapped = text.substr(0, text.find("5\n")) + std::to_string(zone) + "\nend\n";
  EXPECT_FALSE(resume_point::parse(swapped, "s").ok());
  std::string cut = p.serialise();
  EXPECT_FALSE(resume_point::parse(cut.substr(0, cut.find("records")) + "records 1\n7\nend\n", "s").ok());
  EXPECT_FALSE(resume_point::parse(cut.substr(0, cut.size() - 4), "s").ok());
}

TEST(ResumeStateTest, FingerprintIgnoresPresentationAndThreads) {
  const uint64_t a = arguments_fingerprint({"--rate", "10", "198.18.0.0/24"});
  EXPECT_EQ(a, arguments_fingerprint({"--rate", "10", "--no-progress", "198.18.0.0/24"}));
  EXPECT_EQ(a, arguments_fingerprint({"-q", "--rate", "10", "-u", "s.csv", "198.18.0.0/24"}));
  EXPECT_EQ(a, arguments_fingerprint({"--quiet", "--rate", "10", "--status-updates-file=s.csv",
                                      "198.18.0.0/24"}));
  EXPECT_NE(a, arguments_fingerprint({"--rate", "10", "198.18.0.0/25"}));
  EXPECT_NE(a, arguments_fingerprint({"--rate", "1", "0", "198.18.0.0/24"}));
  // A scan resumes with another thread count (issue 17): nothing --state
  // keeps depends on it.
  for (const std::vector<std::string>& threads :
       {std::vector<std::string>{"-T", "4", "--rate", "10", "198.18.0.0/24"},
        std::vector<std::string>{"--rate", "10", "--threads", "2", "198.18.0.0/24"},
        std::vector<std::string>{"--threads=8", "--rate", "10", "198.18.0.0/24"},
        std::vector<std::string>{"--rate", "10", "-T3", "198.18.0.0/24"}}) {
    EXPECT_EQ(a, arguments_fingerprint(threads)) << threads[0] << " " << threads[1];
  }
  // Only the thread count's value is skipped, not the argument after it.
  EXPECT_NE(a, arguments_fingerprint({"-T", "4", "--rate", "11", "198.18.0.0/24"}));
}

}  // namespace
}  // namespace ptrscan
