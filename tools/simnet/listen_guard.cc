#include "simnet/listen_guard.h"

#include <ifaddrs.h>

#include <cstring>

#include "simnet/ipv4.h"

namespace ptrscan::simnet {
namespace {

// True when every interface of this network namespace is lo.
bool only_loopback_interfaces() {
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) {
    return false;
  }
  bool only_lo = true;
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (std::strcmp(i->ifa_name, "lo") != 0) {
      only_lo = false;
    }
  }
  ::freeifaddrs(list);
  return only_lo;
}

}  // namespace

std::string listen_refusal(uint32_t ip) {
  if ((ip >> 24) == 127 || only_loopback_interfaces()) {
    return {};
  }
  return "refusing to listen on " + format_ipv4(ip) +
         " outside a network namespace whose only interface is lo";
}

}  // namespace ptrscan::simnet
