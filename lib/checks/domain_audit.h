#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/spf.h"
#include "checks/spf_lint.h"
#include "net/ip_address.h"
#include "dns/dns_status.h"
#include "dns/reply.h"

namespace ptrscan {

/// One misconfiguration of a domain's mail setup: a code and what it is
/// about (empty members do not apply).
struct domain_finding {
  std::string_view code;    // nxdomain, mx_lookup_failed, null_mx, no_mx, mx_ip_literal, mx_apex, ...
  std::string_view host;    // the MX host
  std::optional<ip_address> ip;  // the address
  std::string_view status;  // a lookup's status
  std::string_view result;  // an SPF result
  std::string detail;       // spf_* lint: the term as written, or the include target
  std::optional<uint64_t> count;  // spf_* lint: octets or lookups
};

/// One mail exchanger of a domain: an MX record's target, or the domain
/// itself when it has no MX records (RFC 5321 §5.1's implicit MX).
struct mx_host {
  std::string host;  // lower-case, no trailing dot
  uint16_t preference = 0;
  /// The target is an address written as a name ("192.0.2.1."): RFC 7505
  /// §4 and RFC 5321 §5.1 want a host name; many senders fail on it.
  bool ip_literal = false;
  /// An MX record names the domain itself ("example.org. MX 10
  /// example.org."): the apex doubles as the mail host, so the web
  /// server's address and its PTR become the mail server's.
  bool apex = false;
  /// An address lookup went through a CNAME (RFC 2181 §10.3: an MX target
  /// must not be an alias).
  bool cname = false;
  dns_status a = dns_status::error;
  dns_status aaaa = dns_status::error;
  std::vector<ip_address> addrs;  // A then AAAA, as answered
};

/// One distinct address of a domain's mail exchangers.
struct mx_address {
  ip_address ip;
  uint32_t host = 0;  // index in hosts: the most preferred host with this address
  /// Why it is not probed: a reserved block's name, "blocklist",
  /// "allowlist" or "limit"; empty when it is probed.
  std::string skipped;
  // What its probe found, filled in when its record is written.
  bool probed = false;
  dns_status ptr = dns_status::error;
  bool spf_evaluated = false;
  spf_code spf = spf_code::none;
  spf_evaluation_facts spf_facts;  // for the SPF lint
};

/// A domain target's audit (issue 5): its MX set with the misconfigurations
/// mail checkers flag, its SPF record, and the addresses whose records the
/// shard writes before the summary. The shard feeds it DNS answers and the
/// outcome of each address's probe; this class decides and writes.
class domain_audit {
 public:
  /// More MX hosts than this are not looked at (the most preferred are kept).
  static constexpr size_t max_hosts = 16;
  /// Distinct addresses probed per domain at most; the rest are "limit".
  static constexpr size_t max_addresses = 32;

  void reset(std::string_view domain);

  /// The MX answer (CNAMEs already chased). Fills hosts: the MX targets by
  /// preference, or the domain itself when it has none (NOERROR without MX
  /// records); none for a null MX or a failed lookup.
  void set_mx(const dns_reply& mx);
  /// The TXT answer at the domain: keeps the records that are SPF ones.
  void set_txt(const dns_reply& txt);
  /// The answer to host i's A (or AAAA) lookup; `via_cname` when the
  /// answer or an earlier re-query followed a CNAME.
  void set_addresses(size_t i, bool aaaa, dns_status status, const std::vector<ip_address>& addrs,
                     bool via_cname);

  /// After every address lookup: the distinct addresses in preference
  /// order, each filtered by `skip` (returns a reason, or empty to probe).
  template <class SkipFn>
  void collect_addresses(SkipFn&& skip) {
    addresses.clear();
    for (uint32_t h = 0; h < hosts.size(); ++h) {
      for (const ip_address& ip : hosts[h].addrs) {
        bool seen = false;
        for (const mx_address& a : addresses) {
          seen = seen || a.ip == ip;
        }
        if (seen) {
          continue;
        }
        mx_address a;
        a.ip = ip;
        a.host = h;
        a.skipped = std::string(skip(ip));
        if (a.skipped.empty() && probed_count() >= max_addresses) {
          a.skipped = "limit";
        }
        addresses.push_back(std::move(a));
      }
    }
  }
  size_t probed_count() const;

  /// What is wrong, most fundamental first. `ptr_probed`: whether the
  /// addresses' PTR statuses mean anything (the ptr probe ran). With one SPF
  /// record, the SPF lint (lint_spf_record's spf_* codes) comes last: its
  /// text, and what the evaluations at the probed addresses found.
  std::vector<domain_finding> findings(bool ptr_probed) const;

  std::string domain;
  dns_status mx_status = dns_status::error;
  bool null_mx = false;
  bool implicit_mx = false;
  std::vector<mx_host> hosts;
  dns_status txt_status = dns_status::error;
  std::vector<std::string> spf_records;  // TXT records that start "v=spf1"
  std::vector<size_t> spf_lengths;       // their length as published (records are cut)
  std::vector<mx_address> addresses;
};

}  // namespace ptrscan
