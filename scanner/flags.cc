// The ptrscan command line, on CLI11: one function per general option group,
// each option declared once with its check and help text; every probe's
// group comes from the probe table (lib/probes/table.h). Short options
// follow zmap and zgrab2 (-o -i -b -w -r -p -T -m -n -u -q -V -h).
#include "flags.h"

#include <sys/resource.h>
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
#include "cli/options.h"

namespace ptrscan {
namespace {

using cli::add_number;
using cli::add_switch;
using cli::add_value;
using cli::describe_group;
using cli::parse_uint;
using cli::reject;

// Group names, in --help order.
constexpr char general_group[] = "General";
constexpr char input_group[] = "Input, order and slicing";
constexpr char output_group[] = "Output";
constexpr char performance_group[] = "Performance";
constexpr char dns_group[] = "DNS resolution (every DNS probe)";

}  // namespace

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

void add_general_flags(CLI::App& app, scanner_flags& f) {
  describe_group(app, general_group, "");
  app.option_defaults()->group(general_group);
  add_switch(app, "-h,--help", "this text", [&f] { f.help = true; });
  add_switch(app, "-V,--version", "print versions and exit", [&f] { f.version = true; });
  add_switch(app, "--list-fields",
             "print the record fields each probe writes (name,\n"
             "type, probe: meaning; tab-separated) and exit",
             [&f] { f.list_fields = true; });
  add_probe_selection(app, f.probe.set);
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
  add_switch(app, "--allow-large-scan",
             "let the targets hold more public space than a /8\n"
             "(without it, such TARGET arguments are a usage error,\n"
             "as masscan refuses 0.0.0.0/0, and -i lines past it\n"
             "are rejected lines)",
             [&f] { f.allow_large_scan = true; });
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
            "status, hosts/s, host name, version, probes, timeouts",
            [&f](const std::string&, const std::string& v) { f.metadata_file = v; });
  add_value(app, "--notes", "TEXT",
            "free text copied into --metadata's notes (who ran it,\n"
            "why, a ticket)",
            [&f](const std::string&, const std::string& v) { f.notes = v; });
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
            "further tries per query after the first (default 4)",
            [&f](const std::string& flag, const std::string& v) {
              std::optional<uint64_t> n = parse_uint(v, 0, 20);
              if (!n) {
                reject(absl::StrCat(flag, " '", v, "': expected a whole number from 0 to 20"));
              }
              f.scan.shard.resolver.tries = static_cast<int>(*n) + 1;
              f.retries_given = true;
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

namespace {

/// The whole command line, bound to `f`.
std::unique_ptr<CLI::App> make_app(scanner_flags& f) {
  auto app = std::make_unique<CLI::App>(
      "Checks the mail identity of IP addresses in bulk: reverse DNS (PTR),\n"
      "forward-confirmed reverse DNS (FCrDNS), and the SMTP greeting, EHLO and\n"
      "STARTTLS compared with the PTR name; one NDJSON record per address.",
      "ptrscan");
  cli::use_help_formatter(*app,
                          "Usage: ptrscan [OPTIONS] [TARGET ...]\n"
                          "       ptrscan report [-o FILE] RESULTS.ndjson[.zst] ...\n"
                          "       ptrscan diff [-o FILE] OLD NEW\n");
  app->get_formatter()->column_width(26);
  app->set_help_flag();  // ours is -h/--help in the general group
  // Unknown options are collected and reported as such, not as CLI11's
  // "arguments were not expected".
  app->allow_extras();
  app->footer(
      "Subcommands:\n"
      "  report                  writes a self-contained HTML rDNS audit of\n"
      "                          results (ptrscan report --help)\n"
      "  diff                    change records between two scans (ptrscan\n"
      "                          diff --help)\n"
      "  listen                  an SMTP responder that records how each\n"
      "                          sending client looks to a receiver\n"
      "                          (ptrscan listen --help)\n"
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
  add_probe_flags(*app, f.probe);
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
  if (f.help || f.version || f.list_fields) {
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
    // Tries are resent after each resolver's measured timer, so a try lost
    // in a burst of congestion costs milliseconds and four retries are cheap.
    f.scan.shard.resolver.tries = 5;
  }
  if (f.scan.shards > f.max_inflight) {
    f.scan.shards = f.max_inflight;
  }
  f.scan.shard.dns_rate = f.dns_rate / f.scan.shards;
  // Hosts in flight are split evenly; every shard gets at least one.
  f.scan.shard.max_inflight = (f.max_inflight + f.scan.shards - 1) / f.scan.shards;
  return f;
}

uint64_t raise_open_files_limit() {
  rlimit nofile{};
  getrlimit(RLIMIT_NOFILE, &nofile);
  if (nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    setrlimit(RLIMIT_NOFILE, &nofile);
    getrlimit(RLIMIT_NOFILE, &nofile);
  }
  return nofile.rlim_cur;
}

}  // namespace ptrscan
