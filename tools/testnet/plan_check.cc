#include "testnet/plan_check.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <sstream>

#include "testnet/dns_testbed.h"

namespace ptrscan::testnet {
namespace {

using json = nlohmann::json;

std::string string_at(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) {
    return {};
  }
  return it->get<std::string>();
}

std::vector<std::string> sorted_names(const json& obj, const char* key) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) {
    return out;
  }
  for (const auto& v : *it) {
    if (v.is_string()) {
      out.push_back(normalise_name(v.get<std::string>()));
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string join(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) {
    s += (i == 0 ? "" : ",") + v[i];
  }
  return s + "]";
}

std::string describe(const expected_record& e) {
  std::string s = "plan " + std::string(to_string(e.kind)) + ": ptr " + e.ptr_status;
  if (!e.ptr_names.empty()) {
    s += " " + join(e.ptr_names);
  }
  s += ", fcrdns " + e.fcrdns_status;
  if (!e.fcrdns_name.empty()) {
    s += " " + e.fcrdns_name;
  }
  return s;
}

// Compares one record; returns "" when it matches, else what differs.
std::string compare(const json& rec, const expected_record& e, size_t& dead_as_timeout) {
  std::string diff;
  const json ptr = rec.value("ptr", json::object());
  const json fcrdns = rec.value("fcrdns", json::object());
  const std::string ptr_status = string_at(ptr, "status");
  if (ptr_status != e.ptr_status) {
    diff += "ptr.status; ";
  }
  if (sorted_names(ptr, "names") != e.ptr_names) {
    diff += "ptr.names; ";
  }
  if (string_at(fcrdns, "status") != e.fcrdns_status) {
    diff += "fcrdns.status; ";
  }
  if (e.fcrdns_status == "pass" && normalise_name(string_at(fcrdns, "name")) != e.fcrdns_name) {
    diff += "fcrdns.name; ";
  }
  auto fwd = fcrdns.find("forward");
  if (fwd != fcrdns.end() && fwd->is_array()) {
    bool pass_name_listed = e.fcrdns_status != "pass";
    for (const auto& f : *fwd) {
      const std::string name = normalise_name(string_at(f, "name"));
      auto it = std::find_if(e.forward.begin(), e.forward.end(),
                             [&](const expected_forward& x) { return x.name == name; });
      if (it == e.forward.end()) {
        diff += "forward lists unknown name " + name + "; ";
        continue;
      }
      const std::string status = string_at(f, "status");
      if (status != it->status) {
        if (it->status == "servfail" && status == "timeout") {
          ++dead_as_timeout;
        } else {
          diff += "forward[" + name + "].status " + status + " != " + it->status + "; ";
        }
      }
      if (sorted_names(f, "addresses") != it->addrs) {
        diff += "forward[" + name + "].addresses; ";
      }
      if (name == e.fcrdns_name) {
        pass_name_listed = true;
      }
    }
    if (!pass_name_listed) {
      diff += "forward lacks the passing name; ";
    }
  }
  return diff;
}

}  // namespace

bool plan_check_report::ok() const {
  return unparsable == 0 && unexpected == 0 && duplicates == 0 &&
         (missing == 0 || !require_all) && mismatched == 0;
}

std::string plan_check_report::summary() const {
  std::ostringstream s;
  s << lines << " records, " << matched << " match the generated zones";
  if (!require_all) {
    s << " (" << missing << " planned addresses not scanned)";
  }
  if (!ok()) {
    s << "; PROBLEMS: " << mismatched << " mismatched, " << missing << " missing, " << duplicates
      << " duplicate, " << unexpected << " unexpected ip, " << unparsable << " unparsable";
  }
  s << "\n  ptr:";
  for (const auto& [k, v] : ptr_status_counts) {
    s << " " << k << " " << v;
  }
  s << "\n  fcrdns:";
  for (const auto& [k, v] : fcrdns_status_counts) {
    s << " " << k << " " << v;
  }
  if (dead_as_timeout > 0) {
    s << "\n  (" << dead_as_timeout << " dead-zone lookups reported timeout, not servfail)";
  }
  if (mismatched > 0) {
    s << "\n  mismatches by case:";
    for (size_t i = 0; i < plan_case_count; ++i) {
      if (mismatched_by_case[i] > 0) {
        s << " " << to_string(static_cast<plan_case>(i)) << " " << mismatched_by_case[i];
      }
    }
  }
  for (const auto& ex : examples) {
    s << "\n  " << ex;
  }
  return s.str();
}

plan_check_report check_against_plan(const zone_plan& plan, std::string_view ndjson,
                                     size_t max_examples, bool require_all) {
  plan_check_report r;
  r.require_all = require_all;
  std::vector<uint8_t> seen(plan.size(), 0);
  auto example = [&](std::string text) {
    if (r.examples.size() < max_examples) {
      r.examples.push_back(std::move(text));
    }
  };
  size_t start = 0;
  while (start < ndjson.size()) {
    size_t end = ndjson.find('\n', start);
    if (end == std::string_view::npos) {
      end = ndjson.size();
    }
    const std::string_view line = ndjson.substr(start, end - start);
    start = end + 1;
    if (line.empty()) {
      continue;
    }
    ++r.lines;
    json rec = json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!rec.is_object() || !rec.contains("ip") || !rec["ip"].is_string()) {
      ++r.unparsable;
      example("unparsable: " + std::string(line.substr(0, 200)));
      continue;
    }
    r.ptr_status_counts[string_at(rec.value("ptr", json::object()), "status")]++;
    r.fcrdns_status_counts[string_at(rec.value("fcrdns", json::object()), "status")]++;
    const std::string ip_text = rec["ip"].get<std::string>();
    auto ip = ip_address::parse(ip_text);
    const expected_record* e = ip ? plan.find(*ip) : nullptr;
    if (e == nullptr) {
      ++r.unexpected;
      example("unexpected ip: " + std::string(line.substr(0, 200)));
      continue;
    }
    const size_t index = ip->v4_value() - plan.address(0).v4_value();
    if (seen[index]++ != 0) {
      ++r.duplicates;
      example("duplicate: " + std::string(line.substr(0, 200)));
      continue;
    }
    const std::string diff = compare(rec, *e, r.dead_as_timeout);
    if (diff.empty()) {
      ++r.matched;
    } else {
      ++r.mismatched;
      ++r.mismatched_by_case[static_cast<size_t>(e->kind)];
      example(diff + "got " + std::string(line) + " | " + describe(*e));
    }
  }
  for (uint32_t i = 0; i < plan.size(); ++i) {
    if (seen[i] == 0) {
      ++r.missing;
      if (!require_all) {
        continue;
      }
      example("missing: " + plan.address(i).to_string() + " | " + describe(plan.expected(i)));
    }
  }
  return r;
}

}  // namespace ptrscan::testnet
