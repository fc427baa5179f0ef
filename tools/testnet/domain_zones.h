#pragma once

#include <string>
#include <vector>

#include "testnet/dns_testbed.h"

namespace ptrscan::testnet {

/// Zones for domain targets (issue 5): MX sets with the misconfigurations
/// mail checkers flag, SPF records covering every mechanism and the limits,
/// and a DNS blocklist. Every mail exchanger resolves into 127.77.0.0/24, so
/// SMTP probes reach servers the tests start on loopback; its reverse zone
/// (77.127.in-addr.arpa) names some of them and leaves others without PTR.
testbed_options domain_testbed();

/// The zone the blocklist is served in.
inline constexpr const char* domain_dnsbl_zone = "bl.test";

/// What the summary record of one domain target must say.
struct domain_case {
  std::string domain;
  std::string mx_status;               // ok, nodata, nxdomain, ...
  bool null_mx = false;
  bool implicit_mx = false;
  std::vector<std::string> hosts;      // MX hosts in preference order
  std::vector<std::string> addresses;  // the probed addresses, sorted
  std::vector<std::string> findings;   // "code" or "code:host", sorted
};

/// The MX-structure cases, including example.test (issue 5's done-means).
const std::vector<domain_case>& domain_cases();

/// One SPF situation: a domain whose single MX is mx.spf.test
/// (127.77.0.10) and whose TXT record is `record`; SPF evaluated for
/// that address must give `result` (and, for permerror and temperror, a
/// reason containing `reason`).
struct spf_case {
  std::string domain;
  std::string record;  // for the table in failure messages
  std::string result;
  std::string reason;  // substring of spf.reason; empty: not checked
};
const std::vector<spf_case>& spf_cases();

/// The address every SPF case's MX resolves to.
inline constexpr const char* spf_mx_address = "127.77.0.10";

/// Blocklist entries: address -> expected dnsbl status ("listed",
/// "not_listed", "error") and, when listed, the code and reason.
struct dnsbl_case {
  std::string ip;
  std::string status;
  std::string code;
  std::string reason;
};
const std::vector<dnsbl_case>& dnsbl_cases();

}  // namespace ptrscan::testnet
