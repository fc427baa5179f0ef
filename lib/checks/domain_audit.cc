#include "checks/domain_audit.h"

#include <algorithm>

#include "checks/spf_record.h"

namespace ptrscan {
namespace {

// Longest SPF text copied into the summary: a record is one line.
constexpr size_t max_spf_text = 2048;

/// An MX target that is an address literal: "192.0.2.1", "[192.0.2.1]",
/// "2001:db8::25" (a name cannot hold ':' unescaped, but resolvers print it).
bool is_ip_literal(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return ip_address::parse(host).has_value();
}

}  // namespace

void domain_audit::reset(std::string_view d) {
  domain.assign(d);
  mx_status = dns_status::error;
  null_mx = false;
  implicit_mx = false;
  hosts.clear();
  txt_status = dns_status::error;
  spf_records.clear();
  spf_lengths.clear();
  addresses.clear();
}

void domain_audit::set_mx(const dns_reply& mx) {
  mx_status = mx.status;
  hosts.clear();
  if (mx.status == dns_status::nodata) {
    // RFC 5321 §5.1: no MX records, so the domain itself is the implicit
    // MX with preference 0 — if it has an address.
    implicit_mx = true;
    mx_host self;
    self.host = domain;
    hosts.push_back(std::move(self));
    return;
  }
  if (mx.status != dns_status::ok) {
    return;
  }
  if (mx.null_mx) {
    null_mx = true;  // RFC 7505: the domain accepts no mail; nothing to probe
    return;
  }
  std::vector<mx_record> sorted = mx.mx;
  std::stable_sort(sorted.begin(), sorted.end(), [](const mx_record& a, const mx_record& b) {
    return a.preference < b.preference;
  });
  for (const mx_record& r : sorted) {
    if (hosts.size() >= max_hosts) {
      break;
    }
    if (r.exchange.empty()) {
      continue;  // a "." target beside real ones: not a null MX, nothing to look up
    }
    const bool dup = std::any_of(hosts.begin(), hosts.end(),
                                 [&](const mx_host& h) { return h.host == r.exchange; });
    if (dup) {
      continue;  // the lowest preference of a repeated target counts
    }
    mx_host h;
    h.host = r.exchange;
    h.preference = r.preference;
    h.ip_literal = is_ip_literal(r.exchange);
    h.apex = same_name(r.exchange, domain);
    hosts.push_back(std::move(h));
  }
}

void domain_audit::set_txt(const dns_reply& txt) {
  txt_status = txt.status;
  spf_records.clear();
  spf_lengths.clear();
  if (txt.status != dns_status::ok) {
    return;
  }
  for (const std::string& t : txt.texts) {
    if (is_spf_record(t)) {
      spf_records.push_back(t.substr(0, max_spf_text));
      spf_lengths.push_back(t.size());
    }
  }
}

void domain_audit::set_addresses(size_t i, bool aaaa, dns_status status,
                                 const std::vector<ip_address>& addrs, bool via_cname) {
  if (i >= hosts.size()) {
    return;
  }
  mx_host& h = hosts[i];
  (aaaa ? h.aaaa : h.a) = status;
  h.cname = h.cname || via_cname;
  if (status == dns_status::ok) {
    h.addrs.insert(h.addrs.end(), addrs.begin(), addrs.end());
  }
}

size_t domain_audit::probed_count() const {
  return static_cast<size_t>(std::count_if(addresses.begin(), addresses.end(),
                                           [](const mx_address& a) { return a.skipped.empty(); }));
}

std::vector<domain_finding> domain_audit::findings(bool ptr_probed) const {
  // Most fundamental first. Each names the host (and address) it is
  // about, so a report can list them without the address records.
  std::vector<domain_finding> out;
  auto add = [&](std::string_view code) -> domain_finding& {
    out.push_back(domain_finding{});
    out.back().code = code;
    return out.back();
  };
  if (mx_status == dns_status::nxdomain) {
    add("nxdomain");
  } else if (is_lookup_failure(mx_status)) {
    add("mx_lookup_failed").status = to_string(mx_status);
  }
  if (null_mx) {
    add("null_mx");
  }
  if (implicit_mx) {
    add("no_mx");
  }
  for (const mx_host& h : hosts) {
    if (h.ip_literal) {
      add("mx_ip_literal").host = h.host;
    }
    if (h.apex) {
      add("mx_apex").host = h.host;
    }
    if (h.cname) {
      add("mx_cname").host = h.host;
    }
    if (h.addrs.empty()) {
      if (is_lookup_failure(h.a) || is_lookup_failure(h.aaaa)) {
        domain_finding& f = add("mx_address_lookup_failed");
        f.host = h.host;
        f.status = to_string(is_lookup_failure(h.a) ? h.a : h.aaaa);
      } else {
        add("mx_no_address").host = h.host;
      }
    }
  }
  for (const mx_address& a : addresses) {
    if (!a.probed) {
      continue;
    }
    if (ptr_probed && (a.ptr == dns_status::nxdomain || a.ptr == dns_status::nodata)) {
      domain_finding& f = add("mx_no_ptr");
      f.host = hosts[a.host].host;
      f.ip = a.ip;
      f.status = to_string(a.ptr);
    }
    // "none" is no_spf's finding, once for the domain.
    if (a.spf_evaluated && a.spf != spf_code::pass && a.spf != spf_code::none) {
      domain_finding& f = add("mx_spf_not_pass");
      f.host = hosts[a.host].host;
      f.ip = a.ip;
      f.result = to_string(a.spf);
    }
  }
  // A null-MX domain should still publish "v=spf1 -all" (RFC 7505 §4).
  if (mx_status != dns_status::nxdomain) {
    if (txt_status == dns_status::nxdomain || txt_status == dns_status::nodata ||
        (txt_status == dns_status::ok && spf_records.empty())) {
      add("no_spf");
    } else if (spf_records.size() > 1) {
      add("spf_multiple");  // RFC 7208 §4.5: permerror
    }
  }
  if (spf_records.size() == 1) {
    std::vector<spf_evaluation_facts> evaluated;
    for (const mx_address& a : addresses) {
      if (a.spf_evaluated) {
        evaluated.push_back(a.spf_facts);
      }
    }
    for (spf_lint_finding& l : lint_spf_record(spf_records[0], spf_lengths[0], evaluated)) {
      domain_finding& f = add(l.code);
      f.detail = std::move(l.detail);
      f.count = l.count;
    }
  }
  return out;
}

}  // namespace ptrscan
