#include "probes/client_identity.h"

#include <algorithm>

#include "checks/identity.h"
#include "net/ascii.h"
#include "probes/fcrdns.h"
#include "probes/helo_names.h"
#include "probes/spf.h"

namespace ptrscan {
namespace {

/// "user@Example.ORG" -> ("user", "example.org"); no '@': no domain.
void split_path(std::string_view path, std::string* local, std::string* domain) {
  const size_t at = path.rfind('@');
  if (at == std::string_view::npos) {
    local->assign(path);
    domain->clear();
    return;
  }
  local->assign(path.substr(0, at));
  *domain = ascii_lower(path.substr(at + 1));
  if (!domain->empty() && domain->back() == '.') {
    domain->pop_back();
  }
}

constexpr identity_field fields_list[] = {
    {"ptr", "object", "PTR lookup of the client address"},
    {"ptr.status", "status", "ok nxdomain nodata servfail refused timeout error"},
    {"ptr.names", "array", "PTR names, canonical order, at most 32"},
    {"ptr.names_total", "number", "distinct names when more than kept"},
    {"ptr.truncated", "array", "\"names\" when names were cut"},
    {"ptr.error", "string", "why status is error"},
    {"fcrdns", "object", "forward-confirmed reverse DNS of the client"},
    {"fcrdns.status", "status", "pass fail none error, timeout when unfinished"},
    {"fcrdns.name", "string", "the PTR name that resolves back"},
    {"fcrdns.unchecked", "number", "PTR names not looked up (cap)"},
    {"fcrdns.forward", "array", "A/AAAA of each PTR name"},
    {"fcrdns.forward[].name", "string", "the PTR name"},
    {"fcrdns.forward[].status", "status", "its lookups' status"},
    {"fcrdns.forward[].addresses", "array", "its addresses, at most 32"},
    {"fcrdns.forward[].addresses_total", "number", "distinct addresses when more"},
    {"fcrdns.forward[].truncated", "array", "\"addresses\" when cut"},
    {"rdns", "object", "naming class of the first PTR name"},
    {"rdns.name", "string", "the name classified"},
    {"rdns.class", "string", "none invalid generic-dynamic generic-static ... mail-like custom"},
    {"rdns.ip_encoded", "string", "how the address is written in the name"},
    {"rdns.tokens", "array", "dynamic, static and mail keywords found"},
    {"helo", "object", "the HELO/EHLO name and the HELO rules"},
    {"helo.name", "string", "as the client sent it"},
    {"helo.syntax", "string", "fqdn not-fqdn address-literal invalid"},
    {"helo.fqdn", "bool", "a valid name of two labels or more"},
    {"helo.addresses", "array", "its A/AAAA addresses"},
    {"helo.addresses_total", "number", "the addresses found when more than those kept"},
    {"helo.mx", "bool", "it has an MX naming a host (null: the MX lookup failed)"},
    {"helo.truncated", "array",
     "\"addresses\" when cut; \"ptr_names\" when equals_ptr is null for PTR names past those kept"},
    {"helo.resolves", "bool", "it has an A, AAAA or MX record (null: undecided)"},
    {"helo.resolves_to_client", "bool", "one address is the client's"},
    {"helo.equals_ptr", "bool", "it is one of the client's PTR names"},
    {"helo.verdict", "string", "match mismatch unresolved error invalid not-fqdn literal ..."},
    {"spf", "object", "check_host for the MAIL FROM and the HELO identities"},
    {"spf.mail_from", "object", "identity, domain, result, reason, mechanism, explanation, lookups"},
    {"spf.helo", "object", "the same for the HELO identity"},
};

}  // namespace

std::span<const identity_field> client_identity_fields() { return fields_list; }

client_identity::client_identity(const ip_address& client, const rdns_classifier& classifier,
                                 const identity_limits& limits)
    : client_(client), classifier_(classifier), limits_(limits) {}

void client_identity::send(std::string name, uint16_t type, purpose what, uint32_t index,
                           uint32_t generation, uint32_t step, uint8_t hops) {
  ask a;
  a.name = std::move(name);
  a.type = type;
  a.what = what;
  a.index = index;
  a.generation = generation;
  a.step = step;
  a.hops = hops;
  if (asks_.size() >= limits_.max_questions) {
    if (std::find(truncated_.begin(), truncated_.end(), "dns") == truncated_.end()) {
      truncated_.emplace_back("dns");
    }
    dns_reply none;
    none.status = dns_status::error;
    none.reason = "cap";
    answer(a, dns_status::error, none);
    return;
  }
  const uint32_t tag = static_cast<uint32_t>(asks_.size());
  outbox_.push_back(identity_question{a.name, type, tag});
  asks_.push_back(std::move(a));
  ++outstanding_;
}

std::vector<identity_question> client_identity::take_questions() {
  std::vector<identity_question> q;
  q.swap(outbox_);
  return q;
}

void client_identity::start() {
  if (ptr_started_) {
    return;
  }
  ptr_started_ = true;
  send(client_.reverse_name(), dns_type_ptr, purpose::ptr, 0, 0, 0, 0);
}

void client_identity::on_answer(uint32_t tag, dns_status transport, std::string_view reason,
                                std::span<const uint8_t> packet) {
  if (tag >= asks_.size() || asks_[tag].answered) {
    return;
  }
  asks_[tag].answered = true;
  --outstanding_;
  const ask a = asks_[tag];  // a copy: answering may grow asks_
  dns_reply reply;
  if (transport == dns_status::ok) {
    parse_reply(packet, a.name, a.type, reply);
  } else {
    reply.status = transport;
    reply.reason = reason;
  }
  if (reply.status == dns_status::nodata && !reply.dangling_cname.empty()) {
    if (a.hops < max_cname_hops) {
      send(reply.dangling_cname, a.type, a.what, a.index, a.generation, a.step,
           static_cast<uint8_t>(a.hops + 1));
      return;
    }
    reply.status = dns_status::error;
    reply.reason = "cname_chain";
  }
  answer(a, reply.status, reply);
}

void client_identity::answer(const ask& a, dns_status status, const dns_reply& reply) {
  switch (a.what) {
    case purpose::ptr:
      on_ptr(status, reply);
      return;
    case purpose::forward_a:
    case purpose::forward_aaaa: {
      forward_lookup& f = forward_[a.index];
      (a.what == purpose::forward_a ? f.a : f.aaaa) = status;
      if (status == dns_status::ok) {
        f.add_addrs(reply.addrs, client_);
      }
      --forward_pending_[a.index];
      decide_fcrdns_if_done();
      return;
    }
    case purpose::helo_mx:
      if (a.generation != helo_generation_) {
        return;  // an earlier HELO name's
      }
      helo_status_[2] = status;
      helo_null_mx_ = status == dns_status::ok && reply.null_mx;
      helo_mx_found_ = mx_names_a_host(reply);
      --helo_pending_;
      return;
    case purpose::helo_a:
    case purpose::helo_aaaa:
      if (a.generation != helo_generation_) {
        return;  // an earlier HELO name's
      }
      helo_status_[a.what == purpose::helo_a ? 0 : 1] = status;
      if (status == dns_status::ok) {
        for (const ip_address& ip : reply.addrs) {
          ++helo_addrs_total_;
          if (std::find(helo_addrs_.begin(), helo_addrs_.end(), ip) == helo_addrs_.end() &&
              (helo_addrs_.size() < max_forward_addrs || ip == client_)) {
            helo_addrs_.push_back(ip);
          }
        }
      }
      --helo_pending_;
      return;
    case purpose::sender:
    case purpose::helo_id: {
      evaluation& ev = a.what == purpose::sender ? sender_ : helo_id_;
      if (!ev.e || ev.generation != a.generation || ev.e->done() || ev.e->step() != a.step) {
        return;  // an earlier evaluation's, or an earlier step's
      }
      if (ev.check.on_answer(a.index, reply)) {
        ask_step(ev, a.what);  // the step's last answer: the evaluation needs more
      }
      return;
    }
  }
}

void client_identity::ask_step(const evaluation& ev, purpose what) {
  const std::span<const spf_query> q = ev.check.pending();
  const uint32_t step = ev.e->step();
  std::vector<spf_query> copy(q.begin(), q.end());  // send() may answer at once
  for (size_t i = 0; i < copy.size(); ++i) {
    send(copy[i].name, copy[i].type, what, static_cast<uint32_t>(i), ev.generation, step, 0);
  }
}

void client_identity::on_ptr(dns_status status, const dns_reply& reply) {
  ptr_answered_ = true;
  ptr_status_ = status;
  if (status == dns_status::error) {
    ptr_error_ = std::string(reply.reason);
  }
  if (status == dns_status::ok) {
    ptr_names_ = reply.names;
    ptr_names_total_ = reply.names_total;
  }
  const size_t n = std::min(ptr_names_.size(), limits_.max_forward_names);
  // As the scanner's fcrdns.unchecked: every PTR name not looked up, also
  // those the answer held past the names kept (names_total).
  fcrdns_unchecked_ =
      static_cast<uint32_t>(std::max<size_t>(ptr_names_total_, ptr_names_.size()) - n);
  forward_.resize(n);
  forward_pending_.assign(n, 2);
  for (size_t i = 0; i < n; ++i) {
    forward_[i].name = ptr_names_[i];
  }
  classifier_.classify(ptr_names_.empty() ? std::string_view() : ptr_names_.front(), client_,
                       rdns_);
  for (size_t i = 0; i < n; ++i) {
    send(ptr_names_[i], dns_type_a, purpose::forward_a, static_cast<uint32_t>(i), 0, 0, 0);
    send(ptr_names_[i], dns_type_aaaa, purpose::forward_aaaa, static_cast<uint32_t>(i), 0, 0, 0);
  }
  decide_fcrdns_if_done();
}

void client_identity::decide_fcrdns_if_done() {
  if (!ptr_answered_ || fcrdns_decided_) {
    return;
  }
  if (std::any_of(forward_pending_.begin(), forward_pending_.end(),
                  [](uint8_t p) { return p != 0; })) {
    return;
  }
  fcrdns_ = decide_fcrdns(client_, ptr_status_, forward_);
  fcrdns_decided_ = true;
}

void client_identity::set_helo(std::string_view arg) {
  if (helo_seen_ && arg == helo_arg_) {
    return;
  }
  helo_seen_ = true;
  helo_arg_.assign(arg);
  helo_ = read_helo(arg);
  ++helo_generation_;
  helo_pending_ = 0;
  helo_addrs_.clear();
  helo_addrs_total_ = 0;
  helo_id_ = evaluation{};
  helo_status_[0].reset();
  helo_status_[1].reset();
  helo_status_[2].reset();
  helo_null_mx_ = false;
  helo_mx_found_ = false;
  // Looked up: every name Postfix would look up for
  // reject_unknown_helo_hostname (its host name syntax allows '_', which
  // read_helo calls invalid), by A, AAAA and MX.
  std::string lookup = helo_.name;
  if (lookup.empty() && helo_.syntax == helo_syntax::invalid && !arg.empty() &&
      arg.front() != '[') {
    std::string_view n = arg;
    while (n.size() > 1 && n.back() == '.') {
      n.remove_suffix(1);
    }
    if (postfix_valid_hostname(n) && !postfix_valid_hostaddr(n)) {
      lookup = ascii_lower(n);
    }
  }
  if (!lookup.empty()) {
    helo_pending_ = 3;
    send(lookup, dns_type_a, purpose::helo_a, 0, helo_generation_, 0, 0);
    send(lookup, dns_type_aaaa, purpose::helo_aaaa, 0, helo_generation_, 0, 0);
    send(lookup, dns_type_mx, purpose::helo_mx, 0, helo_generation_, 0, 0);
  }
  if (helo_.syntax == helo_syntax::fqdn) {
    // The HELO identity (RFC 7208 §2.3): check_host(ip, helo, postmaster@helo).
    helo_id_.domain = helo_.name;
    helo_id_.generation = helo_generation_;
    helo_id_.check.start("helo", helo_.name, client_, helo_.name);
    helo_id_.e = helo_id_.check.evaluation();
    ask_step(helo_id_, purpose::helo_id);
  }
}

void client_identity::set_mail_from(std::string_view path) {
  std::string local;
  std::string domain;
  split_path(path, &local, &domain);
  std::string identity = "mailfrom";
  if (path.empty()) {
    // The null sender's identity is postmaster@HELO (RFC 7208 §2.4).
    local = "postmaster";
    domain = helo_.syntax == helo_syntax::fqdn ? helo_.name : std::string();
    identity = "helo";
  }
  if (local.empty()) {
    local = "postmaster";
  }
  // The same sender again is the same identity, except a null sender under
  // another HELO name: its domain is the domain compared.
  if (mail_seen_ && path == mail_from_ && domain == sender_.domain) {
    return;
  }
  mail_seen_ = true;
  mail_from_.assign(path);
  ++sender_generation_;
  // The verdict follows this sender only: a cap that skipped an earlier one
  // says nothing about it.
  sender_skipped_ = false;
  sender_ = evaluation{};
  sender_.generation = sender_generation_;
  sender_.domain = domain;
  if (domain.empty()) {
    sender_.check.skip(identity, domain, "no domain");
    return;  // no domain to check: the verdict says none
  }
  if (sender_checks_ >= limits_.max_sender_checks) {
    sender_skipped_ = true;
    if (std::find(truncated_.begin(), truncated_.end(), "mail_from_checks") ==
        truncated_.end()) {
      truncated_.emplace_back("mail_from_checks");
    }
    sender_.check.skip(identity, domain,
                       "not checked: past the MAIL FROM domains checked per session (a cap)",
                       "unchecked");
    return;
  }
  ++sender_checks_;
  sender_.check.start(identity, domain, client_, helo_.name.empty() ? domain : helo_.name,
                      local);
  sender_.e = sender_.check.evaluation();
  ask_step(sender_, purpose::sender);
}

bool client_identity::helo_lookups_done() const { return helo_pending_ == 0; }

bool client_identity::verdict_ready() const {
  const bool ptr_ok = ptr_answered_ && fcrdns_decided_;
  const bool helo_ok = !helo_seen_ || helo_lookups_done();
  const bool sender_ok = !mail_seen_ || !sender_.e || sender_.e->done();
  return ptr_ok && helo_ok && sender_ok;
}

helo_assessment client_identity::assess() const {
  // A PTR lookup not answered yet is as good as a failed one: a HELO name
  // might equal a PTR name (helo_word() says "timeout" for a name then).
  // An answer with more names than were kept is partial: no match among
  // the kept ones is no mismatch (as in the scanner).
  const ptr_evidence ptr = !ptr_answered_ || is_lookup_failure(ptr_status_)
                               ? ptr_evidence::failed
                           : ptr_names_total_ > ptr_names_.size() ? ptr_evidence::partial
                                                                  : ptr_evidence::known;
  return assess_helo(helo_, client_,
                     read_helo_dns(helo_addrs_, helo_status_[0], helo_status_[1],
                                   helo_status_[2], helo_mx_found_),
                     ptr_names_, ptr);
}

std::string client_identity::helo_word() const {
  if (!helo_seen_) {
    return "none";
  }
  if (helo_.syntax == helo_syntax::fqdn && (!helo_lookups_done() || !ptr_answered_)) {
    return "timeout";  // the RCPT reply could wait no longer
  }
  return std::string(to_string(assess().verdict));
}

std::string client_identity::verdict_line() const {
  std::string s = "ptr=";
  s += ptr_answered_ ? std::string(to_string(ptr_status_)) : "timeout";
  s += " fcrdns=";
  s += fcrdns_decided_ ? std::string(to_string(fcrdns_.status)) : "timeout";
  if (fcrdns_decided_) {
    s += " rdns=";
    s += to_string(rdns_.cls);
  }
  s += " helo=" + helo_word();
  if (mail_seen_) {
    s += " spf=";
    if (sender_skipped_) {
      s += "unchecked";
    } else if (!sender_.e) {
      s += "none";
    } else if (!sender_.e->done()) {
      s += "timeout";
    } else {
      s += to_string(sender_.e->result().code);
    }
  }
  return s;
}

void client_identity::write_json(json_writer& w) const {
  w.key("ptr").begin_object();
  if (!ptr_answered_) {
    w.key("status").value("timeout");
  } else {
    w.key("status").value(to_string(ptr_status_));
    if (!ptr_names_.empty()) {
      w.key("names").begin_array();
      for (const std::string& n : ptr_names_) {
        w.value(n);
      }
      w.end_array();
      if (ptr_names_total_ > ptr_names_.size()) {
        w.key("names_total").value(uint64_t{ptr_names_total_});
        w.key("truncated").begin_array().value("names").end_array();
      }
    }
    if (!ptr_error_.empty()) {
      w.key("error").value(ptr_error_);
    }
  }
  w.end_object();

  if (fcrdns_decided_) {
    w.key("fcrdns").begin_object();
    write_fcrdns_json(w, fcrdns_, forward_);
    if (fcrdns_unchecked_ > 0) {
      w.key("unchecked").value(uint64_t{fcrdns_unchecked_});
    }
    w.end_object();
    w.key("rdns").begin_object();
    if (!ptr_names_.empty()) {
      w.key("name").value(ptr_names_.front());
    }
    w.key("class").value(to_string(rdns_.cls));
    if (!rdns_.ip_encoded.empty()) {
      w.key("ip_encoded").value(rdns_.ip_encoded);
    }
    if (!rdns_.tokens.empty()) {
      w.key("tokens").begin_array();
      for (const std::string& t : rdns_.tokens) {
        w.value(t);
      }
      w.end_array();
    }
    w.end_object();
  } else {
    w.key("fcrdns").begin_object().key("status").value("timeout").end_object();
  }

  if (helo_seen_) {
    w.key("helo").begin_object();
    w.key("name").value(helo_arg_);
    w.key("syntax").value(to_string(helo_.syntax));
    w.key("fqdn").value(helo_.syntax == helo_syntax::fqdn);
    const helo_assessment a = assess();
    const bool addrs_cut = (helo_.syntax == helo_syntax::fqdn ||
                            helo_.syntax == helo_syntax::not_fqdn) &&
                           helo_addrs_total_ > helo_addrs_.size();
    if (helo_.syntax == helo_syntax::fqdn || helo_.syntax == helo_syntax::not_fqdn) {
      w.key("addresses").begin_array();
      for (const ip_address& ip : helo_addrs_) {
        w.value(ip.to_string());
      }
      w.end_array();
      if (addrs_cut) {
        w.key("addresses_total").value(uint64_t{helo_addrs_total_});
      }
      // As the scanner's HELO objects: an MX naming a host (a null MX does
      // not), null when the MX lookup failed or has not answered.
      w.key("mx");
      if (helo_status_[2] && !is_lookup_failure(*helo_status_[2])) {
        w.value(helo_mx_found_);
      } else {
        w.null();
      }
    }
    if (addrs_cut || a.ptr_names_cut) {
      w.key("truncated").begin_array();
      if (addrs_cut) {
        w.value("addresses");
      }
      if (a.ptr_names_cut) {
        w.value("ptr_names");  // equals_ptr: the answer held more than the names kept
      }
      w.end_array();
    }
    const helo_rules& r = a.rules;
    auto opt = [&w](const char* k, std::optional<bool> v) {
      w.key(k);
      if (v) {
        w.value(*v);
      } else {
        w.null();
      }
    };
    opt("resolves", r.resolves);
    opt("resolves_to_client", r.resolves_to_client);
    opt("equals_ptr", r.equals_ptr);
    w.key("verdict").value(helo_word());
    w.end_object();
  }

  if (helo_id_.e || mail_seen_) {
    w.key("spf").begin_object();
    if (mail_seen_) {
      w.key("mail_from");
      sender_.check.write_json(w, "timeout");
    }
    if (helo_id_.e) {
      w.key("helo");
      helo_id_.check.write_json(w, "timeout");
    }
    w.end_object();
  }
}

policy_evidence client_identity::evidence() const {
  policy_evidence e;
  e.role = policy_role::client;
  e.ip = client_;
  if (ptr_answered_) {
    e.ptr_status = ptr_status_;
    e.ptr_names = ptr_names_;
    e.ptr_names_total = ptr_names_total_;
    e.naming = rdns_.cls;
    e.naming_name = ptr_names_.empty() ? std::string() : ptr_names_.front();
    for (size_t i = 0; i < forward_.size(); ++i) {
      if (forward_pending_[i] == 0) {
        e.forward.push_back(forward_[i]);
      }
    }
  }
  if (fcrdns_decided_) {
    e.fcrdns = fcrdns_.status;
    e.fcrdns_unchecked = fcrdns_unchecked_;
  }
  if (helo_seen_) {
    e.helo = helo_arg_;
    e.helo_a = helo_status_[0];
    e.helo_aaaa = helo_status_[1];
    e.helo_mx = helo_status_[2];
    e.helo_null_mx = helo_null_mx_;
    e.helo_addrs = helo_addrs_;
  }
  if (mail_seen_ && sender_.e && sender_.e->done()) {
    e.spf_mail_from = sender_.e->result().code;
    e.spf_mail_from_domain = sender_.domain;
  }
  return e;
}

namespace {

constexpr identity_field policy_fields_list[] = {
    {"policy", "object", "receiver-policy verdicts, one array per rule set (docs/policy.md)"},
    {"policy.postfix", "array", "Postfix smtpd restrictions"},
    {"policy.postfix[].rule", "string", "reject_unknown_client_hostname ..."},
    {"policy.postfix[].result", "string", "pass fail unknown"},
    {"policy.postfix[].evidence", "string", "what decided it"},
    {"policy.postfix[].fix", "string", "with fail: the zone line or MTA setting"},
    {"policy.generic_rdns", "array", "generic (address-derived) rDNS rejection"},
    {"policy.generic_rdns[].rule", "string", "generic_rdns"},
    {"policy.generic_rdns[].result", "string", "pass fail unknown"},
    {"policy.generic_rdns[].evidence", "string", "what decided it"},
    {"policy.generic_rdns[].fix", "string", "with fail: the zone line"},
    {"policy.bulk_senders_2024", "array", "the 2024 bulk-sender requirements checkable from outside"},
    {"policy.bulk_senders_2024[].rule", "string", "ptr fcrdns tls spf"},
    {"policy.bulk_senders_2024[].result", "string", "pass fail unknown"},
    {"policy.bulk_senders_2024[].evidence", "string", "what decided it"},
    {"policy.bulk_senders_2024[].fix", "string", "with fail: the zone line or MTA setting"},
    {"policy.mxtoolbox_smtp", "array", "MXToolbox-like SMTP checks (scanned servers)"},
    {"policy.mxtoolbox_smtp[].rule", "string", "banner_ptr_match smtp_tls open_relay connection_time"},
    {"policy.mxtoolbox_smtp[].result", "string", "pass fail unknown"},
    {"policy.mxtoolbox_smtp[].evidence", "string", "what decided it"},
    {"policy.mxtoolbox_smtp[].fix", "string", "with fail: the MTA setting or zone line"},
};

}  // namespace

std::span<const identity_field> policy_fields() { return policy_fields_list; }

void write_policy_json(json_writer& w, std::span<const policy_verdict> verdicts) {
  w.key("policy").begin_object();
  for (std::string_view set : policy_sets) {
    bool open = false;
    for (const policy_verdict& v : verdicts) {
      if (v.set != set) {
        continue;
      }
      if (!open) {
        w.key(set).begin_array();
        open = true;
      }
      w.begin_object();
      w.key("rule").value(v.rule);
      w.key("result").value(to_string(v.result));
      w.key("evidence").value(v.evidence);
      if (!v.fix.empty()) {
        w.key("fix").value(v.fix);
      }
      w.end_object();
    }
    if (open) {
      w.end_array();
    }
  }
  w.end_object();
}

}  // namespace ptrscan
