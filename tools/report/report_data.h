#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "report/address_map.h"
#include "report/host_facts.h"
#include "report/mail_data.h"
#include "report/networks.h"
#include "report/totals.h"

namespace ptrscan::report {

/// A host whose SMTP greeting names another host than its PTR does.
struct mismatch_sample {
  std::string ip;
  std::string ptr_name;
  std::string banner_host;
};

/// How much of the long lists the page shows.
struct page_limits {
  size_t networks = 5000;  ///< rows of the per-network table, worst first
  size_t blocks = 64;      ///< /16 maps, largest first
  size_t mismatches = 100;
  size_t zones = 1000;  ///< zones with findings listed
};

/// Everything the page shows, ready to render.
struct report_view {
  report_totals totals;
  std::vector<network_row> networks;        ///< worst first
  size_t networks_seen = 0;                 ///< before the row limit
  std::vector<block_picture> blocks;        ///< in address order
  size_t blocks_seen = 0;                   ///< before the map limit
  std::vector<mismatch_sample> mismatches;  ///< the first ones, in input order
  uint64_t mismatches_seen = 0;
  mail_view mail;  ///< domain, SPF, DNSBL, relay, violation and certificate sections
  /// Zone records with findings or a failed audit, in input order (the
  /// first page_limits::zones), and the findings counted by kind.
  std::vector<zone_fact> zones;
  std::vector<std::pair<std::string, uint64_t>> zone_findings;
};

/// Accumulates records as they stream past; memory follows the networks
/// seen (see network_table and address_map), never the records.
class report_builder {
 public:
  explicit report_builder(page_limits limits = {}, mail_limits mail = {})
      : limits_(limits), mail_(mail) {}

  /// Counts one parsed line.
  void add(const parsed_record& record);

  const report_totals& totals() const { return totals_; }

  /// The page's data. Sorting and drawing happen here, once. `as_of` and
  /// `now` (seconds since the epoch) choose the reference time for
  /// certificate expiry (see mail_builder::view); `now` defaults to the clock.
  report_view view(std::optional<int64_t> as_of = std::nullopt,
                   std::optional<int64_t> now = std::nullopt) const;

 private:
  page_limits limits_;
  report_totals totals_;
  network_table networks_;
  address_map map_;
  std::vector<mismatch_sample> mismatches_;
  mail_builder mail_;
  std::vector<zone_fact> zones_;
  std::map<std::string, uint64_t> zone_findings_;
};

}  // namespace ptrscan::report
