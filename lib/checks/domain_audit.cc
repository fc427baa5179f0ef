#include "checks/domain_audit.h"

#include <algorithm>

#include "checks/spf_record.h"
#include "output/json_writer.h"

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

void write_ip(json_writer& w, const ip_address& ip) {
  char text[ip_address::max_text_len];
  w.value(std::string_view(text, ip.format(text)));
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
    hosts.push_back(std::move(h));
  }
}

void domain_audit::set_txt(const dns_reply& txt) {
  txt_status = txt.status;
  spf_records.clear();
  if (txt.status != dns_status::ok) {
    return;
  }
  for (const std::string& t : txt.texts) {
    if (is_spf_record(t)) {
      spf_records.push_back(t.substr(0, max_spf_text));
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

void domain_audit::write_summary(json_writer& w, bool ptr_probed) const {
  w.begin_object();
  w.key("domain").value(domain);

  w.key("mx").begin_object();
  w.key("status").value(to_string(mx_status));
  w.key("null").value(null_mx);
  w.key("implicit").value(implicit_mx);
  w.key("hosts").begin_array();
  for (const mx_host& h : hosts) {
    w.begin_object();
    w.key("host").value(h.host);
    w.key("preference").value(static_cast<uint64_t>(h.preference));
    w.key("a").value(to_string(h.a));
    w.key("aaaa").value(to_string(h.aaaa));
    w.key("addresses").begin_array();
    for (const ip_address& ip : h.addrs) {
      write_ip(w, ip);
    }
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();

  w.key("spf").begin_object();
  w.key("status").value(to_string(txt_status));
  w.key("records").begin_array();
  for (const std::string& r : spf_records) {
    w.value(r);
  }
  w.end_array();
  w.end_object();

  w.key("addresses").begin_object();
  w.key("probed").value(static_cast<uint64_t>(probed_count()));
  w.key("skipped").begin_array();
  for (const mx_address& a : addresses) {
    if (a.skipped.empty()) {
      continue;
    }
    w.begin_object();
    w.key("ip");
    write_ip(w, a.ip);
    w.key("host").value(hosts[a.host].host);
    w.key("reason").value(a.skipped);
    w.end_object();
  }
  w.end_array();
  w.end_object();

  // The findings, most fundamental first. Each names the host (and address)
  // it is about, so a report can list them without the address records.
  w.key("findings").begin_array();
  auto finding = [&](std::string_view code) -> json_writer& {
    w.begin_object();
    w.key("code").value(code);
    return w;
  };
  if (mx_status == dns_status::nxdomain) {
    finding("nxdomain").end_object();
  } else if (is_lookup_failure(mx_status)) {
    finding("mx_lookup_failed").key("status").value(to_string(mx_status)).end_object();
  }
  if (null_mx) {
    finding("null_mx").end_object();
  }
  if (implicit_mx) {
    finding("no_mx").end_object();
  }
  for (const mx_host& h : hosts) {
    if (h.ip_literal) {
      finding("mx_ip_literal").key("host").value(h.host).end_object();
    }
    if (h.cname) {
      finding("mx_cname").key("host").value(h.host).end_object();
    }
    if (h.addrs.empty()) {
      if (is_lookup_failure(h.a) || is_lookup_failure(h.aaaa)) {
        finding("mx_address_lookup_failed")
            .key("host")
            .value(h.host)
            .key("status")
            .value(to_string(is_lookup_failure(h.a) ? h.a : h.aaaa))
            .end_object();
      } else {
        finding("mx_no_address").key("host").value(h.host).end_object();
      }
    }
  }
  for (const mx_address& a : addresses) {
    if (!a.probed) {
      continue;
    }
    if (ptr_probed && (a.ptr == dns_status::nxdomain || a.ptr == dns_status::nodata)) {
      finding("mx_no_ptr").key("host").value(hosts[a.host].host).key("ip");
      write_ip(w, a.ip);
      w.key("status").value(to_string(a.ptr)).end_object();
    }
    // "none" is no_spf's finding, once for the domain.
    if (a.spf_evaluated && a.spf != spf_code::pass && a.spf != spf_code::none) {
      finding("mx_spf_not_pass").key("host").value(hosts[a.host].host).key("ip");
      write_ip(w, a.ip);
      w.key("result").value(to_string(a.spf)).end_object();
    }
  }
  // A null-MX domain should still publish "v=spf1 -all" (RFC 7505 §4).
  if (mx_status != dns_status::nxdomain) {
    if (txt_status == dns_status::nxdomain || txt_status == dns_status::nodata ||
        (txt_status == dns_status::ok && spf_records.empty())) {
      finding("no_spf").end_object();
    } else if (spf_records.size() > 1) {
      finding("spf_multiple").end_object();  // RFC 7208 §4.5: permerror
    }
  }
  w.end_array();
  w.end_object();
  w.end_line();
}

}  // namespace ptrscan
