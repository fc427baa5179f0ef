#include "input/target_guard.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptrscan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

cidr_block block(const char* base, int prefix) {
  cidr_block b;
  b.base = *ip_address::parse(base);
  b.prefix = static_cast<uint8_t>(prefix);
  return b;
}

TEST(TargetGuard, PublicAddressesLeaveOutSpecialPurposeSpace) {
  EXPECT_EQ(public_addresses(block("11.0.0.0", 8)), uint64_t{1} << 24);
  EXPECT_EQ(public_addresses(block("10.0.0.0", 8)), 0u);
  EXPECT_EQ(public_addresses(block("198.18.0.0", 15)), 0u);
  EXPECT_EQ(public_addresses(block("8.8.8.0", 24)), 256u);
  // 0.0.0.0/0 less 0/8, 10/8, 127/8, 100.64/10, 169.254/16, 172.16/12,
  // 192.168/16, 198.18/15, 224/3 ... : well above a /8, well below 2^32.
  const uint64_t all = public_addresses(block("0.0.0.0", 0));
  EXPECT_GT(all, uint64_t{3} << 30);
  EXPECT_LT(all, uint64_t{1} << 32);
  EXPECT_EQ(public_addresses(block("2001:db8::", 96)), 0u);  // documentation
}

TEST(TargetGuard, TyposAreUsageErrorsNamingTheArgument) {
  for (const char* typo : {"10.0.0.0/33", "300.1.2.0/24", "2001:db8::/64", "1.2.3.4/"}) {
    SCOPED_TRACE(typo);
    const std::vector<std::string> args = {"192.0.2.1", typo};
    const auto r = check_command_line_targets(args, false);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(r.status().message()), HasSubstr(std::string("argument 2 '") + typo));
  }
}

TEST(TargetGuard, MoreThanASlash8OfPublicSpaceNeedsTheFlag) {
  const std::vector<std::string> exactly = {"11.0.0.0/8", "10.0.0.0/8", "example.org"};
  EXPECT_TRUE(check_command_line_targets(exactly, false).ok());
  const std::vector<std::string> over = {"11.0.0.0/8", "12.0.0.1"};
  const auto r = check_command_line_targets(over, false);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("--allow-large-scan"));
  EXPECT_TRUE(check_command_line_targets(over, true).ok());
  const std::vector<std::string> world = {"0.0.0.0/0"};
  EXPECT_FALSE(check_command_line_targets(world, false).ok());
  EXPECT_TRUE(check_command_line_targets(world, true).ok());
}

TEST(TargetGuard, HostBitsSetWarn) {
  const std::vector<std::string> args = {"10.0.0.5/24", "10.0.1.0/24", "2001:db8::1:5/120"};
  const auto r = check_command_line_targets(args, false);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(*r, ElementsAre("argument 1 '10.0.0.5/24' has host bits set: scanning 10.0.0.0/24",
                              "argument 3 '2001:db8::1:5/120' has host bits set: scanning "
                              "2001:db8::1:0/120"));
}

}  // namespace
}  // namespace ptrscan
