// zones, nft and expect: subcommands that print what the model says.

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "simnet/commands.h"
#include "simnet/expectation.h"
#include "simnet/nft_script.h"
#include "simnet/zones.h"

namespace ptrscan::simnet {

int run_zones(arg_reader& args) {
  mix m;
  std::string dir;
  while (!args.done()) {
    const std::string_view flag = args.next();
    if (flag == "--out") {
      dir = args.value(flag);
    } else if (!take_mix_flag(flag, args, m)) {
      throw usage_error("zones: unknown argument " + std::string(flag));
    }
  }
  if (dir.empty()) {
    throw usage_error("zones: --out DIR is required");
  }
  const model sim(m);
  nlohmann::ordered_json zones = nlohmann::ordered_json::array();
  for (const zone_file& z : write_zone_files(sim, dir)) {
    zones.push_back({{"origin", z.origin}, {"file", z.path}});
  }
  std::cout << nlohmann::ordered_json{{"zones", zones}}.dump() << "\n";
  return 0;
}

int run_nft(arg_reader& args) {
  mix m;
  uint16_t port = 25;
  while (!args.done()) {
    const std::string_view flag = args.next();
    if (flag == "--smtp-port") {
      port = static_cast<uint16_t>(args.integer(flag, 1, 65535));
    } else if (!take_mix_flag(flag, args, m)) {
      throw usage_error("nft: unknown argument " + std::string(flag));
    }
  }
  std::cout << nft_script(model(m), port);
  return 0;
}

int run_expect(arg_reader& args) {
  mix m;
  std::optional<uint32_t> ip;
  probe_set probes = *probe_set::parse("ptr,fcrdns,smtp,starttls");
  while (!args.done()) {
    const std::string_view arg = args.next();
    if (arg == "--probes") {
      const std::string_view list = args.value(arg);
      const auto p = probe_set::parse(list);
      if (!p) {
        throw usage_error("expect: bad --probes '" + std::string(list) + "'");
      }
      probes = *p;
    } else if (take_mix_flag(arg, args, m)) {
      continue;
    } else if (!ip && (ip = parse_ipv4(arg))) {
      continue;
    } else {
      throw usage_error("expect: unknown argument " + std::string(arg));
    }
  }
  if (!ip) {
    throw usage_error("expect: an IPv4 address is required");
  }
  const model sim(m);
  nlohmann::json j = expectation_json(sim.truth(*ip), probes);
  j["in_range"] = sim.in_range(*ip);
  std::cout << j.dump() << "\n";
  return 0;
}

}  // namespace ptrscan::simnet
