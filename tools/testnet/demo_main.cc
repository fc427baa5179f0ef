// ptrscan-demo: a local end-to-end scan. Starts knot + unbound on loopback
// with generated zones for 198.18.0.0/20, runs ptrscan against them, checks
// every record against the zones and says where the output is; then audits
// the fixture domains of tools/testnet/domain_zones (MX, SPF, DNSBL). With
// --serve it then keeps every server running and prints ptrscan command
// lines to try against them, until SIGINT/SIGTERM (Ctrl-C) or
// --serve-seconds; the servers are stopped by PID either way.
//
//   ptrscan-demo --out DIR [--block CIDR] [--seed N] [--ptrscan PATH]
//                [--serve [--serve-seconds S]]

#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

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
  bool serve = false;
  int serve_seconds = 3600;
};

// Set by SIGINT/SIGTERM while serving: a signal handler can reach nothing
// but a global.
std::atomic<bool> stop_requested{false};

void on_stop_signal(int) { stop_requested = true; }

void usage(std::ostream& os) {
  os << "usage: ptrscan-demo --out DIR [--block CIDR] [--seed N] [--ptrscan PATH]\n"
        "                    [--serve [--serve-seconds S]]\n"
        "Starts knot and unbound on a loopback address with generated reverse and\n"
        "forward zones for CIDR (default 198.18.0.0/20, 4,096 addresses), scans it\n"
        "with ptrscan into DIR/demo.ndjson.zst and checks every record against the\n"
        "zones. Exit 0 only when all of them match.\n"
        "--serve: then keep the DNS and SMTP servers running and print ptrscan\n"
        "commands to try against them, until Ctrl-C (SIGINT/SIGTERM) or S seconds\n"
        "(default 3600).\n";
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
    } else if (a == "--serve") {
      f.serve = true;
    } else if (a == "--serve-seconds") {
      if ((v = value("--serve-seconds")) == nullptr) {
        return 2;
      }
      f.serve_seconds = static_cast<int>(std::clamp(std::strtol(v, nullptr, 10), 1L, 86'400L));
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

// The servers of the domain audit, kept for --serve.
struct domain_servers {
  std::unique_ptr<dns_testbed> bed;
  std::unique_ptr<scripted_smtp_server> mx1;
  std::unique_ptr<scripted_smtp_server> mx2;
};

// The domain audit: the MX-structure fixture domains (example.test and its
// misconfigured siblings) through a second testbed, with an SMTP server on
// example.test's two mail exchangers and a blocklist, checked against what
// the fixture says each summary must contain. The servers are left in
// `servers` (the caller stops them).
int run_domains(const demo_flags& f, domain_servers& servers) {
  servers.bed = dns_testbed::start(domain_testbed());
  servers.mx1 = std::make_unique<scripted_smtp_server>(smtp_script::multiline_greeting,
                                                       "127.77.0.1", 0);
  servers.mx2 = std::make_unique<scripted_smtp_server>(smtp_script::multiline_greeting,
                                                       "127.77.0.2", servers.mx1->address().port);
  const dns_testbed* bed = servers.bed.get();
  const scripted_smtp_server& mx1 = *servers.mx1;
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

std::string join(const std::vector<std::string>& argv) {
  std::string line;
  for (const std::string& a : argv) {
    line += (line.empty() ? "" : " ") + a;
  }
  return line;
}

// --serve: print what to try, then wait for Ctrl-C, --serve-seconds or a
// server that died. Returns when the caller should stop the servers.
void serve(const demo_flags& f, dns_testbed& reverse, domain_servers& domains) {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);

  const std::string r = reverse.resolver().to_string();
  const std::string d = domains.bed->resolver().to_string();
  const std::string smtp_port = std::to_string(domains.mx1->address().port);
  const std::string p = f.ptrscan;
  const std::string dns_only = "--allow-reserved --probes ptr,fcrdns";
  const std::string first_24 = f.block.substr(0, f.block.find('/')) + "/24";
  // Only loopback is ever probed: the 198.18.0.0/15 addresses are not on
  // this machine, so the reverse-zone commands run the DNS probes only
  // (an SMTP probe would send connects out of the machine).
  std::cout << "\n"
            << "demo: serving until Ctrl-C (at most " << f.serve_seconds << " s):\n"
            << "  " << f.block << " reverse and forward zones: unbound on " << r << " (knot on "
            << reverse.authoritative().to_string() << ")\n"
            << "  fixture domains (example.test ...): unbound on " << d
            << "; SMTP on 127.77.0.1:" << smtp_port << " and 127.77.0.2:" << smtp_port << "\n"
            << "\n"
            << "Try (" << f.block << " is in the benchmarking range, RFC 2544, so\n"
            << "--allow-reserved is needed: without it every address is skipped and counted\n"
            << "as reserved):\n"
            << "  " << join({p, "--resolver", r, dns_only, first_24}) << "\n"
            << "  " << join({p, "--resolver", r, dns_only, "198.18.0.7", "198.18.1.9"}) << "\n"
            << "  "
            << join({p, "--resolver", r, dns_only, "-o", "/tmp/demo.ndjson.zst", "--metadata",
                     "/tmp/demo-meta.json", f.block})
            << "\n"
            << "  zstd -dc /tmp/demo.ndjson.zst | grep -v '\"pass\"' | head\n"
            << "  " << join({p, "report", "-o", "/tmp/demo.html", "/tmp/demo.ndjson.zst"}) << "\n"
            << "  "
            << join({p, "--resolver", d, "--allow-reserved", "--probes", "ptr,fcrdns,smtp",
                     "--smtp-ports", smtp_port, "--dnsbl", domain_dnsbl_zone, "--ehlo-name",
                     "demo.test", "example.test", "nullmx.dom.test", "implicit.dom.test"})
            << "\n"
            << "  dig @" << reverse.resolver().host << " -p " << reverse.resolver().port
            << " -x 198.18.0.7\n"
            << std::endl;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(f.serve_seconds);
  while (!stop_requested && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (!reverse.healthy() || !domains.bed->healthy()) {
      // Ctrl-C reaches the servers too (one process group): not an error then.
      if (!stop_requested) {
        std::cerr << "demo: a server stopped:\n" << reverse.logs() << domains.bed->logs() << "\n";
      }
      break;
    }
  }
  std::cout << "demo: stopping the servers" << std::endl;
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
  if (!f.serve) {
    bed.reset();  // done with them; --serve keeps them for the user
  }
  domain_servers servers;
  const int domains = run_domains(f, servers);
  if (f.serve) {
    serve(f, *bed, servers);
  }
  // Stopped (by PID) in their destructors.
  servers = domain_servers{};
  bed.reset();
  std::cout << "demo: servers stopped\n";
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
