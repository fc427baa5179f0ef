#include "e2e/scenario.h"

namespace ptrscan::bench {

const std::vector<scenario>& scenarios() {
  static const std::vector<scenario> all = [] {
    std::vector<scenario> v;

    // Bulk PTR against an authoritative server: the resolver path alone.
    scenario dns;
    dns.name = "dns-knot";
    dns.knot = true;
    dns.probes = "ptr";
    // Knot's UDP sockets keep the default ~208 KiB receive buffer: past
    // ~300 queries waiting in them it drops, and every drop costs a 2 s
    // retry. 128 in all (split over the shards) stays under that.
    dns.dns_inflight_total = 128;
    v.push_back(dns);

    // PTR plus A/AAAA of every PTR name.
    scenario fcrdns = dns;
    fcrdns.name = "fcrdns-knot";
    fcrdns.probes = "ptr,fcrdns";
    v.push_back(fcrdns);

    // Connect, banner, EHLO, QUIT on every address; no STARTTLS, and no DNS:
    // ptrscan's smtp probe without ptr makes no query.
    scenario smtp;
    smtp.name = "smtp-farm";
    smtp.simnet_serve = true;
    smtp.simnet_dns = false;
    smtp.mix = {"--open", "1", "--starttls", "0"};
    smtp.probes = "smtp";
    // The simulator packs 131,072 hosts into 512 /24s, far denser than any
    // real network: --per-subnet (default 8) would measure itself.
    // Sessions on loopback slow down as more run at once (at 2,000 the
    // median connect takes ~200 ms and the CPU per session doubles: tail
    // loss probes fire on replies the client has not yet read); 64 at once
    // is the measured sweet spot on 2 cores.
    smtp.max_inflight = 64;
    smtp.ptrscan_flags = {"--smtp-ports", "25", "--per-subnet", "0"};
    v.push_back(smtp);

    // Everything at once with internet-like latency: replies held 100 ms,
    // filtered hosts dropped by nftables (each costs a connect timeout).
    scenario mix;
    mix.name = "internet-mix";
    mix.simnet_serve = true;
    mix.serve_flags = {"--delay-ms", "100", "--jitter-ms", "10"};
    mix.nft = true;
    mix.probes = "ptr,fcrdns,smtp,starttls";
    mix.max_inflight = 100'000;
    // 100 ms per reply needs ~10k DNS queries in flight for 50k hosts/s;
    // the /24 density argument of smtp-farm holds here too.
    mix.ptrscan_flags = {"--connect-timeout", "2000", "--dns-inflight", "16384", "--per-subnet",
                         "0"};
    v.push_back(mix);
    return v;
  }();
  return all;
}

const scenario* find_scenario(std::string_view name) {
  for (const auto& s : scenarios()) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

}  // namespace ptrscan::bench
