#include "probes/helo_names.h"

#include <algorithm>

#include "dns/reply.h"
#include "output/json_writer.h"

namespace ptrscan {

void helo_name::reset(std::string_view t) {
  text.assign(t);
  form = read_helo(t);
  forward.name = form.name;
  forward.a = dns_status::error;
  forward.aaaa = dns_status::error;
  forward.addrs.clear();
  forward.addrs_total = 0;
  mx = dns_status::error;
  mx_found = false;
  asked = false;
}

uint16_t helo_name::qtype(helo_ask which) {
  switch (which) {
    case helo_ask::a:
      return dns_type_a;
    case helo_ask::aaaa:
      return dns_type_aaaa;
    case helo_ask::mx:
      break;
  }
  return dns_type_mx;
}

void helo_name::on_answer(helo_ask which, const dns_reply& reply, const ip_address& ip) {
  switch (which) {
    case helo_ask::a:
    case helo_ask::aaaa:
      (which == helo_ask::a ? forward.a : forward.aaaa) = reply.status;
      if (reply.status == dns_status::ok) {
        forward.add_addrs(reply.addrs, ip);
      }
      return;
    case helo_ask::mx:
      mx = reply.status;
      mx_found = mx_names_a_host(reply);
      return;
  }
}

bool mx_names_a_host(const dns_reply& reply) {
  // A null MX ("0 .") says the name takes no mail: no MX host.
  return reply.status == dns_status::ok && !reply.null_mx &&
         std::any_of(reply.mx.begin(), reply.mx.end(),
                     [](const mx_record& r) { return !r.exchange.empty(); });
}

helo_dns read_helo_dns(std::span<const ip_address> addresses, std::optional<dns_status> a,
                       std::optional<dns_status> aaaa, std::optional<dns_status> mx,
                       bool mx_found) {
  helo_dns dns;
  dns.addresses = addresses;
  dns.address_lookup_failed =
      !a || !aaaa || is_lookup_failure(*a) || is_lookup_failure(*aaaa);
  if (mx && !is_lookup_failure(*mx)) {
    dns.has_mx = mx_found;
  }
  return dns;
}

helo_assessment helo_name::assess(const ip_address& ip, std::span<const std::string> ptr_names,
                                  ptr_evidence ptr) const {
  const helo_dns dns =
      asked ? read_helo_dns(forward.addrs, forward.a, forward.aaaa, mx, mx_found)
            : read_helo_dns(forward.addrs, std::nullopt, std::nullopt, std::nullopt, false);
  return assess_helo(form, ip, dns, ptr_names, ptr);
}

void helo_name::write_members(json_writer& w, const helo_assessment& a) const {
  auto opt = [&w](std::string_view k, std::optional<bool> v) {
    w.key(k);
    if (v) {
      w.value(*v);
    } else {
      w.null();
    }
  };
  w.key("name").value(text);
  w.key("syntax").value(to_string(form.syntax));
  w.key("fqdn").value(form.syntax == helo_syntax::fqdn);
  if (asked) {
    w.key("addresses").begin_array();
    char buf[ip_address::max_text_len];
    for (const ip_address& ip : forward.addrs) {
      w.value(std::string_view(buf, ip.format(buf)));
    }
    w.end_array();
    if (forward.addrs_total > forward.addrs.size()) {
      w.key("addresses_total").value(uint64_t{forward.addrs_total});
    }
    opt("mx", is_lookup_failure(mx) ? std::nullopt : std::optional<bool>(mx_found));
  }
  const bool addrs_cut = asked && forward.addrs_total > forward.addrs.size();
  if (addrs_cut || a.ptr_names_cut) {
    w.key("truncated").begin_array();
    if (addrs_cut) {
      w.value("addresses");
    }
    if (a.ptr_names_cut) {
      w.value("ptr_names");  // equals_ptr compared the kept PTR names only
    }
    w.end_array();
  }
  opt("resolves", a.rules.resolves);
  opt("resolves_to_ip", a.rules.resolves_to_client);
  opt("equals_ptr", a.rules.equals_ptr);
  w.key("verdict").value(to_string(a.verdict));
}

}  // namespace ptrscan
