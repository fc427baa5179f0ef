// The SPF record parser (RFC 7208 §4.6, §12) on any TXT string a domain
// publishes, and record selection over the strings of one name.
//
// Oracles: a record that parses started with the version section; it owns
// the input unchanged, and every text reference (terms, domain-specs,
// redirect=, exp=) lies inside it; each directive's term starts with its
// qualifier or mechanism name; ip4/ip6 networks have the mechanism's family
// and CIDR lengths stay within the family's bits; the parse is deterministic.
// Selection finds exactly the strings is_spf_record() accepts.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checks/spf_record.h"
#include "fuzz_check.h"

namespace {

using ptrscan::spf_mechanism;
using ptrscan::spf_record;
using ptrscan::spf_text_ref;

void check_ref(const spf_record& r, spf_text_ref ref) {
  FUZZ_CHECK(ref.pos <= r.text.size() && ref.len <= r.text.size() - ref.pos);
}

void check_record(std::string_view input) {
  const ptrscan::spf_parse_result parsed = ptrscan::parse_spf_record(input);
  const ptrscan::spf_parse_result again = ptrscan::parse_spf_record(input);
  FUZZ_CHECK(parsed.error == again.error &&
             parsed.record.directives.size() == again.record.directives.size());
  if (!parsed.ok()) {
    return;
  }
  const spf_record& r = parsed.record;
  FUZZ_CHECK(ptrscan::is_spf_record(input));
  FUZZ_CHECK(r.text == input);
  for (spf_text_ref ref : {r.redirect, r.redirect_term, r.explanation}) {
    check_ref(r, ref);
  }
  FUZZ_CHECK(r.has_redirect() == !r.redirect_term.empty());
  for (const ptrscan::spf_directive& d : r.directives) {
    check_ref(r, d.text);
    check_ref(r, d.domain_spec);
    FUZZ_CHECK(!d.text.empty());
    FUZZ_CHECK(d.cidr4 <= 32 && d.cidr6 <= 128);
    if (d.mechanism == spf_mechanism::ip4) {
      FUZZ_CHECK(d.network.is_v4());
    } else if (d.mechanism == spf_mechanism::ip6) {
      FUZZ_CHECK(!d.network.is_v4());
    }
    // The term as written names its mechanism after an optional qualifier.
    std::string_view term = r.view(d.text);
    if (term.front() == '+' || term.front() == '-' || term.front() == '~' ||
        term.front() == '?') {
      term.remove_prefix(1);
    }
    const std::string_view name = ptrscan::to_string(d.mechanism);
    FUZZ_CHECK(term.size() >= name.size());
    for (size_t i = 0; i < name.size(); ++i) {
      FUZZ_CHECK((term[i] | 0x20) == (name[i] | 0x20));
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_record(input);

  // The input as the TXT strings of one name: split at NUL bytes, so one
  // input gives any number of strings.
  std::vector<std::string> texts;
  size_t start = 0;
  for (size_t i = 0; i <= input.size(); ++i) {
    if (i == input.size() || input[i] == '\0') {
      texts.emplace_back(input.substr(start, i - start));
      start = i + 1;
    }
  }
  size_t spf = 0;
  size_t first = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (ptrscan::is_spf_record(texts[i])) {
      if (spf++ == 0) {
        first = i;
      }
    }
  }
  const ptrscan::spf_selection sel = ptrscan::select_spf_record(texts);
  using kind = ptrscan::spf_selection::kind;
  FUZZ_CHECK(sel.found == (spf == 0 ? kind::none : spf == 1 ? kind::one : kind::multiple));
  if (sel.found == kind::one) {
    FUZZ_CHECK(sel.index == first);
  }
  return 0;
}
