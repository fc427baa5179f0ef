// Each record's `ts` (issue 18 item 5) comes from the shard's clock, which a
// test injects (shard_config::clock): with a fixed clock every record says
// exactly that time; with one that steps, each says its own. In process,
// against a UDP resolver nobody answers (every PTR times out: the records
// are written all the same).

#include <arpa/inet.h>
#include <ares.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "input/target_reader.h"
#include "output/output_sink.h"
#include "probes/table.h"
#include "scan/engine.h"
#include "testnet/ndjson.h"

namespace ptrscan {
namespace {

class RecordTime : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(ares_library_init(ARES_LIB_INIT_ALL), ARES_SUCCESS);
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ASSERT_EQ(getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len), 0);
    resolver_ = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    char templ[] = "/tmp/ptrscan-ts-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    if (fd_ >= 0) {
      close(fd_);
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
    ares_library_cleanup();
  }

  /// The records of a scan of 198.18.0.0/29 with `clock` in every shard.
  std::vector<nlohmann::json> scan(wall_clock clock) {
    scan_config c;
    c.shards = 2;
    c.allow_reserved = true;
    c.seed = 1;
    c.shard.resolver.servers = {resolver_};
    c.shard.resolver.timeout_ms = 50;
    c.shard.resolver.tries = 1;
    c.shard.clock = std::move(clock);
    probe_options po;
    po.set = probe_set{true, false, false, false, false};
    po.max_inflight = c.shard.max_inflight;
    auto counters = std::make_shared<counter_registry>();
    c.shard.probes = make_probes(po, *counters);
    c.shard.counters = counters;
    auto reader = target_reader::open({"198.18.0.0/29"}, {});
    const std::string out = dir_ + "/out.ndjson";
    auto sink = output_sink::open(out);
    EXPECT_TRUE(reader.ok() && sink.ok());
    if (!reader.ok() || !sink.ok()) {
      return {};
    }
    {
      scan_engine engine(c, **reader, **sink);
      EXPECT_TRUE(engine.start().ok());
      for (int i = 0; i < 3000 && !engine.finished(); ++i) {  // 60 s at most
        pollfd p{engine.done_fd(), POLLIN, 0};
        ::poll(&p, 1, 20);
        if (p.revents & POLLIN) {
          uint64_t n;
          [[maybe_unused]] ssize_t rc = ::read(engine.done_fd(), &n, sizeof(n));
        }
      }
      EXPECT_TRUE(engine.finished());
      EXPECT_TRUE(engine.join().ok());
    }
    EXPECT_TRUE((*sink)->close().ok());
    std::ifstream f(out);
    std::stringstream s;
    s << f.rdbuf();
    return testnet::parse_ndjson(s.str()).records;
  }

  int fd_ = -1;
  std::string resolver_;
  std::string dir_;
};

TEST_F(RecordTime, EveryRecordCarriesTheInjectedClock) {
  // 2026-12-07T12:19:24.123456789Z
  const std::vector<nlohmann::json> recs = scan([] { return int64_t{1796645964123456789}; });
  ASSERT_EQ(recs.size(), 8u);
  for (const nlohmann::json& r : recs) {
    EXPECT_EQ(r.value("ts", ""), "2026-12-07T12:19:24.123Z") << r.dump();
  }
}

TEST_F(RecordTime, EachRecordReadsTheClockWhenItFinishes) {
  // A clock that steps 1.5 s a read: no two records share a time, and each
  // is a whole text (a stale cached second or millisecond would repeat).
  auto t = std::make_shared<std::atomic<int64_t>>(int64_t{1796645964} * 1'000'000'000);
  const std::vector<nlohmann::json> recs =
      scan([t] { return t->fetch_add(1'500'000'000) + 1'500'000'000; });
  ASSERT_EQ(recs.size(), 8u);
  std::set<std::string> seen;
  for (const nlohmann::json& r : recs) {
    const std::string ts = r.value("ts", "");
    ASSERT_EQ(ts.size(), 24u) << ts;
    EXPECT_TRUE(ts.substr(19) == ".000Z" || ts.substr(19) == ".500Z") << ts;
    EXPECT_EQ(ts.substr(0, 11), "2026-12-07T") << ts;
    EXPECT_TRUE(seen.insert(ts).second) << ts << " twice";
  }
}

}  // namespace
}  // namespace ptrscan
