#include "checks/identity.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace ptrscan {
namespace {

TEST(IdentityTest, BannerAgainstPtrNames) {
  struct row {
    std::string label;
    std::string host;
    std::vector<std::string> ptr;
    std::optional<bool> want;
  };
  const std::vector<row> rows = {
      {"equal", "mx1.example.test", {"mx1.example.test"}, true},
      {"case and trailing dot", "MX1.Example.Test.", {"mx1.example.test"}, true},
      {"second ptr name", "mx1.example.test", {"other.example.test", "mx1.example.test"}, true},
      {"mismatch", "mail.example.test", {"mx1.example.test"}, false},
      {"suffix is not a match", "example.test", {"mx1.example.test"}, false},
      {"no ptr", "mx1.example.test", {}, std::nullopt},
      {"no host in the banner", "", {"mx1.example.test"}, std::nullopt},
  };
  for (const row& r : rows) {
    SCOPED_TRACE(r.label);
    EXPECT_EQ(host_matches_ptr(r.host, r.ptr), r.want);
  }
}

}  // namespace
}  // namespace ptrscan
