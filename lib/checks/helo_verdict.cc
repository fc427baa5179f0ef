#include "checks/helo_verdict.h"

namespace ptrscan {

std::string_view to_string(helo_verdict v) {
  switch (v) {
    case helo_verdict::match:
      return "match";
    case helo_verdict::mismatch:
      return "mismatch";
    case helo_verdict::unresolved:
      return "unresolved";
    case helo_verdict::error:
      return "error";
    case helo_verdict::invalid:
      return "invalid";
    case helo_verdict::not_fqdn:
      return "not-fqdn";
    case helo_verdict::literal:
      return "literal";
    case helo_verdict::literal_mismatch:
      return "literal-mismatch";
  }
  return "error";
}

helo_assessment assess_helo(const helo_form& form, const ip_address& ip, const helo_dns& dns,
                            std::span<const std::string> ptr_names, ptr_evidence ptr) {
  helo_assessment a;
  const bool names_known = ptr == ptr_evidence::known || ptr == ptr_evidence::partial;
  a.rules = apply_helo_rules(form, ip, dns.addresses, dns.address_lookup_failed,
                             names_known ? ptr_names : std::span<const std::string>());
  helo_rules& r = a.rules;
  if (!names_known) {
    r.equals_ptr.reset();
  } else if (ptr == ptr_evidence::partial && r.equals_ptr.has_value() && !*r.equals_ptr) {
    // Only the kept names were compared: a cap is never a mismatch.
    r.equals_ptr.reset();
    a.ptr_names_cut = true;
  }
  switch (form.syntax) {
    case helo_syntax::invalid:
      a.verdict = helo_verdict::invalid;
      return a;
    case helo_syntax::address_literal:
      a.verdict = r.resolves_to_client.value_or(false) ? helo_verdict::literal
                                                       : helo_verdict::literal_mismatch;
      return a;
    case helo_syntax::not_fqdn:
    case helo_syntax::fqdn:
      break;
  }
  // Resolves: an A, AAAA or MX record. Addresses found decide it at once;
  // otherwise MX records do, and a failed MX lookup leaves it unknown.
  if (!r.resolves.value_or(false)) {
    if (dns.has_mx.value_or(false)) {
      r.resolves = true;
    } else if (!dns.has_mx.has_value()) {
      r.resolves.reset();
    }
  }
  if (form.syntax == helo_syntax::not_fqdn) {
    a.verdict = helo_verdict::not_fqdn;
    return a;
  }
  if (r.equals_ptr.value_or(false) || r.resolves_to_client.value_or(false)) {
    a.verdict = helo_verdict::match;
    return a;
  }
  // Neither matched: mismatch or unresolved only when every lookup the
  // verdict rests on answered.
  if (ptr == ptr_evidence::failed || a.ptr_names_cut || !r.resolves.has_value() ||
      !r.resolves_to_client.has_value()) {
    a.verdict = helo_verdict::error;
    return a;
  }
  a.verdict = r.resolves.value() ? helo_verdict::mismatch : helo_verdict::unresolved;
  return a;
}

}  // namespace ptrscan
