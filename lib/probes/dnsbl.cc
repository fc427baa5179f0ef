#include "probes/dnsbl.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/options.h"
#include "dns/reply.h"
#include "output/json_writer.h"

namespace ptrscan {
namespace {

constexpr field_doc fields[] = {
    {"dnsbl[]", "array", "one entry per --dnsbl zone, in command-line order"},
    {"dnsbl[].zone", "string", "the zone"},
    {"dnsbl[].status", "status", "not_listed|listed|error"},
    {"dnsbl[].codes", "array", "the listing's return codes (A records in 127/8)"},
    {"dnsbl[].reason", "string", "the listing's TXT record(s), at most 512 bytes"},
    {"dnsbl[].truncated", "array", "[\"reason\"] when the TXT text was cut at 512 bytes"},
    {"dnsbl[].error", "string", "what went wrong, with status error"},
};

class dnsbl_worker final : public probe_worker {
 public:
  dnsbl_worker(probe_services& s, uint8_t id, const std::vector<std::string>& zones,
               size_t listed_counter)
      : s_(s),
        id_(id),
        zones_(zones),
        listed_counter_(listed_counter),
        hosts_(s.capacity(job_kind::host)) {}

  void start_host(uint32_t slot) override {
    std::vector<dnsbl_result>& results = hosts_[slot];
    results.resize(zones_.size());
    for (size_t z = 0; z < zones_.size(); ++z) {
      results[z].clear();
      // Tag: zone * 2 for the A record, +1 for the TXT record.
      s_.ask(job_kind::host, slot, id_, static_cast<uint32_t>(2 * z),
             dnsbl_query_name(s_.host_ip(slot), zones_[z]), dns_type_a);
    }
  }

  void on_answer(job_kind, uint32_t slot, uint32_t tag, std::string_view qname,
                 const dns_reply& reply) override {
    const size_t z = tag / 2;
    if (z >= hosts_[slot].size()) {
      return;
    }
    dnsbl_result& r = hosts_[slot][z];
    if ((tag & 1) == 0) {
      if (dnsbl_decide(reply.status, reply.addrs, r)) {
        // Listed: the TXT record at the same name says why (§2.1). Asked at
        // the name the A record was found at, after any CNAME.
        s_.ask(job_kind::host, slot, id_, tag | 1, qname, dns_type_txt);
      }
    } else {
      dnsbl_add_reason(reply.status, reply.texts, r);
    }
  }

  void write_host(uint32_t slot, json_writer& w) override {
    const std::vector<dnsbl_result>& results = hosts_[slot];
    w.key("dnsbl").begin_array();
    for (size_t z = 0; z < results.size(); ++z) {
      write_dnsbl_json(w, zones_[z], results[z]);
      if (results[z].status == dnsbl_status::listed) {
        s_.counters().add(listed_counter_);
      }
    }
    w.end_array();
  }

 private:
  probe_services& s_;
  const uint8_t id_;
  const std::vector<std::string>& zones_;
  const size_t listed_counter_;
  std::vector<std::vector<dnsbl_result>> hosts_;
};

class dnsbl_probe final : public probe {
 public:
  explicit dnsbl_probe(std::vector<std::string> zones) : zones_(std::move(zones)) {}
  std::string_view name() const override { return "dnsbl"; }
  void declare_counters(counter_registry& r) override { listed_ = r.declare("dnsbl_listings"); }
  std::unique_ptr<probe_worker> make_worker(probe_services& s, uint8_t id) const override {
    return std::make_unique<dnsbl_worker>(s, id, zones_, listed_);
  }
  void summary(const counter_view& c, const scan_totals&, std::string& line) const override {
    if (const uint64_t n = c.at(listed_); n != 0) {
      line += "; dnsbl listings " + std::to_string(n);
    }
  }
  void metadata(const counter_view& c, const scan_totals&, json_writer& w) const override {
    if (const uint64_t n = c.at(listed_); n != 0) {
      w.key("dnsbl_listings").value(n);
    }
  }
  std::span<const field_doc> fields() const override { return ::ptrscan::fields; }

 private:
  const std::vector<std::string> zones_;
  size_t listed_ = 0;
};

}  // namespace

void write_dnsbl_json(json_writer& w, std::string_view zone, const dnsbl_result& r) {
  w.begin_object();
  w.key("zone").value(zone);
  w.key("status").value(to_string(r.status));
  if (!r.codes.empty()) {
    w.key("codes").begin_array();
    char text[ip_address::max_text_len];
    for (const ip_address& a : r.codes) {
      w.value(std::string_view(text, a.format(text)));
    }
    w.end_array();
  }
  if (!r.reason.empty()) {
    w.key("reason").value(r.reason);
  }
  if (r.reason_truncated) {
    w.key("truncated").begin_array().value("reason").end_array();
  }
  if (!r.error.empty()) {
    w.key("error").value(r.error);
  }
  w.end_object();
}

std::shared_ptr<probe> make_dnsbl_probe(const probe_options& o) {
  return o.dnsbl_zones.empty() ? nullptr : std::make_shared<dnsbl_probe>(o.dnsbl_zones);
}

void add_dnsbl_flags(CLI::App& app, probe_options& o) {
  cli::add_value(app, "--dnsbl", "ZONE",
                 "look every address up in DNS blocklist ZONE\n"
                 "(RFC 5782; repeatable, at most 16). No list is\n"
                 "queried unless named: public lists have usage terms",
                 [&o](const std::string& flag, const std::string& v) {
                   const std::string zone = cli::domain_arg(v);
                   std::vector<std::string>& zones = o.dnsbl_zones;
                   if (zone.empty()) {
                     cli::reject(absl::StrCat(flag, " '", v, "': expected a DNS zone name"));
                   }
                   if (std::find(zones.begin(), zones.end(), zone) == zones.end()) {
                     zones.push_back(zone);
                   }
                   if (zones.size() > 16) {
                     cli::reject(flag + ": at most 16 zones");
                   }
                 });
}

}  // namespace ptrscan
