#pragma once

// The DNS side of the HELO rules in the scanner: one name (a sender's HELO,
// a greeting's or EHLO reply's host), its A, AAAA and MX lookups through a
// probe's asks, and the record object the sender and SMTP probes write for
// it. The verdict itself is lib/checks/helo_verdict.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "checks/fcrdns.h"
#include "checks/helo_rules.h"
#include "checks/helo_verdict.h"
#include "dns/dns_status.h"
#include "net/ip_address.h"

namespace ptrscan {

class json_writer;
struct dns_reply;

/// An MX answer names a mail host: ok, not a null MX ("0 ."), and an
/// exchange that is not the root.
bool mx_names_a_host(const dns_reply& reply);

/// What a HELO name's A, AAAA and MX lookups say, for assess_helo(): the
/// one reading of them, for the scanner's helo_name and the listener's
/// client_identity alike. A status is nullopt when the lookup was not made
/// or has not answered; `mx_found` is mx_names_a_host() of the MX answer.
helo_dns read_helo_dns(std::span<const ip_address> addresses, std::optional<dns_status> a,
                       std::optional<dns_status> aaaa, std::optional<dns_status> mx,
                       bool mx_found);

/// The lookups a name needs, in ask order: a name's tag offset.
enum class helo_ask : uint32_t { a = 0, aaaa = 1, mx = 2 };
inline constexpr uint32_t helo_ask_count = 3;

struct helo_name {
  /// As given (the HELO field as written; a reply's host lower-cased).
  std::string text;
  helo_form form;
  /// A and AAAA: statuses and addresses (at most max_forward_addrs kept,
  /// always the scanned address when found).
  forward_lookup forward;
  dns_status mx = dns_status::error;
  bool mx_found = false;
  bool asked = false;  // the lookups were asked (a name form)

  /// Reads `text` as a HELO argument; nothing asked yet.
  void reset(std::string_view text);
  /// Whether DNS can be asked about it: a host name, FQDN or not.
  bool lookable() const {
    return form.syntax == helo_syntax::fqdn || form.syntax == helo_syntax::not_fqdn;
  }
  /// The question of `which` (type to ask for form.name).
  static uint16_t qtype(helo_ask which);
  /// The answer to `which`; `ip` is the scanned address (kept whenever found).
  void on_answer(helo_ask which, const dns_reply& reply, const ip_address& ip);

  helo_assessment assess(const ip_address& ip, std::span<const std::string> ptr_names,
                         ptr_evidence ptr) const;
  /// The rule members (inside an object the caller opens): name, syntax,
  /// fqdn, addresses, addresses_total, truncated, mx, resolves,
  /// resolves_to_ip, equals_ptr, verdict.
  void write_members(json_writer& w, const helo_assessment& a) const;
};

}  // namespace ptrscan
