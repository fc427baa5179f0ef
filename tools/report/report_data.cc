#include "report/report_data.h"

#include <ctime>

namespace ptrscan::report {

void report_builder::add(const parsed_record& record) {
  switch (record.what) {
    case parsed_record::kind::bad:
      ++totals_.bad_lines;
      return;
    case parsed_record::kind::domain_summary:
      ++totals_.domain_summaries;
      mail_.add_domain(record.domain);
      return;
    case parsed_record::kind::zone:
      ++totals_.zone_records;
      if (!record.zone.findings.empty()) {
        ++totals_.zones_with_findings;
      }
      if (record.zone.status == "error") {
        ++totals_.zones_failed;
      }
      for (const std::string& k : record.zone.findings) {
        ++zone_findings_[k];
      }
      // Zones with findings (or failed audits) first, up to the limit.
      if ((!record.zone.findings.empty() || record.zone.status == "error") &&
          zones_.size() < limits_.zones) {
        zones_.push_back(record.zone);
      }
      return;
    case parsed_record::kind::host:
      break;
  }
  const host_facts& host = record.host;
  totals_.add(host);
  networks_.add(host);
  map_.add(host.ip, verdict_of(host));
  mail_.add_host(host);
  if (host.banner_ptr_match == false && mismatches_.size() < limits_.mismatches) {
    mismatches_.push_back({host.ip.to_string(), host.ptr_name, host.banner_host});
  }
}

report_view report_builder::view(std::optional<int64_t> as_of,
                                 std::optional<int64_t> now) const {
  report_view v;
  v.totals = totals_;
  v.networks = networks_.worst(limits_.networks);
  v.networks_seen = networks_.size();
  v.blocks = map_.largest_blocks(limits_.blocks);
  v.blocks_seen = map_.block_count();
  v.mismatches = mismatches_;
  v.mismatches_seen = totals_.banner_mismatch;
  v.zones = zones_;
  v.zone_findings.assign(zone_findings_.begin(), zone_findings_.end());
  v.mail = mail_.view(as_of, now.value_or(static_cast<int64_t>(std::time(nullptr))));
  return v;
}

}  // namespace ptrscan::report
