#pragma once

#include <cstdint>
#include <memory>

#include "probes/table.h"

namespace ptrscan {

class spf_check;
struct helo_name;

/// What the sender probe's worker found on a sender target, for probes
/// after it in the table (the policy probe).
class sender_view {
 public:
  /// check_host() for the MAIL FROM identity of host `slot`; null unless
  /// it is a sender target.
  virtual const spf_check* mailfrom(uint32_t slot) const = 0;
  /// Its HELO and the HELO's lookups; null without a HELO.
  virtual const helo_name* helo(uint32_t slot) const = 0;

 protected:
  ~sender_view() = default;
};

/// Sender identity targets (`IP,DOMAIN[,HELO]`, issue 16 item 2): "may IP
/// send mail for DOMAIN, introducing itself as HELO?". The host probes
/// (PTR, FCrDNS, naming, DNSBL) run on IP as on any address; this probe adds
/// the `sender` section: check_host(IP, DOMAIN) for the MAIL FROM identity,
/// check_host(IP, HELO) for the HELO identity (RFC 7208 §2.3, §2.4) and the
/// HELO rules for HELO. Other hosts are not touched.
std::shared_ptr<probe> make_sender_probe(const probe_options& o);

}  // namespace ptrscan
