#include "e2e/options.h"

#include <arpa/inet.h>

#include <charconv>
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

const char* usage() {
  return "usage: ptrscan-bench SCENARIO [--shards 1,2] [--repeat N] [--hosts CIDR]\n"
         "                     [--reference] [--sweep Q,Q,..] [--keep] [--max-inflight N]\n"
         "                     [--deadline S] [--ptrscan PATH] [--simnet PATH]\n"
         "                     [--epoll-ref PATH] [-- PTRSCAN-FLAGS]\n"
         "       ptrscan-bench --smoke [SCENARIO]\n"
         "SCENARIO: dns-knot, fcrdns-knot, dns-unbound-ratelimit, dns-unbound-cold,\n"
         "smtp-farm, internet-mix or all.\n"
         "Each run gets a fresh network namespace (only lo, 198.18.0.0/15 routed to it)\n"
         "with its own servers, and prints one JSON line. ptrscan runs with its defaults\n"
         "(internet-mix: --max-inflight 100000). --reference adds, in the same run,\n"
         "reference lines: dnsperf (a sweep of -q, default 50,100,200,500,1000,2000, at\n"
         "-T 1 and -T 2) for the DNS scenarios, ptrscan-epoll-ref for smtp-farm and\n"
         "internet-mix (\"none\" when not built), then a line of ptrscan/reference\n"
         "ratios. Flags after -- go to every ptrscan run, after the scenario's own.\n"
         "--smoke: every scenario (or the named one) on 198.18.0.0/22, deadline 60 s.\n"
         "Exit 0 when every run finished and every record checked out, 1 otherwise, 2 on\n"
         "usage errors, 77 when this machine cannot run it (not root, no knotd, unbound,\n"
         "nft or simulator).\n";
}

uint64_t benchmark_block_size(const std::string& cidr) {
  const size_t slash = cidr.find('/');
  in_addr addr{};
  int prefix = 0;
  if (slash == std::string::npos ||
      ::inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &addr) != 1 ||
      !parse_number(std::string_view(cidr).substr(slash + 1), prefix, 15, 32)) {
    return 0;
  }
  const uint32_t base = ntohl(addr.s_addr);
  const uint64_t size = uint64_t{1} << (32 - prefix);
  if ((base & (size - 1)) != 0 || (base >> 17) != (0xc6120000u >> 17)) {
    return 0;
  }
  return size;
}

absl::StatusOr<bench_options> parse_options(const std::vector<std::string>& args) {
  bench_options o;
  bool smoke = false;
  bool hosts_given = false;
  bool deadline_given = false;
  std::string scenario;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto next = [&]() -> const std::string* { return i + 1 < args.size() ? &args[++i] : nullptr; };
    auto bad = [&](const std::string& why) { return absl::InvalidArgumentError(a + ": " + why); };
    if (a == "--") {
      o.ptrscan_args.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    }
    if (a == "--smoke") {
      smoke = true;
    } else if (a == "--reference") {
      o.reference = true;
    } else if (a == "--keep") {
      o.keep = true;
    } else if (a == "--shards") {
      const std::string* v = next();
      if (!v || !parse_list(*v, o.shards, 1u, 64u)) {
        return bad("expected a comma list of shard counts (1-64)");
      }
    } else if (a == "--sweep") {
      const std::string* v = next();
      if (!v || !parse_list(*v, o.sweep, 1u, 100'000u)) {
        return bad("expected a comma list of dnsperf -q values (1-100000)");
      }
    } else if (a == "--repeat") {
      const std::string* v = next();
      if (!v || !parse_number(std::string_view(*v), o.repeat, 1, 100)) {
        return bad("expected 1-100");
      }
    } else if (a == "--max-inflight") {
      const std::string* v = next();
      if (!v || !parse_number(std::string_view(*v), o.max_inflight, 1u, 1'000'000u)) {
        return bad("expected 1-1000000");
      }
    } else if (a == "--deadline") {
      const std::string* v = next();
      int s = 0;
      if (!v || !parse_number(std::string_view(*v), s, 1, 3600)) {
        return bad("expected seconds, 1-3600");
      }
      o.deadline = std::chrono::seconds(s);
      deadline_given = true;
    } else if (a == "--hosts") {
      const std::string* v = next();
      if (!v || benchmark_block_size(*v) == 0) {
        return bad("expected an IPv4 block inside 198.18.0.0/15, such as 198.18.0.0/16");
      }
      o.hosts = *v;
      hosts_given = true;
    } else if (a == "--ptrscan" || a == "--simnet" || a == "--epoll-ref") {
      const std::string* v = next();
      if (!v) {
        return bad("expected a path");
      }
      (a == "--ptrscan" ? o.ptrscan : a == "--simnet" ? o.simnet : o.epoll_ref) = *v;
    } else if (!a.empty() && a[0] != '-' && scenario.empty()) {
      scenario = a;
    } else {
      return absl::InvalidArgumentError("unexpected argument '" + a + "'");
    }
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
