#include "dns/reply.h"

namespace ptrscan {

void dns_reply::clear() {
  status = dns_status::error;
  reason = {};
  names.clear();
  addrs.clear();
  texts.clear();
  mx.clear();
  null_mx = false;
  dangling_cname.clear();
  cname_hops = 0;
}

void parse_reply(std::span<const uint8_t> packet, std::string_view qname, uint16_t qtype,
                 dns_reply& out) {
  out.clear();
  if (qtype == dns_type_ptr || qtype == dns_type_a || qtype == dns_type_aaaa) {
    static thread_local dns_answer a;
    parse_answer(packet, qname, qtype, a);
    out.status = a.status;
    out.names.swap(a.names);
    out.addrs.swap(a.addrs);
    out.dangling_cname.swap(a.dangling_cname);
    out.cname_hops = a.cname_hops;
    return;
  }
  static thread_local dns_records r;
  parse_records(packet, qname, qtype, r);
  out.status = r.status;
  out.texts.swap(r.texts);
  out.mx.swap(r.mx);
  out.addrs.swap(r.addrs);
  out.null_mx = r.null_mx;
  out.dangling_cname.swap(r.dangling_cname);
  out.cname_hops = r.cname_hops;
}

}  // namespace ptrscan
