#include "checks/policy.h"

#include <algorithm>
#include <type_traits>
#include <utility>

#include "absl/strings/ascii.h"
#include "net/ascii.h"

namespace ptrscan {

std::string_view to_string(rule_result r) {
  switch (r) {
    case rule_result::pass:
      return "pass";
    case rule_result::fail:
      return "fail";
    case rule_result::unknown:
      return "unknown";
  }
  return "unknown";
}

bool postfix_valid_hostname(std::string_view name) {
  // Postfix src/util/valid_hostname.c: '_' is accepted ("grr.."), a name
  // of digits and dots only is not (it would pass for an address).
  if (name.empty() || name.size() > 255) {
    return false;
  }
  size_t label = 0;
  bool non_numeric = false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool last = i + 1 == name.size();
    if (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_') {
      if (++label > 63) {
        return false;
      }
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) {
        non_numeric = true;
      }
    } else if (c == '.') {
      if (label == 0 || last) {
        return false;
      }
      label = 0;
    } else if (c == '-') {
      non_numeric = true;
      if (++label == 1 || last || name[i + 1] == '.' || label > 63) {
        return false;
      }
    } else {
      return false;
    }
  }
  return non_numeric;
}

namespace {

bool valid_ipv4(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = i;
    unsigned v = 0;
    while (j < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[j])) && j - i < 3) {
      v = v * 10 + static_cast<unsigned>(s[j] - '0');
      ++j;
    }
    if (j == i || v > 255) {
      return false;
    }
    ++parts;
    if (j == s.size()) {
      return parts == 4;
    }
    if (s[j] != '.' || parts == 4) {
      return false;
    }
    i = j + 1;
  }
  return false;
}

bool valid_ipv6(std::string_view s) {
  if (s.find(':') == std::string_view::npos) {
    return false;
  }
  const std::optional<ip_address> a = ip_address::parse(s);
  return a.has_value() && !a->is_v4();
}

/// Postfix reject_invalid_hostaddr() on a HELO that starts with '[': the
/// bracketed part must be an IPv4 address or "IPv6:" and an IPv6 address
/// (valid_mailhost_addr). All three HELO rules apply only this to it.
bool valid_helo_literal(std::string_view h) {
  std::string_view inner = h;
  if (h.size() > 2 && h.front() == '[' && h.back() == ']') {
    inner = h.substr(1, h.size() - 2);
  }
  if (inner.size() >= 5 && iequals(inner.substr(0, 5), "IPv6:")) {
    return valid_ipv6(inner.substr(5));
  }
  return valid_ipv4(inner);
}

/// Postfix's dup_if_truncate(): one trailing dot removed, but not from
/// a name ending in "..".
std::string_view strip_dots(std::string_view n) {
  if (n.size() > 1 && n.back() == '.' && n[n.size() - 2] != '.') {
    n.remove_suffix(1);
  }
  return n;
}

bool is_temp(dns_status s) { return is_lookup_failure(s); }

std::string with_dot(std::string_view name) {
  std::string s(name);
  if (s.empty() || s.back() != '.') {
    s += '.';
  }
  return s;
}

std::string addr_type(const ip_address& ip) { return ip.is_v4() ? "A" : "AAAA"; }

std::string reverse_line(const policy_evidence& e, std::string_view name) {
  return with_dot(e.ip.reverse_name()) + " PTR " + with_dot(name);
}

std::string forward_line(const policy_evidence& e, std::string_view name) {
  return with_dot(name) + " " + addr_type(e.ip) + " " + e.ip.to_string();
}

bool usable_ptr_name(std::string_view n) {
  return postfix_valid_hostname(n) && !postfix_valid_hostaddr(n);
}

/// The HELO name lower-cased without trailing dots when it is a valid
/// FQDN for Postfix; "" otherwise.
std::string helo_fqdn(const policy_evidence& e) {
  if (!e.helo || e.helo->empty() || e.helo->front() == '[') {
    return {};
  }
  const std::string_view n = strip_dots(*e.helo);
  if (!postfix_valid_hostname(n) || n.find('.') == std::string_view::npos ||
      postfix_valid_hostaddr(n)) {
    return {};
  }
  return ascii_lower(n);
}

/// The PTR name that resolves back to the address, if any.
std::string confirmed_name(const policy_evidence& e) {
  for (const forward_lookup& f : e.forward) {
    if (std::find(f.addrs.begin(), f.addrs.end(), e.ip) != f.addrs.end()) {
      return f.name;
    }
  }
  return {};
}

/// The name a fix should use: the forward-confirmed PTR name, else the
/// HELO name, else a usable PTR name, else mail.<MAIL FROM domain>, else a
/// placeholder. `generic`: not a PTR name (it is the problem).
std::string suggested_name(const policy_evidence& e, bool generic = false) {
  if (!generic) {
    if (std::string c = confirmed_name(e); !c.empty()) {
      return c;
    }
  }
  std::string h = helo_fqdn(e);
  if (!h.empty() &&
      !(generic && std::find(e.ptr_names.begin(), e.ptr_names.end(), h) != e.ptr_names.end())) {
    return h;
  }
  if (!generic) {
    for (const std::string& n : e.ptr_names) {
      if (usable_ptr_name(n)) {
        return n;
      }
    }
  }
  if (!e.spf_mail_from_domain.empty()) {
    return "mail." + e.spf_mail_from_domain;
  }
  return "mail.example.org";
}

/// A PTR line and, unless the name already resolves to the address, its
/// A/AAAA line.
std::string ptr_fix(const policy_evidence& e, const std::string& name) {
  std::string fix = reverse_line(e, name);
  if (confirmed_name(e) != name) {
    const bool helo_resolves =
        name == helo_fqdn(e) &&
        std::find(e.helo_addrs.begin(), e.helo_addrs.end(), e.ip) != e.helo_addrs.end();
    if (!helo_resolves) {
      fix += "; " + forward_line(e, name);
    }
  }
  return fix;
}

/// The MTA setting that makes a host name its HELO (client) or its
/// greeting (server) name.
std::string name_setting(const policy_evidence& e, const std::string& name) {
  if (e.role == policy_role::client) {
    return "Postfix: smtp_helo_name = " + name + " (default $myhostname: myhostname = " + name +
           "); Exim: helo_data = " + name + " on the smtp transport";
  }
  return "Postfix: myhostname = " + name +
         " (smtpd_banner = $myhostname ESMTP); Exim: smtp_active_hostname = " + name;
}

struct outcome {
  rule_result result = rule_result::unknown;
  std::string evidence;
};

/// A rule whose evidence a probe left out of the scan gathers: unknown,
/// naming the probe (never pass or fail).
outcome not_run(std::string_view probe, std::string_view what) {
  return {rule_result::unknown,
          "the " + std::string(probe) + " probe was not run (--probes): " + std::string(what)};
}

std::string rev(const policy_evidence& e) { return e.ip.reverse_name(); }

std::string names_text(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) {
    s += (s.empty() ? "" : ", ") + n;
  }
  return s;
}

uint32_t names_total(const policy_evidence& e) {
  return std::max<uint32_t>(e.ptr_names_total, static_cast<uint32_t>(e.ptr_names.size()));
}

/// Postfix smtpd_peer.c: getnameinfo() gives one name (the first the
/// resolver returns, when it is a valid host name), a temporary failure
/// (EAI_AGAIN) is 450 whatever the reject code.
outcome reverse_name(const policy_evidence& e) {
  if (!e.ptr_status) {
    return {rule_result::unknown, "the PTR lookup of " + rev(e) + " had not answered"};
  }
  const dns_status s = *e.ptr_status;
  if (s == dns_status::nxdomain || s == dns_status::nodata) {
    return {rule_result::fail, "no PTR record for " + rev(e) + " (" + std::string(to_string(s)) + ")"};
  }
  if (s != dns_status::ok) {
    return {rule_result::unknown, "the PTR lookup of " + rev(e) + " failed (" +
                                      std::string(to_string(s)) +
                                      "): a temporary failure, Postfix answers 450"};
  }
  const size_t usable = static_cast<size_t>(
      std::count_if(e.ptr_names.begin(), e.ptr_names.end(),
                    [](const std::string& n) { return usable_ptr_name(n); }));
  const bool all_kept = names_total(e) == e.ptr_names.size();
  if (usable == e.ptr_names.size() && all_kept && usable > 0) {
    return {rule_result::pass, rev(e) + " PTR " + names_text(e.ptr_names)};
  }
  if (usable == 0 && all_kept) {
    return {rule_result::fail, "no PTR name of " + rev(e) + " is a valid host name (" +
                                   names_text(e.ptr_names) + ")"};
  }
  return {rule_result::unknown,
          "of the PTR names of " + rev(e) + " some are not valid host names or not kept (" +
              names_text(e.ptr_names) +
              "): Postfix uses the one the resolver returns first"};
}

/// One PTR name's forward check as smtpd_peer.c makes it: getaddrinfo()
/// of the name in the client's address family lists the address.
outcome forward_of(const policy_evidence& e, const std::string& name) {
  const auto f = std::find_if(e.forward.begin(), e.forward.end(),
                              [&name](const forward_lookup& x) { return x.name == name; });
  if (f == e.forward.end()) {
    return {rule_result::unknown, name + " was not looked up (cap)"};
  }
  if (std::find(f->addrs.begin(), f->addrs.end(), e.ip) != f->addrs.end()) {
    return {rule_result::pass, name + " " + addr_type(e.ip) + " " + e.ip.to_string()};
  }
  const dns_status s = e.ip.is_v4() ? f->a : f->aaaa;
  if (s == dns_status::ok) {
    std::string found;
    for (const ip_address& a : f->addrs) {
      if (a.is_v4() == e.ip.is_v4()) {
        found += (found.empty() ? "" : ", ") + a.to_string();
      }
    }
    return {rule_result::fail, name + " resolves to " + found + ", not " + e.ip.to_string()};
  }
  if (s == dns_status::nxdomain || s == dns_status::nodata) {
    return {rule_result::fail, name + " has no " + addr_type(e.ip) + " record (" +
                                   std::string(to_string(s)) + ")"};
  }
  return {rule_result::unknown, "the " + addr_type(e.ip) + " lookup of " + name + " failed (" +
                                    std::string(to_string(s)) +
                                    "): a temporary failure, Postfix answers 450"};
}

/// Appends a verdict. `fix` is a std::string or a callable returning one:
/// a fix is kept for failures only, so a callable is called only then (a
/// listener writes one record per connection, and most rules pass).
template <typename Fix = std::string>
void add(std::vector<policy_verdict>& out, std::string_view set, std::string_view rule,
         outcome o, Fix&& fix = {}) {
  policy_verdict& v = out.emplace_back();
  v.set = set;
  v.rule = rule;
  v.result = o.result;
  v.evidence = std::move(o.evidence);
  if (o.result == rule_result::fail) {
    if constexpr (std::is_invocable_v<Fix>) {
      v.fix = fix();
    } else {
      v.fix = std::forward<Fix>(fix);
    }
  }
}

void postfix_rules(const policy_evidence& e, std::vector<policy_verdict>& out) {
  constexpr std::string_view set = "postfix";
  const outcome reverse =
      e.ran("ptr") ? reverse_name(e) : not_run("ptr", "the address's PTR name is not known");
  const auto name_fix = [&e] { return ptr_fix(e, suggested_name(e)); };
  add(out, set, "reject_unknown_reverse_client_hostname", reverse, name_fix);

  if (reverse.result == rule_result::pass && !e.ran("fcrdns")) {
    add(out, set, "reject_unknown_client_hostname",
        not_run("fcrdns", "the A/AAAA of the PTR names were not looked up"));
  } else if (reverse.result != rule_result::pass) {
    add(out, set, "reject_unknown_client_hostname", reverse, name_fix);
  } else {
    // Postfix verifies the one name getnameinfo() gave; with several PTR
    // names which one that is depends on the answer's order.
    std::vector<outcome> each;
    for (const std::string& n : e.ptr_names) {
      each.push_back(forward_of(e, n));
    }
    const bool same = std::all_of(each.begin(), each.end(), [&each](const outcome& o) {
      return o.result == each.front().result;
    });
    outcome o;
    if (same) {
      o = each.front();
      for (size_t i = 1; i < each.size(); ++i) {
        o.evidence += "; " + each[i].evidence;
      }
    } else {
      o.result = rule_result::unknown;
      for (const outcome& x : each) {
        o.evidence += (o.evidence.empty() ? "" : "; ") + x.evidence;
      }
      o.evidence += ": Postfix checks the PTR name the resolver returns first";
    }
    std::string fix;
    for (size_t i = 0; i < each.size(); ++i) {
      if (each[i].result == rule_result::fail) {
        fix += (fix.empty() ? "" : "; ") + forward_line(e, e.ptr_names[i]);
      }
    }
    add(out, set, "reject_unknown_client_hostname", std::move(o), fix);
  }

  if (!e.helo) {
    if (e.role == policy_role::server && !e.ran("smtp")) {
      // A server's HELO name is the one its greeting and EHLO reply give.
      const outcome o = not_run("smtp", "no greeting or EHLO reply names the server's HELO name");
      add(out, set, "reject_invalid_helo_hostname", o);
      add(out, set, "reject_non_fqdn_helo_hostname", o);
      add(out, set, "reject_unknown_helo_hostname", o);
    }
    return;
  }
  const std::string& h = *e.helo;
  const bool literal = !h.empty() && h.front() == '[';
  const std::string_view n = strip_dots(h);
  const auto setting = [&e] { return name_setting(e, suggested_name(e)); };
  if (literal) {
    const bool ok = valid_helo_literal(h);
    outcome o{ok ? rule_result::pass : rule_result::fail,
              ok ? "HELO " + h + " is an address literal (Postfix checks only its syntax)"
                 : "HELO " + h + " is not a valid address literal"};
    add(out, set, "reject_invalid_helo_hostname", o, setting);
    add(out, set, "reject_non_fqdn_helo_hostname", o, setting);
    add(out, set, "reject_unknown_helo_hostname", o, setting);
    return;
  }
  {
    const bool ok = postfix_valid_hostname(n) || postfix_valid_hostaddr(n);
    add(out, set, "reject_invalid_helo_hostname",
        {ok ? rule_result::pass : rule_result::fail,
         "HELO " + h + (ok ? " is a valid host name" : " is not a valid host name")},
        setting);
  }
  {
    const bool valid = postfix_valid_hostname(n);
    const bool ok = valid && n.find('.') != std::string_view::npos;
    add(out, set, "reject_non_fqdn_helo_hostname",
        {ok ? rule_result::pass : rule_result::fail,
         "HELO " + h + (ok ? " is fully qualified"
                           : valid ? " has no dot: not fully qualified"
                                   : " is not a valid host name")},
        setting);
  }
  {
    // dns_lookup_l(name, A, AAAA, MX): found if any has records (a null MX
    // too); 450 when none did and one failed temporarily. The name goes
    // to dns_lookup as sent: a trailing dot fails its valid_hostname()
    // check, a bare address its valid_hostaddr() one, before any query.
    outcome o;
    if (!postfix_valid_hostname(h) || postfix_valid_hostaddr(h)) {
      o = {rule_result::fail, "HELO " + h + " is not a host name Postfix looks up (" +
                                  (postfix_valid_hostaddr(h) ? "an address"
                                   : h.ends_with('.')        ? "a trailing dot"
                                                             : "invalid syntax") +
                                  ")"};
    } else {
      const std::optional<dns_status> all[] = {e.helo_a, e.helo_aaaa, e.helo_mx};
      const char* what[] = {"A", "AAAA", "MX"};
      bool found = false;
      bool pending = false;
      bool failed = false;
      std::string seen;
      for (size_t i = 0; i < 3; ++i) {
        if (!all[i]) {
          pending = true;
          continue;
        }
        seen += (seen.empty() ? "" : ", ") + std::string(what[i]) + " " +
                std::string(to_string(*all[i]));
        found = found || *all[i] == dns_status::ok;
        failed = failed || is_temp(*all[i]);
      }
      if (!found && seen.empty() && !e.ran("ptr")) {
        // The scanner asks a HELO name's A/AAAA/MX only beside the ptr
        // probe (an SMTP-only scan asks DNS nothing).
        o = not_run("ptr", "the A, AAAA and MX of HELO " + h + " were not looked up");
      } else if (!found && seen.empty() && e.helo_capped) {
        o = {rule_result::unknown, "HELO " + h +
                                       ": not looked up, past the distinct names looked up per "
                                       "address (--smtp-helo-names, a cap)"};
      } else if (found) {
        o = {rule_result::pass, "HELO " + h + ": " + seen};
      } else if (pending || failed) {
        o = {rule_result::unknown, "HELO " + h + ": " + (seen.empty() ? "no answer" : seen) +
                                       (pending ? ", not all answered" : "") +
                                       ": Postfix answers 450 on a temporary failure"};
      } else {
        o = {rule_result::fail, "HELO " + h + " has no A, AAAA or MX record (" + seen + ")"};
      }
    }
    // A FQDN gets its A/AAAA record; anything else a name that has one.
    add(out, set, "reject_unknown_helo_hostname", std::move(o), [&e, &setting] {
      if (const std::string fqdn = helo_fqdn(e); !fqdn.empty()) {
        return forward_line(e, fqdn) + " (or " + setting() + ")";
      }
      return setting();
    });
  }
}

void generic_rules(const policy_evidence& e, std::vector<policy_verdict>& out) {
  constexpr std::string_view set = "generic_rdns";
  const auto name_fix = [&e] { return ptr_fix(e, suggested_name(e, true)); };
  if (!e.ran("ptr")) {
    add(out, set, "generic_rdns", not_run("ptr", "no PTR name to classify"));
    return;
  }
  if (!e.ptr_status || (is_temp(*e.ptr_status)) || !e.naming) {
    add(out, set, "generic_rdns",
        {rule_result::unknown, e.ptr_status ? "the PTR lookup failed (" +
                                                  std::string(to_string(*e.ptr_status)) + ")"
                                            : "the PTR lookup had not answered"});
    return;
  }
  const std::string cls(to_string(*e.naming));
  const std::string subject = e.naming_name.empty() ? rev(e) : e.naming_name;
  switch (*e.naming) {
    case rdns_class::none:
      add(out, set, "generic_rdns", {rule_result::fail, "no PTR name (class none)"},
          name_fix);
      return;
    case rdns_class::invalid:
    case rdns_class::generic_dynamic:
    case rdns_class::generic_unspecified:
      add(out, set, "generic_rdns",
          {rule_result::fail, subject + " is class " + cls +
                                  (*e.naming == rdns_class::invalid
                                       ? ": not a usable host name"
                                       : ": generated from the address, read as end-user space")},
          name_fix);
      return;
    case rdns_class::generic_static:
      add(out, set, "generic_rdns",
          {rule_result::pass, subject + " is class " + cls +
                                  ": generated from the address but marked static"});
      return;
    case rdns_class::mail_like:
    case rdns_class::custom:
      add(out, set, "generic_rdns", {rule_result::pass, subject + " is class " + cls});
      return;
  }
}

outcome tls_outcome(const policy_evidence& e) {
  // The rule asks for TLS on the connection that carries the mail: a
  // session is TLS only when a handshake finished. A handshake that failed
  // is never "TLS used"; whether that is the peer's failure (fail) or
  // ours (unknown) is in the evidence.
  if (e.tls_used.value_or(false)) {
    return {rule_result::pass, "STARTTLS used: the TLS handshake finished"};
  }
  const bool tried = e.tls_tried.value_or(false);
  const std::string why = e.tls_error.empty() ? std::string() : " (" + e.tls_error + ")";
  if (tried && e.tls_error_local) {
    return {rule_result::unknown,
            "the TLS handshake failed on ptrscan's side" + why + ": says nothing of the peer"};
  }
  if (e.role == policy_role::client) {
    if (!e.tls_offered.value_or(false) && !tried) {
      return {rule_result::unknown, "STARTTLS was not offered to the client"};
    }
    if (tried) {
      return {rule_result::fail, "the client sent STARTTLS and the TLS handshake failed" + why +
                                     ": the mail went in clear text or not at all"};
    }
    if (!e.tls_tried) {
      // The caller did not record whether STARTTLS was sent.
      return {rule_result::fail,
              "STARTTLS was offered and no TLS session was established (not sent, or its "
              "handshake failed)"};
    }
    return {rule_result::fail, "STARTTLS was offered and the client did not send it"};
  }
  if (!e.ran("smtp")) {
    return not_run("smtp", "no SMTP session was made");
  }
  if (!e.tls_offered.value_or(false) && !tried) {
    return {rule_result::fail, "STARTTLS is not advertised"};
  }
  if (!tried) {
    return e.ran("starttls")
               ? outcome{rule_result::unknown,
                         "STARTTLS is advertised and no handshake was tried (the session ended "
                         "before it)"}
               : not_run("starttls", "STARTTLS is advertised and was not tried");
  }
  return {rule_result::fail, "STARTTLS is advertised and no TLS session could be established" +
                                 why};
}

std::string tls_fix(const policy_evidence& e) {
  if (e.role == policy_role::client) {
    return "Postfix: smtp_tls_security_level = may; Exim: hosts_try_tls = * on the smtp "
           "transport";
  }
  return "Postfix: smtpd_tls_security_level = may with smtpd_tls_cert_file and "
         "smtpd_tls_key_file; Exim: tls_advertise_hosts = * with tls_certificate and "
         "tls_privatekey";
}

void bulk_rules(const policy_evidence& e, std::vector<policy_verdict>& out) {
  constexpr std::string_view set = "bulk_senders_2024";
  const auto name_fix = [&e] { return ptr_fix(e, suggested_name(e)); };
  {
    outcome o;
    if (!e.ran("ptr")) {
      o = not_run("ptr", "the address's PTR record is not known");
    } else if (!e.ptr_status) {
      o = {rule_result::unknown, "the PTR lookup had not answered"};
    } else if (*e.ptr_status == dns_status::ok) {
      o = {rule_result::pass, rev(e) + " PTR " + names_text(e.ptr_names)};
    } else if (is_temp(*e.ptr_status)) {
      o = {rule_result::unknown,
           "the PTR lookup failed (" + std::string(to_string(*e.ptr_status)) + ")"};
    } else {
      o = {rule_result::fail, "no PTR record for " + rev(e)};
    }
    add(out, set, "ptr", std::move(o), name_fix);
  }
  {
    outcome o;
    // No PTR name resolves back: the first one's forward line, else the
    // PTR line and its forward line.
    bool forward_fix = false;
    if (!e.ran("fcrdns")) {
      o = not_run("fcrdns", "the A/AAAA of the PTR names were not looked up");
    } else if (!e.fcrdns) {
      o = {rule_result::unknown, "FCrDNS not decided"};
    } else if (*e.fcrdns == fcrdns_status::fail && e.fcrdns_unchecked > 0) {
      // A cap is never a fail: a name not looked up might resolve back.
      o = {rule_result::unknown,
           "no checked PTR name (" + names_text(e.ptr_names) + ") resolves back to " +
               e.ip.to_string() + "; " + std::to_string(e.fcrdns_unchecked) +
               " more were not looked up (cap)"};
    } else {
      switch (*e.fcrdns) {
        case fcrdns_status::pass:
          o = {rule_result::pass, confirmed_name(e) + " resolves back to " + e.ip.to_string()};
          break;
        case fcrdns_status::fail:
          o = {rule_result::fail,
               "no PTR name (" + names_text(e.ptr_names) + ") resolves back to " +
                   e.ip.to_string()};
          forward_fix = true;
          break;
        case fcrdns_status::none:
          o = {rule_result::fail, "no PTR name"};
          break;
        case fcrdns_status::error:
          o = {rule_result::unknown, "a PTR or A/AAAA lookup failed"};
          break;
      }
    }
    add(out, set, "fcrdns", std::move(o), [&e, forward_fix, &name_fix] {
      if (!forward_fix) {
        return name_fix();
      }
      return forward_line(e, e.ptr_names.empty() ? suggested_name(e) : e.ptr_names.front());
    });
  }
  if (e.tls_offered || e.tls_used || e.tls_tried ||
      (e.role == policy_role::server && !e.ran("smtp"))) {
    add(out, set, "tls", tls_outcome(e), [&e] { return tls_fix(e); });
  }
  if (e.spf_mail_from) {
    const spf_code c = *e.spf_mail_from;
    const std::string& d = e.spf_mail_from_domain;
    const std::string term = std::string(e.ip.is_v4() ? "ip4:" : "ip6:") + e.ip.to_string();
    outcome o{rule_result::fail, "check_host(" + e.ip.to_string() + ", " + d + ") = " +
                                     std::string(to_string(c))};
    std::string fix;
    switch (c) {
      case spf_code::pass:
        o.result = rule_result::pass;
        break;
      case spf_code::temperror:
        o.result = rule_result::unknown;
        break;
      case spf_code::none:
        fix = with_dot(d) + " TXT \"v=spf1 " + term + " -all\"";
        break;
      case spf_code::permerror:
        fix = "repair the SPF record of " + d + " (permerror), listing " + term;
        break;
      case spf_code::neutral:
      case spf_code::fail:
      case spf_code::softfail:
        fix = "add " + term + " to the SPF record of " + d + " (" + with_dot(d) +
              " TXT \"v=spf1 " + term + " ... -all\")";
        break;
    }
    add(out, set, "spf", std::move(o), fix);
  }
}

void mxtoolbox_rules(const policy_evidence& e, std::vector<policy_verdict>& out) {
  constexpr std::string_view set = "mxtoolbox_smtp";
  if (e.role != policy_role::server) {
    return;
  }
  if (!e.ran("smtp")) {
    const outcome o = not_run("smtp", "no SMTP session was made");
    add(out, set, "banner_ptr_match", o);
    add(out, set, "smtp_tls", o);
    add(out, set, "open_relay", o);
    add(out, set, "connection_time", o);
    return;
  }
  if (!e.banner_host) {
    return;
  }
  {
    const std::string host = ascii_lower(strip_dots(*e.banner_host));
    outcome o;
    if (host.empty()) {
      o = {rule_result::fail, "the greeting names no host"};
    } else if (!e.ran("ptr")) {
      o = not_run("ptr", "no PTR name to match the banner host " + host);
    } else if (!e.ptr_status) {
      o = {rule_result::unknown, "the PTR lookup had not answered"};
    } else if (e.ptr_names.empty()) {
      o = is_temp(*e.ptr_status)
              ? outcome{rule_result::unknown, "the PTR lookup failed"}
              : outcome{rule_result::fail, "no PTR name to match the banner host " + host};
    } else if (std::find(e.ptr_names.begin(), e.ptr_names.end(), host) != e.ptr_names.end()) {
      o = {rule_result::pass, "banner host " + host + " is a PTR name"};
    } else if (names_total(e) > e.ptr_names.size()) {
      o = {rule_result::unknown, "banner host " + host + " is none of the " +
                                     std::to_string(e.ptr_names.size()) + " PTR names kept of " +
                                     std::to_string(names_total(e)) + " (cap)"};
    } else {
      o = {rule_result::fail,
           "banner host " + host + " is not a PTR name (" + names_text(e.ptr_names) + ")"};
    }
    add(out, set, "banner_ptr_match", std::move(o), [&e, &host] {
      const std::string ptr = e.ptr_names.empty() ? suggested_name(e) : e.ptr_names.front();
      return name_setting(e, ptr) +
             (host.empty() ? std::string() : " (or " + reverse_line(e, host) + ")");
    });
  }
  if (e.tls_offered || e.tls_used || e.tls_tried) {
    add(out, set, "smtp_tls", tls_outcome(e), [&e] { return tls_fix(e); });
  }
  if (e.relay.empty() && !e.ran("relay")) {
    add(out, set, "open_relay", not_run("relay", "the relay test is opt-in"));
  } else if (!e.relay.empty()) {
    outcome o{rule_result::unknown, "relay test " + e.relay};
    if (e.relay == "open") {
      o.result = rule_result::fail;
      o.evidence = "accepted a recipient in a foreign domain from an outside client";
    } else if (e.relay == "closed") {
      o.result = rule_result::pass;
      o.evidence = "refused a recipient in a foreign domain";
    }
    add(out, set, "open_relay", std::move(o),
        "Postfix: smtpd_relay_restrictions = permit_mynetworks, permit_sasl_authenticated, "
        "reject_unauth_destination with mynetworks listing only your hosts; Exim: "
        "hostlist relay_from_hosts = your hosts only");
  }
  if (e.banner_ms) {
    // MXToolbox reports an error when the connection and greeting take
    // longer than 15 seconds (docs/policy.md).
    const bool slow = *e.banner_ms > 15'000.0;
    add(out, set, "connection_time",
        {slow ? rule_result::fail : rule_result::pass,
         "greeting after " + std::to_string(static_cast<int64_t>(*e.banner_ms)) + " ms"},
        "greet within 15 s: Postfix postscreen_greet_wait / smtpd_client_restrictions "
        "sleep, Exim ACL delays before the banner, or a tarpit in front");
  }
}

}  // namespace

bool postfix_valid_hostaddr(std::string_view addr) { return valid_ipv4(addr) || valid_ipv6(addr); }

std::vector<policy_verdict> evaluate_policy(const policy_evidence& e) {
  std::vector<policy_verdict> out;
  out.reserve(16);  // at most 5 + 1 + 4 + 4 rules
  postfix_rules(e, out);
  generic_rules(e, out);
  bulk_rules(e, out);
  mxtoolbox_rules(e, out);
  return out;
}

}  // namespace ptrscan
