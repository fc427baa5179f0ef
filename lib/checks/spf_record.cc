#include "checks/spf_record.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "checks/spf_macro.h"
#include "net/ascii.h"

namespace ptrscan {
namespace {

constexpr std::string_view version_tag = "v=spf1";

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool all_digits(std::string_view s) {
  for (char c : s) {
    if (!is_digit(c)) {
      return false;
    }
  }
  return !s.empty();
}

struct mechanism_name {
  std::string_view name;
  spf_mechanism mechanism;
};
constexpr std::array<mechanism_name, 8> mechanism_names = {{
    {"all", spf_mechanism::all},
    {"include", spf_mechanism::include},
    {"a", spf_mechanism::a},
    {"mx", spf_mechanism::mx},
    {"ptr", spf_mechanism::ptr},
    {"ip4", spf_mechanism::ip4},
    {"ip6", spf_mechanism::ip6},
    {"exists", spf_mechanism::exists},
}};

/// Parses the state of one record while its terms are read. Every view it
/// handles points into record.text, so refs are computed from pointers.
class record_parser {
 public:
  explicit record_parser(spf_record& record) : record_(record) {}

  /// Parses one term; returns what is wrong with it, empty when valid.
  std::string_view parse_term(std::string_view term) {
    const size_t name_len = modifier_name_length(term);
    if (name_len != 0) {
      return parse_modifier(term.substr(0, name_len), term.substr(name_len + 1));
    }
    return parse_directive(term);
  }

 private:
  spf_text_ref ref(std::string_view piece) const {
    return {static_cast<uint32_t>(piece.data() - record_.text.data()),
            static_cast<uint32_t>(piece.size())};
  }

  /// A modifier is name "=" value with name = ALPHA *( ALPHA / DIGIT / "-"
  /// / "_" / "." ) (§4.6.1). Returns the name's length, 0 for a directive.
  static size_t modifier_name_length(std::string_view term) {
    if (term.empty() || !is_alpha(term[0])) {
      return 0;
    }
    size_t i = 1;
    while (i < term.size() && (is_alpha(term[i]) || is_digit(term[i]) || term[i] == '-' ||
                               term[i] == '_' || term[i] == '.')) {
      ++i;
    }
    return (i < term.size() && term[i] == '=') ? i : 0;
  }

  std::string_view parse_modifier(std::string_view name, std::string_view value) {
    const bool is_redirect = iequals(name, "redirect");
    if (is_redirect || iequals(name, "exp")) {
      spf_text_ref& slot = is_redirect ? record_.redirect : record_.explanation;
      if (!slot.empty()) {
        return "modifier appears more than once";  // §6: each at most once
      }
      const std::string_view error = check_domain_spec(value);
      if (!error.empty()) {
        return error;
      }
      slot = ref(value);
      if (is_redirect) {
        record_.redirect_term = ref(std::string_view(name.data(), name.size() + 1 + value.size()));
      }
      return {};
    }
    // §6: unknown modifiers are ignored, but must still be well-formed.
    return scan_macro_string(value, true).error;
  }

  /// Removes a leading qualifier (§4.6.2); "+" when there is none.
  static spf_qualifier take_qualifier(std::string_view& rest) {
    const std::string_view signs = "+-~?";
    const size_t which = signs.find(rest.front());
    if (which == std::string_view::npos) {
      return spf_qualifier::pass;
    }
    rest.remove_prefix(1);
    constexpr std::array<spf_qualifier, 4> by_sign = {
        spf_qualifier::pass, spf_qualifier::fail, spf_qualifier::softfail, spf_qualifier::neutral};
    return by_sign[which];
  }

  std::string_view parse_directive(std::string_view term) {
    spf_directive d;
    d.text = ref(term);
    std::string_view rest = term;
    d.qualifier = take_qualifier(rest);
    const size_t name_end = std::min(rest.find_first_of(":/"), rest.size());
    const std::string_view name = rest.substr(0, name_end);
    const std::string_view args = rest.substr(name_end);
    for (const mechanism_name& m : mechanism_names) {
      if (iequals(name, m.name)) {
        d.mechanism = m.mechanism;
        const std::string_view error = parse_arguments(args, d);
        if (error.empty()) {
          record_.directives.push_back(d);
        }
        return error;
      }
    }
    return "unknown mechanism";
  }

  std::string_view parse_arguments(std::string_view args, spf_directive& d) {
    switch (d.mechanism) {
      case spf_mechanism::all:
        return args.empty() ? std::string_view() : "'all' takes no arguments";
      case spf_mechanism::include:
      case spf_mechanism::exists:
        if (args.empty() || args.front() != ':') {
          return "missing ':domain'";
        }
        return parse_domain_spec(args.substr(1), d);
      case spf_mechanism::a:
      case spf_mechanism::mx: {
        std::string_view error;
        args = strip_dual_cidr(args, d, error);
        if (!error.empty()) {
          return error;
        }
        return parse_optional_domain(args, d);
      }
      case spf_mechanism::ptr:
        return parse_optional_domain(args, d);
      case spf_mechanism::ip4:
      case spf_mechanism::ip6:
        return parse_network(args, d);
    }
    return "unknown mechanism";
  }

  std::string_view parse_domain_spec(std::string_view spec, spf_directive& d) {
    const std::string_view error = check_domain_spec(spec);
    if (error.empty()) {
      d.domain_spec = ref(spec);
    }
    return error;
  }

  /// [ ":" domain-spec ] for a, mx and ptr, which default to the current
  /// domain (§5.3, §5.4, §5.5).
  std::string_view parse_optional_domain(std::string_view args, spf_directive& d) {
    if (args.empty()) {
      return {};
    }
    if (args.front() != ':') {
      return "unexpected text after the mechanism";
    }
    return parse_domain_spec(args.substr(1), d);
  }

  /// ip4-cidr-length = "/" ("0" / %x31-39 0*1DIGIT), ip6 likewise with up
  /// to three digits: no leading zeros, and at most 32 or 128.
  static bool parse_cidr(std::string_view digits, unsigned max, uint8_t& out) {
    if (!all_digits(digits) || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
      return false;
    }
    unsigned v = 0;
    for (char c : digits) {
      v = v * 10 + static_cast<unsigned>(c - '0');
    }
    if (v > max) {
      return false;
    }
    out = static_cast<uint8_t>(v);
    return true;
  }

  /// Removes a trailing dual-cidr-length ("/24", "//64", "/24//64", §5.6)
  /// from the arguments of a or mx. A domain-spec may itself contain '/',
  /// so the lengths are taken from the right.
  static std::string_view strip_dual_cidr(std::string_view args, spf_directive& d,
                                          std::string_view& error) {
    const size_t v6 = args.rfind("//");
    if (v6 != std::string_view::npos && all_digits(args.substr(v6 + 2))) {
      if (!parse_cidr(args.substr(v6 + 2), 128, d.cidr6)) {
        error = "invalid ip6 CIDR length";
        return args;
      }
      args = args.substr(0, v6);
    }
    const size_t v4 = args.rfind('/');
    if (v4 != std::string_view::npos && all_digits(args.substr(v4 + 1))) {
      if (!parse_cidr(args.substr(v4 + 1), 32, d.cidr4)) {
        error = "invalid ip4 CIDR length";
        return args;
      }
      args = args.substr(0, v4);
    }
    return args;
  }

  /// ":" address [ "/" length ] for ip4 and ip6 (§5.6).
  static std::string_view parse_network(std::string_view args, spf_directive& d) {
    const bool v4 = d.mechanism == spf_mechanism::ip4;
    if (args.empty() || args.front() != ':') {
      return v4 ? "missing ':address' after ip4" : "missing ':address' after ip6";
    }
    args.remove_prefix(1);
    const size_t slash = args.find('/');
    const std::optional<ip_address> ip = ip_address::parse(args.substr(0, slash));
    if (!ip || ip->is_v4() != v4) {
      return v4 ? "invalid ip4 address" : "invalid ip6 address";
    }
    d.network = *ip;
    if (slash == std::string_view::npos) {
      return {};
    }
    uint8_t& length = v4 ? d.cidr4 : d.cidr6;
    if (!parse_cidr(args.substr(slash + 1), v4 ? 32 : 128, length)) {
      return v4 ? "invalid ip4 CIDR length" : "invalid ip6 CIDR length";
    }
    return {};
  }

  spf_record& record_;
};

std::string syntax_error(std::string_view term, std::string_view why) {
  std::string out = "syntax error at '";
  out.append(term).append("': ").append(why);
  return out;
}

}  // namespace

std::string_view to_string(spf_mechanism m) {
  for (const mechanism_name& n : mechanism_names) {
    if (n.mechanism == m) {
      return n.name;
    }
  }
  return "all";
}

bool is_spf_record(std::string_view text) {
  return text.size() >= version_tag.size() &&
         iequals(text.substr(0, version_tag.size()), version_tag) &&
         (text.size() == version_tag.size() || text[version_tag.size()] == ' ');
}

spf_selection select_spf_record(std::span<const std::string> texts) {
  spf_selection sel;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (!is_spf_record(texts[i])) {
      continue;
    }
    if (sel.found != spf_selection::kind::none) {
      sel.found = spf_selection::kind::multiple;
      return sel;
    }
    sel.found = spf_selection::kind::one;
    sel.index = i;
  }
  return sel;
}

spf_parse_result parse_spf_record(std::string_view text) {
  spf_parse_result result;
  if (!is_spf_record(text)) {
    result.error = "not an SPF record (no 'v=spf1' version)";
    return result;
  }
  result.record.text = text;
  record_parser parser(result.record);
  const std::string_view all = result.record.text;
  // record = version terms *SP, terms = *( 1*SP ( directive / modifier ) )
  size_t pos = version_tag.size();
  while (pos < all.size()) {
    if (all[pos] == ' ') {
      ++pos;
      continue;
    }
    const size_t end = std::min(all.find(' ', pos), all.size());
    const std::string_view term = all.substr(pos, end - pos);
    const std::string_view error = parser.parse_term(term);
    if (!error.empty()) {
      result.error = syntax_error(term, error);
      return result;
    }
    pos = end;
  }
  return result;
}

}  // namespace ptrscan
