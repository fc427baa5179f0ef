#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/ip_address.h"

namespace ptrscan {

/// The qualifier in front of a mechanism (RFC 7208 §4.6.2); "+" when absent.
enum class spf_qualifier : uint8_t { pass, fail, softfail, neutral };

/// The mechanisms of RFC 7208 §5.
enum class spf_mechanism : uint8_t { all, include, a, mx, ptr, ip4, ip6, exists };
std::string_view to_string(spf_mechanism m);

/// Where a piece of the record text lies: offsets rather than views, so a
/// record can be moved (a short record lives in the string's inline buffer).
struct spf_text_ref {
  uint32_t pos = 0;
  uint32_t len = 0;
  bool empty() const { return len == 0; }
};

/// One directive: [qualifier] mechanism, with its arguments.
struct spf_directive {
  spf_mechanism mechanism = spf_mechanism::all;
  spf_qualifier qualifier = spf_qualifier::pass;
  spf_text_ref text;         // the whole term as written
  spf_text_ref domain_spec;  // include/exists, and a/mx/ptr when given
  ip_address network;        // ip4 / ip6
  uint8_t cidr4 = 32;        // ip4, and a/mx against an IPv4 sender
  uint8_t cidr6 = 128;       // ip6, and a/mx against an IPv6 sender
};

/// A parsed "v=spf1" record. Owns its text; the refs point into it.
struct spf_record {
  std::string text;
  std::vector<spf_directive> directives;  // in record order (§4.6.2)
  spf_text_ref redirect;                  // the domain-spec of redirect=, if any
  spf_text_ref redirect_term;             // "redirect=..." as written
  spf_text_ref explanation;               // the domain-spec of exp=, parsed, not used

  std::string_view view(spf_text_ref r) const {
    return std::string_view(text).substr(r.pos, r.len);
  }
  bool has_redirect() const { return !redirect.empty(); }
};

struct spf_parse_result {
  spf_record record;
  /// Empty when the record is valid, else e.g. "syntax error at 'ip4:1.2.3':
  /// invalid ip4 network". Any syntax error makes the whole record a
  /// permerror before any term is evaluated (§4.6).
  std::string error;
  bool ok() const { return error.empty(); }
};

/// True when `text` starts with the version section "v=spf1" (compared
/// case-insensitively) ended by a space or the end of the text (§4.5:
/// "v=spf10" is not an SPF record).
bool is_spf_record(std::string_view text);

/// Record selection (§4.5) over the TXT strings of one name.
struct spf_selection {
  enum class kind : uint8_t { none, one, multiple } found = kind::none;
  size_t index = 0;  // of the record when found == one
};
spf_selection select_spf_record(std::span<const std::string> texts);

/// Parses a whole record, version section included, by the grammar of
/// §4.6.1 and §12: terms separated by spaces; mechanisms with dual CIDR
/// lengths; redirect= and exp= at most once each (§6); unknown modifiers
/// checked for syntax and ignored (§6).
spf_parse_result parse_spf_record(std::string_view text);

}  // namespace ptrscan
