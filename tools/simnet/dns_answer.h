#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "simnet/model.h"

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
/// from the model; other types and existing names without the type get
/// NODATA; names outside the zones REFUSED; malformed queries FORMERR; opcodes
/// other than QUERY NOTIMP. An OPT record in the query is answered with one
/// (EDNS version 0, DO bit echoed; BADVERS for higher versions).
size_t answer_query(const model& m, std::span<const uint8_t> query, std::span<uint8_t> out);

/// DNS wire constants the server and the tests share.
namespace dns {
inline constexpr uint16_t type_a = 1;
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
