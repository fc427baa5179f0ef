#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "net/ip_address.h"

namespace ptrscan {

/// The values SPF macros expand to (RFC 7208 §7.2). Views: the caller keeps
/// the strings alive while expanding.
struct spf_macro_context {
  std::string_view local;          // %{l}: local-part of the sender
  std::string_view sender_domain;  // %{o}: domain of the sender
  std::string_view domain;         // %{d}: the domain of the record being evaluated
  std::string_view helo;           // %{h}: HELO/EHLO domain
  ip_address ip;                   // %{i}, %{v}, %{c}
  /// %{p}: the validated domain name of the IP (§7.3, found as §5.5 says);
  /// empty expands to "unknown", as for an IP with none.
  std::string_view validated_name;
};

/// What a macro-string scan found (RFC 7208 §7.1 ABNF).
struct spf_macro_scan {
  /// Empty when the string is valid, else what is wrong.
  std::string_view error;
  /// The string ends in a macro-expand, which is one of the two forms a
  /// domain-spec may end in.
  bool ends_in_macro = false;
};

/// Checks `text` against the macro-string grammar. The letters c, r and t
/// are allowed only where `explanation` is true (§7.2: they are for "exp"
/// text alone).
spf_macro_scan scan_macro_string(std::string_view text, bool explanation);

/// Checks a domain-spec (§7.1): a macro-string that ends in a macro-expand
/// or in "." toplabel ["."], a top label not all digits. This is what makes
/// "a:1.2.3.4" and "include:localhost" syntax errors. Empty when valid.
std::string_view check_domain_spec(std::string_view spec);

/// Expands the macros of a validated macro-string (§7.3). Letters the
/// evaluator cannot know expand as RFC 7208 suggests: %{p} without a
/// validated name and %{r} as "unknown", %{t} as "0".
std::string expand_macros(std::string_view text, const spf_macro_context& ctx);

/// A name longer than 253 octets loses labels from the left until it fits
/// (§7.3, for names built by macro expansion).
std::string_view truncate_domain(std::string_view name);

/// True when a validated macro-string uses %{p} (so the evaluator must find
/// the validated name before expanding it).
bool uses_validated_name(std::string_view text);

/// Checks an explanation string (§6.2: *( macro-string / SP ), macro letters
/// c, r and t allowed): printable 7-bit ASCII and spaces only. Empty when
/// valid.
std::string_view check_explanation(std::string_view text);

}  // namespace ptrscan
