// ptrscan-demo: a local end-to-end scan. Starts knot + unbound on loopback
// with generated zones for 198.18.0.0/20, runs ptrscan against them, checks
// every record against the zones and says where the output is; then audits
// the fixture domains of tools/testnet/domain_zones (MX, SPF, DNSBL).
//
//   ptrscan-demo --out DIR [--block CIDR] [--seed N] [--ptrscan PATH]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "testnet/dns_testbed.h"
#include "testnet/domain_zones.h"
#include "testnet/ndjson.h"
#include "testnet/plan_check.h"
#include "testnet/scripted_smtp.h"
#include "testnet/subprocess.h"
#include "testnet/zone_plan.h"

namespace {

using namespace ptrscan::testnet;

struct demo_flags {
  std::string out_dir;
  std::string block = "198.18.0.0/20";
  uint64_t seed = 1;
  std::string ptrscan = PTRSCAN_BINARY;
};

void usage(std::ostream& os) {
  os << "usage: ptrscan-demo --out DIR [--block CIDR] [--seed N] [--ptrscan PATH]\n"
        "Starts knot and unbound on a loopback address with generated reverse and\n"
        "forward zones for CIDR (default 198.18.0.0/20, 4,096 addresses), scans it\n"
        "with ptrscan into DIR/demo.ndjson.zst and checks every record against the\n"
        "zones. Exit 0 only when all of them match.\n";
}

// Returns 0 to go on, or the exit status to stop with.
int parse(int argc, char** argv, demo_flags& f) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "ptrscan-demo: " << name << " needs a value\n";
        return nullptr;
      }
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      usage(std::cout);
      return -1;
    }
    const char* v = nullptr;
    if (a == "--out" || a == "-o") {
      if ((v = value("--out")) == nullptr) {
        return 2;
      }
      f.out_dir = v;
    } else if (a == "--block") {
      if ((v = value("--block")) == nullptr) {
        return 2;
      }
      f.block = v;
    } else if (a == "--seed") {
      if ((v = value("--seed")) == nullptr) {
        return 2;
      }
      f.seed = std::strtoull(v, nullptr, 10);
    } else if (a == "--ptrscan") {
      if ((v = value("--ptrscan")) == nullptr) {
        return 2;
      }
      f.ptrscan = v;
    } else {
      std::cerr << "ptrscan-demo: unknown argument '" << a << "'\n";
      usage(std::cerr);
      return 2;
    }
  }
  if (f.out_dir.empty()) {
    std::cerr << "ptrscan-demo: --out DIR is required\n";
    usage(std::cerr);
    return 2;
  }
  return 0;
}

// The domain audit: the MX-structure fixture domains (example.test and its
// misconfigured siblings) through a second testbed, with an SMTP server on
// example.test's two mail exchangers and a blocklist, checked against what
// the fixture says each summary must contain.
int run_domains(const demo_flags& f) {
  std::unique_ptr<dns_testbed> bed = dns_testbed::start(domain_testbed());
  scripted_smtp_server mx1(smtp_script::multiline_greeting, "127.77.0.1", 0);
  scripted_smtp_server mx2(smtp_script::multiline_greeting, "127.77.0.2", mx1.address().port);
  const std::string out = f.out_dir + "/domains.ndjson";
  // blocked.dom.test's mail exchanger is blocklisted, to show a skip.
  const std::string blocklist = f.out_dir + "/blocklist.txt";
  std::ofstream(blocklist) << "127.77.0.5/32\n";
  std::vector<std::string> argv = ptrscan_command(f.ptrscan, bed->resolver());
  argv.insert(argv.end(), {"--blocklist", blocklist, "--probes", "ptr,fcrdns,smtp", "--smtp-ports",
                           std::to_string(mx1.address().port), "--dnsbl", domain_dnsbl_zone,
                           "--ehlo-name", "demo.test", "-o", out});
  for (const domain_case& c : domain_cases()) {
    argv.push_back(c.domain);
  }
  std::cout << "demo: domain audit:";
  for (const auto& a : argv) {
    std::cout << " " << a;
  }
  std::cout << std::endl;
  run_options o;
  o.pass_stderr = true;
  o.deadline = std::chrono::minutes(2);
  const run_result r = run_process(argv, o);
  if (r.exit_code != 0) {
    std::cerr << "demo: ptrscan failed: " << r.describe() << "\n";
    return 1;
  }
  std::ifstream in(out);
  std::stringstream text;
  text << in.rdbuf();
  int wrong = 0;
  size_t summaries = 0;
  for (const nlohmann::json& rec : parse_ndjson(text.str()).records) {
    if (!rec.contains("domain")) {
      continue;
    }
    ++summaries;
    std::vector<std::string> found;
    for (const nlohmann::json& x : rec["findings"]) {
      found.push_back(x["code"].get<std::string>() +
                      (x.contains("host") ? ":" + x["host"].get<std::string>() : ""));
    }
    std::sort(found.begin(), found.end());
    for (const domain_case& c : domain_cases()) {
      if (c.domain == rec["domain"] && c.findings != found) {
        std::cerr << "demo: unexpected findings for " << c.domain << ": " << rec["findings"]
                  << "\n";
        ++wrong;
      }
    }
    if (rec["domain"] == "example.test") {
      std::cout << "demo: " << rec.dump() << "\n";
    }
  }
  std::cout << "demo: " << summaries << " domain summaries, " << wrong
            << " with unexpected findings; records in " << out << "\n";
  return wrong == 0 && summaries == domain_cases().size() ? 0 : 1;
}

int run(const demo_flags& f) {
  std::error_code ec;
  std::filesystem::create_directories(f.out_dir, ec);
  if (ec) {
    std::cerr << "ptrscan-demo: cannot create " << f.out_dir << ": " << ec.message() << "\n";
    return 2;
  }
  const std::string out = f.out_dir + "/demo.ndjson.zst";

  zone_plan plan = zone_plan::generate(f.block, f.seed);
  std::cout << "demo: " << plan.size() << " addresses in " << f.block << " (seed " << f.seed
            << "); planned:";
  for (size_t k = 0; k < plan_case_count; ++k) {
    std::cout << " " << to_string(static_cast<plan_case>(k)) << " " << plan.case_counts()[k];
  }
  std::cout << "\n";

  std::unique_ptr<dns_testbed> bed = dns_testbed::start(plan.testbed());
  std::cout << "demo: knot on " << bed->authoritative().to_string() << " (ready in "
            << bed->timings().knot_ready.count() << " ms), unbound on "
            << bed->resolver().to_string() << " (ready in " << bed->timings().unbound_ready.count()
            << " ms)\n";

  std::vector<std::string> argv = ptrscan_command(f.ptrscan, bed->resolver());
  argv.insert(argv.end(), {"-o", out, f.block});
  std::cout << "demo: running";
  for (const auto& a : argv) {
    std::cout << " " << a;
  }
  std::cout << std::endl;
  run_options o;
  o.pass_stderr = true;  // ptrscan's own progress and summary
  o.deadline = std::chrono::minutes(10);
  const run_result r = run_process(argv, o);
  if (r.exit_code != 0) {
    std::cerr << "demo: ptrscan failed: " << r.describe() << "\n";
    return 1;
  }

  const run_result z = run_process({"zstd", "-dc", out});
  if (z.exit_code != 0) {
    std::cerr << "demo: cannot decode " << out << ": " << z.describe() << "\n";
    return 1;
  }
  const plan_check_report report = check_against_plan(plan, z.out, 10);
  std::cout << "demo: " << report.summary() << "\n";
  std::cout << "demo: records in " << out << "\n"
            << "      zstd -dc " << out << " | head\n";
  bed.reset();  // stop the servers before saying goodbye
  std::cout << "demo: servers stopped\n";
  const int domains = run_domains(f);
  return report.ok() && domains == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  demo_flags f;
  const int rc = parse(argc, argv, f);
  if (rc != 0) {
    return rc < 0 ? 0 : rc;
  }
  try {
    return run(f);
  } catch (const std::exception& e) {
    std::cerr << "demo: " << e.what() << "\n";
    return 1;
  }
}
