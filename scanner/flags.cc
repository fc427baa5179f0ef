// The ptrscan command line, on CLI11: one function per option group, each
// option declared once with its check and help text. Short options follow
// zmap and zgrab2 (-o -i -b -w -r -p -T -m -n -u -q -V -h).
#include "flags.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <functional>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "net/absl_compat.h"
#include "net/ip_address.h"
#include "input/target.h"

namespace ptrscan {
namespace {

// Group names, in --help order.
constexpr char general_group[] = "General";
constexpr char input_group[] = "Input, order and slicing";
constexpr char output_group[] = "Output";
constexpr char performance_group[] = "Performance";
constexpr char dns_group[] = "DNS resolution (every DNS probe)";
constexpr char ptr_group[] = "PTR (probe ptr)";
constexpr char fcrdns_group[] = "FCrDNS (probe fcrdns)";
constexpr char rdns_group[] = "rDNS naming (with probe ptr)";
constexpr char dnsbl_group[] = "DNSBL (--dnsbl)";
constexpr char spf_group[] = "SPF and domains (domain targets)";
constexpr char smtp_group[] = "SMTP (probes smtp, starttls, relay)";

/// CLI11's formatter with option names as help2man and GNU tools write them
/// ("-o, --output FILE"), our usage lines, and group headings that print
/// their text even when the group has no options yet.
class help_formatter : public CLI::Formatter {
 public:
  void describe(const std::string& group, const std::string& text) {
    for (auto& [g, t] : groups_) {
      if (g == group) {
        t = text;
        return;
      }
    }
    groups_.emplace_back(group, text);
  }

  std::string make_usage(const CLI::App*, std::string) const override {
    return "Usage: ptrscan [OPTIONS] [TARGET ...]\n"
           "       ptrscan report [-o FILE] RESULTS.ndjson[.zst] ...\n";
  }

  std::string make_option_name(const CLI::Option* opt, bool is_positional) const override {
    if (is_positional) {
      return opt->get_name(true, false);
    }
    std::vector<std::string> names;
    for (const std::string& s : opt->get_snames()) {
      names.push_back("-" + s);
    }
    for (const std::string& l : opt->get_lnames()) {
      names.push_back("--" + l);
    }
    return absl::StrJoin(names, ", ");
  }

  std::string make_option_opts(const CLI::Option* opt) const override {
    if (opt->get_type_size() == 0 || opt->get_type_name().empty()) {
      return "";
    }
    return " " + opt->get_type_name();
  }

  // make_groups is not virtual in CLI11 2.1, so the whole page is composed
  // here from the same parts as CLI::Formatter::make_help.
  std::string make_help(const CLI::App* app, std::string name,
                        CLI::AppFormatMode) const override {
    return make_description(app) + "\n" + make_usage(app, name) + make_positionals(app) +
           described_groups(app) + "\n" + make_footer(app);
  }

 private:
  std::string described_groups(const CLI::App* app) const {
    std::string out;
    auto group_text = [&](const std::string& group, const std::string& text) {
      std::vector<const CLI::Option*> opts = app->get_options([&](const CLI::Option* o) {
        return o->get_group() == group && o->nonpositional();
      });
      if (opts.empty() && text.empty()) {
        return;
      }
      absl::StrAppend(&out, "\n", group, ":\n");
      if (!text.empty()) {
        // Indented like an option's description, so help2man keeps it as a
        // paragraph of the section.
        for (absl::string_view line : absl::StrSplit(text, '\n')) {
          absl::StrAppend(&out, "  ", line, "\n");
        }
      }
      for (const CLI::Option* o : opts) {
        out += make_option(o, false);
      }
    };
    for (const auto& [group, text] : groups_) {
      group_text(group, text);
    }
    for (const std::string& group : app->get_groups()) {
      const bool described = std::any_of(groups_.begin(), groups_.end(),
                                         [&](const auto& g) { return g.first == group; });
      if (!described && !group.empty()) {
        group_text(group, "");
      }
    }
    return out;
  }

  std::vector<std::pair<std::string, std::string>> groups_;
};

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

[[noreturn]] void reject(std::string message) { throw CLI::ValidationError(std::move(message)); }

/// "1.2.3.4", "1.2.3.4:5353", "::1", "[::1]:5353" → c-ares "ip:port" form.
std::string parse_resolver(std::string_view s) {
  std::string_view host = s;
  uint64_t port = 53;
  if (!s.empty() && s.front() == '[') {
    size_t close = s.find(']');
    if (close == std::string_view::npos) {
      reject(absl::StrCat("--resolver '", av(s), "': missing ']'"));
    }
    host = s.substr(1, close - 1);
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      std::optional<uint64_t> p =
          rest.front() == ':' ? parse_uint(rest.substr(1), 1, 65535) : std::nullopt;
      if (!p) {
        reject(absl::StrCat("--resolver '", av(s), "': bad port"));
      }
      port = *p;
    }
  } else if (std::count(s.begin(), s.end(), ':') == 1) {
    size_t colon = s.find(':');
    host = s.substr(0, colon);
    std::optional<uint64_t> p = parse_uint(s.substr(colon + 1), 1, 65535);
    if (!p) {
      reject(absl::StrCat("--resolver '", av(s), "': bad port"));
    }
    port = *p;
  }
  std::optional<ip_address> ip = ip_address::parse(host);
  if (!ip) {
    reject(absl::StrCat("--resolver '", av(s), "': HOST must be an IPv4 or IPv6 address"));
  }
  return ip->is_v4() ? absl::StrCat(ip->to_string(), ":", port)
                     : absl::StrCat("[", ip->to_string(), "]:", port);
}

/// The name messages use for an option: its first long name.
std::string flag_name(const std::string& names) {
  std::string first;
  for (absl::string_view n : absl::StrSplit(names, ',')) {
    if (absl::StartsWith(n, "--")) {
      return std::string(n);
    }
    if (first.empty()) {
      first = std::string(n);
    }
  }
  return first;
}

/// An option with one value per use; `each` sees every use's value in order
/// (so the last one wins where it assigns) with the option's long name.
CLI::Option* add_value(CLI::App& app, const std::string& names, const std::string& type,
                       const std::string& help,
                       std::function<void(const std::string& flag, const std::string& v)> each) {
  const std::string flag = flag_name(names);
  CLI::Option* o = app.add_option(
      names,
      [flag, each = std::move(each)](const CLI::results_t& values) {
        for (const std::string& v : values) {
          each(flag, v);
        }
        return true;
      },
      help);
  o->type_name(type)->type_size(1)->expected(1);
  o->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  return o;
}

/// A whole number in [min, max], with the old messages: "--x 'v': expected a
/// whole number from MIN to MAX".
template <class T>
CLI::Option* add_number(CLI::App& app, const std::string& names, T& out, uint64_t min,
                        uint64_t max, const std::string& type, const std::string& help) {
  return add_value(app, names, type, help, [&out, min, max](const std::string& flag,
                                                            const std::string& v) {
    std::optional<uint64_t> n = parse_uint(v, min, max);
    if (!n) {
      reject(absl::StrCat(flag, " '", v, "': expected a whole number from ", min, " to ", max));
    }
    out = static_cast<T>(*n);
  });
}

/// A switch: no value ("--allow-reserved=yes" is an error).
CLI::Option* add_switch(CLI::App& app, const std::string& names, const std::string& help,
                        std::function<void()> on) {
  CLI::Option* o = app.add_flag_callback(names, std::move(on), help);
  o->disable_flag_override();
  return o;
}

/// Lower-cased, without a trailing dot; empty when not a domain name.
std::string domain_arg(const std::string& text) {
  std::string domain = absl::AsciiStrToLower(text);
  if (!domain.empty() && domain.back() == '.') {
    domain.pop_back();
  }
  return is_domain_name(domain) ? domain : std::string();
}

}  // namespace

void describe_group(CLI::App& app, const std::string& group, const std::string& text) {
  if (auto f = std::dynamic_pointer_cast<help_formatter>(app.get_formatter())) {
    f->describe(group, text);
  }
}

void add_general_flags(CLI::App& app, scanner_flags& f) {
  describe_group(app, general_group, "");
  app.option_defaults()->group(general_group);
  add_switch(app, "-h,--help", "this text", [&f] { f.help = true; });
  add_switch(app, "-V,--version", "print versions and exit", [&f] { f.version = true; });
  add_value(app, "--probes", "LIST",
            "comma list of: ptr, fcrdns, smtp, starttls (default:\n"
            "all four) and the opt-in relay. fcrdns implies ptr;\n"
            "starttls and relay imply smtp. smtp without ptr makes\n"
            "no PTR query (the banner/EHLO checks are then null)",
            [&f](const std::string&, const std::string& text) {
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
                  reject(absl::StrCat("--probes: unknown probe '", av(probe),
                                      "' (known: ptr, fcrdns, smtp, starttls, relay)"));
                }
              }
              f.probe.set = p;
            });
  add_switch(app, "-q,--quiet", "no progress lines and no summary on stderr (errors\nstill)",
             [&f] { f.quiet = true; });
  // One option with two names, so the last of them wins.
  app.add_flag_function(
         "--progress,!--no-progress",
         [&f](int64_t n) { f.progress = n > 0 ? 1 : 0; },
         "progress line every second on stderr (default: on\nwhen stderr is a terminal)")
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast)
      ->disable_flag_override();
}

void add_input_flags(CLI::App& app, scanner_flags& f) {
  describe_group(app, input_group,
                 "CIDR targets are walked in a pseudo-random order (a keyed\n"
                 "permutation of all their addresses together) so no network\n"
                 "sees a burst; explicit addresses keep input order unless\n"
                 "--shuffle.");
  app.option_defaults()->group(input_group);
  add_value(app, "-i,--input-file,--input", "FILE",
            "read targets from FILE, one per line ('-' = stdin);\nrepeatable",
            [&f](const std::string&, const std::string& v) { f.input_files.push_back(v); });
  add_value(app, "-b,--blocklist", "FILE",
            "skip the addresses FILE lists (zmap's format: one\n"
            "address or CIDR per line, '#' comments); counted",
            [&f](const std::string&, const std::string& v) { f.blocklist_file = v; });
  add_value(app, "-w,--allowlist", "FILE",
            "scan only addresses FILE lists; the rest are counted\nas skipped",
            [&f](const std::string&, const std::string& v) { f.allowlist_file = v; });
  add_switch(app, "--allow-reserved",
             "scan special-purpose ranges (RFC 6890: loopback,\n"
             "private-use, documentation, benchmarking, ...);\n"
             "without it they are skipped and counted",
             [&f] { f.scan.allow_reserved = true; });
  add_number(app, "-n,--max-targets", f.scan.max_targets, 1, UINT64_MAX, "N",
             "stop after N targets of this slice (each address read\n"
             "counts, skipped or not; a domain counts one); the rest\n"
             "of the input is not read. The summary and --metadata\n"
             "say the scan was capped");
  add_value(app, "--seed", "N",
            "key of that order (default: random, printed in the\n"
            "summary); the same seed gives the same order",
            [&f](const std::string& flag, const std::string& v) {
              std::optional<uint64_t> n = parse_uint(v, 0, UINT64_MAX);
              if (!n) {
                reject(absl::StrCat(flag, " '", v, "': expected a whole number from 0 to ",
                                    UINT64_MAX));
              }
              f.scan.seed = *n;
              f.seed_given = true;
            });
  add_value(app, "--shard", "I/N",
            "scan only slice I of N (I from 0 to N-1, as zmap's\n"
            "--shard); the N slices are disjoint and together\n"
            "cover every target. Needs --seed, the same on every\n"
            "machine. Also zmap's form: --shards N --shard I",
            [&f](const std::string&, const std::string& v) { f.shard_arg = v; });
  add_number(app, "--shards", f.shards_arg, 1, 65536, "N",
             "zmap's form of --shard I/N: the number of slices N,\n"
             "with --shard I. (Event-loop threads are -T.)");
  add_switch(app, "--shuffle",
             "explicit addresses in permuted order too (held in\n"
             "memory until the input ends)",
             [&f] { f.scan.shuffle = true; });
}

void add_output_flags(CLI::App& app, scanner_flags& f) {
  describe_group(app, output_group, "");
  app.option_defaults()->group(output_group);
  add_value(app, "-o,--output", "FILE",
            "write records to FILE ('-' = stdout, the default);\n"
            "zstd-compressed when FILE ends in .zst",
            [&f](const std::string&, const std::string& v) { f.output = v; });
  add_value(app, "-m,--metadata", "FILE",
            "write a JSON summary of the run to FILE at the end:\n"
            "times, arguments, seed, shard, resolvers, counts per\n"
            "status, hosts/s",
            [&f](const std::string&, const std::string& v) { f.metadata_file = v; });
  add_value(app, "-u,--status-updates-file", "FILE",
            "write a CSV line to FILE every second and at the end\n"
            "(as zmap's -u; a header first): real-time,\n"
            "time-elapsed, targets read, hosts done (total, last\n"
            "second, average), in flight, DNS queries (same),\n"
            "DNS timeouts, SMTP sessions open, skipped",
            [&f](const std::string& flag, const std::string& v) {
              if (v.empty()) {
                reject(flag + ": expected a file name");
              }
              f.status_updates_file = v;
            });
  add_value(app, "--state", "FILE",
            "resumable scan: record every few seconds which hosts\n"
            "are durably written; run the same command again after\n"
            "an interruption (even SIGKILL) and it cuts -o back to\n"
            "the last record point, appends, and scans only what\n"
            "is missing. Needs -o FILE",
            [&f](const std::string&, const std::string& v) { f.state_file = v; });
  add_number(app, "--state-interval", f.state_interval_ms, 100, 3'600'000, "MS",
             "how often --state is recorded (default 5000)");
}

void add_performance_flags(CLI::App& app, scanner_flags& f) {
  describe_group(app, performance_group, "");
  app.option_defaults()->group(performance_group);
  add_number(app, "-T,--threads", f.scan.shards, 1, 256, "N",
             "event-loop threads, each with its own io_uring\n(default: number of CPUs)");
  add_number(app, "--max-inflight", f.max_inflight, 1, 1'000'000, "N",
             "hosts in flight across all threads (default 2000)");
  add_value(app, "-r,--rate", "N", "new hosts per second (default 0 = unlimited)",
            [&f](const std::string& flag, const std::string& v) {
              std::optional<uint64_t> n = parse_uint(v, 0, 100'000'000);
              if (!n) {
                reject(absl::StrCat(flag, " '", v,
                                    "': expected a whole number from 0 to 100000000"));
              }
              f.scan.rate = static_cast<double>(*n);
            });
}

void add_dns_flags(CLI::App& app, scanner_flags& f) {
  describe_group(app, dns_group, "");
  app.option_defaults()->group(dns_group);
  add_value(app, "--resolver", "HOST[:PORT]",
            "recursive resolver (IP literal; IPv6 as [::1]:53);\n"
            "repeatable. Default: nameservers of /etc/resolv.conf",
            [&f](const std::string&, const std::string& v) {
              f.scan.shard.resolver.servers.push_back(parse_resolver(v));
            });
  add_number(app, "--dns-timeout", f.scan.shard.resolver.timeout_ms, 1, 600'000, "MS",
             "how long the last try of a query waits (default\n"
             "2000); earlier tries are resent after each\n"
             "resolver's retransmit timer, which follows its\n"
             "measured round trips (RFC 6298), doubled per try,\n"
             "never above this");
  add_value(app, "--retries", "N",
            "further tries per query after the first (default 4\n"
            "with the ring transport, 2 with c-ares)",
            [&f](const std::string& flag, const std::string& v) {
              std::optional<uint64_t> n = parse_uint(v, 0, 20);
              if (!n) {
                reject(absl::StrCat(flag, " '", v, "': expected a whole number from 0 to 20"));
              }
              f.scan.shard.resolver.tries = static_cast<int>(*n) + 1;
              f.retries_given = true;
            });
  add_value(app, "--dns-transport", "T",
            "ring (default: UDP on the thread's io_uring, and a\n"
            "TCP retry of each truncated answer on its own\n"
            "connection, also on the ring) or c-ares (c-ares\n"
            "does everything; slower, for comparison)",
            [&f](const std::string& flag, const std::string& v) {
              if (v == "ring") {
                f.scan.shard.ring_dns = true;
              } else if (v == "c-ares") {
                f.scan.shard.ring_dns = false;
              } else {
                reject(absl::StrCat(flag, " '", v, "': use ring or c-ares"));
              }
            });
  add_number(app, "--dns-sockets", f.scan.shard.dns_sockets, 1, 64, "N",
             "UDP source sockets per resolver per thread (default\n"
             "2; a multi-threaded resolver hashes them over threads)");
  add_number(app, "--dns-inflight", f.scan.shard.dns_inflight, 1, 1'000'000, "N",
             "ceiling of DNS queries on the wire per thread\n"
             "(default 16384); below it each resolver gets a\n"
             "window that grows while answers come back and\n"
             "shrinks on loss, and a pacing rate after loss");
  add_value(app, "--dns-rate", "N",
            "DNS queries per second to each resolver, retries\n"
            "included (default 0 = no limit; ring transport)",
            [&f](const std::string& flag, const std::string& v) {
              std::optional<uint64_t> n = parse_uint(v, 0, 100'000'000);
              if (!n) {
                reject(absl::StrCat(flag, " '", v,
                                    "': expected a whole number from 0 to 100000000"));
              }
              f.dns_rate = static_cast<double>(*n);
            });
}

void add_ptr_flags(CLI::App& app, scanner_flags&) {
  // No options of its own yet: the DNS resolution group drives it.
  describe_group(app, ptr_group,
                 "The reverse-DNS name of each address (record \"ptr\"); it\n"
                 "uses the DNS resolution options and has none of its own.");
}

void add_fcrdns_flags(CLI::App& app, scanner_flags& f) {
  describe_group(app, fcrdns_group,
                 "Forward-confirmed reverse DNS: the A/AAAA of the PTR names\n"
                 "must lead back to the address (record \"fcrdns\").");
  app.option_defaults()->group(fcrdns_group);
  add_number(app, "--fcrdns-max-names", f.probe.max_forward_names, 1, 64, "N",
             "look up A/AAAA of at most the first N PTR names\n"
             "(default 10, the limit RFC 7208 sets for SPF's ptr)");
}

void add_rdns_flags(CLI::App& app, scanner_flags&) {
  describe_group(app, rdns_group,
                 "Classifies the primary PTR name (generic-dynamic, mail-like,\n"
                 "...; record \"rdns\") whenever ptr runs; no options.");
}

void add_dnsbl_flags(CLI::App& app, scanner_flags& f) {
  describe_group(app, dnsbl_group, "");
  app.option_defaults()->group(dnsbl_group);
  add_value(app, "--dnsbl", "ZONE",
            "look every address up in DNS blocklist ZONE\n"
            "(RFC 5782; repeatable, at most 16). No list is\n"
            "queried unless named: public lists have usage terms",
            [&f](const std::string& flag, const std::string& v) {
              const std::string zone = domain_arg(v);
              std::vector<std::string>& zones = f.probe.dnsbl_zones;
              if (zone.empty()) {
                reject(absl::StrCat(flag, " '", v, "': expected a DNS zone name"));
              }
              if (std::find(zones.begin(), zones.end(), zone) == zones.end()) {
                zones.push_back(zone);
              }
              if (zones.size() > 16) {
                reject(flag + ": at most 16 zones");
              }
            });
}

void add_spf_flags(CLI::App& app, scanner_flags&) {
  describe_group(app, spf_group,
                 "A domain TARGET is expanded through its MX records (none:\n"
                 "its own A/AAAA; a null MX: nothing); each MX address is\n"
                 "probed with \"input\", \"mx\" and its SPF verdict, and one\n"
                 "summary record per domain follows. No options yet.");
}

void add_smtp_flags(CLI::App& app, scanner_flags& f) {
  describe_group(app, smtp_group,
                 "Without the relay probe ptrscan never sends MAIL or RCPT;\n"
                 "it never sends DATA, and does not wait for the reply to\n"
                 "QUIT. starttls: TLS after STARTTLS (465: implicit TLS).");
  app.option_defaults()->group(smtp_group);
  add_value(app, "-p,--smtp-ports", "LIST",
            "ports to probe (default 25); 465 is implicit TLS",
            [&f](const std::string& flag, const std::string& text) {
              std::vector<uint16_t>& ports = f.probe.smtp.ports;
              ports.clear();
              for (absl::string_view piece : absl::StrSplit(text, ',')) {
                std::optional<uint64_t> port = parse_uint(sv(piece), 1, 65535);
                if (!port) {
                  reject(absl::StrCat(flag, " '", text,
                                      "': expected a comma list of ports (1-65535)"));
                }
                ports.push_back(static_cast<uint16_t>(*port));
              }
              if (ports.size() > 16) {
                reject(flag + ": at most 16 ports");
              }
            });
  add_value(app, "--ehlo-name", "NAME",
            "name sent in EHLO/HELO (default: this host's name,\n"
            "as gethostname() gives it; no DNS lookup)",
            [&f](const std::string& flag, const std::string& v) {
              if (v.empty() || v.find_first_of(" \t\r\n") != std::string::npos) {
                reject(absl::StrCat(flag, " '", v,
                                    "': expected a host name or address literal"));
              }
              f.probe.smtp.ehlo_name = v;
            });
  add_number(app, "--connect-timeout", f.probe.smtp.connect_timeout_ms, 1, 600'000, "MS",
             "TCP connect (default 5000)");
  add_number(app, "--read-timeout", f.probe.smtp.read_timeout_ms, 1, 600'000, "MS",
             "each reply and each write (default 10000)");
  add_number(app, "--session-timeout", f.probe.smtp.session_timeout_ms, 1, 3'600'000, "MS",
             "the whole session, connect to QUIT (default 30000)");
  add_number(app, "--max-sessions", f.max_sessions, 1, 1'000'000, "N",
             "ceiling of SMTP sessions open at once across all\n"
             "threads (default: one per port per host in flight,\n"
             "lowered to fit the open-files limit); below it a\n"
             "window adapts: it grows while connects are answered,\n"
             "shrinks when connect latency or the share of\n"
             "unanswered connects rises; a connect unanswered\n"
             "for ~RTO (a silent host) leaves the window but keeps\n"
             "its socket until --connect-timeout; other hosts wait");
  add_number(app, "--per-subnet", f.probe.per_subnet, 0, 1'000'000, "N",
             "SMTP sessions at once per /24 (IPv6: /64), so a dense\n"
             "target list never crowds one network (default 8;\n"
             "0 = no limit); a connect not yet answered after the\n"
             "RTO holds no server and does not count");
  for (auto [names, out] : {std::pair{"--relay-from", &f.probe.smtp.relay_from},
                            std::pair{"--relay-to", &f.probe.smtp.relay_to}}) {
    const bool from = std::string_view(names) == "--relay-from";
    add_value(app, names, "DOMAIN",
              from ? "probe relay (the open-relay test: after EHLO, MAIL\n"
                     "FROM and RCPT TO, then RSET and QUIT; never DATA;\n"
                     "only with permission): sender domain (default\n"
                     "example.org)"
                   : "recipient domain of the relay test, one the server\n"
                     "must not accept mail for (default example.net)",
              [out](const std::string& flag, const std::string& v) {
                const std::string domain = domain_arg(v);
                if (domain.empty()) {
                  reject(absl::StrCat(flag, " '", v, "': expected a domain name"));
                }
                *out = domain;
              });
  }
}

namespace {

/// The whole command line, bound to `f`.
std::unique_ptr<CLI::App> make_app(scanner_flags& f) {
  auto app = std::make_unique<CLI::App>(
      "Checks the mail identity of IP addresses in bulk: reverse DNS (PTR),\n"
      "forward-confirmed reverse DNS (FCrDNS), and the SMTP greeting, EHLO and\n"
      "STARTTLS compared with the PTR name; one NDJSON record per address.",
      "ptrscan");
  app->formatter(std::make_shared<help_formatter>());
  app->get_formatter()->column_width(26);
  app->set_help_flag();  // ours is -h/--help in the general group
  // Unknown options are collected and reported as such, not as CLI11's
  // "arguments were not expected".
  app->allow_extras();
  app->footer(
      "Subcommands:\n"
      "  report                  writes a self-contained HTML rDNS audit of\n"
      "                          results (ptrscan report --help)\n"
      "\n"
      "Exit status:\n"
      "  0 done; 1 runtime failure (e.g. output write error); 2 usage error or\n"
      "  unreadable input file; 128+N interrupted by signal N (SIGINT: 130,\n"
      "  SIGTERM: 143) after writing every finished record and closing the\n"
      "  output. First SIGINT/SIGTERM: stop reading, finish hosts in flight;\n"
      "  second: drop them.");
  app->add_option("TARGET", f.targets,
                  "an IPv4 or IPv6 address, a CIDR block (IPv6 up to\n"
                  "2^32 addresses, /96 or longer) or a domain. Also\n"
                  "read one per line from -i files; with neither, from\n"
                  "stdin. Blank lines and '#' comments are ignored; a\n"
                  "bad line is reported as FILE:LINE, skipped, counted")
      ->type_name("");
  add_general_flags(*app, f);
  add_input_flags(*app, f);
  add_output_flags(*app, f);
  add_performance_flags(*app, f);
  add_dns_flags(*app, f);
  add_ptr_flags(*app, f);
  add_fcrdns_flags(*app, f);
  add_rdns_flags(*app, f);
  add_dnsbl_flags(*app, f);
  add_spf_flags(*app, f);
  add_smtp_flags(*app, f);
  return app;
}

/// "--shard I/N", or zmap's "--shards N --shard I": both give the same slice.
absl::Status resolve_slicing(scanner_flags& f) {
  uint32_t count = f.shards_arg != 0 ? f.shards_arg : 1;
  uint64_t index = 0;
  if (!f.shard_arg.empty()) {
    const std::string& text = f.shard_arg;
    const size_t slash = text.find('/');
    if (slash != std::string::npos) {
      std::optional<uint64_t> i = parse_uint(std::string_view(text).substr(0, slash), 0, 65535);
      std::optional<uint64_t> n = parse_uint(std::string_view(text).substr(slash + 1), 1, 65536);
      if (!i || !n || *i >= *n) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--shard '", text, "': expected I/N with 0 <= I < N (I counts from 0, as zmap's)"));
      }
      if (f.shards_arg != 0 && f.shards_arg != *n) {
        return absl::InvalidArgumentError(
            absl::StrCat("--shard ", text, " and --shards ", f.shards_arg,
                         " disagree on the number of slices: give --shard I/N, or --shards N "
                         "--shard I"));
      }
      index = *i;
      count = static_cast<uint32_t>(*n);
    } else {
      std::optional<uint64_t> i = parse_uint(text, 0, 65535);
      if (!i || *i >= count) {
        return absl::InvalidArgumentError(
            absl::StrCat("--shard '", text, "': expected I with 0 <= I < N of --shards N (",
                         count, f.shards_arg == 0 ? ", --shards not given" : "",
                         "), or I/N; I counts from 0, as zmap's"));
      }
      index = *i;
    }
  } else if (f.shards_arg > 1) {
    // zmap defaults --shard to 0; here it must be named, since --shards
    // meant event-loop threads before (now -T/--threads) and a silent
    // slice 0 would scan 1/N of the targets.
    return absl::InvalidArgumentError(
        absl::StrCat("--shards ", f.shards_arg,
                     " is the number of slices and needs --shard I (0 <= I < ", f.shards_arg,
                     "); event-loop threads are -T/--threads"));
  }
  f.scan.shard_index = static_cast<uint32_t>(index);
  f.scan.shard_count = count;
  return absl::OkStatus();
}

}  // namespace

std::string usage_text() {
  scanner_flags f;
  return make_app(f)->help();
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

  std::unique_ptr<CLI::App> app = make_app(f);
  // After "--" everything is a TARGET (CLI11 2.1 would report the "--"
  // itself as an extra argument).
  const auto dashes = std::find(args.begin(), args.end(), "--");
  try {
    // CLI11 takes the arguments reversed (argv order from the back).
    std::vector<std::string> reversed(std::make_reverse_iterator(dashes), args.rend());
    app->parse(reversed);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    // CLI11's words for "--allow-reserved=yes".
    const std::string override_text = " was given a disallowed flag override";
    if (message.size() > override_text.size() &&
        message.compare(message.size() - override_text.size(), std::string::npos,
                        override_text) == 0) {
      message = absl::StrCat("--", message.substr(0, message.size() - override_text.size()),
                             " takes no value");
    }
    return absl::InvalidArgumentError(message);
  }
  if (std::vector<std::string> extra = app->remaining(); !extra.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("unknown option '", extra.front(), "'"));
  }
  if (dashes != args.end()) {
    f.targets.insert(f.targets.end(), dashes + 1, args.end());
  }
  if (f.help || f.version) {
    return f;
  }
  if (absl::Status s = resolve_slicing(f); !s.ok()) {
    return s;
  }
  if (f.quiet && f.progress == 1) {
    return absl::InvalidArgumentError("-q/--quiet and --progress contradict each other");
  }
  if (f.quiet) {
    f.progress = 0;
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
