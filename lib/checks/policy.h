#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/fcrdns.h"
#include "checks/rdns_class.h"
#include "checks/spf.h"
#include "dns/dns_status.h"
#include "net/ip_address.h"

namespace ptrscan {

/// A receiver rule's outcome. `unknown`: the evidence cannot decide it (a
/// lookup failed or timed out, was cut by a cap, or is still running); a
/// receiver would answer with a temporary failure or could go either way.
enum class rule_result : uint8_t { pass, fail, unknown };
std::string_view to_string(rule_result r);

/// Whose identity the evidence describes: a sending client (`ptrscan
/// listen`, an IP,DOMAIN,HELO target) or a receiving server (a scanned
/// host: its banner and EHLO name play the part of the HELO name).
enum class policy_role : uint8_t { client, server };

/// Everything the policy rules look at. Each member is optional in the
/// sense that a default-constructed one means "not known": a rule whose
/// evidence is missing altogether is left out, one whose lookup did not
/// finish is `unknown`. Filled from the parts a record already has (see
/// docs/policy.md, "Evidence").
struct policy_evidence {
  policy_role role = policy_role::client;
  ip_address ip;

  /// The PTR lookup of `ip` (ptr.status); nullopt: not answered.
  std::optional<dns_status> ptr_status;
  /// The PTR names (ptr.names: canonical order, at most 32).
  std::vector<std::string> ptr_names;
  /// Distinct names the answer held (ptr.names_total); 0: names.size().
  uint32_t ptr_names_total = 0;
  /// The A/AAAA lookups of the PTR names (fcrdns.forward), by name.
  std::vector<forward_lookup> forward;
  /// fcrdns.status; nullopt: not decided.
  std::optional<fcrdns_status> fcrdns;
  /// PTR names whose A/AAAA were not looked up (a cap: fcrdns.unchecked,
  /// or names beyond the 32 kept). With no name confirmed, FCrDNS is then
  /// `unknown`: an unchecked name might have confirmed.
  uint32_t fcrdns_unchecked = 0;
  /// rdns.class of the primary PTR name; nullopt: not classified.
  std::optional<rdns_class> naming;
  std::string naming_name;  ///< the name classified (rdns.name)

  /// The HELO/EHLO argument as sent (a server's EHLO or banner host on the
  /// server side); nullopt: none.
  std::optional<std::string> helo;
  /// Lookups of the HELO name: A, AAAA and MX (nullopt: not asked or not
  /// answered). `helo_null_mx`: the MX set is a null MX (RFC 7505).
  std::optional<dns_status> helo_a;
  std::optional<dns_status> helo_aaaa;
  std::optional<dns_status> helo_mx;
  bool helo_null_mx = false;
  /// Its A/AAAA addresses (at most 32, the client's always among them when
  /// found).
  std::vector<ip_address> helo_addrs;
  /// The HELO name was left unasked by a cap (the scanner's
  /// --smtp-helo-names distinct names per address).
  bool helo_capped = false;

  /// STARTTLS: offered (client role: this listener offered it; server role:
  /// the EHLO reply advertised it) and used (a handshake finished).
  std::optional<bool> tls_offered;
  std::optional<bool> tls_used;
  /// A handshake was started (STARTTLS accepted or sent, or port 465);
  /// nullopt: not recorded. With tls_used false, `tls_error` says why it
  /// failed and `tls_error_local` whether the failure was ptrscan's own (no
  /// TLS in this build, its TLS library, its deadline): then the verdict
  /// is `unknown`, a failure of the peer's is `fail`.
  std::optional<bool> tls_tried;
  std::string tls_error;
  bool tls_error_local = false;

  /// check_host() of the MAIL FROM identity (the null sender's is
  /// postmaster@HELO) and its domain; nullopt: not evaluated.
  std::optional<spf_code> spf_mail_from;
  std::string spf_mail_from_domain;

  /// Server role: the host the greeting names (nullopt: no greeting;
  /// "" a greeting that names none), whether STARTTLS was tried and the
  /// relay verdict ("open", "closed", "tempfail", "untested"; "" not run),
  /// and the milliseconds from connect to the greeting.
  std::optional<std::string> banner_host;
  std::string relay;
  std::optional<double> banner_ms;

  /// Probes whose evidence was not gathered (the scanner's --probes left
  /// them out): "ptr", "fcrdns", "smtp", "starttls", "relay". A rule they
  /// feed is `unknown` and its evidence names the probe, never pass or
  /// fail. Empty for the listener, which runs every check.
  std::vector<std::string_view> not_run;
  bool ran(std::string_view probe) const {
    for (std::string_view p : not_run) {
      if (p == probe) {
        return false;
      }
    }
    return true;
  }
};

/// One rule's verdict.
struct policy_verdict {
  std::string_view set;   ///< "postfix", "generic_rdns", "bulk_senders_2024", "mxtoolbox_smtp"
  std::string_view rule;  ///< "reject_unknown_client_hostname", ...
  rule_result result = rule_result::unknown;
  std::string evidence;  ///< what decided it, in words with the values
  std::string fix;       ///< failures only: the zone line or MTA setting to change
};

/// The rule sets, in output order.
inline constexpr std::string_view policy_sets[] = {"postfix", "generic_rdns",
                                                   "bulk_senders_2024", "mxtoolbox_smtp"};

/// Every rule whose evidence is there, in set order (docs/policy.md says
/// what each one checks and cites its source). Pure.
std::vector<policy_verdict> evaluate_policy(const policy_evidence& e);

// The Postfix 3.7 syntax checks the HELO rules use, exposed for tests.

/// Postfix valid_hostname(): labels of letters, digits, '-' (not first or
/// last in a label) and '_', at most 63 octets each and 255 in all, no
/// empty label, not all digits and dots.
bool postfix_valid_hostname(std::string_view name);
/// Postfix valid_hostaddr(): a dotted-quad IPv4 address or an IPv6 address
/// (no brackets, no "IPv6:" tag).
bool postfix_valid_hostaddr(std::string_view addr);

}  // namespace ptrscan
