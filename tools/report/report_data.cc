#include "report/report_data.h"

namespace ptrscan::report {

void report_builder::add(const parsed_record& record) {
  switch (record.what) {
    case parsed_record::kind::bad:
      ++totals_.bad_lines;
      return;
    case parsed_record::kind::domain_summary:
      ++totals_.domain_summaries;
      return;
    case parsed_record::kind::host:
      break;
  }
  const host_facts& host = record.host;
  totals_.add(host);
  networks_.add(host);
  map_.add(host.ip, verdict_of(host));
  if (host.banner_ptr_match == false && mismatches_.size() < limits_.mismatches) {
    mismatches_.push_back({host.ip.to_string(), host.ptr_name, host.banner_host});
  }
}

report_view report_builder::view() const {
  report_view v;
  v.totals = totals_;
  v.networks = networks_.worst(limits_.networks);
  v.networks_seen = networks_.size();
  v.blocks = map_.largest_blocks(limits_.blocks);
  v.blocks_seen = map_.block_count();
  v.mismatches = mismatches_;
  v.mismatches_seen = totals_.banner_mismatch;
  return v;
}

}  // namespace ptrscan::report
