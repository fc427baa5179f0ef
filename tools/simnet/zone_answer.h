#pragma once

// What the delegation model (zone_model.h) answers, as records: the
// resolver's view (the simulator's main DNS address) and each simulated
// name server's. dns_answer.cc writes them on the wire.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "simnet/zone_model.h"

namespace ptrscan::simnet {

/// One record of a reply. `value` is the SOA serial or the A address;
/// `target` the NS target or the SOA MNAME.
struct zone_rr {
  enum class section_t : uint8_t { answer, authority, additional };
  section_t section = section_t::answer;
  std::string owner;
  uint16_t type = 0;
  std::string target;
  uint32_t value = 0;
};

struct zone_reply {
  uint8_t rcode = 0;
  bool aa = true;
  std::vector<zone_rr> rrs;
};

/// The answer to (name, qtype) (name in lower case, no trailing dot).
/// `who` null: the resolver's view (SOA and NS of every served /16 and /24
/// zone, A of every name server); nullopt for anything else, which the
/// caller answers as before. `who` a server: its authoritative answers and
/// referrals, REFUSED (not authoritative) for every name it does not serve.
std::optional<zone_reply> zone_answer(const model& m, const zone_server_id* who,
                                      std::string_view name, uint16_t qtype);

/// The SOA RNAME every simulated zone gives.
inline constexpr std::string_view zone_rname = "hostmaster.sim.test";

}  // namespace ptrscan::simnet
