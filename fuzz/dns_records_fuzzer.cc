// parse_reply() read as the domain and SPF probes read it (MX, TXT, A,
// AAAA) on any DNS response. As in dns_answer, the question the packet
// carries is taken as what was asked, and the packet is parsed as the answer
// to an MX, a TXT, an A and an AAAA query for that name and to its own
// question type.
//
// Oracles: the status agrees with what was found, and only the member of the
// asked type is filled; an error has a reason (nothing else has); null_mx
// means exactly the one record "0 ."; MX exchanges are lower-case names that
// can be asked for again; a packet whose answer section is dropped (ANCOUNT
// 0) is never an answer; parsing into a reused object equals parsing into a
// fresh one.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include <vector>

#include "dns/reply.h"
#include "dns/wire.h"
#include "fuzz_check.h"

namespace {

using ptrscan::dns_reply;
using ptrscan::dns_status;

void check_name(const std::string& name) {
  for (char c : name) {
    FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
  }
  std::array<uint8_t, ptrscan::max_wire_name> wire{};
  const size_t len = ptrscan::encode_name(name, wire);
  FUZZ_CHECK(len != 0);
  const std::string back = ptrscan::decode_name(std::span<const uint8_t>(wire.data(), len));
  FUZZ_CHECK(back == (name.empty() ? "." : name));
}

bool same_records(const dns_reply& a, const dns_reply& b) {
  if (a.mx.size() != b.mx.size()) {
    return false;
  }
  for (size_t i = 0; i < a.mx.size(); ++i) {
    if (a.mx[i].preference != b.mx[i].preference || a.mx[i].exchange != b.mx[i].exchange) {
      return false;
    }
  }
  return a.status == b.status && a.reason == b.reason && a.names == b.names &&
         a.texts == b.texts && a.addrs == b.addrs &&
         a.null_mx == b.null_mx && a.dangling_cname == b.dangling_cname &&
         a.cname_hops == b.cname_hops;
}

void check_records(std::span<const uint8_t> packet, const std::string& qname, uint16_t qtype,
                   dns_reply& r) {
  ptrscan::parse_reply(packet, qname, qtype, r);
  const bool found = !r.names.empty() || !r.texts.empty() || !r.mx.empty() || !r.addrs.empty();
  FUZZ_CHECK(found == (r.status == dns_status::ok));
  FUZZ_CHECK(r.reason.empty() == (r.status != dns_status::error));
  FUZZ_CHECK(r.names.empty() || qtype == ptrscan::dns_type_ptr);
  FUZZ_CHECK(r.texts.empty() || qtype == ptrscan::dns_type_txt);
  FUZZ_CHECK(r.mx.empty() || qtype == ptrscan::dns_type_mx);
  FUZZ_CHECK(r.addrs.empty() || qtype == ptrscan::dns_type_a || qtype == ptrscan::dns_type_aaaa);
  if (r.null_mx) {
    FUZZ_CHECK(r.mx.size() == 1 && r.mx[0].preference == 0 && r.mx[0].exchange.empty());
  }
  for (const ptrscan::mx_record& mx : r.mx) {
    check_name(mx.exchange);
  }
  if (!r.dangling_cname.empty()) {
    FUZZ_CHECK(r.status == dns_status::nodata && r.cname_hops > 0);
    check_name(r.dangling_cname);
  }

  // Without its answer section (and what follows) the packet holds no
  // record of any type: whatever it said before, it is no answer now.
  if (packet.size() >= ptrscan::dns_header_bytes) {
    std::vector<uint8_t> bare(packet.begin(), packet.end());
    bare[6] = 0;
    bare[7] = 0;
    ptrscan::dns_reply none;
    ptrscan::parse_reply(bare, qname, qtype, none);
    FUZZ_CHECK(none.status != dns_status::ok);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> packet(data, size);

  std::string qname = "example.org";
  uint16_t question_type = ptrscan::dns_type_mx;
  if (size > ptrscan::dns_header_bytes) {
    const auto question = packet.subspan(ptrscan::dns_header_bytes);
    const std::string name = ptrscan::decode_name(question);
    std::array<uint8_t, ptrscan::max_wire_name> wire{};
    const size_t len = name.empty() ? 0 : ptrscan::encode_name(name, wire);
    if (len != 0) {
      qname = name;
      if (question.size() >= len + 2) {
        question_type = static_cast<uint16_t>(question[len] << 8 | question[len + 1]);
      }
    }
  }

  dns_reply reused;
  for (uint16_t qtype : {question_type, ptrscan::dns_type_mx, ptrscan::dns_type_txt,
                         ptrscan::dns_type_a, ptrscan::dns_type_aaaa}) {
    check_records(packet, qname, qtype, reused);
    dns_reply fresh;
    ptrscan::parse_reply(packet, qname, qtype, fresh);
    FUZZ_CHECK(same_records(reused, fresh));
  }
  return 0;
}
