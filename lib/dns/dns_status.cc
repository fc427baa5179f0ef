#include "dns/dns_status.h"

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

}  // namespace ptrscan
