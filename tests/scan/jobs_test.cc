// Job state of the scan layer (lib/scan/jobs.h).
#include "scan/jobs.h"

#include <gtest/gtest.h>

#include <vector>

namespace ptrscan {
namespace {

// shard::on_dns_result hands a probe the answer of one ask while holding it
// by reference, and the probe may ask again (a domain's MX answer asks for
// every exchange's addresses): new asks must not move the old ones. (With a
// vector the first ask moved on the second's growth: a use after free that
// ASan found on domain targets.)
TEST(JobBase, AnAskStaysPutWhileTheJobAsksMore) {
  job_base j;
  j.reset_base(1);
  ask_state& first = j.new_ask();
  first.qname = "example.test";
  const ask_state* where = &first;
  std::vector<const ask_state*> later;
  for (int i = 0; i < 1000; ++i) {
    later.push_back(&j.new_ask());
  }
  EXPECT_EQ(j.asks[0].get(), where);
  EXPECT_EQ(first.qname, "example.test");
  // Reused from one job to the next, in the same places.
  j.reset_base(2);
  EXPECT_EQ(&j.new_ask(), where);
  EXPECT_EQ(&j.new_ask(), later[0]);
}

}  // namespace
}  // namespace ptrscan
