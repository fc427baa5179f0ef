#pragma once

// The simulated network's reverse delegations, for ptrscan's zone audit
// (--probes zone): every /24 of the range is a zone of its own, delegated
// from the /16 zone above it. Each /16 has four name servers of its own,
// two for its /24 zones (ns1, ns2) and two for itself (pns1, pns2), each on
// an address of its own in 127.0.0.0/8 (ns1 and ns2 in different /24s, as
// RFC 2182 asks). A share of the /24 zones has a fault, drawn from the
// /24 like every other decision of the model, so `check` knows what the
// audit must find for each zone.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simnet/model.h"

namespace ptrscan::simnet {

/// What is wrong with a /24 zone.
enum class zone_fault : uint8_t {
  none,
  lame,          // ns2 answers REFUSED for it (UDP and TCP)
  stale_serial,  // ns2 answers with the serial one below ns1's
  ns_mismatch,   // the parent delegates to ns1 and ns2, the zone lists ns1 only
  single_ns,     // the parent and the zone both list ns1 only
};
std::string_view to_string(zone_fault f);

/// The shares of the faults among the /24 zones (the rest: none).
inline constexpr double share_lame = 0.08;
inline constexpr double share_stale_serial = 0.08;
inline constexpr double share_ns_mismatch = 0.06;
inline constexpr double share_single_ns = 0.06;

enum class server_role : uint8_t { ns1, ns2, pns1, pns2 };
inline constexpr int server_role_count = 4;

/// One simulated name server: a role of a /16 (`net16`: its address >> 16).
struct zone_server_id {
  uint32_t net16 = 0;
  server_role role = server_role::ns1;
  bool operator==(const zone_server_id&) const = default;
};

/// The /24 zone of `net24` (address >> 8) is served: it overlaps the range.
bool is_child_zone(const model& m, uint32_t net24);
/// The /16 zone of `net16` is served: it overlaps the range.
bool is_parent_zone(const model& m, uint32_t net16);

/// Every served /16, in address order (at most 256: the range is /8 or longer).
std::vector<uint32_t> parent_zones(const model& m);

/// The fault of the /24 zone `net24`.
zone_fault child_fault(const model& m, uint32_t net24);
/// The SOA serial ns1 (and the resolver) give for the /24 zone.
uint32_t child_serial(uint32_t net24);
/// The serial of a /16 zone.
inline constexpr uint32_t parent_serial = 2026120700;

/// The NS set of the /24 zone as its parent delegates it, and as the zone's
/// own servers answer it (ns1 first).
std::vector<server_role> parent_ns_roles(zone_fault f);
std::vector<server_role> child_ns_roles(zone_fault f);

/// "ns1.z10-3.sim.test" for role ns1 of 10.3.0.0/16.
std::string server_name(const zone_server_id& s);
/// The server a name made by server_name stands for (lower case, no
/// trailing dot); nullopt for any other name.
std::optional<zone_server_id> parse_server_name(std::string_view name);
/// Its address: 127.(150 + role).(index of the /16 in the range).53.
uint32_t server_address(const model& m, const zone_server_id& s);
/// Every served name server, in parent_zones() order, roles in order.
std::vector<zone_server_id> all_servers(const model& m);

/// "3.2.10.in-addr.arpa" for 10.2.3.0/24; "2.10.in-addr.arpa" for 10.2.0.0/16.
std::string child_origin(uint32_t net24);
std::string parent_origin(uint32_t net16);

}  // namespace ptrscan::simnet
