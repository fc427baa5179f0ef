#pragma once

#include <cstdint>
#include <memory>

#include "checks/policy.h"
#include "probes/table.h"

namespace ptrscan {

class ptr_worker;
class fcrdns_worker;
class rdns_view;
class smtp_view;
class sender_view;
class spf_worker;
class domain_worker;

/// Which of the earlier probes' workers the policy probe reads (null: not
/// run) and which probes the options left out.
struct policy_sources {
  const ptr_worker* ptr = nullptr;
  const fcrdns_worker* fcrdns = nullptr;
  const rdns_view* rdns = nullptr;
  const smtp_view* smtp = nullptr;
  const sender_view* sender = nullptr;
  const spf_worker* spf = nullptr;
  const domain_worker* domains = nullptr;
  bool starttls = false;  // --probes starttls
  bool relay = false;     // --probes relay
};

/// The receiver-policy evidence of host `slot` from what the earlier probes
/// found (docs/policy.md "The scanner's evidence"): role client for a
/// sender target (IP,DOMAIN[,HELO]), server for every other address (its
/// EHLO or banner host as its HELO name). Every probe that was not run is
/// named in `not_run`.
policy_evidence scanned_evidence(const policy_sources& src, const probe_services& s,
                                 uint32_t slot);

/// The `policy` section on host records (--probes policy): the same rule
/// sets and shape as `ptrscan listen` writes, from the ptr, fcrdns, rdns,
/// smtp, sender and spf probes' results. Last in the table: it reads them
/// after they have written theirs, and asks nothing of its own.
std::shared_ptr<probe> make_policy_probe(const probe_options& o);

}  // namespace ptrscan
