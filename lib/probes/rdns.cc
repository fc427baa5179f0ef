#include "probes/rdns.h"

#include "checks/rdns_class.h"
#include "output/json_writer.h"
#include "probes/fcrdns.h"
#include "probes/ptr.h"

namespace ptrscan {
namespace {

constexpr field_doc fields[] = {
    {"rdns", "object", "how the primary PTR name is made"},
    {"rdns.name", "string", "the name classified: FCrDNS's name on pass, else the first sorted"},
    {"rdns.class", "status",
     "none|invalid|generic-dynamic|generic-static|generic-unspecified|mail-like|custom"},
    {"rdns.ip_encoded", "string", "how the address is written in the name (dashed, hex, ...)"},
    {"rdns.tokens", "array", "dynamic, static and mail keywords found in the name"},
};

class rdns_worker final : public probe_worker, public rdns_view {
 public:
  rdns_worker(probe_services& s, size_t class_counter)
      : s_(s),
        class_counter_(class_counter),
        classes_(s.capacity(job_kind::host), rdns_class::none),
        primary_(s.capacity(job_kind::host), 0) {}

  rdns_class class_of(uint32_t slot) const override { return classes_[slot]; }
  std::string_view name_of(uint32_t slot) const override {
    const std::span<const std::string> names = ptr_->names(slot);
    return primary_[slot] < names.size() ? std::string_view(names[primary_[slot]]) : "";
  }

  absl::Status init() override {
    ptr_ = dynamic_cast<ptr_worker*>(s_.worker("ptr"));
    fcrdns_ = dynamic_cast<fcrdns_worker*>(s_.worker("fcrdns"));
    if (ptr_ == nullptr) {
      return absl::InvalidArgumentError("the rdns probe needs the ptr probe");
    }
    return absl::OkStatus();
  }

  void write_host(uint32_t slot, json_writer& w) override {
    const std::span<const std::string> names = ptr_->names(slot);
    size_t primary = 0;  // the name the naming class is about
    if (fcrdns_ != nullptr) {
      const fcrdns_verdict& v = fcrdns_->verdict(slot);
      if (v.status == fcrdns_status::pass && v.matched < names.size()) {
        primary = v.matched;  // the forward-confirmed name, as mail receivers see it
      }
    }
    const bool named = primary < names.size();
    const std::string_view name = named ? std::string_view(names[primary]) : "";
    classifier_.classify(name, s_.host_ip(slot), verdict_);
    classes_[slot] = verdict_.cls;
    primary_[slot] = static_cast<uint32_t>(named ? primary : names.size());
    w.key("rdns").begin_object();
    if (named) {
      w.key("name").value(name);
    }
    w.key("class").value(to_string(verdict_.cls));
    if (!verdict_.ip_encoded.empty()) {
      w.key("ip_encoded").value(verdict_.ip_encoded);
    }
    if (!verdict_.tokens.empty()) {
      w.key("tokens").begin_array();
      for (const std::string& t : verdict_.tokens) {
        w.value(t);
      }
      w.end_array();
    }
    w.end_object();
    s_.counters().add(class_counter_ + static_cast<size_t>(verdict_.cls));
  }

 private:
  probe_services& s_;
  const size_t class_counter_;
  ptr_worker* ptr_ = nullptr;
  fcrdns_worker* fcrdns_ = nullptr;
  rdns_classifier classifier_;
  rdns_verdict verdict_;  // scratch, reused for every record
  std::vector<rdns_class> classes_;  // per slot, from its last write_host
  std::vector<uint32_t> primary_;    // per slot: index of the name classified
};

class rdns_probe final : public probe {
 public:
  std::string_view name() const override { return "rdns"; }
  void declare_counters(counter_registry& r) override {
    class_ = r.declare("rdns", counter_registry::labels_of<rdns_class>(
                                   rdns_class_count, [](rdns_class c) { return to_string(c); }));
  }
  std::unique_ptr<probe_worker> make_worker(probe_services& s, uint8_t) const override {
    return std::make_unique<rdns_worker>(s, class_);
  }
  void summary(const counter_view& c, const scan_totals& t, std::string& line) const override {
    if (t.records != 0) {
      append_counts(line, "rdns", c, "rdns");
    }
  }
  void metadata(const counter_view& c, const scan_totals&, json_writer& w) const override {
    write_counts(w, "rdns", c, "rdns");
  }
  std::span<const field_doc> fields() const override { return ::ptrscan::fields; }

 private:
  size_t class_ = 0;
};

}  // namespace

std::shared_ptr<probe> make_rdns_probe(const probe_options& o) {
  return o.set.ptr ? std::make_shared<rdns_probe>() : nullptr;
}

}  // namespace ptrscan
