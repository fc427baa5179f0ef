#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ptrscan {

/// RFC 6125 §6.4 matching of a presented DNS-ID (a subject CN or DNS SAN from
/// a certificate) against a reference host name (a PTR, banner or EHLO name).
///
/// - Case-insensitive (ASCII only: IDNA A-labels such as "xn--bcher-kva" are
///   compared as the ASCII they are; no Unicode folding), one trailing dot on
///   either side ignored.
/// - A wildcard is honoured only as the entire left-most label and stands for
///   exactly one non-empty label: "*.example.com" matches "a.example.com", not
///   "example.com", not "a.b.example.com".
/// - Partial-label wildcards ("w*.example.com", "*w.example.com", "a*b...") are
///   NOT matched: RFC 6125 §7.2 discourages them and current browsers and
///   RFC 9525 dropped them. "*" anywhere but as the whole left-most label never
///   matches.
/// - At least two labels must follow the wildcard, so "*.com" (or "*") never
///   matches anything. (Wildcards over public suffixes like "*.co.uk" are not
///   caught: that needs the Public Suffix List.)
/// - A reference that is an IP literal is only ever compared exactly, never
///   against a wildcard; a reference containing '*' never matches.
/// - Empty strings never match.
bool cert_name_matches(std::string_view presented, std::string_view reference);

/// True when any of `cert_names` matches any of `hosts` (cert_name_matches).
bool any_cert_name_matches(const std::vector<std::string>& cert_names,
                           const std::vector<std::string>& hosts);

}  // namespace ptrscan
