// Scale check: inside a network namespace of its own (lo only, with
// 198.18.0.0/15 routed locally), ptrscan-smtp-farm answers for every address
// of a /20 with a banner naming that address, knot + unbound serve PTRs of
// which ~70% match the banner and ~30% do not, and one ptrscan run over the
// whole block must report every host's banner and banner_ptr_match exactly.
// Sessions per second are printed, never asserted.

#include "testnet/smtp_farm.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <map>

#include "../support/missing_fixture.h"
#include "testnet/dns_testbed.h"
#include "testnet/netns.h"
#include "testnet/smtp_client.h"
#include "testnet/smtp_scan.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;

constexpr uint16_t farm_port = 2525;  // the namespace is ours: any port is free

// Removes a temp dir on scope exit.
struct temp_dir {
  temp_dir() {
    char templ[] = "/tmp/ptrscan-farm-XXXXXX";
    if (::mkdtemp(templ) != nullptr) {
      path = templ;
    }
  }
  ~temp_dir() {
    std::error_code ec;
    if (!path.empty()) {
      std::filesystem::remove_all(path, ec);
    }
  }
  std::string path;
};

TEST(SmtpFarm, EveryHostHasItsBannerAndVerdict) {
  if (const std::string why = net_namespace::unavailable_reason(); !why.empty()) {
    PTRSCAN_MISSING_FIXTURE(why);
  }
  const farm_plan plan = farm_plan::generate("198.18.16.0/20", 2026, 70);
  temp_dir tmp;
  ASSERT_FALSE(tmp.path.empty());

  std::unique_ptr<net_namespace> ns;
  try {
    ns = net_namespace::create();
    ns->add_local_route("198.18.0.0/15");
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  // Everything from here on (servers, ptrscan, our own probes) runs inside.
  netns_scope inside(*ns);

  std::unique_ptr<dns_testbed> bed;
  try {
    bed = dns_testbed::start(plan.testbed());
  } catch (const std::exception& e) {
    FAIL() << "testbed failed to start: " << e.what();
  }
  daemon_process farm = daemon_process::start(
      {smtp_farm_binary(), "--port", std::to_string(farm_port), "--max-seconds", "120"},
      tmp.path + "/farm.log");
  const endpoint probe{plan.hosts().front().ip, farm_port};
  ASSERT_TRUE(farm.wait_ready(
      [&] {
        return smtp_hello(probe, "", std::chrono::milliseconds(500), /*allow_any=*/true)
            .has_value();
      },
      std::chrono::seconds(10)))
      << "farm not ready (" << farm.exit_description() << "): " << farm.log_tail();

  smtp_scan_options o;
  o.ports = {farm_port};
  o.probes = "ptr,smtp";
  o.connect_timeout_ms = 5'000;
  o.read_timeout_ms = 10'000;
  o.session_timeout_ms = 30'000;
  // Fewer session slots than hosts in flight: most hosts queue for a session
  // while their PTR lookups go on, and every one must still get its record.
  o.extra = {"--threads", "2", "--max-sessions", "64", "-o", "-", plan.cidr()};
  const std::vector<std::string> argv = ptrscan_smtp_command(PTRSCAN_BINARY, bed->resolver(), o);
  run_options ro;
  ro.deadline = std::chrono::seconds(90);
  const auto t0 = std::chrono::steady_clock::now();
  const run_result r = run_process(argv, ro);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ measure  ] ptrscan " << plan.cidr() << " (" << plan.hosts().size() << " hosts, "
            << plan.matches() << " matching PTRs) against the farm: " << secs << " s wall, "
            << static_cast<int>(plan.hosts().size() / secs) << " hosts/s\n"
            << "[ measure  ] ptrscan summary: " << summary_lines(r.err);
  const scan_summary summary = parse_summary(r.err);
  std::cout << "[ measure  ] " << summary.smtp_sessions << " SMTP sessions in " << summary.seconds
            << " s: " << static_cast<int>(summary.sessions_per_second()) << " sessions/s\n";
  ASSERT_EQ(r.exit_code, 0) << r.describe();

  const records_by_ip index = index_records(r.out);
  EXPECT_EQ(index.bad_lines, 0U);
  EXPECT_EQ(index.duplicates, 0U);
  EXPECT_EQ(index.records.size(), plan.hosts().size());
  std::map<std::string, size_t> statuses;
  size_t wrong = 0;
  std::string examples;
  for (const farm_host& h : plan.hosts()) {
    auto it = index.records.find(h.ip);
    std::string problem;
    if (it == index.records.end()) {
      problem = "no record";
    } else {
      const json& rec = it->second;
      const json* e = smtp_entry(rec, farm_port);
      const std::string status = e != nullptr ? json_string(*e, "status") : "no smtp entry";
      ++statuses[status];
      const json verdict = rec.contains("checks") && rec["checks"].is_object()
                               ? rec["checks"].value("banner_ptr_match", json("missing"))
                               : json("missing");
      if (status != "ok") {
        problem = "status " + status;
      } else if (json_string(*e, "banner") != "220 " + h.banner_host + " ESMTP farm") {
        problem = "banner";
      } else if (json_string(*e, "banner_host") != h.banner_host) {
        problem = "banner_host";
      } else if (verdict != json(h.match)) {
        problem = "banner_ptr_match " + verdict.dump() + ", PTR " + h.ptr_name;
      }
      if (!problem.empty()) {
        problem += ": " + rec.dump();
      }
    }
    if (!problem.empty()) {
      if (++wrong <= 5) {
        examples += "  " + h.ip + ": " + problem + "\n";
      }
    }
  }
  std::string tally;
  for (const auto& [s, n] : statuses) {
    tally += " " + s + "=" + std::to_string(n);
  }
  std::cout << "[ measure  ] smtp status:" << tally << "\n";
  EXPECT_EQ(wrong, 0U) << wrong << " of " << plan.hosts().size() << " hosts wrong, e.g.\n"
                       << examples << "ptrscan stderr tail: "
                       << r.err.substr(r.err.size() > 2000 ? r.err.size() - 2000 : 0);
  EXPECT_TRUE(bed->healthy()) << bed->logs();
  EXPECT_TRUE(farm.running()) << farm.log_tail();
}

}  // namespace
}  // namespace ptrscan::testnet
