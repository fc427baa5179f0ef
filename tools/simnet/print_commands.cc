// zones, nft and expect: subcommands that print what the model says.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <iostream>
#include <nlohmann/json.hpp>

#include "simnet/commands.h"
#include "simnet/expectation.h"
#include "simnet/nft_script.h"
#include "simnet/zones.h"

namespace ptrscan::simnet {

void add_zones_command(CLI::App& app, command_runner& run) {
  auto m = std::make_shared<mix>();
  auto dir = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("zones", "write the zone files for Knot into DIR");
  sub->add_option("--out", *dir, "the directory")->type_name("DIR")->required();
  add_mix_flags(*sub, *m);
  sub->callback([m, dir, &run] {
    run = [m, dir] {
      const model sim(*m);
      nlohmann::ordered_json zones = nlohmann::ordered_json::array();
      for (const zone_file& z : write_zone_files(sim, *dir)) {
        zones.push_back({{"origin", z.origin}, {"file", z.path}});
      }
      std::cout << nlohmann::ordered_json{{"zones", zones}}.dump() << "\n";
      return 0;
    };
  });
}

void add_nft_command(CLI::App& app, command_runner& run) {
  auto m = std::make_shared<mix>();
  auto port = std::make_shared<uint16_t>(25);
  CLI::App* sub = app.add_subcommand("nft", "print the nftables rules of the silent hosts");
  sub->add_option("--smtp-port", *port, "SMTP port (default 25)")
      ->type_name("P")
      ->check(CLI::Range(1, 65535));
  add_mix_flags(*sub, *m);
  sub->callback([m, port, &run] {
    run = [m, port] {
      std::cout << nft_script(model(*m), *port);
      return 0;
    };
  });
}

void add_expect_command(CLI::App& app, command_runner& run) {
  auto m = std::make_shared<mix>();
  auto probes = std::make_shared<probe_set>(*probe_set::parse("ptr,fcrdns,smtp,starttls"));
  auto ip = std::make_shared<uint32_t>(0);
  CLI::App* sub = app.add_subcommand("expect", "print what the model says of IP, as JSON");
  sub->add_option_function<std::string>(
         "--probes",
         [probes](const std::string& list) {
           const auto p = probe_set::parse(list);
           if (!p) {
             throw CLI::ValidationError("--probes '" + list + "': expected ptrscan's --probes");
           }
           *probes = *p;
         },
         "the probes (default ptr,fcrdns,smtp,starttls)")
      ->type_name("LIST");
  sub->add_option_function<std::string>(
         "IP",
         [ip](const std::string& text) {
           const auto v = parse_ipv4(text);
           if (!v) {
             throw CLI::ValidationError("IP '" + text + "': expected an IPv4 address");
           }
           *ip = *v;
         },
         "the address")
      ->required();
  add_mix_flags(*sub, *m);
  sub->callback([m, probes, ip, &run] {
    run = [m, probes, ip] {
      const model sim(*m);
      nlohmann::json j = expectation_json(sim.truth(*ip), *probes);
      j["in_range"] = sim.in_range(*ip);
      std::cout << j.dump() << "\n";
      return 0;
    };
  });
}

}  // namespace ptrscan::simnet
