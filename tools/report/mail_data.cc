#include "report/mail_data.h"

#include <algorithm>

#include "report/report_time.h"

namespace ptrscan::report {
namespace {

constexpr const char* other_key = "(other)";

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    out += out.empty() ? "" : ", ";
    out += p;
  }
  return out;
}

bool by_expiry(const cert_row& a, const cert_row& b) { return a.expires < b.expires; }

}  // namespace

int64_t floor_day(int64_t seconds) {
  return seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
}

void key_counts::add(const std::string& key, uint64_t n) {
  total_ += n;
  for (auto& [k, count] : entries_) {
    if (k == key) {
      count += n;
      return;
    }
  }
  // The last slot is kept for "(other)".
  if (entries_.size() + 1 < limit_ || key == other_key) {
    entries_.emplace_back(key, n);
    return;
  }
  add(other_key, 0);
  for (auto& [k, count] : entries_) {
    if (k == other_key) {
      count += n;
    }
  }
}

uint64_t key_counts::at(const std::string& key) const {
  for (const auto& [k, count] : entries_) {
    if (k == key) {
      return count;
    }
  }
  return 0;
}

mail_builder::mail_builder(mail_limits limits) : limits_(limits) {
  v_.finding_codes = key_counts(limits.keys);
  v_.spf_results = key_counts(limits.keys);
  v_.relay_statuses = key_counts(limits.keys);
  v_.relay_untested_reasons = key_counts(limits.keys);
  v_.violation_kinds = key_counts(limits.keys);
  v_.sender_mailfrom = key_counts(limits.keys);
  v_.sender_helo_spf = key_counts(limits.keys);
  v_.sender_helo_verdicts = key_counts(limits.keys);
  v_.cert_days = limits.cert_days;
}

void mail_builder::note_ts(const std::string& ts) {
  if (ts.empty()) {
    return;
  }
  if (const std::optional<int64_t> t = parse_rfc3339(ts)) {
    latest_ts_ = std::max(latest_ts_.value_or(*t), *t);
  }
}

void mail_builder::add_domain(const domain_facts& d) {
  note_ts(d.ts);
  ++v_.domains;
  v_.domains_with_findings += d.findings.empty() ? 0 : 1;
  for (const finding_fact& f : d.findings) {
    v_.finding_codes.add(f.code);
  }
  if (v_.domain_rows.size() < limits_.domains) {
    v_.domain_rows.push_back(d);
  }
}

void mail_builder::add_host(const host_facts& h) {
  note_ts(h.ts);
  const std::string ip = h.ip.to_string();

  if (!h.spf_result.empty()) {
    v_.spf_results.add(h.spf_result);
    if (h.spf_result != "pass") {
      ++v_.spf_not_pass;
      if (v_.spf_rows.size() < limits_.rows) {
        v_.spf_rows.push_back({ip, h.input, h.mx_host, h.spf_result, h.spf_mechanism, h.spf_detail});
      }
    }
  }

  if (!h.dnsbl.empty()) {
    ++v_.dnsbl_checked;
    bool listed = false;
    for (const dnsbl_fact& f : h.dnsbl) {
      auto zone = std::find_if(v_.dnsbl_zones.begin(), v_.dnsbl_zones.end(),
                               [&](const dnsbl_zone_counts& z) { return z.zone == f.zone; });
      if (zone == v_.dnsbl_zones.end()) {
        const bool room = v_.dnsbl_zones.size() + 1 < limits_.keys;
        const std::string key = room ? f.zone : other_key;
        zone = std::find_if(v_.dnsbl_zones.begin(), v_.dnsbl_zones.end(),
                            [&](const dnsbl_zone_counts& z) { return z.zone == key; });
        if (zone == v_.dnsbl_zones.end()) {
          v_.dnsbl_zones.push_back({key});
          zone = v_.dnsbl_zones.end() - 1;
        }
      }
      if (f.status == "listed") {
        ++zone->listed;
        listed = true;
        ++v_.dnsbl_listings;
        if (v_.dnsbl_rows.size() < limits_.rows) {
          v_.dnsbl_rows.push_back({ip, f.zone, joined(f.codes), f.reason});
        }
      } else if (f.status == "not_listed") {
        ++zone->not_listed;
      } else if (f.status == "error") {
        ++zone->error;
      } else {
        ++zone->other;
      }
    }
    v_.dnsbl_listed_hosts += listed ? 1 : 0;
  }

  if (!h.relay_status.empty()) {
    v_.relay_statuses.add(h.relay_status);
    if (h.relay_status == "untested") {
      v_.relay_untested_reasons.add(h.relay_reason.empty() ? "(no reason)" : h.relay_reason);
    }
    if (h.relay_status != "closed") {
      ++v_.relay_listed;
      if (v_.relay_rows.size() < limits_.rows) {
        v_.relay_rows.push_back({ip, h.input, h.relay_status, h.relay_reason, h.relay_port});
      }
    }
  }

  if (h.sender) {
    ++v_.senders;
    v_.sender_mailfrom.add(h.sender_mailfrom);
    if (!h.sender_helo_spf.empty() || !h.sender_helo_verdict.empty()) {
      ++v_.senders_with_helo;
      v_.sender_helo_spf.add(h.sender_helo_spf.empty() ? "(no result)" : h.sender_helo_spf);
      v_.sender_helo_verdicts.add(h.sender_helo_verdict.empty() ? "(no result)"
                                                                : h.sender_helo_verdict);
    }
  }

  if (h.has_policy) {
    ++v_.policy_records;
    for (const policy_fact& f : h.policy) {
      auto row = std::find_if(v_.policy_rules.begin(), v_.policy_rules.end(),
                              [&](const policy_rule_counts& r) {
                                return r.set == f.set && r.rule == f.rule;
                              });
      if (row == v_.policy_rules.end()) {
        // The last slot is kept for "(other)", as key_counts does.
        const bool room = v_.policy_rules.size() + 1 < limits_.keys;
        const std::string set = room ? f.set : other_key;
        const std::string rule = room ? f.rule : other_key;
        row = std::find_if(v_.policy_rules.begin(), v_.policy_rules.end(),
                           [&](const policy_rule_counts& r) {
                             return r.set == set && r.rule == rule;
                           });
        if (row == v_.policy_rules.end()) {
          v_.policy_rules.push_back({set, rule});
          row = v_.policy_rules.end() - 1;
        }
      }
      if (f.result == "pass") {
        ++row->pass;
      } else if (f.result == "fail") {
        ++row->fail;
        ++v_.policy_fails;
        if (v_.policy_fix_rows.size() < limits_.rows) {
          v_.policy_fix_rows.push_back({ip, f.set, f.rule, f.fix});
        }
      } else if (f.result == "unknown") {
        ++row->unknown;
      } else {
        ++row->other;
      }
    }
  }

  v_.violation_hosts += h.violations.empty() ? 0 : 1;
  for (const violation_fact& f : h.violations) {
    ++v_.violation_ports;
    for (const std::string& k : f.kinds) {
      v_.violation_kinds.add(k);
    }
    if (v_.violation_rows.size() < limits_.rows) {
      v_.violation_rows.push_back({ip, joined(f.kinds), f.port});
    }
  }

  for (const cert_fact& c : h.certs) {
    ++v_.certs_seen;
    const std::optional<int64_t> expires = parse_rfc3339(c.not_after);
    if (!expires) {
      ++v_.certs_unreadable;
      continue;
    }
    ++cert_days_[floor_day(*expires)];
    cert_row row{ip, h.input, c.first_name, c.not_after, c.port, *expires};
    if (soonest_.size() < limits_.rows) {
      soonest_.push_back(std::move(row));
      std::push_heap(soonest_.begin(), soonest_.end(), by_expiry);
    } else if (!soonest_.empty() && *expires < soonest_.front().expires) {
      std::pop_heap(soonest_.begin(), soonest_.end(), by_expiry);
      soonest_.back() = std::move(row);
      std::push_heap(soonest_.begin(), soonest_.end(), by_expiry);
    }
  }
}

mail_view mail_builder::view(std::optional<int64_t> as_of, int64_t now) const {
  mail_view v = v_;
  if (as_of) {
    v.reference = *as_of;
    v.reference_from = reference_source::as_of;
  } else if (latest_ts_) {
    v.reference = *latest_ts_;
    v.reference_from = reference_source::record_ts;
  } else {
    v.reference = now;
    v.reference_from = reference_source::report_run;
  }
  // By UTC day, so a count needs no per-certificate memory: expired before
  // the reference day, or expiring on it or within the next cert_days days.
  const int64_t today = floor_day(v.reference);
  const int64_t last_day = today + limits_.cert_days;
  for (const auto& [day, n] : cert_days_) {
    if (day < today) {
      v.certs_expired += n;
    } else if (day <= last_day) {
      v.certs_expiring += n;
    }
  }
  std::vector<cert_row> rows = soonest_;
  std::sort(rows.begin(), rows.end(), by_expiry);
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [&](const cert_row& r) { return floor_day(r.expires) > last_day; }),
             rows.end());
  v.cert_rows = std::move(rows);
  return v;
}

}  // namespace ptrscan::report
