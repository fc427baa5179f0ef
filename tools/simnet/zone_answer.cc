#include "simnet/zone_answer.h"

#include "simnet/dns_answer.h"
#include "simnet/ipv4.h"

namespace ptrscan::simnet {
namespace {

using section = zone_rr::section_t;

zone_rr soa(std::string owner, const zone_server_id& primary, uint32_t serial) {
  return {section::answer, std::move(owner), dns::type_soa, server_name(primary), serial};
}

void add_ns(zone_reply& r, section s, const std::string& owner, uint32_t net16,
            const std::vector<server_role>& roles) {
  for (server_role role : roles) {
    r.rrs.push_back({s, owner, dns::type_ns, server_name({net16, role}), 0});
  }
}

zone_reply refused_reply() { return {dns::rcode_refused, false, {}}; }

// The labels before ".in-addr.arpa" as numbers, most significant first;
// nullopt when one is not an octet.
std::optional<std::vector<uint32_t>> reverse_octets(std::string_view name) {
  constexpr std::string_view suffix = ".in-addr.arpa";
  if (!name.ends_with(suffix)) {
    return std::nullopt;
  }
  name.remove_suffix(suffix.size());
  std::vector<uint32_t> octets;
  while (!name.empty()) {
    const size_t dot = name.rfind('.');
    const std::string_view label = dot == std::string_view::npos ? name : name.substr(dot + 1);
    const auto o = parse_octet(label);
    if (!o || octets.size() == 4) {
      return std::nullopt;
    }
    octets.push_back(*o);
    name = dot == std::string_view::npos ? std::string_view() : name.substr(0, dot);
  }
  return octets;
}

std::optional<zone_reply> parent_apex(const model& m, const zone_server_id* who, uint32_t net16,
                                      uint16_t qtype) {
  if (who != nullptr && (who->net16 != net16 || who->role == server_role::ns1 ||
                         who->role == server_role::ns2)) {
    return refused_reply();
  }
  const std::string origin = parent_origin(net16);
  zone_reply r;
  if (qtype == dns::type_soa) {
    r.rrs.push_back(soa(origin, {net16, server_role::pns1}, parent_serial));
  } else if (qtype == dns::type_ns) {
    add_ns(r, section::answer, origin, net16, {server_role::pns1, server_role::pns2});
  } else if (who == nullptr) {
    return std::nullopt;  // the resolver answers other types as before
  }
  (void)m;
  return r;
}

std::optional<zone_reply> child_apex(const model& m, const zone_server_id* who, uint32_t net24,
                                     uint16_t qtype) {
  const uint32_t net16 = net24 >> 8;
  const zone_fault f = child_fault(m, net24);
  const std::string origin = child_origin(net24);
  zone_reply r;
  if (who == nullptr || who->role == server_role::ns1 || who->role == server_role::ns2) {
    if (who != nullptr && who->net16 != net16) {
      return refused_reply();
    }
    const bool ns2 = who != nullptr && who->role == server_role::ns2;
    if (ns2 && (f == zone_fault::lame || f == zone_fault::single_ns)) {
      return refused_reply();  // lame; or not a server of the zone at all
    }
    if (qtype == dns::type_soa) {
      const uint32_t serial = child_serial(net24) - (ns2 && f == zone_fault::stale_serial ? 1 : 0);
      r.rrs.push_back(soa(origin, {net16, server_role::ns1}, serial));
    } else if (qtype == dns::type_ns) {
      add_ns(r, section::answer, origin, net16, child_ns_roles(f));
    } else if (who == nullptr) {
      return std::nullopt;
    }
    return r;
  }
  // pns1, pns2: the parent's referral, whatever the type asked.
  if (who->net16 != net16) {
    return refused_reply();
  }
  r.aa = false;
  const std::vector<server_role> roles = parent_ns_roles(f);
  add_ns(r, section::authority, origin, net16, roles);
  for (server_role role : roles) {
    const zone_server_id s{net16, role};
    r.rrs.push_back({section::additional, server_name(s), dns::type_a, "", server_address(m, s)});
  }
  return r;
}

}  // namespace

std::optional<zone_reply> zone_answer(const model& m, const zone_server_id* who,
                                      std::string_view name, uint16_t qtype) {
  if (const auto octets = reverse_octets(name); octets) {
    const std::vector<uint32_t>& o = *octets;
    if (o.size() == 2 && is_parent_zone(m, o[0] << 8 | o[1])) {
      return parent_apex(m, who, o[0] << 8 | o[1], qtype);
    }
    if (o.size() == 3 && is_child_zone(m, o[0] << 16 | o[1] << 8 | o[2])) {
      return child_apex(m, who, o[0] << 16 | o[1] << 8 | o[2], qtype);
    }
    return who == nullptr ? std::nullopt : std::optional(refused_reply());
  }
  const auto server = parse_server_name(name);
  if (who != nullptr || !server || !is_parent_zone(m, server->net16)) {
    return who == nullptr ? std::nullopt : std::optional(refused_reply());
  }
  zone_reply r;  // NODATA but for A
  if (qtype == dns::type_a) {
    r.rrs.push_back({section::answer, std::string(name), dns::type_a, "", server_address(m, *server)});
  }
  return r;
}

}  // namespace ptrscan::simnet
