#include "checks/spf_lint.h"

#include <algorithm>

#include "checks/spf_record.h"

namespace ptrscan {
namespace {

// RFC 7208 §3.4: records that keep the answer within 512 octets; "keeping
// the size of SPF records below 450 octets" is the advice that follows.
constexpr size_t max_record_octets = 450;

bool is_lookup_term(spf_mechanism m) {
  return m == spf_mechanism::include || m == spf_mechanism::a || m == spf_mechanism::mx ||
         m == spf_mechanism::ptr || m == spf_mechanism::exists;
}

}  // namespace

spf_evaluation_facts facts_of(const spf_evaluation& e) {
  return spf_evaluation_facts{e.lookups(), e.void_lookups(), e.include_without_spf()};
}

std::vector<spf_lint_finding> lint_spf_record(std::string_view record, size_t length,
                                              const std::vector<spf_evaluation_facts>& evaluated,
                                              const spf_limits& limits) {
  std::vector<spf_lint_finding> out;
  int lookups = 0;
  const spf_parse_result parsed = parse_spf_record(record);
  if (parsed.ok()) {
    const spf_record& r = parsed.record;
    bool has_all = false;
    for (const spf_directive& d : r.directives) {
      if (d.mechanism == spf_mechanism::all) {
        // Only the first all can ever be reached; terms after it are dead.
        if (!has_all && d.qualifier == spf_qualifier::pass) {
          out.push_back({"spf_all_pass", std::string(r.view(d.text)), std::nullopt});
        } else if (!has_all && d.qualifier == spf_qualifier::neutral) {
          out.push_back({"spf_all_neutral", std::string(r.view(d.text)), std::nullopt});
        }
        has_all = true;
      }
      if (d.mechanism == spf_mechanism::ptr) {
        out.push_back({"spf_ptr", std::string(r.view(d.text)), std::nullopt});
      }
      lookups += is_lookup_term(d.mechanism) ? 1 : 0;
    }
    if (!has_all && !r.has_redirect()) {
      out.push_back({"spf_no_all", {}, std::nullopt});
    }
    lookups += r.has_redirect() ? 1 : 0;
  }
  if (length > max_record_octets) {
    out.push_back({"spf_too_long", {}, length});
  }
  // The record's own terms are a floor; includes and redirects add theirs,
  // which only an evaluation sees (it stops one past the limit).
  int voids = 0;
  std::vector<std::string> includes;
  for (const spf_evaluation_facts& f : evaluated) {
    lookups = std::max(lookups, f.lookups);
    voids = std::max(voids, f.void_lookups);
    if (!f.include_without_spf.empty() &&
        std::find(includes.begin(), includes.end(), f.include_without_spf) == includes.end()) {
      includes.push_back(f.include_without_spf);
    }
  }
  if (lookups > limits.max_lookups) {
    out.push_back({"spf_too_many_lookups", {}, static_cast<uint64_t>(lookups)});
  }
  if (voids > limits.max_void_lookups) {
    out.push_back({"spf_too_many_void_lookups", {}, static_cast<uint64_t>(voids)});
  }
  for (std::string& d : includes) {
    out.push_back({"spf_include_without_spf", std::move(d), std::nullopt});
  }
  return out;
}

}  // namespace ptrscan
