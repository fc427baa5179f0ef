// ptrscan-simnet: a simulated network of mail hosts for ptrscan's tests and
// benchmarks. Every address of a range gets a deterministic reverse name,
// forward record and SMTP behaviour from (seed, address); `serve` answers DNS
// and SMTP for all of them inside a network namespace, `zones` and `nft`
// export the same network for Knot and nftables, and `check` compares a
// ptrscan result with it.

#include <iostream>
#include <string_view>

#include "simnet/commands.h"

namespace {

void usage(std::ostream& out) {
  out << "usage: ptrscan-simnet COMMAND [MIX] [options]\n"
         "  serve  [--dns ADDR:PORT (127.0.0.1:53)] [--smtp-port P (25)] [--no-smtp] "
         "[--no-dns]\n"
         "         [--delay-ms D] [--jitter-ms J] [--threads N] [--max-seconds S (600)]\n"
         "  zones  --out DIR\n"
         "  nft    [--smtp-port P]\n"
         "  check  [--targets CIDR] --probes LIST FILE\n"
         "  expect [--probes LIST] IP\n"
      << ptrscan::simnet::mix_usage();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace ptrscan::simnet;
  if (argc < 2) {
    usage(std::cerr);
    return 2;
  }
  const std::string_view command = argv[1];
  if (command == "-h" || command == "--help") {
    usage(std::cout);
    return 0;
  }
  arg_reader args(argc, argv, 2);
  try {
    if (command == "serve") {
      return run_serve(args);
    }
    if (command == "zones") {
      return run_zones(args);
    }
    if (command == "nft") {
      return run_nft(args);
    }
    if (command == "check") {
      return run_check(args);
    }
    if (command == "expect") {
      return run_expect(args);
    }
    throw usage_error("unknown command " + std::string(command));
  } catch (const usage_error& e) {
    std::cerr << "ptrscan-simnet: " << e.what() << "\n";
    usage(std::cerr);
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "ptrscan-simnet " << command << ": " << e.what() << "\n";
    return 1;
  }
}
