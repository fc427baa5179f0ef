#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/spf.h"

namespace ptrscan {

/// One thing wrong with a domain's published SPF record, in the terms mail
/// checkers use. `code` is one of:
///   spf_all_pass         "+all" (or a bare "all"): anyone may send as the domain
///   spf_all_neutral      "?all": says nothing about anyone
///   spf_no_all           no "all" and no redirect=: the default is neutral (§4.7)
///   spf_ptr              a ptr mechanism: "SHOULD NOT be published" (§5.5)
///   spf_too_long         over 450 octets, what fits a 512-octet UDP answer (§3.4)
///   spf_too_many_lookups more than 10 DNS-querying terms (§4.6.4: permerror)
///   spf_too_many_void_lookups more than 2 lookups that found nothing (§4.6.4)
///   spf_include_without_spf an include: of a domain with no SPF record (§5.2:
///                        permerror)
struct spf_lint_finding {
  std::string_view code;
  /// The term as written (spf_all_*, spf_ptr) or the include target.
  std::string detail;
  /// Octets (spf_too_long) or lookups (spf_too_many_*).
  std::optional<uint64_t> count;
};

/// What evaluating a record found that its text cannot show (the includes
/// and redirects it reaches): spf_evaluation's counts after an evaluation.
struct spf_evaluation_facts {
  int lookups = 0;
  int void_lookups = 0;
  std::string include_without_spf;
};

/// The facts of a finished evaluation.
spf_evaluation_facts facts_of(const spf_evaluation& e);

/// Lints one published record: what its text shows, in record order
/// (`record`, `length`
/// octets as published), then what the evaluations of it found (any
/// number: one per address checked; the largest counts are reported, each
/// include target once). A record that does not parse gets no text findings:
/// its evaluation is a permerror with the reason already.
std::vector<spf_lint_finding> lint_spf_record(std::string_view record, size_t length,
                                              const std::vector<spf_evaluation_facts>& evaluated,
                                              const spf_limits& limits = {});

}  // namespace ptrscan
