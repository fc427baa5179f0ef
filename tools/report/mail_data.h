#pragma once

// The mail sections of the report: domain summaries, SPF at the MX
// addresses, DNSBL listings, relay verdicts, SMTP violations and expiring
// certificates. Counts cover every record; the lists behind them keep the
// first (or, for certificates, the soonest) entries only, so memory does not
// grow with the input.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/host_facts.h"

namespace ptrscan::report {

/// How many rows each mail list keeps, and how many distinct keys (finding
/// codes, SPF results, zones, ...) a count table keeps before folding the
/// rest into "(other)": the keys come from the input, which may be hostile.
struct mail_limits {
  size_t domains = 500;
  size_t rows = 200;
  size_t keys = 64;
  /// A certificate is listed when it expired before the reference time's
  /// UTC day or expires on that day or within this many days after it.
  int64_t cert_days = 30;
};

/// Counts per key in first-seen order, at most `limit` keys; the rest are
/// counted under "(other)".
class key_counts {
 public:
  explicit key_counts(size_t limit = 64) : limit_(limit) {}
  void add(const std::string& key, uint64_t n = 1);
  uint64_t at(const std::string& key) const;
  uint64_t total() const { return total_; }
  const std::vector<std::pair<std::string, uint64_t>>& entries() const { return entries_; }

 private:
  size_t limit_;
  uint64_t total_ = 0;
  std::vector<std::pair<std::string, uint64_t>> entries_;
};

struct spf_row {
  std::string ip, input, mx_host, result, mechanism, detail;
};

struct dnsbl_zone_counts {
  std::string zone;
  uint64_t listed = 0, not_listed = 0, error = 0, other = 0;
};

struct dnsbl_row {
  std::string ip, zone, codes, reason;
};

struct relay_row {
  std::string ip, input, status, reason;
  uint16_t port = 0;
};

struct violation_row {
  std::string ip, kinds;
  uint16_t port = 0;
};

struct cert_row {
  std::string ip, input, name, not_after;
  uint16_t port = 0;
  int64_t expires = 0;  ///< seconds since the epoch
};

/// One receiver-policy rule's results over the records (README "Receiver
/// policy"); "(other)" set and rule hold what the key limit folded.
/// A failing policy verdict and its fix, for the fixes table.
struct policy_fix_row {
  std::string ip, set, rule, fix;
};

struct policy_rule_counts {
  std::string set, rule;
  uint64_t pass = 0, fail = 0, unknown = 0, other = 0;
  uint64_t total() const { return pass + fail + unknown + other; }
};

/// Days since the epoch of the UTC day holding `seconds`.
int64_t floor_day(int64_t seconds);

/// Where the reference time for certificate expiry came from.
enum class reference_source : uint8_t { as_of, record_ts, report_run };

/// The mail sections, ready to render.
struct mail_view {
  // Domain summaries.
  uint64_t domains = 0;
  uint64_t domains_with_findings = 0;
  key_counts finding_codes;
  std::vector<domain_facts> domain_rows;  ///< the first ones, in input order

  // SPF verdicts at the MX addresses (records with `spf`).
  key_counts spf_results;
  std::vector<spf_row> spf_rows;  ///< the first addresses whose result is not pass
  uint64_t spf_not_pass = 0;

  // DNSBL.
  uint64_t dnsbl_checked = 0;  ///< records with a `dnsbl` array
  uint64_t dnsbl_listed_hosts = 0;
  std::vector<dnsbl_zone_counts> dnsbl_zones;  ///< first-seen order
  std::vector<dnsbl_row> dnsbl_rows;           ///< the first listings
  uint64_t dnsbl_listings = 0;

  // Relay.
  key_counts relay_statuses;
  key_counts relay_untested_reasons;
  std::vector<relay_row> relay_rows;  ///< the first open, tempfail and untested hosts
  uint64_t relay_listed = 0;          ///< hosts that qualify for relay_rows

  // SMTP violations.
  uint64_t violation_hosts = 0;
  key_counts violation_kinds;
  std::vector<violation_row> violation_rows;
  uint64_t violation_ports = 0;

  // Sender identities (records with `sender`).
  uint64_t senders = 0;
  uint64_t senders_with_helo = 0;
  key_counts sender_mailfrom;       ///< spf_mailfrom.result, over senders
  key_counts sender_helo_spf;       ///< spf_helo.result, over senders_with_helo
  key_counts sender_helo_verdicts;  ///< helo_rules.verdict, over senders_with_helo

  // Receiver policy (records with `policy`).
  uint64_t policy_records = 0;
  std::vector<policy_rule_counts> policy_rules;  ///< first-seen order, at most `keys`
  uint64_t policy_fails = 0;                    ///< failing verdicts over all records
  std::vector<policy_fix_row> policy_fix_rows;  ///< the first limits_.rows of them, input order

  // Certificates.
  uint64_t certs_seen = 0;        ///< ports with `tls.not_after`
  uint64_t certs_unreadable = 0;  ///< not_after that is not RFC 3339
  uint64_t certs_expired = 0;   ///< expiry day before the reference day
  uint64_t certs_expiring = 0;  ///< expiry day from the reference day to cert_days after it
  std::vector<cert_row> cert_rows;  ///< expired or expiring, soonest first
  int64_t reference = 0;            ///< seconds since the epoch
  reference_source reference_from = reference_source::report_run;
  int64_t cert_days = 30;
};

/// Accumulates the mail facts of records as they stream past.
class mail_builder {
 public:
  explicit mail_builder(mail_limits limits = {});

  void add_host(const host_facts& host);
  void add_domain(const domain_facts& domain);

  /// The sections. `as_of` (seconds since the epoch), when given, is the
  /// reference time for certificate expiry; else the latest `ts` of any
  /// record; else `now`.
  mail_view view(std::optional<int64_t> as_of, int64_t now) const;

 private:
  void note_ts(const std::string& ts);

  mail_limits limits_;
  mail_view v_;
  std::optional<int64_t> latest_ts_;
  /// Every certificate's expiry day (days since the epoch) and how many
  /// expire that day: bounded by the calendar, not by the input.
  std::map<int64_t, uint64_t> cert_days_;
  /// The soonest-expiring certificates, a max-heap on `expires` of at most
  /// limits_.rows entries.
  std::vector<cert_row> soonest_;
};

}  // namespace ptrscan::report
