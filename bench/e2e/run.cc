#include "e2e/run.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/ip_address.h"
#include "e2e/network.h"
#include "testnet/files.h"

namespace ptrscan::bench {
namespace {

std::string run_dir(const scenario_setup& setup, const std::string& name) {
  const std::string d = setup.dir + "/" + name;
  std::filesystem::create_directories(d);
  return d;
}

// The scenario's --max-inflight unless the command line overrides it; 0:
// ptrscan's default.
uint32_t requested_inflight(const scenario_setup& setup) {
  return setup.options.max_inflight != 0 ? setup.options.max_inflight : setup.s.max_inflight;
}

// Always with --resolver: ptrscan's default is /etc/resolv.conf, which
// points outside the namespace.
std::vector<std::string> ptrscan_command(const scenario_setup& setup, uint32_t shards,
                                         const std::string& output) {
  const scenario& s = setup.s;
  const std::string resolver = std::string(dns_host) + ":" + std::to_string(dns_port);
  std::vector<std::string> argv = {setup.options.ptrscan, "--resolver", resolver,
                                   "--allow-reserved", "--no-progress"};
  argv.insert(argv.end(), {"--probes", s.probes, "--shards", std::to_string(shards)});
  if (const uint32_t inflight = requested_inflight(setup); inflight != 0) {
    argv.insert(argv.end(), {"--max-inflight", std::to_string(inflight)});
  }
  if (s.dns_inflight_total != 0) {
    argv.insert(argv.end(), {"--dns-inflight", std::to_string(std::max<uint32_t>(
                                                   1, s.dns_inflight_total / shards))});
  }
  argv.insert(argv.end(), s.ptrscan_flags.begin(), s.ptrscan_flags.end());
  argv.insert(argv.end(), setup.options.ptrscan_args.begin(), setup.options.ptrscan_args.end());
  argv.insert(argv.end(), {"-o", output, setup.options.hosts});
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
  const std::string& cidr = setup.options.hosts;
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
  std::vector<std::string> mix = {"--range", options.hosts};
  mix.insert(mix.end(), s.mix.begin(), s.mix.end());
  scenario_setup setup{s, options, simnet_cli(options.simnet, mix), {}, dir};
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
  r.shards = shards;
  r.repeat = repeat;
  r.hosts = benchmark_block_size(setup.options.hosts);
  r.max_inflight = requested_inflight(setup);
  const std::string dir =
      run_dir(setup, "shards" + std::to_string(shards) + "-run" + std::to_string(repeat));
  const std::string output = dir + "/out.ndjson";
  try {
    {
      const auto network = bench_network::start(setup.s, setup.simnet, setup.zones, dir,
                                                setup.options.hosts, server_lifetime(setup));
      r.run = run_measured(ptrscan_command(setup, shards, output), dir + "/ptrscan.log",
                           setup.options.deadline);
    }  // servers stopped and namespace deleted before the check
    r.log = parse_ptrscan_log(read_text(dir + "/ptrscan.log"));
    if (r.run->interrupted) {
      return r;  // a partial output would only count as missing records
    }
    r.check = setup.simnet.check(setup.options.hosts, setup.s.probes, output);
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

reference_report run_reference(const scenario_setup& setup, uint32_t threads) {
  reference_report r;
  r.scenario = std::string(setup.s.name);
  if (setup.s.name != "dns-knot") {
    r.tool = "none";
    return r;
  }
  r.tool = "dnsperf";
  r.threads = threads;
  // At least two sockets, so Knot's two UDP workers (SO_REUSEPORT, spread
  // by the 4-tuple hash) both get queries; as many queries outstanding as
  // ptrscan's default --max-inflight.
  r.clients = std::max<uint32_t>(2, threads);
  r.outstanding = 2000;
  const std::string dir = run_dir(setup, "dnsperf-threads" + std::to_string(threads));
  try {
    const std::string queries = ptr_query_file(setup);
    {
      const auto network = bench_network::start(setup.s, setup.simnet, setup.zones, dir,
                                                setup.options.hosts, server_lifetime(setup));
      // -t 2: lost queries count as lost after ptrscan's --dns-timeout.
      r.run = run_measured({"dnsperf", "-s", dns_host, "-p", std::to_string(dns_port), "-d",
                            queries, "-n", "1", "-T", std::to_string(threads), "-c",
                            std::to_string(r.clients), "-q", std::to_string(r.outstanding), "-t",
                            "2", "-l", std::to_string(setup.options.deadline.count())},
                           dir + "/dnsperf.log", setup.options.deadline + std::chrono::seconds(10));
    }
    const std::string log = read_text(dir + "/dnsperf.log");
    r.sent = static_cast<uint64_t>(dnsperf_value(log, "Queries sent:"));
    r.completed = static_cast<uint64_t>(dnsperf_value(log, "Queries completed:"));
    r.lost = static_cast<uint64_t>(dnsperf_value(log, "Queries lost:"));
    r.qps = dnsperf_value(log, "Queries per second:");
  } catch (const std::exception& e) {
    r.error = e.what();
  }
  return r;
}

}  // namespace ptrscan::bench
