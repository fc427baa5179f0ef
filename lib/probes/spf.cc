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

const spf_evaluation* spf_worker::evaluation(uint32_t slot) const {
  const spf_evaluation* e = hosts_[slot] ? hosts_[slot]->evaluation() : nullptr;
  return e != nullptr && e->done() ? e : nullptr;
}

void spf_worker::start_host(uint32_t slot) {
  if (hosts_[slot]) {
    hosts_[slot]->reset();
  }
  uint32_t parent = 0;
  uint32_t child = 0;
  if (!s_.host_parent(slot, &parent, &child)) {
    return;  // a target address: no domain to send for
  }
  if (!hosts_[slot]) {
    hosts_[slot] = std::make_unique<spf_check>();
  }
  const domain_audit& audit = domains_->audit(parent);
  hosts_[slot]->start("mailfrom", audit.domain, s_.host_ip(slot),
                     audit.hosts[audit.addresses[child].host].host);
  ask_step(slot);
}

void spf_worker::ask_step(uint32_t slot) {
  // No copy needed: an answer given at once (a name that cannot be asked)
  // moves the step only when it is the step's last, after the last ask.
  const std::span<const spf_query> questions = hosts_[slot]->pending();
  for (size_t i = 0; i < questions.size(); ++i) {
    s_.ask(job_kind::host, slot, id_, static_cast<uint32_t>(i), questions[i].name,
           questions[i].type);
  }
}

void spf_worker::on_answer(job_kind, uint32_t slot, uint32_t tag, std::string_view,
                           const dns_reply& reply) {
  if (hosts_[slot] && hosts_[slot]->on_answer(tag, reply)) {
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

void spf_check::start(std::string_view identity, std::string_view domain, const ip_address& ip,
                      std::string_view helo, std::string_view local) {
  reset();
  active_ = true;
  identity_.assign(identity);
  domain_.assign(domain);
  e_ = std::make_unique<spf_evaluation>(domain, ip, local, helo);
}

void spf_check::skip(std::string_view identity, std::string_view domain,
                     std::string_view reason, std::string_view result) {
  reset();
  active_ = true;
  identity_.assign(identity);
  domain_.assign(domain);
  skip_reason_.assign(reason);
  skip_result_.assign(result);
}

void spf_check::reset() {
  active_ = false;
  identity_.clear();
  domain_.clear();
  skip_reason_.clear();
  skip_result_.clear();
  e_.reset();
}

std::span<const spf_query> spf_check::pending() const {
  return e_ != nullptr && !e_->done() ? e_->pending() : std::span<const spf_query>();
}

bool spf_check::on_answer(size_t i, const dns_reply& reply) {
  if (e_ == nullptr || e_->done()) {
    return false;
  }
  const uint32_t step = e_->step();
  e_->on_answer(i, reply.status, reply);
  return !e_->done() && e_->step() != step;
}

void spf_check::write_json(json_writer& w, std::string_view unfinished) const {
  w.begin_object();
  w.key("identity").value(identity_);
  w.key("domain").value(domain_);
  if (e_ == nullptr) {
    w.key("result").value(skip_result_.empty() ? std::string_view("none") : skip_result_);
    w.key("reason").value(skip_reason_);
  } else if (!e_->done()) {
    // Cannot happen in a scan (a host waits for its asks); kept so a
    // record never claims a result it does not have.
    w.key("result").value(unfinished);
    w.key("reason").value("record written before the lookups ended");
  } else {
    spf_result r = e_->result();
    // "domain" above is the identity's; the record that decided may be an
    // include's or a redirect's (RFC 7208 5.2, 6.1), as the spf probe's
    // spf.domain says.
    const std::string decided_by = std::move(r.domain);
    r.domain.clear();
    write_spf_json(w, r);
    if (!decided_by.empty()) {
      w.key("decided_by").value(decided_by);
    }
    w.key("lookups").value(static_cast<int64_t>(e_->lookups()));
  }
  w.end_object();
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
