#include "e2e/run.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "net/ip_address.h"
#include "e2e/interrupt.h"
#include "e2e/network.h"
#include "testnet/files.h"

namespace ptrscan::bench {
namespace {

std::string run_dir(const scenario_setup& setup, const std::string& name) {
  const std::string d = setup.dir + "/" + name;
  std::filesystem::create_directories(d);
  return d;
}

// ptrscan's own --max-inflight default (scanner/flags.cc), which the
// epoll reference is given when the scenario leaves ptrscan at its default.
constexpr uint32_t ptrscan_default_max_inflight = 2000;

// The scenario's --max-inflight unless the command line overrides it; 0:
// ptrscan's default.
uint32_t requested_inflight(const scenario_setup& setup) {
  return setup.options.max_inflight != 0 ? setup.options.max_inflight : setup.s.max_inflight;
}

std::string resolver_address() {
  return std::string(resolver_host) + ":" + std::to_string(dns_port);
}

// ptrscan with its defaults: --resolver always (its default is
// /etc/resolv.conf, which points outside the namespace), --allow-reserved
// (the benchmark range is reserved), --no-progress, the scenario's probes,
// the thread count (-T) and --max-inflight only where the scenario or the command
// line sets it. Nothing else unless given after `--`.
std::vector<std::string> ptrscan_command(const scenario_setup& setup, uint32_t shards,
                                         const std::string& probes, const std::string& output) {
  std::vector<std::string> argv = {setup.options.ptrscan, "--resolver", resolver_address(),
                                   "--allow-reserved", "--no-progress"};
  argv.insert(argv.end(), {"--probes", probes, "--threads", std::to_string(shards)});
  if (const uint32_t inflight = requested_inflight(setup); inflight != 0) {
    argv.insert(argv.end(), {"--max-inflight", std::to_string(inflight)});
  }
  argv.insert(argv.end(), setup.options.ptrscan_args.begin(), setup.options.ptrscan_args.end());
  argv.insert(argv.end(), {"-o", output, setup.hosts});
  return argv;
}

// How long the simulator may live: the run's deadline plus room for
// starting up; the harness stops it long before unless it dies itself.
std::chrono::seconds server_lifetime(const scenario_setup& setup) {
  return setup.options.deadline + std::chrono::seconds(300);
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// "  Queries completed:    131072 (100.00%)" -> 131072.
double dnsperf_value(const std::string& text, const std::string& label) {
  const size_t at = text.find(label);
  return at == std::string::npos ? 0 : std::strtod(text.c_str() + at + label.size(), nullptr);
}

// One "NAME PTR" line per scanned address, the input format of dnsperf.
std::string ptr_query_file(const scenario_setup& setup) {
  const std::string path = setup.dir + "/ptr-queries.txt";
  const std::string& cidr = setup.hosts;
  const uint32_t base = ip_address::parse(cidr.substr(0, cidr.find('/'))).value().v4_value();
  const uint64_t count = benchmark_block_size(cidr);
  std::string text;
  for (uint64_t i = 0; i < count; ++i) {
    text += ip_address::v4(base + static_cast<uint32_t>(i)).reverse_name();
    text += " PTR\n";
  }
  testnet::write_file(path, text);
  return path;
}

}  // namespace

scenario_setup prepare_scenario(const scenario& s, const bench_options& options,
                                const std::string& dir) {
  const std::string hosts = scanned_block(options, s);
  std::vector<std::string> mix = {"--range", hosts};
  mix.insert(mix.end(), s.mix.begin(), s.mix.end());
  scenario_setup setup{s, options, simnet_cli(options.simnet, mix), {}, dir, hosts};
  std::filesystem::create_directories(dir);
  if (s.knot) {
    const std::string zones = dir + "/zones";
    std::filesystem::create_directories(zones);
    setup.zones = setup.simnet.write_zones(zones);
  }
  return setup;
}

run_report run_once(const scenario_setup& setup, uint32_t shards, int repeat) {
  run_report r;
  r.scenario = std::string(setup.s.name);
  r.probes = setup.s.probes;
  r.ip_ratelimit = setup.s.unbound_ip_ratelimit;
  r.shards = shards;
  r.repeat = repeat;
  r.hosts = benchmark_block_size(setup.hosts);
  r.max_inflight = requested_inflight(setup);
  const std::string dir =
      run_dir(setup, "shards" + std::to_string(shards) + "-run" + std::to_string(repeat));
  const std::string output = dir + "/out.ndjson";
  try {
    {
      const auto network = bench_network::start(setup.s, setup.simnet, setup.zones, dir,
                                                setup.hosts, server_lifetime(setup));
      r.run = run_measured(ptrscan_command(setup, shards, setup.s.probes, output),
                           dir + "/ptrscan.log", setup.options.deadline);
      if (!setup.s.baseline_probes.empty() && !r.run->interrupted) {
        baseline_run b;
        b.probes = setup.s.baseline_probes;
        b.run = run_measured(
            ptrscan_command(setup, shards, b.probes, dir + "/baseline.ndjson"),
            dir + "/baseline.log", setup.options.deadline);
        r.baseline = std::move(b);
      }
    }  // servers stopped and namespace deleted before the check
    r.log = parse_ptrscan_log(read_text(dir + "/ptrscan.log"));
    if (setup.s.unbound) {
      r.unbound = parse_unbound_stats(read_text(dir + "/unbound.log"));
    }
    if (r.run->interrupted) {
      return r;  // a partial output would only count as missing records
    }
    // Behind a rate limiter a timeout is expected (and its share judged
    // apart, report.cc): those records say nothing to compare.
    r.check = setup.simnet.check(setup.hosts, setup.s.probes, output,
                                 /*timeouts_ok=*/setup.s.unbound_ip_ratelimit != 0);
    if (r.baseline && !r.baseline->run.interrupted) {
      r.baseline->log = parse_ptrscan_log(read_text(dir + "/baseline.log"));
      r.baseline->check =
          setup.simnet.check(setup.hosts, r.baseline->probes, dir + "/baseline.ndjson");
    }
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

reference_report no_reference(const scenario_setup& setup, const std::string& reason) {
  reference_report r;
  r.scenario = std::string(setup.s.name);
  r.tool = "none";
  r.reason = reason;
  return r;
}

reference_report run_dnsperf_sweep(const scenario_setup& setup, uint32_t threads) {
  reference_report r;
  r.scenario = std::string(setup.s.name);
  r.tool = "dnsperf";
  r.threads = threads;
  // At least two sockets, so a server's two UDP workers (SO_REUSEPORT,
  // spread by the 4-tuple hash) both get queries.
  r.clients = std::max<uint32_t>(2, threads);
  // Each point stops sending after this long (-l): a slow point (a cold
  // resolver at -q 50 answers ~500 queries/s) measures its rate without
  // going through the whole block.
  const auto limit = std::min<std::chrono::seconds>(setup.options.deadline,
                                                    std::chrono::seconds(20));
  std::string queries;
  try {
    queries = ptr_query_file(setup);
  } catch (const std::exception& e) {
    r.error = e.what();
    return r;
  }
  for (const uint32_t q : setup.options.sweep) {
    if (interrupt_requested()) {
      break;
    }
    dnsperf_point p;
    p.outstanding = q;
    const std::string dir = run_dir(setup, "dnsperf-T" + std::to_string(threads) + "-q" +
                                               std::to_string(q));
    try {
      {
        const auto network = bench_network::start(setup.s, setup.simnet, setup.zones, dir,
                                                  setup.hosts, server_lifetime(setup));
        // -t 2: a lost query counts as lost after ptrscan's default
        // --dns-timeout.
        p.run = run_measured(
            {"dnsperf", "-s", resolver_host, "-p", std::to_string(dns_port), "-d", queries, "-n",
             "1", "-T", std::to_string(threads), "-c", std::to_string(r.clients), "-q",
             std::to_string(q), "-t", "2", "-l", std::to_string(limit.count())},
            dir + "/dnsperf.log", limit + std::chrono::seconds(15));
      }
      const std::string log = read_text(dir + "/dnsperf.log");
      p.sent = static_cast<uint64_t>(dnsperf_value(log, "Queries sent:"));
      p.completed = static_cast<uint64_t>(dnsperf_value(log, "Queries completed:"));
      p.lost = static_cast<uint64_t>(dnsperf_value(log, "Queries lost:"));
      p.qps = dnsperf_value(log, "Queries per second:");
      if (!p.run->ok()) {
        p.error = "dnsperf: " + p.run->describe();
      }
    } catch (const std::exception& e) {
      p.error = e.what();
    }
    r.sweep.push_back(std::move(p));
  }
  if (r.best() == nullptr && r.error.empty()) {
    r.error = "no dnsperf run of the sweep finished";
  }
  return r;
}

reference_report run_epoll_ref(const scenario_setup& setup, const std::string& binary) {
  if (binary.empty()) {
    return no_reference(setup,
                        "ptrscan-epoll-ref not built (bench/reference/) and not on PATH");
  }
  reference_report r;
  r.scenario = std::string(setup.s.name);
  r.tool = "ptrscan-epoll-ref";
  r.hosts = benchmark_block_size(setup.hosts);
  const uint32_t inflight = requested_inflight(setup);
  r.max_inflight = inflight != 0 ? inflight : ptrscan_default_max_inflight;
  const std::string dir = run_dir(setup, "epoll-ref");
  // The same servers, the same block and probes, and ptrscan's defaults for
  // what the contract lets it be told (connect 5 s, first DNS try 2 s).
  const std::vector<std::string> argv = {
      binary, "--resolver", resolver_address(), "--range", setup.hosts, "--probes",
      setup.s.probes, "--max-inflight", std::to_string(r.max_inflight), "--port",
      std::to_string(smtp_port), "--connect-timeout", "5000", "--dns-timeout", "2000"};
  try {
    {
      const auto network = bench_network::start(setup.s, setup.simnet, setup.zones, dir,
                                                setup.hosts, server_lifetime(setup));
      r.run = run_measured(argv, dir + "/epoll-ref.log", setup.options.deadline);
    }
    // Its one JSON line on stdout (the log has stderr too): the last line
    // that parses as an object with "hosts".
    const std::string log = read_text(dir + "/epoll-ref.log");
    nlohmann::json j;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
      nlohmann::json candidate = nlohmann::json::parse(line, nullptr, false);
      if (candidate.is_object() && candidate.contains("hosts")) {
        j = std::move(candidate);
      }
    }
    if (!j.is_object()) {
      r.error = "ptrscan-epoll-ref printed no JSON line (" + r.run->describe() + ")";
      return r;
    }
    auto get = [&j](const char* key) {
      const auto it = j.find(key);
      return it != j.end() && it->is_number_unsigned() ? it->get<uint64_t>() : uint64_t{0};
    };
    r.done = get("done");
    r.ptr_ok = get("ptr_ok");
    r.fcrdns_pass = get("fcrdns_pass");
    r.smtp_ok = get("smtp_ok");
    r.tls_ok = get("tls_ok");
    r.dns_queries = get("dns_queries");
    if (const auto it = j.find("wall_s"); it != j.end() && it->is_number()) {
      r.self_wall_s = it->get<double>();
    }
    if (get("hosts") != r.hosts) {
      r.error = "ptrscan-epoll-ref scanned " + std::to_string(get("hosts")) + " hosts, not " +
                std::to_string(r.hosts);
    }
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

}  // namespace ptrscan::bench
