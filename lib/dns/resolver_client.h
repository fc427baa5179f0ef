#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "dns/dns_status.h"

namespace ptrscan {

/// Receives query results from a transport (resolver, udp_resolver,
/// tcp_retry). With a response, `packet` holds it and `transport` is ok: the
/// packet decides (parse_reply reads its rcode and records). Without one,
/// `packet` is empty and `transport` says what happened: timeout, error with
/// a dns_reason in `reason` (a static string), or, from c-ares, the status
/// it reports without a packet (servfail, nxdomain, ...). `reason` is empty
/// unless `transport` is error.
class resolver_client {
 public:
  virtual void on_dns_result(uint64_t cookie, dns_status transport, std::string_view reason,
                             std::span<const uint8_t> packet) = 0;

 protected:
  ~resolver_client() = default;
};

}  // namespace ptrscan
