// The progress line of a real run (issue 18 item 8): a CIDR block's size is
// known once the command line is read, so the line shows a percentage and
// an ETA while the block is walked, not only at its end. The resolver is a
// UDP socket nobody reads: every query waits its full timeout, so 256 hosts
// at 16 in flight and 300 ms a query last over four seconds by construction
// (no clock is asserted; the lines are).

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(ProgressLine, CidrWalkShowsPercentAndEta) {
  const int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  const std::string resolver = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
  run_options o;
  o.deadline = std::chrono::seconds(60);
  run_result r = run_process({PTRSCAN_BINARY, "--resolver", resolver, "--dns-timeout", "300",
                              "--retries", "0", "--allow-reserved", "--probes", "ptr",
                              "--max-inflight", "16", "-T", "1", "--progress", "-o", "/dev/null",
                              "198.18.0.0/24"},
                             o);
  close(fd);
  ASSERT_EQ(r.exit_code, 0) << r.describe();
  // At least one line mid-walk: some done, not all, with its share and ETA.
  EXPECT_THAT(r.err, ContainsRegex("ptrscan: [0-9:]+ [0-9]+ done, [0-9.]+ hosts/s, [0-9]+ in "
                                   "flight, [0-9]+\\.[0-9]% of 256, ETA [0-9]+:[0-9][0-9]"))
      << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("read so far"))) << r.err;
  EXPECT_THAT(r.err, HasSubstr("ptrscan: 256 hosts in ")) << r.err;
}

}  // namespace
}  // namespace ptrscan::testnet
