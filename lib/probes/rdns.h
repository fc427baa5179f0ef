#pragma once

#include <memory>

#include "probes/table.h"

namespace ptrscan {

/// The naming class of a host's primary PTR name (lib/checks/rdns_class):
/// generic-dynamic, mail-like, ... No lookups of its own: it classifies the
/// forward-confirmed name when FCrDNS passed, else the first PTR name.
std::shared_ptr<probe> make_rdns_probe(const probe_options& o);

}  // namespace ptrscan
