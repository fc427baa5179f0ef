// ptrscan-simnet: a simulated network of mail hosts for ptrscan's tests and
// benchmarks. Every address of a range gets a deterministic reverse name,
// forward record and SMTP behaviour from (seed, address); `serve` answers DNS
// and SMTP for all of them inside a network namespace, `zones` and `nft`
// export the same network for Knot and nftables, and `check` compares a
// ptrscan result with it.

// GCC 12 sees a null std::string in CLI11's inlined split() (a false
// positive of -Wnull-dereference inside the header).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <CLI/CLI.hpp>
#pragma GCC diagnostic pop
#include <iostream>
#include <string_view>

#include "simnet/commands.h"

int main(int argc, char** argv) {
  using namespace ptrscan::simnet;
  CLI::App app("A simulated network of mail hosts for ptrscan's tests and benchmarks.",
               "ptrscan-simnet");
  app.require_subcommand(1);
  command_runner run;
  add_serve_command(app, run);
  add_zones_command(app, run);
  add_nft_command(app, run);
  add_check_command(app, run);
  add_expect_command(app, run);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "ptrscan-simnet: " << e.what() << "\n" << app.help();
    return 2;
  } catch (const usage_error& e) {
    std::cerr << "ptrscan-simnet: " << e.what() << "\n" << app.help();
    return 2;
  }
  // The subcommand is the first word: the top level has no options but -h.
  const std::string command = argv[1];
  try {
    return run();
  } catch (const usage_error& e) {
    std::cerr << "ptrscan-simnet " << command << ": " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ptrscan-simnet " << command << ": " << e.what() << "\n";
    return 1;
  }
}
