#include "simnet/zone_check.h"

#include <algorithm>

#include "simnet/ipv4.h"
#include "simnet/zone_model.h"

namespace ptrscan::simnet {
namespace {

using json = nlohmann::json;

json sorted_names(uint32_t net16, const std::vector<server_role>& roles) {
  std::vector<std::string> names;
  for (server_role r : roles) {
    names.push_back(server_name({net16, r}));
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The members of `from` named in `keys`, those it has.
json project(const json& from, std::initializer_list<const char*> keys) {
  json out = json::object();
  if (!from.is_object()) {
    return out;
  }
  for (const char* k : keys) {
    if (const auto it = from.find(k); it != from.end()) {
      out[k] = *it;
    }
  }
  return out;
}

const json& member(const json& record, const char* key) {
  static const json absent;
  const auto it = record.find(key);
  return it == record.end() ? absent : *it;
}

}  // namespace

std::optional<uint32_t> zone_record_net24(std::string_view zone) {
  constexpr std::string_view suffix = ".in-addr.arpa";
  if (!zone.ends_with(suffix)) {
    return std::nullopt;
  }
  zone.remove_suffix(suffix.size());
  uint32_t net = 0;
  for (int i = 0; i < 3; ++i) {
    const size_t dot = zone.rfind('.');
    if ((dot == std::string_view::npos) != (i == 2)) {
      return std::nullopt;
    }
    const auto o = parse_octet(dot == std::string_view::npos ? zone : zone.substr(dot + 1));
    if (!o) {
      return std::nullopt;
    }
    net = net << 8 | *o;
    zone = dot == std::string_view::npos ? std::string_view() : zone.substr(0, dot);
  }
  return net;
}

std::string zone_mismatch(const model& m, const cidr& targets, uint32_t net24,
                          const json& record) {
  const uint32_t net16 = net24 >> 8;
  const zone_fault f = child_fault(m, net24);
  const uint32_t serial = child_serial(net24);
  const std::vector<server_role> parent = parent_ns_roles(f);
  std::vector<server_role> asked = parent;  // the union of both sets, ns1 first
  for (server_role r : child_ns_roles(f)) {
    if (std::find(asked.begin(), asked.end(), r) == asked.end()) {
      asked.push_back(r);
    }
  }
  std::sort(asked.begin(), asked.end());

  json servers = json::array();
  for (server_role r : asked) {
    const zone_server_id id{net16, r};
    json s = {{"name", server_name(id)}, {"ip", format_ipv4(server_address(m, id))}};
    const bool ns2 = r == server_role::ns2;
    if (ns2 && f == zone_fault::lame) {
      s.update({{"soa", "refused"}, {"ns", "refused"}, {"tcp", "ok"}});
    } else {
      s.update({{"soa", "ok"},
                {"serial", serial - (ns2 && f == zone_fault::stale_serial ? 1 : 0)},
                {"ns", "ok"},
                {"tcp", "ok"}});
    }
    servers.push_back(std::move(s));
  }
  json findings = json::array();
  const std::string ns1 = server_name({net16, server_role::ns1});
  const std::string ns2 = server_name({net16, server_role::ns2});
  switch (f) {
    case zone_fault::none:
      break;
    case zone_fault::lame:
      findings.push_back({{"kind", "lame_server"},
                          {"server", ns2},
                          {"address", format_ipv4(server_address(m, {net16, server_role::ns2}))},
                          {"reason", "refused"}});
      break;
    case zone_fault::stale_serial:
      findings.push_back({{"kind", "serial_mismatch"}, {"serials", json::array({serial - 1, serial})}});
      break;
    case zone_fault::ns_mismatch:
      findings.push_back(
          {{"kind", "ns_mismatch"}, {"parent_only", json::array({ns2})}, {"child_only", json::array()}});
      break;
    case zone_fault::single_ns:
      findings.push_back({{"kind", "single_ns"}, {"server", ns1}});
      break;
  }
  uint64_t scanned = 0;
  uint64_t with_ptr = 0;
  for (uint32_t ip = net24 << 8, i = 0; i < 256; ++i) {
    if (targets.contains(ip + i)) {
      ++scanned;
      with_ptr += m.truth(ip + i).has_ptr ? 1 : 0;
    }
  }

  const json expected = {{"status", "ok"},
                         {"parent", parent_origin(net16)},
                         {"parent_ns", sorted_names(net16, parent)},
                         {"child_ns", sorted_names(net16, child_ns_roles(f))},
                         {"servers", servers},
                         {"findings", findings},
                         {"hosts", {{"scanned", scanned}, {"with_ptr", with_ptr}}}};
  json actual = project(record, {"status", "parent", "parent_ns", "child_ns", "findings"});
  json actual_servers = json::array();
  if (const json& s = member(record, "servers"); s.is_array()) {
    for (const json& one : s) {
      actual_servers.push_back(project(one, {"name", "ip", "soa", "serial", "ns", "tcp"}));
    }
  }
  actual["servers"] = std::move(actual_servers);
  actual["hosts"] = project(member(record, "hosts"), {"scanned", "with_ptr"});

  std::string why;
  for (const auto& [key, want] : expected.items()) {
    const json& got = actual.contains(key) ? actual[key] : json();
    if (got != want) {
      why += (why.empty() ? "" : "; ") + key + " " + got.dump() + " (want " + want.dump() + ")";
    }
  }
  if (!why.empty()) {
    why = "zone fault " + std::string(to_string(f)) + ": " + why;
  }
  return why;
}

}  // namespace ptrscan::simnet
