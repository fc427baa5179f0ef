#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "checks/rdns_class.h"
#include "probes/table.h"

namespace ptrscan {

/// What the rdns probe's worker decided for a host, for probes after it in
/// the table (the policy probe): valid once its write_host() has run.
class rdns_view {
 public:
  /// The naming class of host `slot`'s primary PTR name.
  virtual rdns_class class_of(uint32_t slot) const = 0;
  /// The name classified ("" when there is none).
  virtual std::string_view name_of(uint32_t slot) const = 0;

 protected:
  ~rdns_view() = default;
};

/// The naming class of a host's primary PTR name (lib/checks/rdns_class):
/// generic-dynamic, mail-like, ... No lookups of its own: it classifies the
/// forward-confirmed name when FCrDNS passed, else the first PTR name.
std::shared_ptr<probe> make_rdns_probe(const probe_options& o);

}  // namespace ptrscan
