#include "simnet/expectation.h"

#include <algorithm>

namespace ptrscan::simnet {
namespace {

using json = nlohmann::json;

const json* at_pointer(const json& record, const std::string& pointer) {
  const json::json_pointer p(pointer);
  return record.contains(p) ? &record.at(p) : nullptr;
}

field_expectation equals(std::string pointer, json value) {
  return {field_expectation::kind::equals, std::move(pointer), std::move(value), true};
}

std::string_view smtp_status(smtp_kind k) {
  switch (k) {
    case smtp_kind::open:
      return "ok";
    case smtp_kind::refused:
      return "refused";
    case smtp_kind::silent:
      return "timeout";  // SYNs dropped: the connect times out
  }
  return "timeout";
}

}  // namespace

std::optional<probe_set> probe_set::parse(std::string_view list) {
  probe_set p;
  while (!list.empty()) {
    const size_t comma = list.find(',');
    const std::string_view name = list.substr(0, comma);
    list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    if (name == "ptr") {
      p.ptr = true;
    } else if (name == "fcrdns") {
      p.fcrdns = true;
    } else if (name == "smtp") {
      p.smtp = true;
    } else if (name == "starttls") {
      p.starttls = true;
    } else if (name == "zone") {
      p.zone = true;
    } else {
      return std::nullopt;
    }
  }
  p.smtp |= p.starttls;
  p.ptr |= p.fcrdns || p.zone;  // as in ptrscan: smtp alone asks no DNS
  if (!p.ptr && !p.smtp) {
    return std::nullopt;  // an empty list
  }
  return p;
}

std::string field_expectation::mismatch(const json& record) const {
  const json* v = at_pointer(record, pointer);
  switch (what) {
    case kind::equals:
      if (v == nullptr) {
        return pointer + " is absent, expected " + value.dump();
      }
      return *v == value ? std::string()
                         : pointer + " is " + v->dump() + ", expected " + value.dump();
    case kind::contains: {
      const bool has =
          v != nullptr && v->is_array() && std::find(v->begin(), v->end(), value) != v->end();
      if (has == wanted) {
        return {};
      }
      return pointer + (wanted ? " lacks " : " holds ") + value.dump() + " (" +
             (v != nullptr ? v->dump() : "absent") + ")";
    }
    case kind::present:
      if ((v != nullptr) == wanted) {
        return {};
      }
      return pointer + (wanted ? " is absent" : " is present: " + v->dump());
  }
  return {};
}

std::string field_expectation::describe() const {
  switch (what) {
    case kind::equals:
      return pointer;
    case kind::contains:
      return pointer + " contains " + value.dump();
    case kind::present:
      return pointer + " present";
  }
  return pointer;
}

std::vector<field_expectation> expectations(const host_truth& t, const probe_set& probes) {
  std::vector<field_expectation> e;
  if (probes.ptr) {
    e.push_back(equals("/ptr/status", t.has_ptr ? "ok" : "nxdomain"));
    if (t.has_ptr) {
      e.push_back(equals("/ptr/names", json::array({t.ptr_name})));
    }
  } else {
    e.push_back({field_expectation::kind::present, "/ptr", nullptr, false});
  }
  if (probes.fcrdns) {
    if (!t.has_ptr) {
      e.push_back(equals("/fcrdns/status", "none"));
    } else if (t.forward == forward_kind::confirmed) {
      e.push_back(equals("/fcrdns/status", "pass"));
      e.push_back(equals("/fcrdns/name", t.ptr_name));
    } else {
      e.push_back(equals("/fcrdns/status", "fail"));
    }
  }
  if (!probes.smtp) {
    return e;
  }
  const bool open = t.smtp == smtp_kind::open;
  e.push_back(equals("/smtp/0/status", smtp_status(t.smtp)));
  // A match verdict needs both a PTR name and a greeting; otherwise null.
  e.push_back(equals("/checks/banner_ptr_match",
                     open && t.has_ptr && probes.ptr ? json(t.banner_match) : json(nullptr)));
  if (!open) {
    return e;
  }
  e.push_back(equals("/smtp/0/banner_host", t.banner_name));
  e.push_back(
      {field_expectation::kind::contains, "/smtp/0/ehlo/extensions", "STARTTLS", t.starttls});
  if (probes.starttls) {
    // A finished handshake reports its version; no STARTTLS, no tls object.
    e.push_back({field_expectation::kind::present,
                 t.starttls ? "/smtp/0/tls/version" : "/smtp/0/tls", nullptr, t.starttls});
  }
  return e;
}

json expectation_json(const host_truth& t, const probe_set& probes) {
  json truth = {
      {"ptr", t.has_ptr ? json(t.ptr_name) : json(nullptr)},
      {"generic", t.has_ptr ? json(t.generic) : json(nullptr)},
      {"forward", t.has_ptr ? json(to_string(t.forward)) : json(nullptr)},
      {"forward_ip", t.has_ptr && t.forward != forward_kind::nxdomain
                         ? json(format_ipv4(t.forward_ip))
                         : json(nullptr)},
      {"smtp", to_string(t.smtp)},
      {"banner", t.banner_name},
      {"banner_match", t.banner_match},
      {"starttls", t.starttls},
  };
  json expect = json::object();
  for (const field_expectation& f : expectations(t, probes)) {
    expect[f.describe()] = f.what == field_expectation::kind::equals ? f.value : json(f.wanted);
  }
  return {{"ip", format_ipv4(t.ip)}, {"truth", truth}, {"expect", expect}};
}

}  // namespace ptrscan::simnet
