// The ptrscan command line (scanner/flags.cc): each short option, both
// slicing forms and their conflicts, combinations, and the messages of the
// usage errors (exit 2 in main) that name the flag and the bad value.
#include "flags.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptrscan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

scanner_flags parse_ok(const std::vector<std::string>& args) {
  absl::StatusOr<scanner_flags> f = parse_flags(args);
  EXPECT_TRUE(f.ok()) << f.status();
  return f.ok() ? *f : scanner_flags{};
}

/// The usage error's message ("" when the arguments were accepted).
std::string parse_error(const std::vector<std::string>& args) {
  absl::StatusOr<scanner_flags> f = parse_flags(args);
  EXPECT_FALSE(f.ok()) << "accepted";
  return f.ok() ? std::string() : std::string(f.status().message());
}

TEST(Flags, Defaults) {
  const scanner_flags f = parse_ok({});
  EXPECT_EQ(f.output, "-");
  EXPECT_TRUE(f.targets.empty());
  EXPECT_TRUE(f.input_files.empty());
  EXPECT_TRUE(f.probe.set.ptr && f.probe.set.fcrdns &&
              f.probe.set.smtp && f.probe.set.starttls);
  EXPECT_FALSE(f.probe.set.relay);
  // The default set runs SMTP, but not to sender identity targets.
  EXPECT_FALSE(f.probe.set.smtp_named);
  EXPECT_EQ(f.probe.max_helo_names, 4u);
  EXPECT_EQ(f.probe.smtp.ports, std::vector<uint16_t>{25});
  EXPECT_EQ(f.scan.shard_index, 0u);
  EXPECT_EQ(f.scan.shard_count, 1u);
  EXPECT_EQ(f.scan.max_targets, 0u);
  EXPECT_EQ(f.scan.rate, 0);
  EXPECT_EQ(f.max_inflight, 2000u);
  EXPECT_EQ(f.progress, -1);
  EXPECT_FALSE(f.quiet);
  EXPECT_EQ(f.scan.shard.resolver.tries, 5);  // ring transport: 4 retries
  EXPECT_EQ(f.state_interval_ms, 5000u);
  EXPECT_GE(f.scan.shards, 1u);
}

TEST(Flags, EachShortOptionAndItsLongName) {
  struct short_case {
    std::vector<std::string> short_form;
    std::vector<std::string> long_form;
  };
  const std::vector<short_case> cases = {
      {{"-o", "out.zst"}, {"--output", "out.zst"}},
      {{"-i", "a.txt"}, {"--input-file", "a.txt"}},
      {{"-i", "a.txt"}, {"--input", "a.txt"}},  // the old long name stays
      {{"-b", "block.txt"}, {"--blocklist", "block.txt"}},
      {{"-w", "allow.txt"}, {"--allowlist", "allow.txt"}},
      {{"-r", "500"}, {"--rate", "500"}},
      {{"-p", "25,587"}, {"--smtp-ports", "25,587"}},
      {{"-T", "3"}, {"--threads", "3"}},
      {{"-m", "meta.json"}, {"--metadata", "meta.json"}},
      {{"-n", "10"}, {"--max-targets", "10"}},
      {{"-u", "status.csv"}, {"--status-updates-file", "status.csv"}},
      {{"-q"}, {"--quiet"}},
      {{"-V"}, {"--version"}},
      {{"-h"}, {"--help"}},
  };
  for (const short_case& c : cases) {
    SCOPED_TRACE(c.short_form.front());
    const scanner_flags s = parse_ok(c.short_form);
    const scanner_flags l = parse_ok(c.long_form);
    EXPECT_EQ(s.output, l.output);
    EXPECT_EQ(s.input_files, l.input_files);
    EXPECT_EQ(s.blocklist_file, l.blocklist_file);
    EXPECT_EQ(s.allowlist_file, l.allowlist_file);
    EXPECT_EQ(s.scan.rate, l.scan.rate);
    EXPECT_EQ(s.probe.smtp.ports, l.probe.smtp.ports);
    EXPECT_EQ(s.scan.shards, l.scan.shards);
    EXPECT_EQ(s.metadata_file, l.metadata_file);
    EXPECT_EQ(s.scan.max_targets, l.scan.max_targets);
    EXPECT_EQ(s.status_updates_file, l.status_updates_file);
    EXPECT_EQ(s.quiet, l.quiet);
    EXPECT_EQ(s.version, l.version);
    EXPECT_EQ(s.help, l.help);
  }
  // And what each one sets.
  EXPECT_EQ(parse_ok({"-o", "out.zst"}).output, "out.zst");
  EXPECT_THAT(parse_ok({"-i", "a", "-i", "-"}).input_files, ElementsAre("a", "-"));
  EXPECT_EQ(parse_ok({"-b", "b.txt"}).blocklist_file, "b.txt");
  EXPECT_EQ(parse_ok({"-w", "w.txt"}).allowlist_file, "w.txt");
  EXPECT_EQ(parse_ok({"-r", "500"}).scan.rate, 500);
  EXPECT_EQ(parse_ok({"-p", "25,465"}).probe.smtp.ports, (std::vector<uint16_t>{25, 465}));
  EXPECT_EQ(parse_ok({"-T", "3"}).scan.shards, 3u);
  EXPECT_EQ(parse_ok({"-m", "m.json"}).metadata_file, "m.json");
  EXPECT_EQ(parse_ok({"-n", "7"}).scan.max_targets, 7u);
  EXPECT_EQ(parse_ok({"-u", "s.csv"}).status_updates_file, "s.csv");
  EXPECT_TRUE(parse_ok({"-q"}).quiet);
  EXPECT_EQ(parse_ok({"-q"}).progress, 0);
  EXPECT_TRUE(parse_ok({"-V"}).version);
  EXPECT_TRUE(parse_ok({"-h"}).help);
}

TEST(Flags, ValueForms) {
  // "-oFILE", "--output=FILE" and "--" as CLI11 and getopt read them.
  EXPECT_EQ(parse_ok({"-oout.ndjson"}).output, "out.ndjson");
  EXPECT_EQ(parse_ok({"--output=out.ndjson"}).output, "out.ndjson");
  EXPECT_EQ(parse_ok({"-T4"}).scan.shards, 4u);
  EXPECT_THAT(parse_ok({"--", "-o"}).targets, ElementsAre("-o"));
  EXPECT_THAT(parse_ok({"-"}).targets, ElementsAre("-"));
  // The last of a single-valued option wins, as before.
  EXPECT_EQ(parse_ok({"-o", "a", "-o", "b"}).output, "b");
  EXPECT_EQ(parse_ok({"--progress", "--no-progress"}).progress, 0);
  EXPECT_EQ(parse_ok({"--no-progress", "--progress"}).progress, 1);
}

TEST(Flags, ShortOptionsCombined) {
  const scanner_flags f =
      parse_ok({"-q", "-T", "2", "-r", "100", "-n", "50", "-p", "25,587", "-o", "out.ndjson",
                "-m", "meta.json", "-u", "status.csv", "-i", "list.txt", "-b", "block.txt", "-w",
                "allow.txt", "--seed", "9", "--shards", "4", "--shard", "3", "198.18.0.0/24",
                "198.18.1.1"});
  EXPECT_TRUE(f.quiet);
  EXPECT_EQ(f.progress, 0);
  EXPECT_EQ(f.scan.shards, 2u);
  EXPECT_EQ(f.scan.rate, 100);
  EXPECT_EQ(f.scan.max_targets, 50u);
  EXPECT_EQ(f.probe.smtp.ports, (std::vector<uint16_t>{25, 587}));
  EXPECT_EQ(f.output, "out.ndjson");
  EXPECT_EQ(f.metadata_file, "meta.json");
  EXPECT_EQ(f.status_updates_file, "status.csv");
  EXPECT_THAT(f.input_files, ElementsAre("list.txt"));
  EXPECT_EQ(f.blocklist_file, "block.txt");
  EXPECT_EQ(f.allowlist_file, "allow.txt");
  EXPECT_EQ(f.scan.seed, 9u);
  EXPECT_EQ(f.scan.shard_index, 3u);
  EXPECT_EQ(f.scan.shard_count, 4u);
  EXPECT_THAT(f.targets, ElementsAre("198.18.0.0/24", "198.18.1.1"));
  // Threads split the hosts in flight, and --dns-rate, between them.
  const scanner_flags g = parse_ok({"-T", "4", "--max-inflight", "10", "--dns-rate", "400"});
  EXPECT_EQ(g.scan.shard.max_inflight, 3u);
  EXPECT_EQ(g.scan.shard.dns_rate, 100);
  // No more threads than hosts in flight.
  EXPECT_EQ(parse_ok({"-T", "8", "--max-inflight", "3"}).scan.shards, 3u);
}

TEST(Flags, BothSlicingFormsGiveTheSameSlice) {
  for (uint32_t n : {1u, 2u, 3u, 7u, 65536u}) {
    for (uint32_t i : {0u, 1u, n / 2, n - 1}) {
      if (i >= n) {
        continue;
      }
      SCOPED_TRACE(std::to_string(i) + "/" + std::to_string(n));
      const std::string is = std::to_string(i);
      const std::string ns = std::to_string(n);
      const scanner_flags a = parse_ok({"--seed", "1", "--shard", is + "/" + ns});
      const scanner_flags b = parse_ok({"--seed", "1", "--shards", ns, "--shard", is});
      const scanner_flags c = parse_ok({"--seed", "1", "--shard", is, "--shards", ns});
      // Both forms at once agree: allowed.
      const scanner_flags d = parse_ok({"--seed", "1", "--shards", ns, "--shard", is + "/" + ns});
      for (const scanner_flags* f : {&a, &b, &c, &d}) {
        EXPECT_EQ(f->scan.shard_index, i);
        EXPECT_EQ(f->scan.shard_count, n);
      }
    }
  }
}

TEST(Flags, SlicingConflictsAreUsageErrors) {
  EXPECT_THAT(parse_error({"--seed", "1", "--shard", "1/4", "--shards", "3"}),
              HasSubstr("--shard 1/4 and --shards 3 disagree"));
  EXPECT_THAT(parse_error({"--seed", "1", "--shards", "3", "--shard", "3"}),
              HasSubstr("--shard '3': expected I with 0 <= I < N"));
  EXPECT_THAT(parse_error({"--seed", "1", "--shard", "1"}), HasSubstr("--shards not given"));
  // --shards N alone was the thread count before: never a silent slice 0.
  EXPECT_THAT(parse_error({"--seed", "1", "--shards", "4"}), HasSubstr("-T/--threads"));
  EXPECT_THAT(parse_error({"--seed", "1", "--shard", "2/2"}), HasSubstr("0 <= I < N"));
  EXPECT_THAT(parse_error({"--seed", "1", "--shard", "x/2"}), HasSubstr("--shard 'x/2'"));
  EXPECT_THAT(parse_error({"--shard", "1/2"}), HasSubstr("--shard I/N needs --seed"));
  EXPECT_THAT(parse_error({"--shards", "2", "--shard", "1"}), HasSubstr("needs --seed"));
  EXPECT_THAT(parse_error({"--seed", "1", "--shards", "0", "--shard", "0"}),
              HasSubstr("--shards '0': expected a whole number from 1 to 65536"));
  // One slice needs neither a seed nor --shard.
  EXPECT_EQ(parse_ok({"--shards", "1"}).scan.shard_count, 1u);
  EXPECT_EQ(parse_ok({"--shard", "0/1"}).scan.shard_count, 1u);
}

TEST(Flags, BadValuesNameTheFlagAndTheValue) {
  struct bad_case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<bad_case> cases = {
      {{"-T", "0"}, "--threads '0': expected a whole number from 1 to 256"},
      {{"--threads", "257"}, "--threads '257': expected a whole number from 1 to 256"},
      {{"-n", "0"}, "--max-targets '0': expected a whole number from 1 to"},
      {{"-n", "many"}, "--max-targets 'many'"},
      {{"-r", "-1"}, "--rate '-1': expected a whole number from 0 to 100000000"},
      {{"-p", "25,x"}, "--smtp-ports '25,x': expected a comma list of ports (1-65535)"},
      {{"-p", "0"}, "--smtp-ports '0'"},
      {{"-p", "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17"}, "--smtp-ports: at most 16 ports"},
      {{"--connect-timeout", "abc"},
       "--connect-timeout 'abc': expected a whole number from 1 to 600000"},
      {{"--read-timeout", "0"}, "--read-timeout '0'"},
      {{"--session-timeout", "3600001"}, "--session-timeout '3600001'"},
      {{"--dns-timeout", "0"}, "--dns-timeout '0'"},
      {{"--retries", "21"}, "--retries '21': expected a whole number from 0 to 20"},
      {{"--dns-sockets", "65"}, "--dns-sockets '65'"},
      {{"--dns-inflight", "0"}, "--dns-inflight '0'"},
      {{"--dns-rate", "x"}, "--dns-rate 'x'"},
      {{"--max-inflight", "0"}, "--max-inflight '0'"},
      {{"--max-sessions", "0"}, "--max-sessions '0'"},
      {{"--per-subnet", "-1"}, "--per-subnet '-1'"},
      {{"--fcrdns-max-names", "65"}, "--fcrdns-max-names '65'"},
      {{"--state-interval", "99"}, "--state-interval '99'"},
      {{"--seed", "x"}, "--seed 'x'"},
      {{"--probes", "ptr,foo"}, "--probes: unknown probe 'foo'"},
      {{"--resolver", "1.2.3.4:99999"}, "--resolver '1.2.3.4:99999': bad port"},
      {{"--resolver", "[::1"}, "--resolver '[::1': missing ']'"},
      {{"--resolver", "dns.example"}, "HOST must be an IPv4 or IPv6 address"},
      {{"--ehlo-name", "a b"}, "--ehlo-name 'a b': expected a host name"},
      {{"--relay-from", "not a domain"}, "--relay-from 'not a domain': expected a domain name"},
      {{"--relay-to", "-x-"}, "--relay-to '-x-'"},
      {{"--dnsbl", "a..b"}, "--dnsbl 'a..b': expected a DNS zone name"},
      {{"--allow-reserved=yes"}, "--allow-reserved takes no value"},
      {{"--no-such-flag"}, "unknown option '--no-such-flag'"},
      {{"-x"}, "unknown option '-x'"},
      {{"--connect-timeout"}, "--connect-timeout"},
      {{"-q", "--progress"}, "-q/--quiet and --progress contradict each other"},
      {{"--state", "s.state"}, "--state needs -o FILE"},
  };
  for (const bad_case& c : cases) {
    SCOPED_TRACE(c.args.front());
    EXPECT_THAT(parse_error(c.args), HasSubstr(c.message));
  }
  std::vector<std::string> many;
  for (int i = 0; i < 17; ++i) {
    many.insert(many.end(), {"--dnsbl", "z" + std::to_string(i) + ".example"});
  }
  EXPECT_THAT(parse_error(many), HasSubstr("--dnsbl: at most 16 zones"));
}

TEST(Flags, SmtpToSendersOnlyWhenProbesNameIt) {
  EXPECT_TRUE(parse_ok({"--probes", "ptr,smtp"}).probe.set.smtp_named);
  EXPECT_TRUE(parse_ok({"--probes", "starttls"}).probe.set.smtp_named);
  EXPECT_FALSE(parse_ok({"--probes", "ptr,fcrdns"}).probe.set.smtp_named);
  EXPECT_EQ(parse_ok({"--smtp-helo-names", "0"}).probe.max_helo_names, 0u);
  EXPECT_THAT(parse_error({"--smtp-helo-names", "17"}), HasSubstr("--smtp-helo-names"));
}

TEST(Flags, ProbeSpecificOptions) {
  const scanner_flags f = parse_ok(
      {"--probes", "fcrdns,relay", "--relay-from", "Sender.Example.", "--relay-to", "rcpt.example",
       "--dnsbl", "BL.example", "--dnsbl", "bl.example.", "--fcrdns-max-names", "3",
       "--resolver", "127.0.0.1:5353", "--resolver", "::1", "--retries", "0",
       "--ehlo-name", "scanner.test", "--per-subnet", "0"});
  EXPECT_TRUE(f.probe.set.ptr && f.probe.set.fcrdns);  // fcrdns implies ptr
  EXPECT_TRUE(f.probe.set.smtp && f.probe.set.relay);  // relay implies smtp
  EXPECT_FALSE(f.probe.set.starttls);
  EXPECT_TRUE(f.probe.set.smtp_named);  // relay names SMTP: senders get sessions
  EXPECT_TRUE(f.probe.smtp.relay);
  EXPECT_EQ(f.probe.smtp.relay_from, "sender.example");
  EXPECT_EQ(f.probe.smtp.relay_to, "rcpt.example");
  EXPECT_THAT(f.probe.dnsbl_zones, ElementsAre("bl.example"));  // deduplicated
  EXPECT_EQ(f.probe.max_forward_names, 3u);
  EXPECT_THAT(f.scan.shard.resolver.servers, ElementsAre("127.0.0.1:5353", "[::1]:53"));
  EXPECT_EQ(f.scan.shard.resolver.tries, 1);
  EXPECT_EQ(f.probe.smtp.ehlo_name, "scanner.test");
  EXPECT_EQ(f.probe.per_subnet, 0u);
  // Without --retries: 4 retries.
  EXPECT_EQ(parse_ok({}).scan.shard.resolver.tries, 5);
}

TEST(Flags, HelpIsGroupedAndHelp2manFriendly) {
  const std::string help = usage_text();
  EXPECT_THAT(help, HasSubstr("Usage: ptrscan [OPTIONS] [TARGET ...]"));
  for (const char* group :
       {"\nGeneral:\n", "\nInput, order and slicing:\n", "\nOutput:\n", "\nPerformance:\n",
        "\nPTR (probe ptr):\n", "\nFCrDNS (probe fcrdns):\n", "\nrDNS naming (with probe ptr):\n",
        "\nDNSBL (--dnsbl):\n", "\nSPF and domains (domain targets):\n",
        "\nSMTP (probes smtp, starttls, relay):\n"}) {
    EXPECT_THAT(help, HasSubstr(group));
  }
  for (const char* line :
       {"\n  -o, --output FILE", "\n  -i, --input-file, --input FILE", "\n  -b, --blocklist FILE",
        "\n  -w, --allowlist FILE", "\n  -r, --rate N", "\n  -p, --smtp-ports LIST",
        "\n  -T, --threads N", "\n  -m, --metadata FILE", "\n  -n, --max-targets N",
        "\n  -u, --status-updates-file FILE", "\n  -q, --quiet", "\n  -V, --version",
        "\n  -h, --help", "\n  --shard I/N", "\n  --shards N", "\n  --dnsbl ZONE",
        "\n  --relay-from DOMAIN"}) {
    EXPECT_THAT(help, HasSubstr(line));
  }
  // Each probe's options sit in its own group.
  EXPECT_LT(help.find("SMTP (probes"), help.find("--ehlo-name"));
  EXPECT_LT(help.find("DNSBL (--dnsbl)"), help.find("--dnsbl ZONE"));
  EXPECT_LT(help.find("FCrDNS (probe"), help.find("--fcrdns-max-names"));
  EXPECT_THAT(help, HasSubstr("Exit status:"));
  // Every probe of the table with a group has it on the page, with its text,
  // in table order after the general groups.
  size_t last = help.find("\nDNS resolution (every DNS probe):\n");
  for (const probe_entry& e : probe_table()) {
    if (e.group.empty()) {
      continue;
    }
    const size_t at = help.find("\n" + std::string(e.group) + ":\n");
    ASSERT_NE(at, std::string::npos) << e.name;
    EXPECT_GT(at, last) << e.name;
    last = at;
    const std::string first_line(e.group_text.substr(0, e.group_text.find('\n')));
    EXPECT_THAT(help.substr(at), HasSubstr(first_line)) << e.name;
  }
}

TEST(Flags, ListFieldsIsAnActionLikeHelp) {
  const scanner_flags f = parse_ok({"--list-fields"});
  EXPECT_TRUE(f.list_fields);
  EXPECT_FALSE(parse_ok({}).list_fields);
  // Like --help, it needs nothing else and ignores slicing checks.
  EXPECT_TRUE(parse_ok({"--list-fields", "--shard", "1/2"}).list_fields);
}

}  // namespace
}  // namespace ptrscan
