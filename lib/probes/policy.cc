#include "probes/policy.h"

#include <algorithm>
#include <string>
#include <vector>

#include "output/json_writer.h"
#include "probes/client_identity.h"
#include "probes/domain.h"
#include "probes/fcrdns.h"
#include "probes/helo_names.h"
#include "probes/ptr.h"
#include "probes/rdns.h"
#include "probes/sender.h"
#include "probes/smtp.h"
#include "probes/spf.h"

namespace ptrscan {
namespace {

/// The lookups of a HELO name as Postfix's reject_unknown_helo_hostname
/// sees them: nullopt where nothing was asked.
void helo_lookups(const helo_name* n, policy_evidence& e) {
  if (n == nullptr || !n->asked) {
    return;
  }
  e.helo_a = n->forward.a;
  e.helo_aaaa = n->forward.aaaa;
  e.helo_mx = n->mx;
  e.helo_null_mx = n->mx == dns_status::ok && !n->mx_found;
  e.helo_addrs = n->forward.addrs;
}

/// The server-side parts: greeting, HELO name, STARTTLS, relay, timing.
void server_parts(const policy_sources& src, uint32_t slot, policy_evidence& e) {
  const std::span<const smtp_result> results = src.smtp->results(slot);
  const smtp_result* greeted = nullptr;
  const smtp_result* ehlo = nullptr;
  bool offered = false;
  bool any_ehlo = false;
  bool tried = false;
  bool used = false;
  const smtp_result* failed = nullptr;
  bool relay_seen = false;
  relay_status relay = relay_status::untested;
  for (const smtp_result& r : results) {
    if (greeted == nullptr && r.has_banner) {
      greeted = &r;
    }
    if (ehlo == nullptr && r.has_ehlo && !r.ehlo.host.empty()) {
      ehlo = &r;
    }
    any_ehlo = any_ehlo || r.has_ehlo || r.tls_attempted;
    offered = offered || (r.has_ehlo && r.ehlo.starttls) || (r.port == 465 && r.tls_attempted);
    tried = tried || r.tls_attempted;
    used = used || r.tls_ok;
    if (failed == nullptr && r.tls_attempted && !r.tls_ok) {
      failed = &r;
    }
    if (r.relay_enabled) {
      relay = !relay_seen || relay_rank(r.relay) > relay_rank(relay) ? r.relay : relay;
      relay_seen = true;
    }
  }
  if (greeted != nullptr) {
    e.banner_host = greeted->banner_host;
    if (greeted->ms_banner >= 0) {
      e.banner_ms = greeted->ms_banner;
    }
  }
  // The name a server gives as a client is its myhostname, which its EHLO
  // reply (else its greeting) names.
  const std::string* helo = ehlo != nullptr ? &ehlo->ehlo.host
                            : greeted != nullptr && !greeted->banner_host.empty()
                                ? &greeted->banner_host
                                : nullptr;
  if (helo != nullptr) {
    e.helo = *helo;
    const helo_name* named = src.smtp->named_helo(slot, *helo);
    helo_lookups(named, e);
    // Asked names are kept up to --smtp-helo-names; with the ptr probe on,
    // one not among them was left out by that cap.
    e.helo_capped = named == nullptr && src.ptr != nullptr;
  }
  if (any_ehlo) {
    e.tls_offered = offered;
    e.tls_tried = tried;
    e.tls_used = used;
    if (!used && failed != nullptr) {
      e.tls_error = failed->tls_error;
      e.tls_error_local = failed->tls_local_error;
    }
  }
  if (relay_seen) {
    e.relay = std::string(to_string(relay));
  }
}

class policy_worker final : public probe_worker {
 public:
  policy_worker(probe_services& s, const probe_options& o, size_t results_counter)
      : s_(s), results_counter_(results_counter) {
    src_.starttls = o.set.starttls;
    src_.relay = o.set.relay;
  }

  absl::Status init() override {
    src_.ptr = dynamic_cast<const ptr_worker*>(s_.worker("ptr"));
    src_.fcrdns = dynamic_cast<const fcrdns_worker*>(s_.worker("fcrdns"));
    src_.rdns = dynamic_cast<const rdns_view*>(s_.worker("rdns"));
    src_.smtp = dynamic_cast<const smtp_view*>(s_.worker("smtp"));
    src_.sender = dynamic_cast<const sender_view*>(s_.worker("sender"));
    src_.spf = dynamic_cast<const spf_worker*>(s_.worker("spf"));
    src_.domains = dynamic_cast<const domain_worker*>(s_.worker("domain"));
    return absl::OkStatus();
  }

  void write_host(uint32_t slot, json_writer& w) override {
    const std::vector<policy_verdict> v = evaluate_policy(scanned_evidence(src_, s_, slot));
    write_policy_json(w, v);
    counter_block& c = s_.counters();
    for (const policy_verdict& x : v) {
      c.add(results_counter_ + static_cast<size_t>(x.result));
    }
  }

 private:
  probe_services& s_;
  const size_t results_counter_;
  policy_sources src_;
};

class policy_probe final : public probe {
 public:
  explicit policy_probe(const probe_options& o) : options_(o) {}
  std::string_view name() const override { return "policy"; }
  void declare_counters(counter_registry& r) override {
    // One label per rule and result would be too many for a summary line:
    // the verdicts are counted by result (the report counts them by rule).
    results_ = r.declare("policy", counter_registry::labels_of<rule_result>(
                                       3, [](rule_result x) { return to_string(x); }));
  }
  std::unique_ptr<probe_worker> make_worker(probe_services& s, uint8_t) const override {
    return std::make_unique<policy_worker>(s, options_, results_);
  }
  void summary(const counter_view& c, const scan_totals& t, std::string& line) const override {
    if (t.records != 0) {
      append_counts(line, "policy verdicts", c, "policy");
    }
  }
  void metadata(const counter_view& c, const scan_totals&, json_writer& w) const override {
    write_counts(w, "policy", c, "policy");
  }
  std::span<const field_doc> fields() const override { return fields_; }

 private:
  static std::vector<field_doc> make_fields() {
    std::vector<field_doc> out;
    for (const identity_field& f : policy_fields()) {
      out.push_back({f.name, f.type, f.help});
    }
    return out;
  }
  const probe_options options_;
  size_t results_ = 0;
  const std::vector<field_doc> fields_ = make_fields();
};

}  // namespace

policy_evidence scanned_evidence(const policy_sources& src, const probe_services& s,
                                 uint32_t slot) {
  policy_evidence e;
  e.ip = s.host_ip(slot);
  const host_identity* id = s.identity(slot);
  e.role = id != nullptr ? policy_role::client : policy_role::server;

  if (src.ptr == nullptr) {
    e.not_run.push_back("ptr");
  } else {
    // The ptr probe is done on every host before its record is written.
    e.ptr_status = src.ptr->status(slot);
    const std::span<const std::string> names = src.ptr->names(slot);
    e.ptr_names.assign(names.begin(), names.end());
    e.ptr_names_total = src.ptr->names_total(slot);
    if (src.rdns != nullptr) {
      e.naming = src.rdns->class_of(slot);
      e.naming_name = std::string(src.rdns->name_of(slot));
    }
  }
  if (src.fcrdns == nullptr) {
    e.not_run.push_back("fcrdns");
  } else {
    const std::span<const forward_lookup> f = src.fcrdns->forward(slot);
    e.forward.assign(f.begin(), f.end());
    e.fcrdns = src.fcrdns->verdict(slot).status;
    // Names beyond the 32 kept were not looked up either.
    e.fcrdns_unchecked = src.fcrdns->unchecked(slot);
  }

  if (e.role == policy_role::client) {
    // A sending identity: its HELO and MAIL FROM are the line's. Whether it
    // sends with TLS no scan can see: the tls rule is left out.
    if (id->has_helo) {
      e.helo = id->helo;
      helo_lookups(src.sender != nullptr ? src.sender->helo(slot) : nullptr, e);
    }
    if (const spf_check* c = src.sender != nullptr ? src.sender->mailfrom(slot) : nullptr;
        c != nullptr && c->evaluation() != nullptr && c->evaluation()->done()) {
      e.spf_mail_from = c->evaluation()->result().code;
      e.spf_mail_from_domain = c->domain();
    }
    return e;
  }

  const bool sessions = src.smtp != nullptr;
  if (!sessions) {
    e.not_run.push_back("smtp");
  }
  if (!sessions || !src.starttls) {
    e.not_run.push_back("starttls");
  }
  if (!sessions || !src.relay) {
    e.not_run.push_back("relay");
  }
  if (sessions) {
    server_parts(src, slot, e);
  }
  // An MX address of a domain target: may it send for that domain (the spf
  // probe's check_host, the MX host as HELO)?
  uint32_t parent = 0;
  uint32_t child = 0;
  if (src.spf != nullptr && src.domains != nullptr && s.host_parent(slot, &parent, &child)) {
    if (const spf_evaluation* ev = src.spf->evaluation(slot); ev != nullptr) {
      e.spf_mail_from = ev->result().code;
      e.spf_mail_from_domain = src.domains->audit(parent).domain;
    }
  }
  return e;
}

std::shared_ptr<probe> make_policy_probe(const probe_options& o) {
  return o.set.policy ? std::make_shared<policy_probe>(o) : nullptr;
}

}  // namespace ptrscan
