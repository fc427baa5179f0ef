#include "checks/rdns_class.h"

#include <libpsl.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "checks/rdns_ip_match.h"
#include "checks/rdns_tokens.h"

namespace ptrscan {
namespace {

using rdns::find_keyword;
using rdns::is_digit;
using rdns::token_role;

constexpr size_t max_name_len = 253;  // RFC 1035 §2.3.4, without the trailing dot
constexpr size_t max_label_len = 63;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool valid_label(std::string_view label) {
  if (label.empty() || label.size() > max_label_len || label.front() == '-' ||
      label.back() == '-') {
    return false;
  }
  // Letters, digits, hyphens (RFC 1123 §2.1), and underscores: not legal in
  // host names, but common in DHCP-registered PTRs and harmless to read.
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '_';
  });
}

// Is `name` (lower-case) a host name a PTR may usefully point to? Not when
// the syntax is broken, when it is an address literal (an all-numeric TLD,
// RFC 3696 §2), when it points back into .arpa (in-addr.arpa, ip6.arpa), when
// it is a single label, or when it is localhost (RFC 6761 §6.3).
bool usable_host_name(std::string_view name) {
  if (name.size() > max_name_len || ends_with(name, ".arpa")) {
    return false;
  }
  size_t labels = 0;
  std::string_view last;
  for (size_t start = 0;;) {
    const size_t dot = name.find('.', start);
    last = name.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (!valid_label(last)) {
      return false;
    }
    ++labels;
    if (labels == 1 && last == "localhost") {
      return false;
    }
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  return labels >= 2 && !std::all_of(last.begin(), last.end(), is_digit);
}

// What the keywords of a name add up to.
struct keyword_evidence {
  std::array<bool, 5> role{};        // indexed by token_role
  std::array<bool, 5> standalone{};  // a standalone keyword of that role
  int dynamic_side = 0;              // distinct dynamic + access keywords
  bool long_number = false;          // a run of 5+ digits: a line or customer id
  // A label with a standalone allocation word and an ordinary word beside it
  // ("dynamic-pricing", "ppp-support"): someone chose that name.
  bool chosen_label = false;
  // An access or dynamic word as a whole zone label right of a host label
  // with two runs of digits ("ec9z5l.cm.chello.no"): SpamAssassin's
  // __RDNS_DYNAMIC_HCC shape "\d+[^\d]+\d+ ... .(cable|dsl|...).".
  bool numbered_host_in_access_zone = false;
  // Two runs of digits after an access or dynamic word ("cm89.omega139",
  // "node-c-8b22"): SpamAssassin's __RDNS_DYNAMIC_DHCP shape
  // "(cm|catv|docsis|cable|dsl|dhcp|cpe|node)\S*\d+[^\d]+\d".
  bool numbered_after_access = false;
  int digit_runs_after_access = -1;  // -1 until an access or dynamic word

  bool has(token_role r) const { return role[static_cast<size_t>(r)]; }
  bool has_standalone(token_role r) const { return standalone[static_cast<size_t>(r)]; }
};

// Everyday words that generic templates put beside the address ("host-",
// "reverse.", "block."): not a sign that someone chose the name.
bool template_filler(std::string_view word) {
  static constexpr std::array<std::string_view, 7> fillers = {
      "addr", "block", "generic", "host", "range", "reverse", "unassigned"};
  return std::find(fillers.begin(), fillers.end(), word) != fillers.end();
}

// Reads the keywords of `host`, skipping the address span, into `evidence`
// and (each once, in order) into `tokens`.
// `shapes`: also gather the shape evidence (chosen label, access zone, digits
// after an access word), which only decides names that do not spell the
// address; names that do compile to the plain loop.
template <bool shapes>
void read_keywords(std::string_view host, const rdns::ip_match& ip, keyword_evidence& evidence,
                   std::vector<std::string>& tokens) {
  const size_t skip_begin = ip.found() ? ip.begin : host.size();
  const size_t skip_end = ip.found() ? ip.end : host.size();
  // Per label: a standalone allocation word, an ordinary word of 4+ letters.
  size_t label_begin = 0;
  size_t scanned = 0;  // dots before this offset are accounted for
  bool label_allocation = false;
  bool label_ordinary = false;
  int digit_runs_before_label = 0;  // in the labels left of the current one
  int digit_runs_in_label = 0;
  rdns::for_each_token(host, skip_begin, skip_end, [&](std::string_view token, size_t at) {
    if constexpr (shapes) {
      for (; scanned < at; ++scanned) {
        if (host[scanned] == '.') {
          label_begin = scanned + 1;
          label_allocation = label_ordinary = false;
          digit_runs_before_label += digit_runs_in_label;
          digit_runs_in_label = 0;
        }
      }
      scanned = at + token.size();
    }
    if (is_digit(token.front())) {
      evidence.long_number |= token.size() >= 5;
      if constexpr (shapes) {
        ++digit_runs_in_label;
        if (evidence.digit_runs_after_access >= 0) {
          evidence.numbered_after_access |= ++evidence.digit_runs_after_access >= 2;
        }
      }
      return;
    }
    const rdns::keyword* k = find_keyword(token);
    const bool dynamic_side =
        k != nullptr && (k->role == token_role::dynamic || k->role == token_role::access);
    if constexpr (shapes) {
      if (k == nullptr) {
        label_ordinary |= token.size() >= 4 && !template_filler(token);
      } else {
        label_allocation |= k->standalone && (k->role == token_role::dynamic ||
                                              k->role == token_role::static_);
        const bool whole_label = label_begin == at && (at + token.size() == host.size() ||
                                                       host[at + token.size()] == '.');
        evidence.numbered_host_in_access_zone |=
            whole_label && at > 0 && digit_runs_before_label >= 2 && dynamic_side;
        if (dynamic_side && evidence.digit_runs_after_access < 0) {
          evidence.digit_runs_after_access = 0;
        }
      }
      evidence.chosen_label |= label_allocation && label_ordinary;
    }
    if (k == nullptr || std::find(tokens.begin(), tokens.end(), k->word) != tokens.end()) {
      return;
    }
    tokens.emplace_back(k->word);
    const auto r = static_cast<size_t>(k->role);
    evidence.role[r] = true;
    evidence.standalone[r] |= k->standalone;
    evidence.dynamic_side += dynamic_side ? 1 : 0;
  });
}

// The precedence, with the reasons in datasets/rdns/README.md ("Precedence").
// A name that carries the IP is generic unless it names a mail role without
// any allocation word; an explicit allocation word beats everything, then the
// mail role, then the business/hosting context, then the access context.
rdns_class generic_class(const keyword_evidence& e) {
  if (e.has(token_role::dynamic)) {
    return rdns_class::generic_dynamic;
  }
  if (e.has(token_role::static_)) {
    return rdns_class::generic_static;
  }
  if (e.has(token_role::mail)) {
    return rdns_class::mail_like;
  }
  if (e.has(token_role::business)) {
    return rdns_class::generic_static;
  }
  if (e.has(token_role::access)) {
    return rdns_class::generic_dynamic;
  }
  return rdns_class::generic_unspecified;
}

// Without the IP in the name, only standalone allocation words make it
// generic ("static.vnpt.vn", "ppp1234.isp.example"), or dynamic-side words
// backed by a second one, by a line number ("cpe...cm....cable.rogers.com",
// "mg001182.user.veloxzone.com.br"), by two runs of digits after them
// ("cm89.omega139.maxonline.com.sg") or by a numbered host in an access zone
// ("ec9z5l.cm.chello.no"); a static word backed by a line number
// ("corporat169-515625754.sta.etb.net.co") is static. Here a mail role
// outranks a static word: a name that does not spell the address and says
// "smtp" was chosen for a mail host more likely than generated. A dynamic
// word still wins, the conservative answer for a receiver. An allocation
// word beside an ordinary word in one label ("dynamic-pricing") was chosen.
// Everything else someone chose.
rdns_class named_class(const keyword_evidence& e) {
  if (e.chosen_label) {
    return e.has(token_role::mail) ? rdns_class::mail_like : rdns_class::custom;
  }
  if (e.has_standalone(token_role::dynamic)) {
    return rdns_class::generic_dynamic;
  }
  if (e.has(token_role::mail)) {
    return rdns_class::mail_like;
  }
  if (e.has_standalone(token_role::static_) || (e.has(token_role::static_) && e.long_number)) {
    return rdns_class::generic_static;
  }
  if (e.dynamic_side >= 2 || (e.dynamic_side == 1 && e.long_number) ||
      e.numbered_host_in_access_zone || e.numbered_after_access) {
    return rdns_class::generic_dynamic;
  }
  return rdns_class::custom;
}

}  // namespace

std::string_view to_string(rdns_class c) {
  switch (c) {
    case rdns_class::none:
      return "none";
    case rdns_class::invalid:
      return "invalid";
    case rdns_class::generic_dynamic:
      return "generic-dynamic";
    case rdns_class::generic_static:
      return "generic-static";
    case rdns_class::generic_unspecified:
      return "generic-unspecified";
    case rdns_class::mail_like:
      return "mail-like";
    case rdns_class::custom:
      return "custom";
  }
  return "none";
}

std::optional<rdns_class> parse_rdns_class(std::string_view text) {
  for (int i = 0; i < rdns_class_count; ++i) {
    const auto c = static_cast<rdns_class>(i);
    if (to_string(c) == text) {
      return c;
    }
  }
  return std::nullopt;
}

void rdns_classifier::psl_deleter::operator()(psl_ctx_st* p) const { psl_free(p); }

rdns_classifier::rdns_classifier() : owned_psl_(psl_latest(nullptr)) {
  // psl_latest() owns what it returns; psl_builtin() is static data. Without
  // either, split_name() falls back to treating the last label as the suffix.
  psl_ = owned_psl_ ? owned_psl_.get() : psl_builtin();
}

rdns_classifier::~rdns_classifier() = default;

bool rdns_classifier::is_public_suffix(const char* suffix, size_t len, bool whole_name) const {
  if (whole_name) {
    // The whole name is almost never asked twice (each PTR name is one
    // host's): caching it would cost an allocation per name and push the
    // shared suffixes (isp.net, dyn.isp.net) out of the cache.
    return psl_is_public_suffix2(psl_, suffix, PSL_TYPE_ICANN) != 0;
  }
  const absl::string_view key(suffix, len);  // absl::string_view: the map hashes it as is
  if (const auto it = suffix_cache_.find(key); it != suffix_cache_.end()) {
    return it->second;
  }
  if (suffix_cache_.size() >= max_cached_suffixes) {
    suffix_cache_.clear();  // hostile or very varied names: bounded, not grown
  }
  // `suffix` is NUL-terminated where libpsl needs it: it ends the name.
  const bool is_public = psl_is_public_suffix2(psl_, suffix, PSL_TYPE_ICANN) != 0;
  suffix_cache_.emplace(std::string(key.data(), key.size()), is_public);
  return is_public;
}

rdns_name_parts rdns_classifier::split_name(std::string_view name) const {
  // libpsl wants a NUL-terminated string.
  std::array<char, max_name_len + 1> buf{};
  name = name.substr(0, max_name_len);
  std::memcpy(buf.data(), name.data(), name.size());

  // The longest public suffix: every suffix of up to max_suffix_labels
  // labels, from the right, the last one public wins.
  size_t suffix_at = name.rfind('.') == std::string_view::npos ? 0 : name.rfind('.') + 1;
  if (psl_ != nullptr) {
    size_t at = name.size();
    for (int labels = 0; labels < max_suffix_labels && at > 0; ++labels) {
      const size_t dot = at >= 2 ? name.rfind('.', at - 2) : std::string_view::npos;
      at = dot == std::string_view::npos ? 0 : dot + 1;
      if (is_public_suffix(buf.data() + at, name.size() - at, at == 0)) {
        suffix_at = at;
      }
    }
  }
  rdns_name_parts parts;
  parts.suffix = name.substr(suffix_at);
  const std::string_view rest = suffix_at == 0 ? std::string_view{} : name.substr(0, suffix_at - 1);
  const size_t dot = rest.rfind('.');
  parts.organisation = dot == std::string_view::npos ? rest : rest.substr(dot + 1);
  parts.host = dot == std::string_view::npos ? std::string_view{} : rest.substr(0, dot);
  return parts;
}

void rdns_classifier::classify(std::string_view name, const ip_address& ip,
                               rdns_verdict& out) const {
  out.cls = rdns_class::none;
  out.ip_encoded.clear();
  out.tokens.clear();
  if (name.empty()) {
    return;
  }
  // Lower-case defensively: the contract says names arrive lower-cased, but
  // a stray capital must not turn "Static" into a different word.
  std::array<char, max_name_len + 1> lower{};
  if (name.size() > max_name_len) {
    out.cls = rdns_class::invalid;
    return;
  }
  std::transform(name.begin(), name.end(), lower.begin(), [](char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
  });
  name = std::string_view(lower.data(), name.size());
  if (!usable_host_name(name)) {
    out.cls = rdns_class::invalid;
    return;
  }

  // The address may sit anywhere left of the public suffix, the organisation
  // label included (OVH: "ns3012345.ip-151-80-42.eu"); keywords count only
  // in the host labels, since the organisation's own name ("your-server.de",
  // "t-dialin.net", "mail.ru") says nothing about this host.
  const rdns_name_parts parts = split_name(name);
  const std::string_view owner =
      name.substr(0, parts.host.size() + (parts.host.empty() ? 0 : 1) + parts.organisation.size());
  const rdns::ip_match ip_in_name = rdns::find_ip(owner, ip);

  keyword_evidence evidence;
  if (ip_in_name.found()) {
    read_keywords<false>(parts.host, ip_in_name, evidence, out.tokens);
    out.ip_encoded.assign(ip_in_name.encoding);
    out.cls = generic_class(evidence);
  } else {
    read_keywords<true>(parts.host, ip_in_name, evidence, out.tokens);
    out.cls = named_class(evidence);
  }
}

}  // namespace ptrscan
