#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "probes/table.h"
#include "smtp/smtp_result.h"

namespace ptrscan {

struct helo_name;

/// What the smtp probe's worker found on a host, for probes after it in
/// the table (the policy probe): valid until the host's record is written.
class smtp_view {
 public:
  /// The sessions of host `slot`, in --smtp-ports order; empty when none
  /// was made (a sender target without --probes smtp).
  virtual std::span<const smtp_result> results(uint32_t slot) const = 0;
  /// The HELO-rule lookups of a host the replies named (as the reply named
  /// it), or null: not named, or not looked up (--smtp-helo-names).
  virtual const helo_name* named_helo(uint32_t slot, std::string_view host) const = 0;

 protected:
  ~smtp_view() = default;
};

/// The SMTP session of each --smtp-ports entry (banner, EHLO, STARTTLS and
/// the relay test as its options), admitted by the adaptive window
/// (smtp/admission.h), --max-sessions and --per-subnet.
std::shared_ptr<probe> make_smtp_probe(const probe_options& o);

/// Its options: -p/--smtp-ports, --ehlo-name, the timeouts, --max-sessions,
/// --per-subnet, --relay-from, --relay-to.
void add_smtp_flags(CLI::App& app, probe_options& o);

}  // namespace ptrscan
