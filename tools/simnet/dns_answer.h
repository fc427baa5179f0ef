#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "simnet/model.h"
#include "simnet/zone_model.h"

namespace ptrscan::simnet {

/// Room for any reply answer_query writes: the longest question (255-octet
/// name) plus one answer whose data is a simulated name, plus an OPT record.
inline constexpr size_t max_reply_size = 640;

/// The reply to one DNS query datagram, written into `out`; returns its
/// length, or 0 when the datagram gets no reply at all (shorter than a header,
/// itself a response, or `out` too small).
///
/// Answers as the authoritative server of the range's reverse zones and of
/// sim.test: AA set, question mirrored, TC never set. PTR, A and AAAA come
/// from the model; other types and existing names without the type get NODATA; names outside the zones REFUSED; malformed queries FORMERR; opcodes
/// other than QUERY NOTIMP. An OPT record in the query is answered with one
/// (EDNS version 0, DO bit echoed; BADVERS for higher versions).
///
/// With `delegations` (serve --zone-servers) it also answers as a resolver
/// would for the delegation model (zone_model.h): SOA and NS of every /24
/// and /16 zone of the range and the A of their name servers; without, those
/// names answer as they always did (NODATA, REFUSED), so nothing that
/// recurses through it (Unbound) is ever sent to servers that do not run.
size_t answer_query(const model& m, std::span<const uint8_t> query, std::span<uint8_t> out,
                    bool delegations = false);

/// The reply of the simulated name server `who` (zone_model.h) to one
/// query datagram or TCP message, as answer_query's: for the /24 zones of its
/// /16, ns1 and ns2 answer SOA and NS with AA set (ns2 REFUSED where the
/// zone is lame or single-NS, its SOA serial one lower where stale); pns1 and
/// pns2 answer SOA and NS of their /16 with AA and refer every question
/// about one of its /24 zones to that zone's servers (no AA, the parent's NS
/// set in the authority section, an A glue record for each in the
/// additional). Every other name: REFUSED without AA. RD is echoed and never
/// acted on; RA is never set.
size_t answer_server_query(const model& m, const zone_server_id& who,
                           std::span<const uint8_t> query, std::span<uint8_t> out);

/// DNS wire constants the server and the tests share.
namespace dns {
inline constexpr uint16_t type_a = 1;
inline constexpr uint16_t type_ns = 2;
inline constexpr uint16_t type_soa = 6;
inline constexpr uint16_t type_ptr = 12;
inline constexpr uint16_t type_aaaa = 28;
inline constexpr uint16_t type_opt = 41;
inline constexpr uint16_t class_in = 1;
inline constexpr uint8_t rcode_noerror = 0;
inline constexpr uint8_t rcode_formerr = 1;
inline constexpr uint8_t rcode_nxdomain = 3;
inline constexpr uint8_t rcode_notimp = 4;
inline constexpr uint8_t rcode_refused = 5;
inline constexpr uint16_t edns_payload = 1232;  // what our OPT advertises
inline constexpr uint32_t answer_ttl = 3600;
}  // namespace dns

}  // namespace ptrscan::simnet
