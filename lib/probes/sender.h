#pragma once

#include <memory>

#include "probes/table.h"

namespace ptrscan {

/// Sender identity targets (`IP,DOMAIN[,HELO]`, issue 16 item 2): "may IP
/// send mail for DOMAIN, introducing itself as HELO?". The host probes
/// (PTR, FCrDNS, naming, DNSBL) run on IP as on any address; this probe adds
/// the `sender` section: check_host(IP, DOMAIN) for the MAIL FROM identity,
/// check_host(IP, HELO) for the HELO identity (RFC 7208 §2.3, §2.4) and the
/// HELO rules for HELO. Other hosts are not touched.
std::shared_ptr<probe> make_sender_probe(const probe_options& o);

}  // namespace ptrscan
