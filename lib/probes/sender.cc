#include "probes/sender.h"

#include <span>
#include <string>
#include <vector>

#include "dns/reply.h"
#include "output/json_writer.h"
#include "probes/helo_names.h"
#include "probes/ptr.h"
#include "probes/spf.h"

namespace ptrscan {
namespace {

constexpr field_doc fields[] = {
    {"sender", "object",
     "on IP,DOMAIN[,HELO] targets: the outbound identity (MAIL FROM and HELO checks)"},
    {"sender.domain", "string", "the DOMAIN of the line (the MAIL FROM identity's domain)"},
    {"sender.helo", "string", "the HELO of the line, as written (absent: none given)"},
    {"sender.truncated", "array",
     "what a cap cut: \"helo\" (the HELO field was longer than 255 octets; its verdict is "
     "invalid)"},
    {"sender.spf_mailfrom", "object",
     "check_host(IP, DOMAIN) for MAIL FROM postmaster@DOMAIN: {identity, domain, result, "
     "reason, mechanism, explanation, decided_by, lookups}"},
    {"sender.spf_mailfrom.identity", "string", "mailfrom"},
    {"sender.spf_mailfrom.domain", "string", "the domain checked"},
    {"sender.spf_mailfrom.result", "status", "none|neutral|pass|fail|softfail|temperror|permerror"},
    {"sender.spf_mailfrom.reason", "string", "why, in a few words"},
    {"sender.spf_mailfrom.mechanism", "string", "the term that decided, as written"},
    {"sender.spf_mailfrom.explanation", "string", "with fail: the domain's exp= text"},
    {"sender.spf_mailfrom.decided_by", "string",
     "the domain whose SPF record held the deciding term or caused the error (an include's or "
     "redirect's target, else the domain itself)"},
    {"sender.spf_mailfrom.lookups", "number", "DNS-querying terms evaluated (RFC 7208 4.6.4)"},
    {"sender.spf_helo", "object",
     "with a HELO: check_host(IP, HELO) for the HELO identity, the same members; result none "
     "without evaluation when HELO is no multi-label domain name (RFC 7208 2.3, 4.3)"},
    {"sender.spf_helo.identity", "string", "helo"},
    {"sender.spf_helo.domain", "string", "the HELO name checked (lower-cased)"},
    {"sender.spf_helo.result", "status", "none|neutral|pass|fail|softfail|temperror|permerror"},
    {"sender.spf_helo.reason", "string", "why, in a few words"},
    {"sender.spf_helo.mechanism", "string", "the term that decided, as written"},
    {"sender.spf_helo.explanation", "string", "with fail: the domain's exp= text"},
    {"sender.spf_helo.decided_by", "string", "the domain whose record decided, as above"},
    {"sender.spf_helo.lookups", "number", "DNS-querying terms evaluated"},
    {"sender.helo_rules", "object", "with a HELO: the HELO rules receivers apply to it"},
    {"sender.helo_rules.name", "string", "the HELO as written"},
    {"sender.helo_rules.syntax", "string", "fqdn|not-fqdn|address-literal|invalid"},
    {"sender.helo_rules.fqdn", "bool", "a valid host name of two labels or more"},
    {"sender.helo_rules.addresses", "array",
     "its A and AAAA addresses (a name form only), at most 32, always IP when found"},
    {"sender.helo_rules.addresses_total", "number", "how many, when addresses were cut"},
    {"sender.helo_rules.truncated", "array",
     "\"addresses\" when cut at 32; \"ptr_names\" when equals_ptr compared only the 32 PTR "
     "names kept (it is then null)"},
    {"sender.helo_rules.mx", "bool", "it has MX records (null: the MX lookup failed)"},
    {"sender.helo_rules.resolves", "bool",
     "it has an A, AAAA or MX record (null: a lookup failed, or not a name)"},
    {"sender.helo_rules.resolves_to_ip", "bool",
     "one of its addresses is IP (an address literal: it is IP; null: undecided)"},
    {"sender.helo_rules.equals_ptr", "bool",
     "it is one of IP's PTR names (null: no PTR name, no ptr probe, not a name, or none of "
     "the 32 kept when the answer held more)"},
    {"sender.helo_rules.verdict", "string",
     "match|mismatch|unresolved|error|invalid|not-fqdn|literal|literal-mismatch"},
};

// Tags: what the ask is for (high bits) and its index.
constexpr uint32_t tag_shift = 16;
constexpr uint32_t for_mailfrom = 0;
constexpr uint32_t for_helo_spf = 1;
constexpr uint32_t for_helo_name = 2;

struct sender_counter_ids {
  size_t mailfrom = 0;  // family "sender_spf_mailfrom"
  size_t helo_spf = 0;  // family "sender_spf_helo"
  size_t helo = 0;      // family "sender_helo"
};

class sender_worker final : public probe_worker, public sender_view {
 public:
  const spf_check* mailfrom(uint32_t slot) const override {
    return hosts_[slot] && hosts_[slot]->active ? &hosts_[slot]->mailfrom : nullptr;
  }
  const helo_name* helo(uint32_t slot) const override {
    return hosts_[slot] && hosts_[slot]->active && hosts_[slot]->has_helo ? &hosts_[slot]->helo
                                                                          : nullptr;
  }

  sender_worker(probe_services& s, uint8_t id, const sender_counter_ids& c)
      : s_(s), id_(id), ids_(c), hosts_(s.capacity(job_kind::host)) {}

  absl::Status init() override {
    ptr_ = dynamic_cast<ptr_worker*>(s_.worker("ptr"));
    return absl::OkStatus();
  }

  void start_host(uint32_t slot) override {
    if (hosts_[slot]) {
      hosts_[slot]->active = false;
    }
    const host_identity* id = s_.identity(slot);
    if (id == nullptr) {
      return;  // an address, block or MX address: not a sender target
    }
    // Made for the first sender target a slot holds and kept: a scan
    // without sender lines pays one pointer per slot.
    if (!hosts_[slot]) {
      hosts_[slot] = std::make_unique<host>();
    }
    host& h = *hosts_[slot];
    h.mailfrom.reset();
    h.helo_spf.reset();
    h.active = true;
    h.has_helo = id->has_helo;
    h.helo_cut = id->helo_cut;
    h.domain = id->domain;
    const ip_address& ip = s_.host_ip(slot);
    h.helo.reset(id->has_helo ? std::string_view(id->helo) : std::string_view());
    // %{h} is the HELO name when there is one to use (RFC 7208 7.3).
    h.mailfrom.start("mailfrom", h.domain, ip, h.helo.lookable() ? h.helo.form.name : "");
    ask_step(slot, for_mailfrom, h.mailfrom);
    if (!h.has_helo) {
      return;
    }
    if (h.helo.form.syntax == helo_syntax::fqdn) {
      h.helo_spf.start("helo", h.helo.form.name, ip, h.helo.form.name);
      ask_step(slot, for_helo_spf, h.helo_spf);
    } else {
      // RFC 7208 4.3: a domain that is not a multi-label name gives none
      // without a lookup (an address literal or a bare label has no SPF).
      h.helo_spf.skip("helo", h.helo.lookable() ? h.helo.form.name : h.helo.text,
                      "the HELO is not a multi-label domain name (RFC 7208 4.3)");
    }
    if (h.helo.lookable()) {
      h.helo.asked = true;
      for (uint32_t k = 0; k < helo_ask_count; ++k) {
        s_.ask(job_kind::host, slot, id_, (for_helo_name << tag_shift) | k, h.helo.form.name,
               helo_name::qtype(static_cast<helo_ask>(k)));
      }
    }
  }

  void on_answer(job_kind, uint32_t slot, uint32_t tag, std::string_view,
                 const dns_reply& reply) override {
    if (!hosts_[slot] || !hosts_[slot]->active) {
      return;
    }
    host& h = *hosts_[slot];
    const uint32_t index = tag & ((1u << tag_shift) - 1);
    switch (tag >> tag_shift) {
      case for_mailfrom:
        if (h.mailfrom.on_answer(index, reply)) {
          ask_step(slot, for_mailfrom, h.mailfrom);
        }
        return;
      case for_helo_spf:
        if (h.helo_spf.on_answer(index, reply)) {
          ask_step(slot, for_helo_spf, h.helo_spf);
        }
        return;
      case for_helo_name:
        if (index < helo_ask_count) {
          h.helo.on_answer(static_cast<helo_ask>(index), reply, s_.host_ip(slot));
        }
        return;
      default:
        return;
    }
  }

  void write_host(uint32_t slot, json_writer& w) override {
    if (!hosts_[slot] || !hosts_[slot]->active) {
      return;
    }
    const host& h = *hosts_[slot];
    counter_block& c = s_.counters();
    w.key("sender").begin_object();
    w.key("domain").value(h.domain);
    if (h.has_helo) {
      w.key("helo").value(h.helo.text);
    }
    if (h.helo_cut) {
      w.key("truncated").begin_array().value("helo").end_array();
    }
    w.key("spf_mailfrom");
    h.mailfrom.write_json(w);
    c.add(ids_.mailfrom + static_cast<size_t>(code_of(h.mailfrom)));
    if (h.has_helo) {
      w.key("spf_helo");
      h.helo_spf.write_json(w);
      c.add(ids_.helo_spf + static_cast<size_t>(code_of(h.helo_spf)));
      // A cut HELO (255 octets kept) is longer than any host name (253):
      // read_helo has made it invalid.
      const helo_assessment a =
          h.helo.assess(s_.host_ip(slot), ptr_names(slot), ptr_state(slot));
      w.key("helo_rules").begin_object();
      h.helo.write_members(w, a);
      w.end_object();
      c.add(ids_.helo + static_cast<size_t>(a.verdict));
    }
    w.end_object();
  }

 private:
  struct host {
    bool active = false;
    bool has_helo = false;
    bool helo_cut = false;
    std::string domain;
    spf_check mailfrom;
    spf_check helo_spf;
    helo_name helo;
  };

  static spf_code code_of(const spf_check& c) {
    const spf_evaluation* e = c.evaluation();
    return e != nullptr && e->done() ? e->result().code : spf_code::none;
  }

  void ask_step(uint32_t slot, uint32_t what, const spf_check& c) {
    // As spf_worker's: an answer given at once moves the step only when it
    // is the step's last, after the last ask.
    const std::span<const spf_query> q = c.pending();
    for (size_t i = 0; i < q.size(); ++i) {
      s_.ask(job_kind::host, slot, id_, (what << tag_shift) | static_cast<uint32_t>(i),
             q[i].name, q[i].type);
    }
  }

  std::span<const std::string> ptr_names(uint32_t slot) const {
    return ptr_ != nullptr ? ptr_->names(slot) : std::span<const std::string>();
  }
  ptr_evidence ptr_state(uint32_t slot) const {
    if (ptr_ == nullptr) {
      return ptr_evidence::not_asked;
    }
    return ptr_->evidence(slot);
  }

  probe_services& s_;
  const uint8_t id_;
  const sender_counter_ids ids_;
  ptr_worker* ptr_ = nullptr;
  std::vector<std::unique_ptr<host>> hosts_;
};

class sender_probe final : public probe {
 public:
  std::string_view name() const override { return "sender"; }
  void declare_counters(counter_registry& r) override {
    auto spf_labels = counter_registry::labels_of<spf_code>(
        spf_code_count, [](spf_code c) { return to_string(c); });
    ids_.mailfrom = r.declare("sender_spf_mailfrom", spf_labels);
    ids_.helo_spf = r.declare("sender_spf_helo", spf_labels);
    ids_.helo = r.declare("sender_helo", counter_registry::labels_of<helo_verdict>(
                                             helo_verdict_count,
                                             [](helo_verdict v) { return to_string(v); }));
  }
  std::unique_ptr<probe_worker> make_worker(probe_services& s, uint8_t id) const override {
    return std::make_unique<sender_worker>(s, id, ids_);
  }
  void summary(const counter_view& c, const scan_totals&, std::string& line) const override {
    if (c.total("sender_spf_mailfrom") == 0) {
      return;  // no sender line in the input
    }
    line += "; " + std::to_string(c.total("sender_spf_mailfrom")) + " senders";
    append_counts(line, "spf mailfrom", c, "sender_spf_mailfrom");
    append_counts(line, "spf helo", c, "sender_spf_helo");
    append_counts(line, "helo", c, "sender_helo");
  }
  void metadata(const counter_view& c, const scan_totals&, json_writer& w) const override {
    if (c.total("sender_spf_mailfrom") == 0) {
      return;
    }
    w.key("senders").begin_object();
    w.key("records").value(c.total("sender_spf_mailfrom"));
    write_counts(w, "spf_mailfrom", c, "sender_spf_mailfrom");
    write_counts(w, "spf_helo", c, "sender_spf_helo");
    write_counts(w, "helo", c, "sender_helo");
    w.end_object();
  }
  std::span<const field_doc> fields() const override { return ::ptrscan::fields; }

 private:
  sender_counter_ids ids_;
};

}  // namespace

std::shared_ptr<probe> make_sender_probe(const probe_options&) {
  return std::make_shared<sender_probe>();
}

}  // namespace ptrscan
