#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ptrscan::bench {

/// The client a scenario's --reference line comes from.
enum class reference_kind {
  none,
  /// dnsperf with the scanned block's PTR names, a sweep of -q at -T 1 and
  /// -T 2, against ptrscan's resolver.
  dnsperf,
  /// ptrscan-epoll-ref (bench/reference/): a minimal epoll client doing the
  /// scenario's probes with the same --max-inflight.
  epoll_ref,
  /// ptrscan-listen-ref (bench/listen_ref/): a minimal epoll SMTP acceptor
  /// under the same load as `ptrscan listen` (the `listen` scenario).
  listen_ref,
};

/// One named end-to-end measurement: which servers run in the namespace,
/// how ptrscan is invoked against them and how its output is checked.
struct scenario {
  std::string_view name;
  /// knotd serves the simulator's zones (on the authority address).
  bool knot = false;
  /// `ptrscan-simnet serve` runs, with these flags after the mix flags.
  bool simnet_serve = false;
  std::vector<std::string> serve_flags;
  /// The simulator also answers DNS on the authority address (else --no-dns).
  bool simnet_dns = true;
  /// The simulator also serves SMTP on every address (else --no-smtp).
  bool simnet_smtp = true;
  /// The simulator's nftables rules (filtered hosts) are loaded.
  bool nft = false;
  /// A freshly started Unbound (cold cache) resolves through the authority
  /// (Knot or the simulator) and is ptrscan's resolver.
  bool unbound = false;
  /// Unbound's ip-ratelimit: queries per second per client address; 0: off.
  uint32_t unbound_ip_ratelimit = 0;
  /// Mix flags given to every simulator subcommand (zones, serve, nft,
  /// check), so they all agree on what each address is.
  std::vector<std::string> mix;
  /// ptrscan's --probes, also the check's.
  std::string probes;
  uint32_t max_inflight = 0;  // 0: ptrscan's default
  /// ptrscan listen as the server, ptrscan-listen-load as the clients (one
  /// connection from each address of the block), instead of a scan.
  bool listen = false;
  reference_kind reference = reference_kind::none;
  /// The scanned block when --hosts does not say (""): the options'.
  std::string hosts;
  /// ptrscan sends nothing to the scanned addresses (DNS only), so the block
  /// may lie outside the routed 198.18.0.0/15: 10.0.0.0/12 names hosts no
  /// packet is ever sent to.
  bool dns_only = false;
  /// A second ptrscan run in the same namespace right after the first, with
  /// these probes (and checked as well): the plain sweep a zone audit is
  /// weighed against. "": none.
  std::string baseline_probes;
};

/// Every scenario, in the order `all` runs them.
const std::vector<scenario>& scenarios();

/// The scenario called `name`, or nullptr.
const scenario* find_scenario(std::string_view name);

/// ptrscan's (and the DNS reference's) resolver inside the namespace: the
/// authoritative server itself, or Unbound when the scenario has one.
inline constexpr const char* resolver_host = "127.0.0.1";
inline constexpr uint16_t dns_port = 53;
/// Where Knot or the simulator's DNS listens when Unbound is in front of
/// them; without Unbound they listen on resolver_host.
inline constexpr const char* behind_unbound_host = "127.0.0.2";
inline constexpr uint16_t smtp_port = 25;

/// The authoritative server's address in `s`.
inline const char* authority_host(const scenario& s) {
  return s.unbound ? behind_unbound_host : resolver_host;
}

}  // namespace ptrscan::bench
