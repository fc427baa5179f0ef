#include "probes/spf.h"

#include "dns/reply.h"
#include "output/json_writer.h"
#include "probes/domain.h"

namespace ptrscan {
namespace {

constexpr field_doc fields[] = {
    {"spf", "object",
     "on a domain's MX addresses: check_host() for the domain, the address as client and the "
     "MX host as HELO"},
    {"spf.result", "status", "none|neutral|pass|fail|softfail|temperror|permerror"},
    {"spf.reason", "string", "why, in a few words"},
    {"spf.mechanism", "string", "the term that decided, as written"},
    {"spf.domain", "string", "the domain whose record holds that term"},
    {"spf.explanation", "string",
     "with result fail: the domain's exp= explanation, macros expanded (RFC 7208 6.2)"},
};

class spf_probe final : public probe {
 public:
  std::string_view name() const override { return "spf"; }
  void declare_counters(counter_registry& r) override {
    codes_ = r.declare("spf", counter_registry::labels_of<spf_code>(
                                  spf_code_count, [](spf_code c) { return to_string(c); }));
  }
  std::unique_ptr<probe_worker> make_worker(probe_services& s, uint8_t id) const override {
    return std::make_unique<spf_worker>(s, id, codes_);
  }
  void summary(const counter_view& c, const scan_totals& t, std::string& line) const override {
    if (t.names_read != 0) {
      append_counts(line, "spf", c, "spf");
    }
  }
  void metadata(const counter_view& c, const scan_totals& t, json_writer& w) const override {
    if (t.names_read != 0) {
      write_counts(w, "spf", c, "spf");
    }
  }
  std::span<const field_doc> fields() const override { return ::ptrscan::fields; }

 private:
  size_t codes_ = 0;
};

}  // namespace

spf_worker::spf_worker(probe_services& s, uint8_t id, size_t code_counter)
    : s_(s), id_(id), code_counter_(code_counter), hosts_(s.capacity(job_kind::host)) {}

absl::Status spf_worker::init() {
  domains_ = dynamic_cast<domain_worker*>(s_.worker("domain"));
  if (domains_ == nullptr) {
    return absl::InvalidArgumentError("the spf probe needs the domain probe");
  }
  return absl::OkStatus();
}

void spf_worker::start_host(uint32_t slot) {
  hosts_[slot].reset();
  uint32_t parent = 0;
  uint32_t child = 0;
  if (!s_.host_parent(slot, &parent, &child)) {
    return;  // a target address: no domain to send for
  }
  const domain_audit& audit = domains_->audit(parent);
  hosts_[slot] = std::make_unique<spf_evaluation>(
      audit.domain, s_.host_ip(slot), "postmaster",
      audit.hosts[audit.addresses[child].host].host);
  ask_step(slot);
}

void spf_worker::ask_step(uint32_t slot) {
  const std::span<const spf_query> questions = hosts_[slot]->pending();
  for (size_t i = 0; i < questions.size(); ++i) {
    s_.ask(job_kind::host, slot, id_, static_cast<uint32_t>(i), questions[i].name,
           questions[i].type);
  }
}

void spf_worker::on_answer(job_kind, uint32_t slot, uint32_t tag, std::string_view,
                           const dns_reply& reply) {
  spf_evaluation* e = hosts_[slot].get();
  if (e == nullptr || e->done()) {
    return;
  }
  const uint32_t step = e->step();
  e->on_answer(tag, reply.status, reply);
  if (!e->done() && e->step() != step) {
    ask_step(slot);  // the step's last answer: the evaluation needs more
  }
}

void spf_worker::write_host(uint32_t slot, json_writer& w) {
  const spf_evaluation* e = evaluation(slot);
  if (e == nullptr) {
    return;
  }
  w.key("spf").begin_object();
  write_spf_json(w, e->result());
  w.end_object();
  s_.counters().add(code_counter_ + static_cast<size_t>(e->result().code));
}

void write_spf_json(json_writer& w, const spf_result& r) {
  w.key("result").value(to_string(r.code));
  if (!r.reason.empty()) {
    w.key("reason").value(r.reason);
  }
  if (!r.mechanism.empty()) {
    w.key("mechanism").value(r.mechanism);
  }
  if (!r.domain.empty()) {
    w.key("domain").value(r.domain);
  }
  if (!r.explanation.empty()) {
    w.key("explanation").value(r.explanation);
  }
}

std::shared_ptr<probe> make_spf_probe(const probe_options&) {
  return std::make_shared<spf_probe>();
}

}  // namespace ptrscan
