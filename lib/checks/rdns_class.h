#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "net/ip_address.h"

struct psl_ctx_st;  // libpsl's context; kept out of this header

namespace ptrscan {

/// The naming class of an IP's primary PTR name (output contract
/// `rdns.class`). The rules and their sources: datasets/rdns/README.md.
enum class rdns_class : uint8_t {
  none,                 ///< no PTR name
  invalid,              ///< not a usable host name: syntax, address literal, *.arpa, localhost
  generic_dynamic,      ///< generated from the IP, dynamic or residential space
  generic_static,       ///< generated from the IP, static, business or hosting space
  generic_unspecified,  ///< generated from the IP, no allocation token
  mail_like,            ///< names a mail role (mx, smtp, mail, mta, relay, outbound)
  custom,               ///< none of the above: a name someone chose
};
inline constexpr int rdns_class_count = 7;

/// "none", "invalid", "generic-dynamic", "generic-static",
/// "generic-unspecified", "mail-like", "custom".
std::string_view to_string(rdns_class c);
/// The inverse of to_string(); nullopt for any other text.
std::optional<rdns_class> parse_rdns_class(std::string_view text);

/// The verdict and the evidence that decided it.
struct rdns_verdict {
  rdns_class cls = rdns_class::none;
  /// How the record's own IP is written in the name ("dashed", "hex",
  /// "reversed-dotted", "integer", "partial", ...); empty when it is not.
  std::string ip_encoded;
  /// The dynamic, static and mail keywords found, in name order, each once.
  std::vector<std::string> tokens;
};

/// A name split at its ICANN public suffix: "mail.foo.co.uk" is host "mail",
/// organisation "foo", suffix "co.uk".
struct rdns_name_parts {
  std::string_view host;          ///< the labels left of the organisation (may be empty)
  std::string_view organisation;  ///< the label just left of the suffix (may be empty)
  std::string_view suffix;        ///< the public suffix
};

/// Classifies PTR names. Construct once per shard: the constructor loads the
/// public suffix list (libpsl: the newest of the system's
/// /usr/share/publicsuffix data and libpsl's built-in copy). classify() is
/// const, allocation-free once `out` has grown, and safe to call from several
/// threads on one instance.
class rdns_classifier {
 public:
  rdns_classifier();
  ~rdns_classifier();
  rdns_classifier(const rdns_classifier&) = delete;
  rdns_classifier& operator=(const rdns_classifier&) = delete;

  /// `name`: the primary PTR name, lower-case, without the trailing dot
  /// (empty when there is none). `ip`: the address the PTR belongs to.
  /// Overwrites `out`, reusing its capacity.
  void classify(std::string_view name, const ip_address& ip, rdns_verdict& out) const;

  /// Splits a syntactically valid, lower-case name at its public suffix. Only
  /// the ICANN section of the list counts: private entries such as
  /// "*.compute-1.amazonaws.com" would swallow the very labels that carry
  /// the IP. Unknown TLDs are one-label suffixes (the list's "*" rule).
  rdns_name_parts split_name(std::string_view name) const;

  /// No ICANN rule of the list spans more labels than this (4 in 2026,
  /// counting a wildcard's "*"); suffixes are looked up from the right up
  /// to it, so a long host part costs nothing.
  static constexpr int max_suffix_labels = 6;
  /// Suffix answers remembered (see suffix_cache_); past it the memo starts over.
  static constexpr size_t max_cached_suffixes = 1 << 16;

 private:
  struct psl_deleter {
    void operator()(psl_ctx_st* p) const;
  };
  bool is_public_suffix(const char* suffix, size_t len, bool whole_name) const;

  std::unique_ptr<psl_ctx_st, psl_deleter> owned_psl_;
  const psl_ctx_st* psl_ = nullptr;
  /// libpsl's answer per suffix text ("isp.net" -> false). The names of a
  /// scan share few suffixes and a libpsl call costs thousands of
  /// instructions (a third of a PTR sweep's CPU before this memo). Not
  /// locked: a classifier belongs to one thread (each shard has its own).
  mutable absl::flat_hash_map<std::string, bool> suffix_cache_;
};

}  // namespace ptrscan
