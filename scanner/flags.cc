#include "flags.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <type_traits>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "net/absl_compat.h"
#include "net/ip_address.h"
#include "input/target.h"

namespace ptrscan {
namespace {

/// A DNS name as target lines accept it (LDH labels, at most 253 octets).
bool is_domain_name(std::string_view text) {
  const parsed_line p = parse_target_line(text);
  const target_spec* t = std::get_if<target_spec>(&p);
  return t != nullptr && t->kind == target_spec::kind_t::domain && t->domain == text;
}

std::optional<uint64_t> parse_uint(std::string_view s, uint64_t min, uint64_t max) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < min || v > max) {
    return std::nullopt;
  }
  return v;
}

/// "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" → c-ares "ip:port" form.
absl::StatusOr<std::string> parse_resolver(std::string_view s) {
  std::string_view host = s;
  uint64_t port = 53;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat("--resolver '", av(s), "': missing ']'"));
    }
    host = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return absl::InvalidArgumentError(absl::StrCat("--resolver '", av(s), "': bad port"));
      }
      auto p = parse_uint(rest.substr(1), 1, 65535);
      if (!p) {
        return absl::InvalidArgumentError(absl::StrCat("--resolver '", av(s), "': bad port"));
      }
      port = *p;
    }
  } else if (std::count(s.begin(), s.end(), ':') == 1) {
    size_t colon = s.find(':');
    host = s.substr(0, colon);
    auto p = parse_uint(s.substr(colon + 1), 1, 65535);
    if (!p) {
      return absl::InvalidArgumentError(absl::StrCat("--resolver '", av(s), "': bad port"));
    }
    port = *p;
  }
  std::optional<ip_address> ip = ip_address::parse(host);
  if (!ip) {
    return absl::InvalidArgumentError(
        absl::StrCat("--resolver '", av(s), "': HOST must be an IPv4 or IPv6 address"));
  }
  return ip->is_v4() ? absl::StrCat(ip->to_string(), ":", port)
                     : absl::StrCat("[", ip->to_string(), "]:", port);
}

}  // namespace

std::string usage_text() {
  return R"(usage: ptrscan [options] [TARGET ...]
       ptrscan report [-o report.html] RESULTS.ndjson[.zst] ...

Checks the mail identity of IP addresses in bulk: reverse DNS (PTR),
forward-confirmed reverse DNS (FCrDNS), and the SMTP greeting, EHLO and
STARTTLS compared with the PTR name; one NDJSON record per address.

TARGET is an IPv4 or IPv6 address, a CIDR block (IPv6 blocks up to 2^32
addresses, i.e. /96 or longer) or a domain. A domain is expanded through its
MX records (none: its own A/AAAA; a null MX: nothing); each MX address is
probed like an input address, with "input", "mx" and its SPF verdict, and
one summary record per domain ("domain", MX set, SPF record, findings)
follows them. Targets are also read one per line from -i files; with
neither, from stdin. Blank lines and '#' comments are ignored; a
bad line is reported as FILE:LINE on stderr, skipped and counted.

input and output
  -i FILE               read targets from FILE, one per line ('-' = stdin);
                        repeatable
  -o FILE               write records to FILE ('-' = stdout, the default);
                        zstd-compressed when FILE ends in .zst
  --allow-reserved      scan special-purpose ranges (RFC 6890: loopback,
                        private-use, documentation, benchmarking, ...);
                        without it they are skipped and counted
  --blocklist FILE      skip the addresses FILE lists (zmap's format: one
                        address or CIDR per line, '#' comments); counted
  --allowlist FILE      scan only addresses FILE lists; the rest are counted
                        as skipped
order and slicing
  CIDR targets are walked in a pseudo-random order (a keyed permutation of
  all their addresses together) so no network sees a burst; explicit
  addresses keep input order unless --shuffle.
  --seed N              key of that order (default: random, printed in the
                        summary); the same seed gives the same order
  --shard I/N           scan only slice I of N (I from 0 to N-1, as zmap's
                        --shard); the N slices are disjoint and together
                        cover every target. Needs --seed, the same on every
                        machine
  --shuffle             explicit addresses in permuted order too (held in
                        memory until the input ends)
probes
  --probes LIST         comma list of: ptr, fcrdns, smtp, starttls (default:
                        all four) and the opt-in relay. fcrdns implies ptr;
                        starttls and relay imply smtp. smtp without ptr
                        makes no PTR query (the banner/EHLO checks are then
                        null)
                        relay: the open-relay test. After EHLO, MAIL FROM
                        and RCPT TO with the --relay-from/--relay-to
                        domains, then RSET and QUIT; never DATA. Only with
                        permission: it goes beyond reading a banner
  --relay-from DOMAIN   sender domain of the relay test (default example.org)
  --relay-to DOMAIN     recipient domain of the relay test, one the server
                        must not accept mail for (default example.net)
  --dnsbl ZONE          look every address up in DNS blocklist ZONE
                        (RFC 5782; repeatable, at most 16). No list is
                        queried unless named: public lists have usage terms
  --fcrdns-max-names N  look up A/AAAA of at most the first N PTR names
                        (default 10, the limit RFC 7208 sets for SPF's ptr)
SMTP (probes smtp, starttls)
  --smtp-ports LIST     ports to probe (default 25); 465 is implicit TLS
  --ehlo-name NAME      name sent in EHLO/HELO (default: this host's name,
                        as gethostname() gives it; no DNS lookup)
  --connect-timeout MS  TCP connect (default 5000)
  --read-timeout MS     each reply and each write (default 10000)
  --session-timeout MS  the whole session, connect to QUIT (default 30000)
                        Without the relay probe ptrscan never sends MAIL or
                        RCPT; it never sends DATA, and does not wait for the
                        reply to QUIT.
DNS
  --resolver HOST[:PORT]
                        recursive resolver (IP literal; IPv6 as [::1]:53);
                        repeatable. Default: nameservers of /etc/resolv.conf
  --dns-timeout MS      how long the last try of a query waits (default
                        2000); earlier tries are resent after each
                        resolver's retransmit timer, which follows its
                        measured round trips (RFC 6298), doubled per try,
                        never above this
  --retries N           further tries per query after the first (default 4
                        with the ring transport, 2 with c-ares)
  --dns-transport T     ring (default: UDP on the shard's io_uring, and a
                        TCP retry of each truncated answer on its own
                        connection, also on the ring) or c-ares (c-ares
                        does everything; slower, for comparison)
  --dns-sockets N       UDP source sockets per resolver per shard (default 2;
                        a multi-threaded resolver hashes them over threads)
  --dns-inflight N      ceiling of DNS queries on the wire per shard
                        (default 16384); below it each resolver gets a
                        window that grows while answers come back and
                        shrinks on loss, and a pacing rate after loss
  --dns-rate N          DNS queries per second to each resolver, retries
                        included (default 0 = no limit; ring transport)
speed
  --shards N            event-loop threads (default: number of CPUs)
  --max-inflight N      hosts in flight across all shards (default 2000)
  --max-sessions N      ceiling of SMTP sessions open at once across all
                        shards (default: one per port per host in flight,
                        lowered to fit the open-files limit); below it a
                        window adapts: it grows while connects are answered,
                        shrinks when connect latency or the share of
                        unanswered connects rises; a connect unanswered
                        for ~RTO (a silent host) leaves the window but keeps
                        its socket until --connect-timeout; other hosts wait
  --per-subnet N        SMTP sessions at once per /24 (IPv6: /64), so a dense
                        target list never crowds one network (default 8;
                        0 = no limit); a connect not yet answered after the
                        RTO holds no server and does not count
  --rate N              new hosts per second (default 0 = unlimited)
other
  --state FILE          resumable scan: record every few seconds which hosts
                        are durably written; run the same command again after
                        an interruption (even SIGKILL) and it cuts -o back to
                        the last record point, appends, and scans only what
                        is missing. Needs -o FILE
  --state-interval MS   how often --state is recorded (default 5000)
  --metadata FILE       write a JSON summary of the run to FILE at the end:
                        times, arguments, seed, shard, resolvers, counts per
                        status, hosts/s
  --progress / --no-progress
                        progress line every second on stderr (default: on
                        when stderr is a terminal)
  --version             print versions and exit
  -h, --help            this text

exit status: 0 done; 1 runtime failure (e.g. output write error); 2 usage
error or unreadable input file; 128+N interrupted by signal N (SIGINT: 130,
SIGTERM: 143) after writing every finished record and closing the output.
First SIGINT/SIGTERM: stop reading, finish hosts in flight; second: drop them.
)";
}

absl::StatusOr<scanner_flags> parse_flags(const std::vector<std::string>& args) {
  scanner_flags f;
  // DESIGN.md's default probe set.
  f.probe.set = probe_set{true, true, true, true, false};
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) == 0 && host[0] != '\0') {
    // No DNS lookup for the FQDN: a scanner must not query anything it was
    // not told to. Set --ehlo-name to the name your PTR says.
    f.probe.smtp.ehlo_name = host;
  }
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  f.scan.shards = cpus > 0 ? static_cast<uint32_t>(cpus) : 1;
  bool only_positional = false;

  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (only_positional || arg == "-" || arg.empty() || arg[0] != '-') {
      f.targets.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positional = true;
      continue;
    }
    std::string name = arg;
    std::optional<std::string> inline_value;
    if (arg.rfind("--", 0) == 0) {
      size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        name = arg.substr(0, eq);
        inline_value = arg.substr(eq + 1);
      }
    }
    // Each accessor consumes the option's value; on a bad value it leaves the
    // reason in `error` and returns false.
    absl::Status error;
    auto value = [&](std::string& out) {
      if (inline_value) {
        out = *inline_value;
        return true;
      }
      if (i + 1 >= args.size()) {
        error = absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
        return false;
      }
      out = args[++i];
      return true;
    };
    auto number = [&](auto& out, uint64_t min, uint64_t max) {
      std::string v;
      if (!value(v)) {
        return false;
      }
      std::optional<uint64_t> n = parse_uint(v, min, max);
      if (!n) {
        error = absl::InvalidArgumentError(
            absl::StrCat(name, " '", v, "': expected a whole number from ", min, " to ", max));
        return false;
      }
      out = static_cast<std::remove_reference_t<decltype(out)>>(*n);
      return true;
    };
    // A switch takes no value: "--allow-reserved=yes" is an error.
    auto is_switch = [&](std::string_view n) {
      if (name != n) {
        return false;
      }
      if (inline_value) {
        error = absl::InvalidArgumentError(absl::StrCat(name, " takes no value"));
      }
      return true;
    };

    std::string text;
    uint64_t n = 0;
    if (name == "-h" || is_switch("--help")) {
      f.help = true;
    } else if (is_switch("--version")) {
      f.version = true;
    } else if (name == "-i" || name == "--input") {
      if (value(text)) {
        f.input_files.push_back(text);
      }
    } else if (name == "-o" || name == "--output") {
      value(f.output);
    } else if (name == "--probes") {
      if (value(text)) {
        probe_set p{false, false, false, false, false};
        for (absl::string_view piece : absl::StrSplit(text, ',')) {
          std::string_view probe = sv(piece);
          if (probe == "ptr") {
            p.ptr = true;
          } else if (probe == "fcrdns") {
            p.ptr = true;
            p.fcrdns = true;
          } else if (probe == "smtp") {
            p.smtp = true;
          } else if (probe == "starttls") {
            p.smtp = true;
            p.starttls = true;
          } else if (probe == "relay") {
            p.smtp = true;
            p.relay = true;
          } else {
            error = absl::InvalidArgumentError(
                absl::StrCat("--probes: unknown probe '", av(probe),
                             "' (known: ptr, fcrdns, smtp, starttls, relay)"));
          }
        }
        f.probe.set = p;
      }
    } else if (name == "--smtp-ports") {
      if (value(text)) {
        f.probe.smtp.ports.clear();
        for (absl::string_view piece : absl::StrSplit(text, ',')) {
          std::optional<uint64_t> port = parse_uint(sv(piece), 1, 65535);
          if (!port) {
            error = absl::InvalidArgumentError(absl::StrCat(
                "--smtp-ports '", text, "': expected a comma list of ports (1-65535)"));
            break;
          }
          f.probe.smtp.ports.push_back(static_cast<uint16_t>(*port));
        }
        if (f.probe.smtp.ports.size() > 16) {
          error = absl::InvalidArgumentError("--smtp-ports: at most 16 ports");
        }
      }
    } else if (name == "--ehlo-name") {
      if (value(text)) {
        if (text.empty() || text.find_first_of(" \t\r\n") != std::string::npos) {
          error = absl::InvalidArgumentError(
              absl::StrCat("--ehlo-name '", text, "': expected a host name or address literal"));
        }
        f.probe.smtp.ehlo_name = text;
      }
    } else if (name == "--relay-from" || name == "--relay-to") {
      if (value(text)) {
        std::string domain = absl::AsciiStrToLower(text);
        if (!domain.empty() && domain.back() == '.') {
          domain.pop_back();
        }
        if (!is_domain_name(domain)) {
          error = absl::InvalidArgumentError(
              absl::StrCat(name, " '", av(text), "': expected a domain name"));
        }
        (name == "--relay-from" ? f.probe.smtp.relay_from : f.probe.smtp.relay_to) =
            domain;
      }
    } else if (name == "--dnsbl") {
      if (value(text)) {
        std::string zone = absl::AsciiStrToLower(text);
        if (!zone.empty() && zone.back() == '.') {
          zone.pop_back();
        }
        if (!is_domain_name(zone)) {
          error = absl::InvalidArgumentError(
              absl::StrCat("--dnsbl '", av(text), "': expected a DNS zone name"));
        } else if (std::find(f.probe.dnsbl_zones.begin(), f.probe.dnsbl_zones.end(),
                             zone) == f.probe.dnsbl_zones.end()) {
          f.probe.dnsbl_zones.push_back(zone);
        }
        if (f.probe.dnsbl_zones.size() > 16) {
          error = absl::InvalidArgumentError("--dnsbl: at most 16 zones");
        }
      }
    } else if (name == "--connect-timeout") {
      number(f.probe.smtp.connect_timeout_ms, 1, 600'000);
    } else if (name == "--read-timeout") {
      number(f.probe.smtp.read_timeout_ms, 1, 600'000);
    } else if (name == "--session-timeout") {
      number(f.probe.smtp.session_timeout_ms, 1, 3'600'000);
    } else if (name == "--fcrdns-max-names") {
      number(f.probe.max_forward_names, 1, 64);
    } else if (name == "--resolver") {
      if (value(text)) {
        absl::StatusOr<std::string> norm = parse_resolver(text);
        if (norm.ok()) {
          f.scan.shard.resolver.servers.push_back(*norm);
        } else {
          error = norm.status();
        }
      }
    } else if (name == "--dns-timeout") {
      number(f.scan.shard.resolver.timeout_ms, 1, 600'000);
    } else if (name == "--retries") {
      if (number(n, 0, 20)) {
        f.scan.shard.resolver.tries = static_cast<int>(n) + 1;
        f.retries_given = true;
      }
    } else if (name == "--dns-transport") {
      if (value(text)) {
        if (text == "ring") {
          f.scan.shard.ring_dns = true;
        } else if (text == "c-ares") {
          f.scan.shard.ring_dns = false;
        } else {
          error = absl::InvalidArgumentError(
              absl::StrCat("--dns-transport '", av(text), "': use ring or c-ares"));
        }
      }
    } else if (name == "--dns-sockets") {
      number(f.scan.shard.dns_sockets, 1, 64);
    } else if (name == "--dns-inflight") {
      number(f.scan.shard.dns_inflight, 1, 1'000'000);
    } else if (name == "--dns-rate") {
      if (number(n, 0, 100'000'000)) {
        f.dns_rate = static_cast<double>(n);
      }
    } else if (name == "--shards") {
      number(f.scan.shards, 1, 256);
    } else if (name == "--max-inflight") {
      number(f.max_inflight, 1, 1'000'000);
    } else if (name == "--max-sessions") {
      number(f.max_sessions, 1, 1'000'000);
    } else if (name == "--per-subnet") {
      number(f.probe.per_subnet, 0, 1'000'000);
    } else if (name == "--rate") {
      if (number(n, 0, 100'000'000)) {
        f.scan.rate = static_cast<double>(n);
      }
    } else if (is_switch("--allow-reserved")) {
      f.scan.allow_reserved = true;
    } else if (name == "--seed") {
      f.seed_given = number(f.scan.seed, 0, UINT64_MAX);
    } else if (name == "--shard") {
      if (value(text)) {
        const size_t slash = text.find('/');
        std::optional<uint64_t> index =
            slash == std::string::npos ? std::nullopt : parse_uint(text.substr(0, slash), 0, 65535);
        std::optional<uint64_t> of = slash == std::string::npos
                                         ? std::nullopt
                                         : parse_uint(text.substr(slash + 1), 1, 65536);
        if (!index || !of || *index >= *of) {
          error = absl::InvalidArgumentError(absl::StrCat(
              "--shard '", text, "': expected I/N with 0 <= I < N (I counts from 0, as zmap's)"));
        } else {
          f.scan.shard_index = static_cast<uint32_t>(*index);
          f.scan.shard_count = static_cast<uint32_t>(*of);
        }
      }
    } else if (is_switch("--shuffle")) {
      f.scan.shuffle = true;
    } else if (name == "--blocklist") {
      value(f.blocklist_file);
    } else if (name == "--allowlist") {
      value(f.allowlist_file);
    } else if (name == "--metadata") {
      value(f.metadata_file);
    } else if (name == "--state") {
      value(f.state_file);
    } else if (name == "--state-interval") {
      number(f.state_interval_ms, 100, 3'600'000);
    } else if (is_switch("--progress")) {
      f.progress = 1;
    } else if (is_switch("--no-progress")) {
      f.progress = 0;
    } else {
      error = absl::InvalidArgumentError(absl::StrCat("unknown option '", arg, "'"));
    }
    if (!error.ok()) {
      return error;
    }
  }
  if (!f.state_file.empty() && f.output == "-") {
    return absl::InvalidArgumentError("--state needs -o FILE (stdout cannot be cut back)");
  }
  if (f.scan.shard_count > 1 && !f.seed_given) {
    // Every machine must walk the same permutation for the slices to be
    // disjoint; a random seed per machine would silently overlap them.
    return absl::InvalidArgumentError("--shard I/N needs --seed (the same on every machine)");
  }
  if (f.probe.set.relay) {
    f.probe.smtp.relay = true;
  }
  if (!f.retries_given) {
    // The ring transport resends after each resolver's measured timer, so
    // a try lost in a burst of congestion costs milliseconds and four
    // retries are cheap; c-ares doubles a fixed 2 s per try, where four
    // would hold a dead resolver's queries for a minute.
    f.scan.shard.resolver.tries = f.scan.shard.ring_dns ? 5 : 3;
  }
  if (f.scan.shards > f.max_inflight) {
    f.scan.shards = f.max_inflight;
  }
  f.scan.shard.dns_rate = f.dns_rate / f.scan.shards;
  // Hosts in flight are split evenly; every shard gets at least one.
  f.scan.shard.max_inflight = (f.max_inflight + f.scan.shards - 1) / f.scan.shards;
  return f;
}

}  // namespace ptrscan
