#include "probes/table.h"

#include "absl/strings/str_cat.h"
#include "net/absl_compat.h"
#include "scan/jobs.h"
#include "probes/dnsbl.h"
#include "probes/domain.h"
#include "probes/fcrdns.h"
#include "probes/ptr.h"
#include "probes/rdns.h"
#include "probes/smtp.h"
#include "probes/spf.h"

namespace ptrscan {
namespace {

// Every probe, in the order its members appear in a record. A probe that
// starts after another (probe::after) must come later.
constexpr probe_entry table[] = {
    {"domain", "domain targets: MX, SPF record and mail exchangers", make_domain_probe},
    {"ptr", "PTR lookup of the address's reverse name", make_ptr_probe},
    {"fcrdns", "forward confirmation of the PTR names (A/AAAA)", make_fcrdns_probe},
    {"rdns", "naming class of the primary PTR name", make_rdns_probe},
    {"spf", "SPF check_host of a domain's MX addresses", make_spf_probe},
    {"dnsbl", "DNS blocklist lookups (--dnsbl)", make_dnsbl_probe},
    {"smtp", "SMTP banner, EHLO, STARTTLS and relay test", make_smtp_probe},
};
static_assert(std::size(table) <= max_probes);

}  // namespace

std::span<const probe_entry> probe_table() { return table; }

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
  all.set = probe_set{true, true, true, true, true};
  all.dnsbl_zones = {"zone.invalid"};
  std::string out = "ip\tstring\tthe target address (every host record)\n";
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
