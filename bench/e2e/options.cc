#include "e2e/options.h"

#include <arpa/inet.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <iterator>
#include <memory>
#include <string_view>
#include <utility>

#include "e2e/scenario.h"

namespace ptrscan::bench {
namespace {

template <class T>
bool parse_number(std::string_view text, T& out, T min, T max) {
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max) {
    return false;
  }
  out = v;
  return true;
}

// "1,2,4" -> {1, 2, 4}, each in [min, max]; false (and `out` unchanged)
// on anything else.
bool parse_list(std::string_view text, std::vector<uint32_t>& out, uint32_t min, uint32_t max) {
  std::vector<uint32_t> v;
  for (;;) {
    const size_t comma = text.find(',');
    uint32_t n = 0;
    if (!parse_number(text.substr(0, comma), n, min, max)) {
      return false;
    }
    v.push_back(n);
    if (comma == std::string_view::npos) {
      break;
    }
    text.remove_prefix(comma + 1);
  }
  out = std::move(v);
  return true;
}

}  // namespace

namespace {

constexpr char description[] =
    "End-to-end throughput of ptrscan in network namespaces of its own.\n"
    "SCENARIO: dns-knot, fcrdns-knot, dns-unbound-ratelimit, dns-unbound-cold,\n"
    "smtp-farm, internet-mix, listen, zone-audit or all.\n"
    "Each run gets a fresh network namespace (only lo, 198.18.0.0/15 routed to it)\n"
    "with its own servers, and prints one JSON line. ptrscan runs with its defaults\n"
    "(internet-mix: --max-inflight 100000). --reference adds, in the same run,\n"
    "reference lines: dnsperf (a sweep of -q, default 50,100,200,500,1000,2000, at\n"
    "-T 1 and -T 2) for the DNS scenarios, ptrscan-epoll-ref for smtp-farm and\n"
    "internet-mix (\"none\" when not built), then a line of ptrscan/reference\n"
    "ratios. listen: ptrscan listen (-T of each run) and, with --reference,\n"
    "ptrscan-listen-ref under ptrscan-listen-load (one connection per address of\n"
    "the block), a ratio line per repeat. Flags after -- go to every ptrscan run.";

constexpr char footer[] =
    "Exit 0 when every run finished and every record checked out, 1 otherwise, 2 on\n"
    "usage errors, 77 when this machine cannot run it (not root, no knotd, unbound,\n"
    "nft or simulator).";

/// A comma list of whole numbers in [min, max] into `out`, checked as
/// parsed: "FLAG 'TEXT': WHY".
CLI::Option* add_list(CLI::App& app, const std::string& names, std::vector<uint32_t>& out,
                      uint32_t min, uint32_t max, const std::string& why,
                      const std::string& help) {
  return app
      .add_option_function<std::string>(
          names,
          [&out, names, min, max, why](const std::string& v) {
            if (!parse_list(v, out, min, max)) {
              throw CLI::ValidationError(names.substr(names.rfind(',') + 1) + " '" + v +
                                         "': " + why);
            }
          },
          help)
      ->type_name("LIST");
}

/// The whole command line, bound to `o` (and, for the checks after parsing,
/// the raw scenario and the --smoke switch).
std::unique_ptr<CLI::App> make_app(bench_options& o, std::string& scenario, bool& smoke,
                                   bool& hosts_given, bool& deadline_given) {
  auto app = std::make_unique<CLI::App>(description, "ptrscan-bench");
  app->footer(footer);
  app->get_formatter()->column_width(26);
  app->option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app->add_option("SCENARIO", scenario, "what to run (see above; --smoke: all by default)");
  app->add_flag("--smoke", smoke,
                "every scenario (or the named one) on 198.18.0.0/22,\ndeadline 60 s");
  app->add_flag("--reference", o.reference, "add the reference lines (see above)");
  app->add_flag("--keep", o.keep, "keep the work directory");
  add_list(*app, "-T,--threads", o.shards, 1, 64, "expected a comma list of thread counts (1-64)",
           "ptrscan -T values, each one run (default 1,2)");
  add_list(*app, "--sweep", o.sweep, 1, 100'000,
           "expected a comma list of dnsperf -q values (1-100000)",
           "dnsperf -q values of the reference sweep");
  app->add_option("--repeat", o.repeat, "runs of each thread count (default 1)")
      ->check(CLI::Range(1, 100));
  app->add_option("--max-inflight", o.max_inflight,
                  "ptrscan --max-inflight (default: the scenario's)")
      ->check(CLI::Range(1u, 1'000'000u));
  app->add_option_function<int>(
         "--deadline",
         [&o, &deadline_given](int s) {
           o.deadline = std::chrono::seconds(s);
           deadline_given = true;
         },
         "seconds one run may take (default 300)")
      ->type_name("S")
      ->check(CLI::Range(1, 3600));
  app->add_option_function<std::string>(
         "--hosts",
         [&o, &hosts_given](const std::string& v) {
           if (benchmark_block_size(v) == 0) {
             throw CLI::ValidationError("--hosts '" + v +
                                        "': expected an IPv4 block inside 198.18.0.0/15, such "
                                        "as 198.18.0.0/16 (zone-audit: or inside 10.0.0.0/12)");
           }
           o.hosts = v;
           hosts_given = true;
         },
         "scanned block inside 198.18.0.0/15 (default: all of it;\n"
         "zone-audit: 10.0.0.0/12, where its block may also lie)")
      ->type_name("CIDR");
  app->add_option("--ptrscan", o.ptrscan, "ptrscan binary (default: the build's)")
      ->type_name("PATH");
  app->add_option("--simnet", o.simnet, "ptrscan-simnet binary (default: the build's)")
      ->type_name("PATH");
  app->add_option("--listen-ref", o.listen_ref,
                  "ptrscan-listen-ref binary (default: the build's)")
      ->type_name("PATH");
  app->add_option("--listen-load", o.listen_load,
                  "ptrscan-listen-load binary (default: the build's)")
      ->type_name("PATH");
  app->add_option("--epoll-ref", o.epoll_ref,
                  "ptrscan-epoll-ref binary (default: the build's, else\nPATH's)")
      ->type_name("PATH");
  return app;
}

}  // namespace

std::string usage() {
  bench_options o;
  std::string scenario;
  bool smoke = false, hosts_given = false, deadline_given = false;
  return make_app(o, scenario, smoke, hosts_given, deadline_given)->help() +
         "usage: ptrscan-bench SCENARIO [options] [-- PTRSCAN-FLAGS]\n"
         "       ptrscan-bench --smoke [SCENARIO]\n";
}

uint64_t benchmark_block_size(const std::string& cidr, bool dns_only) {
  const size_t slash = cidr.find('/');
  in_addr addr{};
  int prefix = 0;
  if (slash == std::string::npos ||
      ::inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &addr) != 1 ||
      !parse_number(std::string_view(cidr).substr(slash + 1), prefix, 12, 32)) {
    return 0;
  }
  const uint32_t base = ntohl(addr.s_addr);
  const uint64_t size = uint64_t{1} << (32 - prefix);
  const bool in_routed = prefix >= 15 && (base >> 17) == (0xc6120000u >> 17);
  const bool in_names = dns_only && (base >> 20) == (0x0a000000u >> 20);  // 10.0.0.0/12
  if ((base & (size - 1)) != 0 || !(in_routed || in_names)) {
    return 0;
  }
  return size;
}

std::string scanned_block(const bench_options& o, const scenario& s) {
  if (!o.hosts.empty()) {
    return o.hosts;
  }
  return s.hosts.empty() ? "198.18.0.0/15" : s.hosts;
}

absl::StatusOr<bench_options> parse_options(const std::vector<std::string>& args) {
  bench_options o;
  bool smoke = false;
  bool hosts_given = false;
  bool deadline_given = false;
  std::string scenario;
  // Everything after the first "--" is ptrscan's, untouched.
  const auto dashes = std::find(args.begin(), args.end(), "--");
  if (dashes != args.end()) {
    o.ptrscan_args.assign(dashes + 1, args.end());
  }
  std::unique_ptr<CLI::App> app = make_app(o, scenario, smoke, hosts_given, deadline_given);
  try {
    std::vector<std::string> reversed(std::make_reverse_iterator(dashes), args.rend());
    app->parse(reversed);
  } catch (const CLI::CallForHelp&) {
    return absl::CancelledError("help");
  } catch (const CLI::ParseError& e) {
    return absl::InvalidArgumentError(e.what());
  }
  if (scenario.empty() && !smoke) {
    return absl::InvalidArgumentError("no scenario named");
  }
  if (scenario.empty() || scenario == "all") {
    for (const auto& s : scenarios()) {
      o.scenarios.emplace_back(s.name);
    }
  } else if (find_scenario(scenario) == nullptr) {
    return absl::InvalidArgumentError("unknown scenario '" + scenario + "'");
  } else {
    o.scenarios.push_back(scenario);
  }
  for (const std::string& name : o.scenarios) {
    const auto& s = *find_scenario(name);
    if (hosts_given && benchmark_block_size(o.hosts, s.dns_only) == 0) {
      return absl::InvalidArgumentError("--hosts '" + o.hosts + "': " + name +
                                        " needs a block inside 198.18.0.0/15 (routed to lo)");
    }
  }
  if (smoke) {
    if (!hosts_given) {
      o.hosts = "198.18.0.0/22";
    }
    if (!deadline_given) {
      o.deadline = std::chrono::seconds(60);
    }
  }
  return o;
}

}  // namespace ptrscan::bench
