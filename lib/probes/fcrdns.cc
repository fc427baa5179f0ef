#include "probes/fcrdns.h"

#include <CLI/CLI.hpp>

#include "cli/options.h"
#include "dns/reply.h"
#include "output/json_writer.h"
#include "probes/ptr.h"

namespace ptrscan {
namespace {

constexpr field_doc fields[] = {
    {"fcrdns", "object", "forward-confirmed reverse DNS (RFC 8601 iprev)"},
    {"fcrdns.status", "status", "pass|fail|none|error"},
    {"fcrdns.name", "string", "the PTR name that resolves back to the address, on pass"},
    {"fcrdns.forward[]", "array", "A and AAAA of each PTR name looked up"},
    {"fcrdns.forward[].name", "string", "the PTR name"},
    {"fcrdns.forward[].status", "status", "ok when it has addresses, else the lookups' status"},
    {"fcrdns.forward[].addresses", "array",
     "its addresses, A then AAAA; at most 32, always the scanned one when found"},
    {"fcrdns.forward[].addresses_total", "number",
     "how many addresses it had, when addresses were cut"},
    {"fcrdns.forward[].truncated", "array", "what a cap cut: \"addresses\" (more than 32)"},
    {"fcrdns.unchecked", "number",
     "PTR names not looked up (beyond --fcrdns-max-names or the 32 names kept)"},
};

class fcrdns_probe final : public probe {
 public:
  explicit fcrdns_probe(uint32_t max_names) : max_names_(max_names) {}
  std::string_view name() const override { return "fcrdns"; }
  std::string_view after() const override { return "ptr"; }
  void declare_counters(counter_registry& r) override {
    status_ = r.declare("fcrdns", counter_registry::labels_of<fcrdns_status>(
                                      fcrdns_status_count,
                                      [](fcrdns_status s) { return to_string(s); }));
  }
  std::unique_ptr<probe_worker> make_worker(probe_services& s, uint8_t id) const override {
    return std::make_unique<fcrdns_worker>(s, id, status_, max_names_);
  }
  void summary(const counter_view& c, const scan_totals& t, std::string& line) const override {
    if (t.records != 0) {
      append_counts(line, "fcrdns", c, "fcrdns");
    }
  }
  void metadata(const counter_view& c, const scan_totals&, json_writer& w) const override {
    write_counts(w, "fcrdns", c, "fcrdns");
  }
  std::span<const field_doc> fields() const override { return ::ptrscan::fields; }

 private:
  const uint32_t max_names_;
  size_t status_ = 0;
};

}  // namespace

fcrdns_worker::fcrdns_worker(probe_services& s, uint8_t id, size_t status_counter,
                             uint32_t max_names)
    : s_(s),
      id_(id),
      status_counter_(status_counter),
      max_names_(max_names),
      hosts_(s.capacity(job_kind::host)) {}

absl::Status fcrdns_worker::init() {
  ptr_ = dynamic_cast<ptr_worker*>(s_.worker("ptr"));
  if (ptr_ == nullptr) {
    return absl::InvalidArgumentError("the fcrdns probe needs the ptr probe");
  }
  return absl::OkStatus();
}

void fcrdns_worker::start_host(uint32_t slot) {
  host& h = hosts_[slot];
  h.verdict = fcrdns_verdict{};
  // The ptr probe keeps the names sorted: the first N are the same names
  // whatever order the resolver sent them in, so is the verdict.
  const std::span<const std::string> names = ptr_->names(slot);
  const size_t n = std::min<size_t>(names.size(), max_names_);
  h.unchecked = ptr_->names_total(slot) - static_cast<uint32_t>(n);
  h.forward.resize(n);
  for (size_t i = 0; i < n; ++i) {
    forward_lookup& f = h.forward[i];
    f.name = names[i];
    f.a = dns_status::error;
    f.aaaa = dns_status::error;
    f.addrs.clear();
    f.addrs_total = 0;
  }
  // Tag: name index * 2, +1 for AAAA.
  for (size_t i = 0; i < n; ++i) {
    s_.ask(job_kind::host, slot, id_, static_cast<uint32_t>(2 * i), h.forward[i].name,
           dns_type_a);
    s_.ask(job_kind::host, slot, id_, static_cast<uint32_t>(2 * i + 1), h.forward[i].name,
           dns_type_aaaa);
  }
}

void fcrdns_worker::on_answer(job_kind, uint32_t slot, uint32_t tag, std::string_view,
                              const dns_reply& reply) {
  host& h = hosts_[slot];
  const size_t i = tag / 2;
  if (i >= h.forward.size()) {
    return;
  }
  forward_lookup& f = h.forward[i];
  ((tag & 1) != 0 ? f.aaaa : f.a) = reply.status;
  f.add_addrs(reply.addrs, s_.host_ip(slot));
}

void fcrdns_worker::write_host(uint32_t slot, json_writer& w) {
  host& h = hosts_[slot];
  h.verdict = decide_fcrdns(s_.host_ip(slot), ptr_->status(slot), h.forward);
  w.key("fcrdns").begin_object();
  write_fcrdns_json(w, h.verdict, h.forward);
  if (h.unchecked != 0) {
    w.key("unchecked").value(uint64_t{h.unchecked});
  }
  w.end_object();
  s_.counters().add(status_counter_ + static_cast<size_t>(h.verdict.status));
}

void write_fcrdns_json(json_writer& w, const fcrdns_verdict& v,
                       std::span<const forward_lookup> forward) {
  w.key("status").value(to_string(v.status));
  if (v.status == fcrdns_status::pass) {
    w.key("name").value(forward[v.matched].name);
  }
  if (forward.empty()) {
    return;
  }
  w.key("forward").begin_array();
  char buf[ip_address::max_text_len];
  for (const forward_lookup& f : forward) {
    w.begin_object();
    w.key("name").value(f.name);
    w.key("status").value(to_string(f.combined()));
    if (!f.addrs.empty()) {
      w.key("addresses").begin_array();
      for (const ip_address& a : f.addrs) {
        w.value(std::string_view(buf, a.format(buf)));
      }
      w.end_array();
    }
    if (f.addrs_total > f.addrs.size()) {
      w.key("addresses_total").value(uint64_t{f.addrs_total});
      w.key("truncated").begin_array().value("addresses").end_array();
    }
    w.end_object();
  }
  w.end_array();
}

std::shared_ptr<probe> make_fcrdns_probe(const probe_options& o) {
  return o.set.fcrdns && o.set.ptr ? std::make_shared<fcrdns_probe>(o.max_forward_names) : nullptr;
}

void add_fcrdns_flags(CLI::App& app, probe_options& o) {
  cli::add_number(app, "--fcrdns-max-names", o.max_forward_names, 1, 64, "N",
                  "look up A/AAAA of at most N PTR names, the first in sorted\n"
                  "order (default 32: every name kept; fcrdns.unchecked counts the rest)");
}

}  // namespace ptrscan
