#pragma once

#include <memory>

#include "probes/table.h"

namespace ptrscan {

/// The SMTP session of each --smtp-ports entry (banner, EHLO, STARTTLS and
/// the relay test as its options), admitted by the adaptive window
/// (smtp/admission.h), --max-sessions and --per-subnet.
std::shared_ptr<probe> make_smtp_probe(const probe_options& o);

/// Its options: -p/--smtp-ports, --ehlo-name, the timeouts, --max-sessions,
/// --per-subnet, --relay-from, --relay-to.
void add_smtp_flags(CLI::App& app, probe_options& o);

}  // namespace ptrscan
