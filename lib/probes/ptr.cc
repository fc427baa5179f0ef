#include "probes/ptr.h"

#include <algorithm>

#include "dns/reply.h"
#include "output/json_writer.h"

namespace ptrscan {
namespace {

constexpr field_doc fields[] = {
    {"ptr", "object", "the PTR lookup of the address's reverse name"},
    {"ptr.status", "status", "ok|nxdomain|nodata|servfail|refused|timeout|error"},
    {"ptr.names", "array",
     "PTR names (lower case, no trailing dot, sorted), when ok; at most 32"},
    {"ptr.names_total", "number", "how many distinct names the answer held, when names were cut"},
    {"ptr.truncated", "array", "what a cap cut: \"names\" (more than 32 names)"},
    {"ptr.error", "string", "why, with status error: malformed, oversized, transport, ..."},
};

class ptr_probe final : public probe {
 public:
  std::string_view name() const override { return "ptr"; }
  void declare_counters(counter_registry& r) override {
    status_ = r.declare("ptr", counter_registry::labels_of<dns_status>(
                                   dns_status_count, [](dns_status s) { return to_string(s); }));
  }
  std::unique_ptr<probe_worker> make_worker(probe_services& s, uint8_t id) const override {
    return std::make_unique<ptr_worker>(s, id, status_);
  }
  void summary(const counter_view& c, const scan_totals& t, std::string& line) const override {
    if (t.records != 0) {
      append_counts(line, "ptr", c, "ptr");
    }
  }
  void metadata(const counter_view& c, const scan_totals&, json_writer& w) const override {
    write_counts(w, "ptr", c, "ptr");
  }
  std::span<const field_doc> fields() const override { return ::ptrscan::fields; }

 private:
  size_t status_ = 0;
};

}  // namespace

ptr_worker::ptr_worker(probe_services& s, uint8_t id, size_t status_counter)
    : s_(s), id_(id), status_counter_(status_counter), hosts_(s.capacity(job_kind::host)) {}

void ptr_worker::start_host(uint32_t slot) {
  host& h = hosts_[slot];
  h.status = dns_status::error;
  h.reason = {};
  h.names.clear();
  h.names_total = 0;
  char qname[ip_address::max_reverse_len];
  const size_t n = s_.host_ip(slot).reverse_name(qname);
  s_.ask(job_kind::host, slot, id_, 0, std::string_view(qname, n), dns_type_ptr);
}

void ptr_worker::on_answer(job_kind, uint32_t slot, uint32_t, std::string_view qname,
                           const dns_reply& reply) {
  host& h = hosts_[slot];
  h.status = reply.status;
  // The owner of the PTR records, when a CNAME led there: followed inside
  // the answer (answer_owner), or by the scan layer (qname is then the last
  // target it asked).
  if (!reply.answer_owner.empty()) {
    h.owner = reply.answer_owner;
  } else if (reply.cname_hops > 0) {
    h.owner = normalise_name(qname);
  } else {
    h.owner.clear();
  }
  h.reason = reply.reason;
  // One answer per host (the scan layer chases CNAMEs before it calls):
  // parse_reply already made the names distinct, sorted and capped.
  h.names.assign(reply.names.begin(), reply.names.end());
  h.names_total = std::max<uint32_t>(reply.names_total, static_cast<uint32_t>(h.names.size()));
}

void ptr_worker::write_host(uint32_t slot, json_writer& w) {
  const host& h = hosts_[slot];
  w.key("ptr").begin_object();
  w.key("status").value(to_string(h.status));
  if (h.status == dns_status::ok) {
    w.key("names").begin_array();
    for (const std::string& n : h.names) {
      w.value(n);
    }
    w.end_array();
    if (h.names_total > h.names.size()) {
      w.key("names_total").value(uint64_t{h.names_total});
      w.key("truncated").begin_array();
      w.value("names");
      w.end_array();
    }
  } else if (h.status == dns_status::error && !h.reason.empty()) {
    w.key("error").value(h.reason);
  }
  w.end_object();
  s_.counters().add(status_counter_ + static_cast<size_t>(h.status));
}

std::shared_ptr<probe> make_ptr_probe(const probe_options& o) {
  return o.set.ptr ? std::make_shared<ptr_probe>() : nullptr;
}

}  // namespace ptrscan
