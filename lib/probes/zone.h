#pragma once

#include <memory>

#include "probes/table.h"

namespace ptrscan {

/// The reverse-zone audit (--probes zone): see lib/probes/zone.cc.
std::shared_ptr<probe> make_zone_probe(const probe_options& o);

/// Its options: --zone-ns-rate, --zone-timeout, --zone-ns-port, --zone-max,
/// --zone-no-tcp.
void add_zone_flags(CLI::App& app, probe_options& o);

}  // namespace ptrscan
