#include "checks/dnsbl.h"

#include "absl/strings/str_cat.h"

namespace ptrscan {
namespace {

// Longest reason kept: TXT records are untrusted text and a record is one line.
constexpr size_t max_reason_bytes = 512;

}  // namespace

std::string dnsbl_query_name(const ip_address& ip, std::string_view zone) {
  char buf[ip_address::max_reverse_len];
  std::string_view reverse(buf, ip.reverse_name(buf));
  // The reverse name without its in-addr.arpa / ip6.arpa suffix is exactly
  // the RFC 5782 label sequence.
  const std::string_view suffix = ip.is_v4() ? "in-addr.arpa" : "ip6.arpa";
  reverse.remove_suffix(suffix.size());
  std::string name;
  name.reserve(reverse.size() + zone.size());
  name.append(reverse).append(zone);
  return name;
}

std::string_view to_string(dnsbl_status s) {
  switch (s) {
    case dnsbl_status::not_listed:
      return "not_listed";
    case dnsbl_status::listed:
      return "listed";
    case dnsbl_status::error:
      return "error";
  }
  return "error";
}

void dnsbl_result::clear() {
  status = dnsbl_status::error;
  codes.clear();
  reason.clear();
  reason_truncated = false;
  error.clear();
}

bool dnsbl_decide(dns_status status, const std::vector<ip_address>& addrs, dnsbl_result& out) {
  out.clear();
  switch (status) {
    case dns_status::nxdomain:
    case dns_status::nodata:
      out.status = dnsbl_status::not_listed;
      return false;
    case dns_status::ok:
      break;
    default:
      out.status = dnsbl_status::error;
      out.error = std::string(to_string(status));
      return false;
  }
  for (const ip_address& a : addrs) {
    if (!a.is_v4() || a.bytes[0] != 127) {
      out.status = dnsbl_status::error;
      out.error = absl::StrCat("answer ", a.to_string(), " is outside 127.0.0.0/8");
      out.codes.clear();
      return false;
    }
    if (a.bytes[1] == 255 && a.bytes[2] == 255) {
      out.status = dnsbl_status::error;
      out.error = absl::StrCat("the list refused the query (", a.to_string(), ")");
      out.codes.clear();
      return false;
    }
    out.codes.push_back(a);
  }
  if (out.codes.empty()) {  // ok always carries records; be safe
    out.status = dnsbl_status::not_listed;
    return false;
  }
  out.status = dnsbl_status::listed;
  return true;
}

void dnsbl_add_reason(dns_status status, const std::vector<std::string>& texts,
                      dnsbl_result& out) {
  if (status != dns_status::ok) {
    return;
  }
  for (const std::string& t : texts) {
    const size_t separator = out.reason.empty() ? 0 : 2;
    if (out.reason.size() + separator + t.size() > max_reason_bytes) {
      // The cut is marked, and made at a character boundary so the kept
      // part stays valid UTF-8 where the text was.
      out.reason_truncated = true;
      if (out.reason.size() + separator >= max_reason_bytes) {
        break;
      }
      out.reason.append(out.reason.empty() ? "" : "; ");
      size_t keep = max_reason_bytes - out.reason.size();
      while (keep > 0 && keep < t.size() && (static_cast<unsigned char>(t[keep]) & 0xc0) == 0x80) {
        --keep;
      }
      out.reason.append(t, 0, keep);
      break;
    }
    if (separator != 0) {
      out.reason += "; ";
    }
    out.reason += t;
  }
}

}  // namespace ptrscan
