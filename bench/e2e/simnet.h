#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "e2e/knot.h"

namespace ptrscan::bench {

/// What `ptrscan-simnet check` says about an output file.
struct check_result {
  uint64_t records = 0;
  uint64_t checked = 0;
  uint64_t mismatched = 0;
  uint64_t missing = 0;
  uint64_t duplicates = 0;
  uint64_t outside = 0;
  /// With timeouts_ok (absent otherwise): records whose PTR timed out,
  /// counted and not compared.
  std::optional<uint64_t> timed_out;
  /// With the zone probe (absent otherwise): zone records read and checked
  /// against the delegation model, /24s without one, duplicates, those that
  /// differ, and the sum of their "queries".
  std::optional<uint64_t> zones;
  uint64_t zones_checked = 0;
  uint64_t zones_missing = 0;
  uint64_t zone_duplicates = 0;
  uint64_t zone_mismatched = 0;
  uint64_t zone_queries = 0;
  /// The check ran and found nothing wrong.
  bool ok = false;
  /// Why the check could not run, or its stderr when it failed.
  std::string error;
};

/// The simulator's command line (tools/simnet). Every subcommand gets the
/// same mix flags (`--range`, `--seed`, ratios), so the zones Knot serves,
/// the servers, the nftables rules and the check agree on each address.
class simnet_cli {
 public:
  simnet_cli(std::string binary, std::vector<std::string> mix)
      : binary_(std::move(binary)), mix_(std::move(mix)) {}

  /// `zones --out DIR`: writes the zone files and returns them. Throws
  /// std::runtime_error when the simulator fails or prints no zones.
  std::vector<zone_file> write_zones(const std::string& dir) const;

  /// `nft --smtp-port P`: the nftables script that filters hosts.
  std::string nft_script(uint16_t smtp_port) const;

  /// The argv of `serve` with `flags` after the mix flags.
  std::vector<std::string> serve_command(const std::vector<std::string>& flags) const;

  /// `check --targets CIDR --probes LIST [--timeouts-ok] FILE`.
  check_result check(const std::string& targets, const std::string& probes,
                     const std::string& file, bool timeouts_ok = false) const;

 private:
  std::vector<std::string> command(const std::string& subcommand) const;
  std::string binary_;
  std::vector<std::string> mix_;
};

}  // namespace ptrscan::bench
