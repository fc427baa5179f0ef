#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ptrscan::bench {

/// One named end-to-end measurement: which servers run in the namespace,
/// how ptrscan is invoked against them and how its output is checked.
struct scenario {
  std::string_view name;
  /// knotd serves the simulator's zones on 127.0.0.1:53.
  bool knot = false;
  /// `ptrscan-simnet serve` runs, with these flags after the mix flags.
  bool simnet_serve = false;
  std::vector<std::string> serve_flags;
  /// The simulator also answers DNS on 127.0.0.1:53 (else --no-dns).
  bool simnet_dns = true;
  /// The simulator's nftables rules (filtered hosts) are loaded.
  bool nft = false;
  /// Mix flags given to every simulator subcommand (zones, serve, nft,
  /// check), so they all agree on what each address is.
  std::vector<std::string> mix;
  /// ptrscan's --probes, also the check's.
  std::string probes;
  uint32_t max_inflight = 0;  // 0: ptrscan's default
  /// DNS queries on the wire across all shards (passed as --dns-inflight
  /// total/shards); 0: the scenario's flags or ptrscan's default decide.
  uint32_t dns_inflight_total = 0;
  /// Further ptrscan flags.
  std::vector<std::string> ptrscan_flags;
};

/// Every scenario, in the order `all` runs them.
const std::vector<scenario>& scenarios();

/// The scenario called `name`, or nullptr.
const scenario* find_scenario(std::string_view name);

/// Where the DNS server listens inside the namespace, and the SMTP port.
inline constexpr const char* dns_host = "127.0.0.1";
inline constexpr uint16_t dns_port = 53;
inline constexpr uint16_t smtp_port = 25;

}  // namespace ptrscan::bench
