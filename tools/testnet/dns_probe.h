#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "testnet/loopback.h"

namespace ptrscan::testnet {

/// Record types the probe knows by name.
namespace rr_type {
inline constexpr uint16_t a = 1;
inline constexpr uint16_t ns = 2;
inline constexpr uint16_t cname = 5;
inline constexpr uint16_t soa = 6;
inline constexpr uint16_t ptr = 12;
inline constexpr uint16_t txt = 16;
inline constexpr uint16_t aaaa = 28;
}  // namespace rr_type

/// DNS response codes used by the tests.
namespace rcode {
inline constexpr int noerror = 0;
inline constexpr int servfail = 2;
inline constexpr int nxdomain = 3;
inline constexpr int refused = 5;
}  // namespace rcode

/// One answer-section record; `data` is text for A, AAAA (inet_ntop form),
/// PTR and CNAME (lower-cased, no trailing dot) and empty for other types.
struct dns_record {
  std::string name;
  uint16_t type = 0;
  std::string data;
};

/// The parts of a reply the testbed and its self-test look at.
struct dns_reply {
  int rcode = 0;
  bool truncated = false;
  bool authoritative = false;
  uint16_t ancount = 0;
  std::vector<dns_record> answers;

  /// The `data` of every answer of `type`.
  std::vector<std::string> data_of(uint16_t type) const;
};

/// Encodes a query for `name` (no trailing dot needed) with RD set and an
/// EDNS0 OPT record advertising 4096 bytes.
std::vector<uint8_t> encode_query(uint16_t id, std::string_view name, uint16_t type);

/// Decodes a reply to query `id`; nullopt when it is malformed, not a reply
/// or for another ID.
std::optional<dns_reply> decode_reply(const uint8_t* data, size_t len, uint16_t id);

/// One blocking query over UDP to a loopback server. nullopt on timeout or a
/// socket error. Refuses (nullopt) any server outside 127.0.0.0/8.
std::optional<dns_reply> query_udp(const endpoint& server, std::string_view name, uint16_t type,
                                   std::chrono::milliseconds timeout);

/// Sends `names` (all of `type`) with up to `window` queries outstanding and
/// returns how many got a reply within `timeout` each; a load probe for
/// measuring resolver throughput.
size_t query_many_udp(const endpoint& server, const std::vector<std::string>& names, uint16_t type,
                      size_t window, std::chrono::milliseconds timeout);

}  // namespace ptrscan::testnet
