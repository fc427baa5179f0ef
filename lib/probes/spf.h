#pragma once

#include <memory>

#include "checks/spf.h"
#include "probes/table.h"

namespace ptrscan {

/// The SPF verdict (RFC 7208 check_host) for each address a domain target's
/// mail exchangers resolve to, as a sender for that domain with its MX host
/// as the HELO name: "may my own mail servers send for my domain?". Runs
/// only on a name job's children.
class spf_worker final : public probe_worker {
 public:
  spf_worker(probe_services& s, uint8_t id, size_t code_counter);

  absl::Status init() override;
  void start_host(uint32_t slot) override;
  void on_answer(job_kind kind, uint32_t slot, uint32_t tag, std::string_view qname,
                 const dns_reply& reply) override;
  void write_host(uint32_t slot, json_writer& w) override;

  /// The finished evaluation of host `slot`, or null (read by the domain
  /// probe when the host ends).
  const spf_evaluation* evaluation(uint32_t slot) const {
    const spf_evaluation* e = hosts_[slot].get();
    return e != nullptr && e->done() ? e : nullptr;
  }

 private:
  void ask_step(uint32_t slot);

  probe_services& s_;
  const uint8_t id_;
  const size_t code_counter_;
  class domain_worker* domains_ = nullptr;
  std::vector<std::unique_ptr<spf_evaluation>> hosts_;
};

/// Writes the members of the `spf` object (the caller opens it):
/// "result", then "reason", "mechanism", "domain" and "explanation" when
/// not empty.
void write_spf_json(json_writer& w, const spf_result& r);

std::shared_ptr<probe> make_spf_probe(const probe_options& o);

}  // namespace ptrscan
