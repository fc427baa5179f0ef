#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "checks/helo_verdict.h"
#include "dns/dns_status.h"
#include "probes/table.h"

namespace ptrscan {

/// The PTR lookup of a host's reverse name (RFC 1035 §3.5; RFC 2317
/// delegations are CNAMEs, chased by the scan layer).
class ptr_worker final : public probe_worker {
 public:
  ptr_worker(probe_services& s, uint8_t id, size_t status_counter);

  void start_host(uint32_t slot) override;
  void on_answer(job_kind kind, uint32_t slot, uint32_t tag, std::string_view qname,
                 const dns_reply& reply) override;
  void write_host(uint32_t slot, json_writer& w) override;

  /// What the lookup found (read by the probes that start after it).
  dns_status status(uint32_t slot) const { return hosts_[slot].status; }
  /// The PTR names, distinct, sorted (canonical order, see dns_reply::names),
  /// at most max_ptr_names; empty unless status is ok.
  std::span<const std::string> names(uint32_t slot) const {
    const host& h = hosts_[slot];
    return h.status == dns_status::ok ? std::span<const std::string>(h.names)
                                      : std::span<const std::string>();
  }
  /// With status ok, when a CNAME led to the PTR records (RFC 2317): the
  /// name that owns them; empty when the address's own name does.
  std::string_view cname_owner(uint32_t slot) const {
    const host& h = hosts_[slot];
    return h.status == dns_status::ok ? std::string_view(h.owner) : std::string_view();
  }
  /// How many distinct names the answer held (>= names().size()).
  uint32_t names_total(uint32_t slot) const {
    const host& h = hosts_[slot];
    return h.status == dns_status::ok ? h.names_total : 0;
  }
  /// How much the HELO rules can know of the PTR names: failed (a lookup
  /// failure), partial (names were dropped past max_ptr_names) or known.
  ptr_evidence evidence(uint32_t slot) const {
    const host& h = hosts_[slot];
    if (is_lookup_failure(h.status)) {
      return ptr_evidence::failed;
    }
    return h.status == dns_status::ok && h.names_total > h.names.size() ? ptr_evidence::partial
                                                                        : ptr_evidence::known;
  }

 private:
  struct host {
    dns_status status = dns_status::error;
    std::string_view reason;  // why, with status error (static text)
    std::vector<std::string> names;
    uint32_t names_total = 0;
    std::string owner;  // see cname_owner(); its capacity is kept
  };
  probe_services& s_;
  const uint8_t id_;
  const size_t status_counter_;
  std::vector<host> hosts_;
};

std::shared_ptr<probe> make_ptr_probe(const probe_options& o);

}  // namespace ptrscan
