#include "checks/spf_macro.h"

#include <algorithm>
#include <vector>

#include "net/ascii.h"

namespace ptrscan {
namespace {

// Longest domain a macro expansion may produce (§7.3: 253 characters, the
// longest name in text form without the root dot).
constexpr size_t max_expanded_domain = 253;
// Parts a DIGIT transformer can ask for; more than a name can have (127
// labels), so a larger number simply means "all".
constexpr size_t max_keep = 1000;

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

/// macro-literal = %x21-24 / %x26-7E: visible ASCII other than '%'.
bool is_macro_literal(char c) { return c >= 0x21 && c <= 0x7e && c != '%'; }

/// delimiter = "." / "-" / "+" / "," / "/" / "_" / "="
bool is_delimiter(char c) {
  return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

bool is_macro_letter(char c, bool explanation) {
  switch (ascii_lower(c)) {
    case 's':
    case 'l':
    case 'o':
    case 'd':
    case 'i':
    case 'p':
    case 'h':
    case 'v':
      return true;
    case 'c':
    case 'r':
    case 't':
      return explanation;
    default:
      return false;
  }
}

/// One macro-expand, parsed: "%{" letter *DIGIT ["r"] *delimiter "}" or one
/// of the escapes %% %_ %-.
struct macro_token {
  size_t length = 0;            // octets consumed; 0 on a syntax error
  std::string_view literal;     // what %% %_ %- stand for
  char letter = 0;              // lower-case macro letter; 0 for the escapes
  bool url_escape = false;      // upper-case letter (§7.3)
  size_t keep = 0;              // right-hand parts to keep; 0 = all
  bool reverse = false;         // the "r" transformer
  std::string_view delimiters;  // empty means "."
  std::string_view error;
};

/// Reads the transformers and delimiters after the letter, up to the '}'.
void parse_transformers(std::string_view text, size_t pos, macro_token& tok) {
  const size_t digits_start = pos;
  size_t keep = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    keep = std::min(max_keep, keep * 10 + static_cast<size_t>(text[pos] - '0'));
    ++pos;
  }
  if (pos > digits_start && keep == 0) {
    tok.error = "macro digit transformer is zero";  // §7.3: it MUST be nonzero
    return;
  }
  tok.keep = keep;
  if (pos < text.size() && ascii_lower(text[pos]) == 'r') {
    tok.reverse = true;
    ++pos;
  }
  const size_t delimiters_start = pos;
  while (pos < text.size() && is_delimiter(text[pos])) {
    ++pos;
  }
  tok.delimiters = text.substr(delimiters_start, pos - delimiters_start);
  if (pos >= text.size() || text[pos] != '}') {
    tok.error = "unterminated or malformed macro";
    return;
  }
  tok.length = pos + 1;  // made relative by the caller
}

/// Parses the macro-expand starting at text[pos] == '%'.
macro_token parse_macro(std::string_view text, size_t pos, bool explanation) {
  macro_token tok;
  if (pos + 1 >= text.size()) {
    tok.error = "'%' at the end of a macro-string";
    return tok;
  }
  switch (text[pos + 1]) {
    case '%':
      tok.literal = "%";
      tok.length = 2;
      return tok;
    case '_':
      tok.literal = " ";
      tok.length = 2;
      return tok;
    case '-':
      tok.literal = "%20";
      tok.length = 2;
      return tok;
    case '{':
      break;
    default:
      tok.error = "'%' not followed by '{', '%', '_' or '-'";
      return tok;
  }
  if (pos + 2 >= text.size() || !is_macro_letter(text[pos + 2], explanation)) {
    tok.error = "unknown macro letter";
    return tok;
  }
  tok.letter = ascii_lower(text[pos + 2]);
  tok.url_escape = text[pos + 2] != tok.letter;
  parse_transformers(text, pos + 3, tok);
  if (tok.error.empty()) {
    tok.length -= pos;
  } else {
    tok.length = 0;
  }
  return tok;
}

/// toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ):
/// letters, digits and inner hyphens, and not all digits (so that an IP
/// address is never taken for a domain).
bool is_toplabel(std::string_view label) {
  if (label.empty() || label.front() == '-' || label.back() == '-') {
    return false;
  }
  bool letter_or_hyphen = false;
  for (char c : label) {
    if (!is_alnum(c) && c != '-') {
      return false;
    }
    letter_or_hyphen = letter_or_hyphen || !is_digit(c);
  }
  return letter_or_hyphen;
}

void append_ip(const ip_address& ip, std::string& out) {
  if (ip.is_v4()) {
    char buf[ip_address::max_text_len];
    out.append(buf, ip.format(buf));
    return;
  }
  // §7.3: an IPv6 %{i} is dot-format, 32 hex nibbles separated by dots.
  static constexpr char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < 16; ++i) {
    if (i != 0) {
      out.push_back('.');
    }
    out.push_back(hex[ip.bytes[i] >> 4]);
    out.push_back('.');
    out.push_back(hex[ip.bytes[i] & 0x0f]);
  }
}

/// The value of a macro letter before transformers are applied.
std::string letter_value(char letter, const spf_macro_context& ctx) {
  std::string v;
  switch (letter) {
    case 's':
      v.append(ctx.local).append("@").append(ctx.sender_domain);
      break;
    case 'l':
      v = ctx.local;
      break;
    case 'o':
      v = ctx.sender_domain;
      break;
    case 'd':
      v = ctx.domain;
      break;
    case 'h':
      v = ctx.helo;
      break;
    case 'i':
      append_ip(ctx.ip, v);
      break;
    case 'c': {
      char buf[ip_address::max_text_len];
      v.assign(buf, ctx.ip.format(buf));
      break;
    }
    case 'v':
      v = ctx.ip.is_v4() ? "in-addr" : "ip6";
      break;
    case 't':
      v = "0";
      break;
    case 'p':
      v = ctx.validated_name.empty() ? std::string_view("unknown") : ctx.validated_name;
      break;
    default:  // r
      v = "unknown";
      break;
  }
  return v;
}

/// Splits on the delimiters, reverses, keeps the right-hand parts and joins
/// them with "." (§7.3).
std::string transform(std::string_view value, const macro_token& tok) {
  const std::string_view delims = tok.delimiters.empty() ? "." : tok.delimiters;
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= value.size(); ++i) {
    if (i == value.size() || delims.find(value[i]) != std::string_view::npos) {
      parts.push_back(value.substr(start, i - start));
      start = i + 1;
    }
  }
  if (tok.reverse) {
    std::reverse(parts.begin(), parts.end());
  }
  const size_t first = (tok.keep == 0 || tok.keep >= parts.size()) ? 0 : parts.size() - tok.keep;
  std::string out;
  for (size_t i = first; i < parts.size(); ++i) {
    if (i != first) {
      out.push_back('.');
    }
    out.append(parts[i]);
  }
  return out;
}

/// Upper-case macro letters URL-escape their value (§7.3, RFC 3986
/// unreserved characters stay).
void append_url_escaped(std::string_view value, std::string& out) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (char c : value) {
    if (is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(c);
    } else {
      const auto u = static_cast<unsigned char>(c);
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0x0f]);
    }
  }
}

}  // namespace

spf_macro_scan scan_macro_string(std::string_view text, bool explanation) {
  spf_macro_scan scan;
  size_t pos = 0;
  while (pos < text.size()) {
    if (text[pos] != '%') {
      if (!is_macro_literal(text[pos])) {
        scan.error = "character not allowed in a macro-string";
        return scan;
      }
      scan.ends_in_macro = false;
      ++pos;
      continue;
    }
    const macro_token tok = parse_macro(text, pos, explanation);
    if (tok.length == 0) {
      scan.error = tok.error;
      return scan;
    }
    scan.ends_in_macro = true;
    pos += tok.length;
  }
  return scan;
}

std::string_view check_domain_spec(std::string_view spec) {
  if (spec.empty()) {
    return "empty domain-spec";
  }
  const spf_macro_scan scan = scan_macro_string(spec, false);
  if (!scan.error.empty()) {
    return scan.error;
  }
  if (scan.ends_in_macro) {
    return {};
  }
  // domain-end = "." toplabel ["."]
  std::string_view name = spec;
  if (name.back() == '.') {
    name.remove_suffix(1);
  }
  const size_t dot = name.rfind('.');
  if (dot == std::string_view::npos || !is_toplabel(name.substr(dot + 1))) {
    return "domain-spec does not end in a valid top-level label";
  }
  return {};
}

std::string expand_macros(std::string_view text, const spf_macro_context& ctx) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    const size_t pct = text.find('%', pos);
    out.append(text.substr(pos, pct == std::string_view::npos ? pct : pct - pos));
    if (pct == std::string_view::npos) {
      break;
    }
    const macro_token tok = parse_macro(text, pct, true);
    if (tok.length == 0) {
      break;  // not validated: stop rather than guess
    }
    pos = pct + tok.length;
    if (tok.letter == 0) {
      out.append(tok.literal);
      continue;
    }
    const std::string value = transform(letter_value(tok.letter, ctx), tok);
    if (tok.url_escape) {
      append_url_escaped(value, out);
    } else {
      out.append(value);
    }
  }
  return out;
}

bool uses_validated_name(std::string_view text) {
  for (size_t pos = 0; pos < text.size(); ++pos) {
    if (text[pos] != '%') {
      continue;
    }
    const macro_token tok = parse_macro(text, pos, true);
    if (tok.length == 0) {
      return false;  // not validated: nothing past this is expanded either
    }
    if (tok.letter == 'p') {
      return true;
    }
    pos += tok.length - 1;
  }
  return false;
}

std::string_view check_explanation(std::string_view text) {
  size_t start = 0;
  while (start <= text.size()) {
    const size_t space = std::min(text.find(' ', start), text.size());
    const spf_macro_scan scan = scan_macro_string(text.substr(start, space - start), true);
    if (!scan.error.empty()) {
      return scan.error;
    }
    start = space + 1;
  }
  return {};
}

std::string_view truncate_domain(std::string_view name) {
  while (name.size() > max_expanded_domain) {
    const size_t dot = name.find('.');
    if (dot == std::string_view::npos) {
      return {};  // one label longer than any name: nothing is left
    }
    name.remove_prefix(dot + 1);
  }
  return name;
}

}  // namespace ptrscan
