#include "checks/fcrdns.h"

#include <algorithm>

namespace ptrscan {

std::string_view to_string(fcrdns_status s) {
  switch (s) {
    case fcrdns_status::pass:
      return "pass";
    case fcrdns_status::fail:
      return "fail";
    case fcrdns_status::none:
      return "none";
    case fcrdns_status::error:
      return "error";
  }
  return "error";
}

void forward_lookup::add_addrs(std::span<const ip_address> found, const ip_address& ip) {
  for (const ip_address& addr : found) {
    if (std::find(addrs.begin(), addrs.end(), addr) != addrs.end()) {
      continue;
    }
    // Distinct count without keeping every address: an address not kept is
    // counted each time it comes (A and AAAA answers never share one, and an
    // RR set holds no duplicates).
    ++addrs_total;
    if (addrs.size() < max_forward_addrs) {
      addrs.push_back(addr);
    } else if (addr == ip) {
      addrs.back() = addr;  // the one address the verdict needs stays
    }
  }
}

dns_status forward_lookup::combined() const {
  if (!addrs.empty()) {
    return dns_status::ok;
  }
  if (is_lookup_failure(a)) {
    return a;
  }
  if (is_lookup_failure(aaaa)) {
    return aaaa;
  }
  if (a == dns_status::nxdomain || aaaa == dns_status::nxdomain) {
    return dns_status::nxdomain;
  }
  return dns_status::nodata;
}

fcrdns_verdict decide_fcrdns(const ip_address& ip, dns_status ptr_status,
                             std::span<const forward_lookup> forward) {
  fcrdns_verdict v;
  if (ptr_status == dns_status::nxdomain || ptr_status == dns_status::nodata) {
    v.status = fcrdns_status::none;
    return v;
  }
  if (ptr_status != dns_status::ok) {
    v.status = fcrdns_status::error;
    return v;
  }
  if (forward.empty()) {
    // ok with no usable name cannot happen with our parser; be explicit.
    v.status = fcrdns_status::none;
    return v;
  }
  bool failed = false;
  for (size_t i = 0; i < forward.size(); ++i) {
    for (const ip_address& a : forward[i].addrs) {
      if (a == ip) {
        v.status = fcrdns_status::pass;
        v.matched = i;
        return v;
      }
    }
    if (is_lookup_failure(forward[i].a) || is_lookup_failure(forward[i].aaaa)) {
      failed = true;
    }
  }
  v.status = failed ? fcrdns_status::error : fcrdns_status::fail;
  return v;
}

}  // namespace ptrscan
