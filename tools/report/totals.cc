#include "report/totals.h"

namespace ptrscan::report {
namespace {

void count_match(const std::optional<bool>& match, uint64_t& yes, uint64_t& no) {
  if (match.has_value()) {
    ++(*match ? yes : no);
  }
}

}  // namespace

void report_totals::add(const host_facts& host) {
  ++records;
  ++(host.ip.is_v4() ? ipv4 : ipv6);
  oversized += host.oversized ? 1 : 0;

  if (host.ptr != ptr_outcome::not_run) {
    ++ptr_probed;
    ptr_found += host.ptr == ptr_outcome::found ? 1 : 0;
    ptr_absent += host.ptr == ptr_outcome::absent ? 1 : 0;
    ptr_errors += host.ptr == ptr_outcome::lookup_error ? 1 : 0;
  }
  if (host.fcrdns != fcrdns_outcome::not_run) {
    ++fcrdns_probed;
    fcrdns_pass += host.fcrdns == fcrdns_outcome::pass ? 1 : 0;
    fcrdns_fail += host.fcrdns == fcrdns_outcome::fail ? 1 : 0;
    fcrdns_none += host.fcrdns == fcrdns_outcome::none ? 1 : 0;
    fcrdns_error += host.fcrdns == fcrdns_outcome::error ? 1 : 0;
  }
  if (host.naming.has_value()) {
    ++naming_probed;
    ++naming[static_cast<size_t>(*host.naming)];
  } else if (host.naming_unknown) {
    ++naming_probed;
    ++naming_unknown;
  }
  if (host.smtp_probed) {
    ++smtp_probed;
  }
  if (host.smtp_ok) {
    ++smtp_ok;
    starttls_offered += host.starttls_offered ? 1 : 0;
    tls_negotiated += host.tls_negotiated ? 1 : 0;
  }
  count_match(host.banner_ptr_match, banner_match, banner_mismatch);
  count_match(host.ehlo_ptr_match, ehlo_match, ehlo_mismatch);
  ++verdicts[static_cast<size_t>(verdict_of(host))];
}

}  // namespace ptrscan::report
