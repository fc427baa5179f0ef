#include "probes/domain.h"

#include "dns/reply.h"
#include "output/json_writer.h"
#include "probes/ptr.h"
#include "probes/spf.h"

namespace ptrscan {
namespace {

constexpr field_doc fields[] = {
    {"input", "string", "on a domain's MX addresses: the domain target"},
    {"mx", "object", "on a domain's MX addresses: the MX host {host, preference, implicit}"},
    {"domain", "string", "domain summary record: the domain target"},
    {"mx.status", "status", "domain summary: the MX lookup's status"},
    {"mx.null", "bool", "domain summary: a null MX (RFC 7505)"},
    {"mx.implicit", "bool", "domain summary: no MX, the domain itself is the host"},
    {"mx.hosts[]", "array", "domain summary: {host, preference, a, aaaa, addresses}"},
    {"spf.status", "status", "domain summary: the TXT lookup's status"},
    {"spf.records", "array", "domain summary: the TXT records that are SPF records"},
    {"addresses.probed", "number", "domain summary: MX addresses probed"},
    {"addresses.skipped[]", "array", "domain summary: {ip, host, reason} not probed"},
    {"findings[]", "array", "domain summary: what is wrong, one entry per finding"},
    {"findings[].code", "string",
     "mx_no_ptr, mx_spf_not_pass, ...; spf_* codes are the SPF lint (lib/checks/spf_lint.h)"},
    {"findings[].host", "string", "the MX host it is about, when one"},
    {"findings[].ip", "string", "the address it is about, when one"},
    {"findings[].status", "status", "the lookup status behind it, when one"},
    {"findings[].result", "status", "the SPF result behind it, when one"},
    {"findings[].detail", "string", "more words, when any"},
    {"findings[].count", "number", "how many, for findings about a number (lookups, ...)"},
};

// Tags: MX and TXT of the domain, then A and AAAA of MX host i.
constexpr uint32_t tag_mx = 0;
constexpr uint32_t tag_txt = 1;
constexpr uint32_t tag_host = 2;

void write_ip(json_writer& w, const ip_address& ip) {
  char text[ip_address::max_text_len];
  w.value(std::string_view(text, ip.format(text)));
}

class domain_probe final : public probe {
 public:
  std::string_view name() const override { return "domain"; }
  bool takes_names() const override { return true; }
  void declare_counters(counter_registry& r) override {
    skipped_ = r.declare("mx_addresses_skipped");
  }
  std::unique_ptr<probe_worker> make_worker(probe_services& s, uint8_t id) const override {
    return std::make_unique<domain_worker>(s, id, skipped_);
  }
  void summary(const counter_view& c, const scan_totals& t, std::string& line) const override {
    if (t.names_read == 0) {
      return;
    }
    // The status counts of the other probes cover input addresses and MX
    // addresses alike.
    line += "; " + std::to_string(t.names_read) + " domains: " + std::to_string(t.names_done) +
            " summaries, " + std::to_string(t.children_done) + " MX addresses probed, " +
            std::to_string(c.at(skipped_)) + " skipped";
    if (t.names_dropped != 0) {
      line += ", " + std::to_string(t.names_dropped) + " dropped in flight";
    }
  }
  void metadata(const counter_view& c, const scan_totals& t, json_writer& w) const override {
    if (t.names_read == 0) {
      return;
    }
    // records counts address targets; each domain adds its summary record
    // and the records of its MX addresses.
    w.key("domains").begin_object();
    w.key("read").value(t.names_read);
    w.key("summaries").value(t.names_done);
    w.key("dropped_in_flight").value(t.names_dropped);
    w.key("mx_addresses_probed").value(t.children_done);
    w.key("mx_addresses_skipped").value(c.at(skipped_));
    w.end_object();
  }
  std::span<const field_doc> fields() const override { return ::ptrscan::fields; }

 private:
  size_t skipped_ = 0;
};

}  // namespace

domain_worker::domain_worker(probe_services& s, uint8_t id, size_t skipped_counter)
    : s_(s), id_(id), skipped_counter_(skipped_counter), names_(s.capacity(job_kind::name)) {}

absl::Status domain_worker::init() {
  ptr_ = dynamic_cast<ptr_worker*>(s_.worker("ptr"));
  spf_ = dynamic_cast<spf_worker*>(s_.worker("spf"));
  return absl::OkStatus();
}

void domain_worker::start_name(uint32_t slot) {
  name& n = names_[slot];
  n.audit.reset(s_.name_of(slot));
  n.collected = false;
  s_.ask(job_kind::name, slot, id_, tag_mx, n.audit.domain, dns_type_mx);
  s_.ask(job_kind::name, slot, id_, tag_txt, n.audit.domain, dns_type_txt);
}

void domain_worker::on_answer(job_kind kind, uint32_t slot, uint32_t tag, std::string_view,
                              const dns_reply& reply) {
  if (kind != job_kind::name) {
    return;
  }
  domain_audit& audit = names_[slot].audit;
  switch (tag) {
    case tag_mx:
      audit.set_mx(reply);
      for (size_t i = 0; i < audit.hosts.size(); ++i) {
        const auto t = static_cast<uint32_t>(tag_host + 2 * i);
        s_.ask(job_kind::name, slot, id_, t, audit.hosts[i].host, dns_type_a);
        s_.ask(job_kind::name, slot, id_, t + 1, audit.hosts[i].host, dns_type_aaaa);
      }
      break;
    case tag_txt:
      audit.set_txt(reply);
      break;
    default:
      audit.set_addresses((tag - tag_host) / 2, ((tag - tag_host) & 1) != 0, reply.status,
                          reply.addrs, reply.cname_hops != 0);
      break;
  }
}

void domain_worker::on_name_idle(uint32_t slot) {
  name& n = names_[slot];
  if (n.collected) {
    return;  // its addresses are done: the summary follows
  }
  // Every address lookup is answered: probe the distinct addresses.
  n.collected = true;
  n.audit.collect_addresses([this](const ip_address& ip) { return s_.skip_reason(ip); });
  for (uint32_t i = 0; i < n.audit.addresses.size(); ++i) {
    if (!n.audit.addresses[i].skipped.empty()) {
      s_.counters().add(skipped_counter_);
      continue;
    }
    s_.add_child(slot, n.audit.addresses[i].ip, i);
  }
}

void domain_worker::write_host(uint32_t slot, json_writer& w) {
  uint32_t parent = 0;
  uint32_t child = 0;
  if (!s_.host_parent(slot, &parent, &child)) {
    return;
  }
  const domain_audit& audit = names_[parent].audit;
  const mx_host& host = audit.hosts[audit.addresses[child].host];
  w.key("input").value(audit.domain);
  w.key("mx").begin_object();
  w.key("host").value(host.host);
  w.key("preference").value(static_cast<uint64_t>(host.preference));
  if (audit.implicit_mx) {
    w.key("implicit").value(true);
  }
  w.end_object();
}

void domain_worker::end_host(uint32_t slot) {
  uint32_t parent = 0;
  uint32_t child = 0;
  if (!s_.host_parent(slot, &parent, &child)) {
    return;
  }
  // What the address's probes found goes into the domain's findings.
  mx_address& addr = names_[parent].audit.addresses[child];
  addr.probed = true;
  addr.ptr = ptr_ != nullptr ? ptr_->status(slot) : dns_status::error;
  if (const spf_evaluation* e = spf_ != nullptr ? spf_->evaluation(slot) : nullptr) {
    addr.spf_evaluated = true;
    addr.spf = e->result().code;
    addr.spf_facts = facts_of(*e);
  }
}

void domain_worker::write_name(uint32_t slot, json_writer& w) {
  write_domain_summary(w, names_[slot].audit, ptr_ != nullptr);
}

void write_domain_summary(json_writer& w, const domain_audit& a, bool ptr_probed) {
  w.key("domain").value(a.domain);

  w.key("mx").begin_object();
  w.key("status").value(to_string(a.mx_status));
  w.key("null").value(a.null_mx);
  w.key("implicit").value(a.implicit_mx);
  w.key("hosts").begin_array();
  for (const mx_host& h : a.hosts) {
    w.begin_object();
    w.key("host").value(h.host);
    w.key("preference").value(static_cast<uint64_t>(h.preference));
    w.key("a").value(to_string(h.a));
    w.key("aaaa").value(to_string(h.aaaa));
    w.key("addresses").begin_array();
    for (const ip_address& ip : h.addrs) {
      write_ip(w, ip);
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();

  w.key("spf").begin_object();
  w.key("status").value(to_string(a.txt_status));
  w.key("records").begin_array();
  for (const std::string& r : a.spf_records) {
    w.value(r);
  }
  w.end_array();
  w.end_object();

  w.key("addresses").begin_object();
  w.key("probed").value(static_cast<uint64_t>(a.probed_count()));
  w.key("skipped").begin_array();
  for (const mx_address& m : a.addresses) {
    if (m.skipped.empty()) {
      continue;
    }
    w.begin_object();
    w.key("ip");
    write_ip(w, m.ip);
    w.key("host").value(a.hosts[m.host].host);
    w.key("reason").value(m.skipped);
    w.end_object();
  }
  w.end_array();
  w.end_object();

  w.key("findings").begin_array();
  for (const domain_finding& f : a.findings(ptr_probed)) {
    w.begin_object();
    w.key("code").value(f.code);
    if (!f.host.empty()) {
      w.key("host").value(f.host);
    }
    if (f.ip) {
      w.key("ip");
      write_ip(w, *f.ip);
    }
    if (!f.status.empty()) {
      w.key("status").value(f.status);
    }
    if (!f.result.empty()) {
      w.key("result").value(f.result);
    }
    if (!f.detail.empty()) {
      w.key("detail").value(f.detail);
    }
    if (f.count) {
      w.key("count").value(*f.count);
    }
    w.end_object();
  }
  w.end_array();
}

std::shared_ptr<probe> make_domain_probe(const probe_options&) {
  return std::make_shared<domain_probe>();
}

}  // namespace ptrscan
