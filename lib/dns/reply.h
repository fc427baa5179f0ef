#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/ip_address.h"
#include "dns/answer.h"
#include "dns/dns_status.h"
#include "dns/records.h"

namespace ptrscan {

/// What ptrscan takes from one DNS response, for any type it asks.
struct dns_reply {
  dns_status status = dns_status::error;
  std::string_view reason;
  std::vector<std::string> names;  // PTR
  std::vector<ip_address> addrs;   // A / AAAA
  std::vector<std::string> texts;  // TXT
  std::vector<mx_record> mx;       // MX
  bool null_mx = false;
  std::string dangling_cname;
  uint8_t cname_hops = 0;
  void clear();
};

void parse_reply(std::span<const uint8_t> packet, std::string_view qname, uint16_t qtype,
                 dns_reply& out);

}  // namespace ptrscan
