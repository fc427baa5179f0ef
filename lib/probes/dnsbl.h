#pragma once

#include <memory>

#include "checks/dnsbl.h"
#include "probes/table.h"

namespace ptrscan {

/// DNS blocklist lookups (RFC 5782, --dnsbl ZONE): the A record of each
/// zone's query name, then its TXT record when listed.
std::shared_ptr<probe> make_dnsbl_probe(const probe_options& o);

/// Its options: --dnsbl ZONE (repeatable).
void add_dnsbl_flags(CLI::App& app, probe_options& o);

/// One entry of the record's "dnsbl" array: {"zone","status","codes",
/// "reason","error"}, the last three only when they have content.
void write_dnsbl_json(json_writer& w, std::string_view zone, const dnsbl_result& r);

}  // namespace ptrscan
