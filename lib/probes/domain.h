#pragma once

#include <memory>
#include <vector>

#include "checks/domain_audit.h"
#include "probes/table.h"

namespace ptrscan {

class ptr_worker;
class spf_worker;

/// Domain targets (issue 5): MX and TXT of the domain, then A and AAAA of
/// every MX host (or of the domain itself without MX: RFC 5321 §5.1); its
/// distinct addresses pass the input filters and run as the name job's
/// children (every host probe, plus SPF); then the summary record.
class domain_worker final : public probe_worker {
 public:
  domain_worker(probe_services& s, uint8_t id, size_t skipped_counter);

  absl::Status init() override;
  void start_name(uint32_t slot) override;
  void on_answer(job_kind kind, uint32_t slot, uint32_t tag, std::string_view qname,
                 const dns_reply& reply) override;
  void on_name_idle(uint32_t slot) override;
  void write_host(uint32_t slot, json_writer& w) override;
  void write_name(uint32_t slot, json_writer& w) override;
  void end_host(uint32_t slot) override;

  /// The audit of name job `slot` (the spf probe reads its children's
  /// domain and MX host).
  const domain_audit& audit(uint32_t slot) const { return names_[slot].audit; }

 private:
  struct name {
    domain_audit audit;
    bool collected = false;
  };
  probe_services& s_;
  const uint8_t id_;
  const size_t skipped_counter_;
  ptr_worker* ptr_ = nullptr;
  spf_worker* spf_ = nullptr;
  std::vector<name> names_;
};

/// The summary record's members: "domain", "mx", "spf", "addresses",
/// "findings". `ptr_probed`: whether the addresses' PTR statuses mean
/// anything (the ptr probe ran).
void write_domain_summary(json_writer& w, const domain_audit& a, bool ptr_probed);

std::shared_ptr<probe> make_domain_probe(const probe_options& o);

}  // namespace ptrscan
