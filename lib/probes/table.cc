#include "probes/table.h"

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "cli/options.h"
#include "net/absl_compat.h"
#include "scan/jobs.h"
#include "probes/dnsbl.h"
#include "probes/domain.h"
#include "probes/fcrdns.h"
#include "probes/policy.h"
#include "probes/ptr.h"
#include "probes/rdns.h"
#include "probes/sender.h"
#include "probes/smtp.h"
#include "probes/spf.h"
#include "probes/zone.h"

namespace ptrscan {
namespace {

// Every probe, in the order its members appear in a record. A probe that
// starts after another (probe::after) must come later.
// The --help groups print in this order too.
constexpr probe_entry table[] = {
    {"domain", "domain targets: MX, SPF record and mail exchangers", make_domain_probe,
     "SPF and domains (domain targets)",
     "A domain TARGET is expanded through its MX records (none:\n"
     "its own A/AAAA; a null MX: nothing); each MX address is\n"
     "probed with \"input\", \"mx\" and its SPF verdict, and one\n"
     "summary record per domain follows. No options yet.",
     nullptr},
    {"ptr", "PTR lookup of the address's reverse name", make_ptr_probe, "PTR (probe ptr)",
     "The reverse-DNS name of each address (record \"ptr\"); it\n"
     "uses the DNS resolution options and has none of its own.",
     nullptr},
    {"fcrdns", "forward confirmation of the PTR names (A/AAAA)", make_fcrdns_probe,
     "FCrDNS (probe fcrdns)",
     "Forward-confirmed reverse DNS: the A/AAAA of the PTR names\n"
     "must lead back to the address (record \"fcrdns\").",
     add_fcrdns_flags},
    {"rdns", "naming class of the primary PTR name", make_rdns_probe,
     "rDNS naming (with probe ptr)",
     "Classifies the primary PTR name (generic-dynamic, mail-like,\n"
     "...; record \"rdns\") whenever ptr runs; no options.",
     nullptr},
    // Its heading is the domain probe's: SPF runs for domain targets only.
    {"spf", "SPF check_host of a domain's MX addresses", make_spf_probe, "", "", nullptr},
    {"sender", "sender identity targets (IP,DOMAIN[,HELO]): SPF for MAIL FROM and HELO, HELO rules",
     make_sender_probe, "Sender identities (IP,DOMAIN[,HELO] targets)",
     "A TARGET line IP,DOMAIN[,HELO] asks whether IP may send\n"
     "mail for DOMAIN, greeting as HELO: the host probes run on\n"
     "IP, and its record gains \"sender\" (SPF check_host for the\n"
     "MAIL FROM and HELO identities, the HELO rules). No SMTP\n"
     "session is made to IP unless --probes names smtp (a\n"
     "sending address need not listen). No options.",
     nullptr},
    {"dnsbl", "DNS blocklist lookups (--dnsbl)", make_dnsbl_probe, "DNSBL (--dnsbl)", "",
     add_dnsbl_flags},
    {"smtp", "SMTP banner, EHLO, STARTTLS and relay test", make_smtp_probe,
     "SMTP (probes smtp, starttls, relay)",
     "Without the relay probe ptrscan never sends MAIL or RCPT;\n"
     "it never sends DATA, and does not wait for the reply to\n"
     "QUIT. starttls: TLS after STARTTLS (465: implicit TLS).",
     add_smtp_flags},
    {"zone", "reverse-zone audit: one zone record per reverse zone (--probes zone)",
     make_zone_probe, "Reverse-zone audit (probe zone)",
     "Per reverse zone of the targets (IPv4 /24, RFC 2317 classless,\n"
     "IPv6 where the cut is): the zone cut, the parent's NS set and\n"
     "glue, every server asked directly (RD=0) for SOA and NS, and\n"
     "the zone's PTR coverage and naming templates; one\n"
     "{\"type\":\"zone\"} record per zone after the host records.",
     add_zone_flags},
    // Last: it reads every other probe's results for the host.
    {"policy", "receiver-policy verdicts from the other probes' results (--probes policy)",
     make_policy_probe, "Receiver policy (probe policy)",
     "What a receiver (Postfix restrictions, generic-rDNS rules,\n"
     "the 2024 bulk-sender requirements, MXToolbox's SMTP test)\n"
     "would decide, rule by rule, with the fix (record \"policy\",\n"
     "docs/policy.md). Opt-in: it sends nothing, but adds a few\n"
     "KB of text per record. Rules whose probe was not run are\n"
     "unknown and name it. No options.",
     nullptr},
};
static_assert(std::size(table) <= max_probes);

}  // namespace

std::span<const probe_entry> probe_table() { return table; }

void add_probe_selection(CLI::App& app, probe_set& set) {
  cli::add_value(
      app, "--probes", "LIST",
      "comma list of: ptr, fcrdns, smtp, starttls (default:\n"
      "all four) and the opt-in relay, zone (reverse-zone\n"
      "audit) and policy (receiver-policy verdicts). fcrdns and\n"
      "zone imply ptr; starttls and relay imply smtp; policy\n"
      "implies nothing (its rules without their probe are\n"
      "unknown). smtp without ptr makes\n"
      "no PTR query (the banner/EHLO checks are then null)",
      [&set](const std::string&, const std::string& text) {
        probe_set p{false, false, false, false, false};
        for (absl::string_view piece : absl::StrSplit(text, ',')) {
          const std::string_view name = sv(piece);
          if (name == "ptr") {
            p.ptr = true;
          } else if (name == "fcrdns") {
            p.ptr = true;
            p.fcrdns = true;
          } else if (name == "smtp") {
            p.smtp = true;
          } else if (name == "starttls") {
            p.smtp = true;
            p.starttls = true;
          } else if (name == "zone") {
            p.ptr = true;
            p.zone = true;
          } else if (name == "relay") {
            p.smtp = true;
            p.relay = true;
          } else if (name == "policy") {
            p.policy = true;
          } else {
            cli::reject(absl::StrCat("--probes: unknown probe '", av(name),
                                     "' (known: ptr, fcrdns, smtp, starttls, relay, zone, "
                                     "policy)"));
          }
        }
        // Only a list that names SMTP makes sessions to sender targets
        // (the default set does not: see smtp_worker::start_host).
        p.smtp_named = p.smtp;
        set = p;
      });
}

void add_probe_flags(CLI::App& app, probe_options& o) {
  for (const probe_entry& e : table) {
    if (e.group.empty()) {
      continue;
    }
    const std::string group(e.group);
    cli::describe_group(app, group, std::string(e.group_text));
    if (e.add_flags != nullptr) {
      app.option_defaults()->group(group);
      e.add_flags(app, o);
    }
  }
}

probe_list make_probes(const probe_options& o, counter_registry& counters) {
  probe_list out;
  for (const probe_entry& e : table) {
    if (std::shared_ptr<probe> p = e.make(o)) {
      p->declare_counters(counters);
      out.push_back(std::move(p));
    }
  }
  return out;
}

std::string list_fields() {
  // Every probe with every option on, so each lists all it can write.
  probe_options all;
  all.set = probe_set{true, true, true, true, true, true};
  all.set.policy = true;
  all.dnsbl_zones = {"zone.invalid"};
  std::string out =
      "ip\tstring\tthe target address (every host record)\n"
      "truncated\tarray\tprobes whose sections were left out: the record would have "
      "passed 512 KiB\n"
      "ts\tstring\twhen the host or domain finished, RFC 3339 UTC with milliseconds (every "
      "record)\n";
  for (const probe_entry& e : table) {
    const std::shared_ptr<probe> p = e.make(all);
    if (!p) {
      continue;
    }
    for (const field_doc& f : p->fields()) {
      absl::StrAppend(&out, av(f.name), "\t", av(f.type), "\t", av(e.name), ": ", av(f.help), "\n");
    }
  }
  return out;
}

}  // namespace ptrscan
