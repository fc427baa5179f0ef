// The resolver list: --resolver entries checked and written as "ip:port",
// or /etc/resolv.conf's nameservers when none is given (c-ares reads it).
#include "dns/resolver.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace ptrscan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ResolverServers, GivenServersAreWrittenAsIpAndPort) {
  absl::StatusOr<std::vector<std::string>> s =
      resolver_servers({"127.0.0.1", "127.0.0.2:5353", "[::1]:53", "::1"});
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_THAT(*s, ElementsAre("127.0.0.1:53", "127.0.0.2:5353", "[::1]:53", "[::1]:53"));
}

TEST(ResolverServers, BadServerListIsAUsageError) {
  absl::StatusOr<std::vector<std::string>> s = resolver_servers({"not-an-ip:53"});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(s.status().message(), HasSubstr("not-an-ip:53"));
}

// Without --resolver the list is the nameservers of /etc/resolv.conf, in
// its order (this machine's file: the test reads it too, sends nothing).
TEST(ResolverServers, NoneGivenReadsResolvConf) {
  std::ifstream f("/etc/resolv.conf");
  std::vector<std::string> want;
  for (std::string line; std::getline(f, line);) {
    std::istringstream in(line);
    std::string key, addr;
    if (in >> key >> addr && key == "nameserver" && addr.find('%') == std::string::npos) {
      want.push_back(addr.find(':') != std::string::npos ? "[" + addr + "]:53" : addr + ":53");
    }
  }
  absl::StatusOr<std::vector<std::string>> s = resolver_servers({});
  ASSERT_TRUE(s.ok()) << s.status();
  if (want.empty()) {
    // c-ares falls back to 127.0.0.1 when the file names no server.
    EXPECT_THAT(*s, ElementsAre("127.0.0.1:53"));
  } else {
    EXPECT_EQ(*s, want);
  }
}

}  // namespace
}  // namespace ptrscan
