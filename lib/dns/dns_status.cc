#include "dns/dns_status.h"

#include <ares.h>

namespace ptrscan {

std::string_view to_string(dns_status s) {
  switch (s) {
    case dns_status::ok:
      return "ok";
    case dns_status::nxdomain:
      return "nxdomain";
    case dns_status::nodata:
      return "nodata";
    case dns_status::servfail:
      return "servfail";
    case dns_status::refused:
      return "refused";
    case dns_status::timeout:
      return "timeout";
    case dns_status::error:
      return "error";
  }
  return "error";
}

dns_status dns_status_from_ares(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS:
      return dns_status::ok;
    case ARES_ENOTFOUND:  // ares_query maps rcode NXDOMAIN here
      return dns_status::nxdomain;
    case ARES_ENODATA:
      return dns_status::nodata;
    case ARES_ESERVFAIL:
      return dns_status::servfail;
    case ARES_EREFUSED:
      return dns_status::refused;
    case ARES_ETIMEOUT:
      return dns_status::timeout;
    default:
      return dns_status::error;
  }
}

}  // namespace ptrscan
