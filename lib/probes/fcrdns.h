#pragma once

#include <memory>
#include <span>
#include <vector>

#include "checks/fcrdns.h"
#include "probes/table.h"

namespace ptrscan {

class ptr_worker;

/// Forward-confirmed reverse DNS: A and AAAA of the host's PTR names (the
/// first max_forward_names in sorted order), then the RFC 8601 iprev verdict. Starts when
/// the ptr probe is done on the host.
class fcrdns_worker final : public probe_worker {
 public:
  fcrdns_worker(probe_services& s, uint8_t id, size_t status_counter, uint32_t max_names);

  absl::Status init() override;
  void start_host(uint32_t slot) override;
  void on_answer(job_kind kind, uint32_t slot, uint32_t tag, std::string_view qname,
                 const dns_reply& reply) override;
  void write_host(uint32_t slot, json_writer& w) override;

  /// The verdict, once write_host() has run for the host (the rdns probe,
  /// after it in the table, reads it for the name it classifies).
  const fcrdns_verdict& verdict(uint32_t slot) const { return hosts_[slot].verdict; }
  /// The A/AAAA lookups of host `slot`'s PTR names, and how many names
  /// were not looked up (fcrdns.unchecked).
  std::span<const forward_lookup> forward(uint32_t slot) const { return hosts_[slot].forward; }
  uint32_t unchecked(uint32_t slot) const { return hosts_[slot].unchecked; }

 private:
  struct host {
    std::vector<forward_lookup> forward;
    fcrdns_verdict verdict;
    uint32_t unchecked = 0;  // PTR names not looked up
  };
  probe_services& s_;
  const uint8_t id_;
  const size_t status_counter_;
  const uint32_t max_names_;
  ptr_worker* ptr_ = nullptr;
  std::vector<host> hosts_;
};

/// Writes the `fcrdns` object's members (the caller opens the object).
void write_fcrdns_json(json_writer& w, const fcrdns_verdict& v,
                       std::span<const forward_lookup> forward);

std::shared_ptr<probe> make_fcrdns_probe(const probe_options& o);

/// Its options: --fcrdns-max-names.
void add_fcrdns_flags(CLI::App& app, probe_options& o);

}  // namespace ptrscan
