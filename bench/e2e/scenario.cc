#include "e2e/scenario.h"

namespace ptrscan::bench {

const std::vector<scenario>& scenarios() {
  static const std::vector<scenario> all = [] {
    std::vector<scenario> v;
    // Every scenario runs ptrscan with its defaults: only --probes (what the
    // scenario measures), --resolver (the namespace's server), --threads and,
    // for internet-mix, --max-inflight. Nothing is tuned per scenario: the
    // numbers are what a user gets without tuning. (The DNS window, the retry
    // timer, --per-subnet and the timeouts are ptrscan's to get right; when a
    // scenario is slow with its defaults, that is the finding.)

    // Bulk PTR against an authoritative server: the resolver path alone.
    // Knot's UDP sockets keep the default ~208 KiB receive buffer, so a
    // client that keeps too many queries waiting in them loses some.
    scenario dns;
    dns.name = "dns-knot";
    dns.knot = true;
    dns.probes = "ptr";
    dns.reference = reference_kind::dnsperf;
    v.push_back(dns);

    // PTR plus A/AAAA of every PTR name. (No reference: dnsperf's PTR-only
    // line is dns-knot's.)
    scenario fcrdns = dns;
    fcrdns.name = "fcrdns-knot";
    fcrdns.probes = "ptr,fcrdns";
    fcrdns.reference = reference_kind::none;
    v.push_back(fcrdns);

    // A recursive resolver that limits each client: Unbound in front of Knot
    // with ip-ratelimit 5000. Unbound counts a client's queries per
    // wall-clock second (its cached time(), whole seconds; without
    // ip-ratelimit-backoff only the current second counts) and, once a
    // second's count is over the limit, drops the rest of that second's
    // queries with no reply. ip-ratelimit-factor is 0 here, not the default
    // 10 (which lets every 10th query over the limit through anyway): the
    // limit is then a hard ceiling, so the achieved rate cannot be padded by
    // overshooting it, and every query over it is a drop the client pays
    // for with a retry. The targets: >= 90% of the limit answered per
    // second, <= 1% of the lookups timed out.
    scenario ratelimit;
    ratelimit.name = "dns-unbound-ratelimit";
    ratelimit.knot = true;
    ratelimit.unbound = true;
    ratelimit.unbound_ip_ratelimit = 5000;
    ratelimit.probes = "ptr";
    ratelimit.reference = reference_kind::dnsperf;
    v.push_back(ratelimit);

    // A cold recursive resolver in front of a slow authority: the simulator
    // answers after 100 ms (+-20 ms) and every name is new to Unbound, so
    // each lookup is a recursion (Unbound starts empty in every run's fresh
    // namespace). Throughput is then hosts in flight / latency: what
    // ptrscan's default window makes of it.
    scenario cold;
    cold.name = "dns-unbound-cold";
    cold.simnet_serve = true;
    cold.simnet_smtp = false;
    cold.serve_flags = {"--delay-ms", "100", "--jitter-ms", "20"};
    cold.unbound = true;
    cold.probes = "ptr,fcrdns";
    cold.reference = reference_kind::dnsperf;
    v.push_back(cold);

    // Connect, banner, EHLO, QUIT on every address; no STARTTLS, and no DNS:
    // ptrscan's smtp probe without ptr makes no query. The simulator packs
    // 131,072 hosts into 512 /24s, far denser than any real network, so
    // ptrscan's --per-subnet (8 sessions per /24) is part of what is
    // measured; at 512 /24s it still allows more sessions than the default
    // --max-inflight.
    scenario smtp;
    smtp.name = "smtp-farm";
    smtp.simnet_serve = true;
    smtp.simnet_dns = false;
    smtp.mix = {"--open", "1", "--starttls", "0"};
    smtp.probes = "smtp";
    smtp.reference = reference_kind::epoll_ref;
    v.push_back(smtp);

    // Everything at once with internet-like latency: replies held 100 ms,
    // filtered hosts dropped by nftables (each costs ptrscan's default
    // connect timeout).
    scenario mix;
    mix.name = "internet-mix";
    mix.simnet_serve = true;
    mix.serve_flags = {"--delay-ms", "100", "--jitter-ms", "10"};
    mix.nft = true;
    mix.probes = "ptr,fcrdns,smtp,starttls";
    // The one flag: 100k hosts in flight is what the scenario is about (at
    // 100 ms per reply, ptrscan's default 2,000 would cap it near 20k
    // hosts/s whatever else it did).
    mix.max_inflight = 100'000;
    mix.reference = reference_kind::epoll_ref;
    v.push_back(mix);

    // The other side (issue 19): `ptrscan listen` on 127.0.0.1:25 with its
    // defaults, and ptrscan-listen-load making one connection from every
    // address of the block (each a client whose PTR the simulator's DNS
    // answers: 45% have one), 200 at once (at most 5 per /24), each doing
    // EHLO, MAIL, RCPT (answered 550 with the verdict), QUIT. The reference
    // is ptrscan-listen-ref under the same load.
    scenario listen;
    listen.name = "listen";
    listen.simnet_serve = true;
    listen.simnet_smtp = false;
    listen.probes = "listen";
    listen.listen = true;
    listen.reference = reference_kind::listen_ref;
    v.push_back(listen);
    // The reverse-zone audit (issue 17): every /24 of 10.0.0.0/12 (4,096
    // zones under 16 /16s) is a zone delegated by its /16, with the
    // simulator's name servers (`serve --zone-servers`: ns1, ns2 for the /24s
    // and pns1, pns2 for the /16 itself, per /16) and a share of faults
    // (lame, stale serial, NS mismatch, single NS) that the check expects
    // zone by zone. The hosts are names only (zone and ptr send nothing to
    // them), so no route is needed for the block. Right after the audit, a
    // plain PTR sweep of the same block in the same namespace is the
    // baseline. ptrscan's defaults, --zone-ns-rate (10/s per server) too.
    scenario zone;
    zone.name = "zone-audit";
    zone.simnet_serve = true;
    zone.simnet_smtp = false;
    zone.serve_flags = {"--zone-servers"};
    zone.probes = "zone";
    zone.baseline_probes = "ptr";
    zone.hosts = "10.0.0.0/12";
    zone.dns_only = true;
    v.push_back(zone);
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
