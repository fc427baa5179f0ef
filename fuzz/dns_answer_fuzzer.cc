// parse_reply() on any DNS response, read as the host probes read it (PTR,
// A, AAAA; dns_records covers TXT and MX): the input is one response packet.
// The question it carries (when it has a readable one) is taken as what was
// asked, since the transport only hands over responses whose question
// matches the query; the packet is then parsed as the answer to a PTR, an A
// and an AAAA query for that name, and for the question's own type.
//
// Oracles: the status agrees with what was found, and an error has a reason
// (nothing else has) and no records; addresses have the asked family; a
// chain longer than max_cname_hops is cut; parsing into a reused answer
// equals parsing into a fresh one; every name handed back (PTR
// targets, the dangling CNAME the shard re-queries) is lower-case and can be
// asked for again, round-tripping through encode_name/decode_name; and an
// A record for exactly the question's name is found whatever octets the
// name holds (dots and backslashes inside labels, any letter case).

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
  FUZZ_CHECK(!name.empty());
  for (char c : name) {
    FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
  }
  std::array<uint8_t, ptrscan::max_wire_name> wire{};
  const size_t len = ptrscan::encode_name(name, wire);
  FUZZ_CHECK(len > 1);  // encodable, and not the root
  FUZZ_CHECK(ptrscan::decode_name(std::span<const uint8_t>(wire.data(), len)) == name);
}

void check_answer(std::span<const uint8_t> packet, const std::string& qname, uint16_t qtype,
                  dns_reply& answer) {
  ptrscan::parse_reply(packet, qname, qtype, answer);
  if (packet.size() < ptrscan::dns_header_bytes) {
    FUZZ_CHECK(answer.status == dns_status::error);
  }
  const bool found = !answer.names.empty() || !answer.addrs.empty() ||
                     !answer.texts.empty() || !answer.mx.empty();
  FUZZ_CHECK(found == (answer.status == dns_status::ok));
  FUZZ_CHECK(answer.reason.empty() == (answer.status != dns_status::error));
  if (answer.status == dns_status::error) {
    FUZZ_CHECK(answer.dangling_cname.empty());
  }
  if (!answer.names.empty()) {
    FUZZ_CHECK(qtype == ptrscan::dns_type_ptr && answer.addrs.empty());
  }
  for (const ptrscan::ip_address& a : answer.addrs) {
    FUZZ_CHECK(qtype == (a.is_v4() ? ptrscan::dns_type_a : ptrscan::dns_type_aaaa));
  }
  for (const std::string& name : answer.names) {
    check_name(name);
  }
  // One past the limit says "chain too long": nothing to re-query then.
  FUZZ_CHECK(answer.cname_hops <= ptrscan::max_cname_hops + 1);
  if (answer.cname_hops > ptrscan::max_cname_hops) {
    FUZZ_CHECK(answer.status == dns_status::nodata && answer.dangling_cname.empty());
  }
  if (!answer.dangling_cname.empty()) {
    FUZZ_CHECK(answer.status == dns_status::nodata && answer.cname_hops > 0);
    check_name(answer.dangling_cname);
  }
}

// Builds the response a resolver gives to an A query for the question name
// at the start of `question_wire` (kept byte for byte, so in its original
// case): that question, then one A record whose owner points back at it.
std::vector<uint8_t> a_response(std::span<const uint8_t> question_wire, size_t name_len) {
  std::vector<uint8_t> p = {0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0};
  p.insert(p.end(), question_wire.begin(), question_wire.begin() + name_len);
  p.insert(p.end(), {0, 1, 0, 1});                                        // A, IN
  p.insert(p.end(), {0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0x0e, 0x10, 0, 4});  // owner -> question
  p.insert(p.end(), {192, 0, 2, 1});
  return p;
}

bool same_answer(const dns_reply& a, const dns_reply& b) {
  return a.status == b.status && a.reason == b.reason && a.names == b.names &&
         a.addrs == b.addrs && a.texts == b.texts && a.mx.size() == b.mx.size() &&
         a.dangling_cname == b.dangling_cname && a.cname_hops == b.cname_hops;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::span<const uint8_t> packet(data, size);

  // The question: an uncompressed name right after the header, then the type.
  std::string qname = "7.0.18.198.in-addr.arpa";
  uint16_t question_type = ptrscan::dns_type_ptr;
  if (size > ptrscan::dns_header_bytes) {
    const auto question = packet.subspan(ptrscan::dns_header_bytes);
    std::string name = ptrscan::decode_name(question);
    std::array<uint8_t, ptrscan::max_wire_name> wire{};
    const size_t len = name.empty() ? 0 : ptrscan::encode_name(name, wire);
    if (len != 0) {
      qname = name;
      if (question.size() >= len + 2) {
        question_type = static_cast<uint16_t>(question[len] << 8 | question[len + 1]);
      }
      // Whatever bytes the name has, a record for exactly that name must be
      // found when its text form is what was asked.
      if (len > 1) {
        dns_reply a;
        ptrscan::parse_reply(a_response(question, len), qname, ptrscan::dns_type_a, a);
        FUZZ_CHECK(a.status == dns_status::ok && a.addrs.size() == 1 &&
                   a.addrs[0] == ptrscan::ip_address::v4(0xc0000201));
      }
    }
  }

  // One answer object reused across calls, as the shard does: stale state
  // from a previous parse must never leak into the next.
  dns_reply reused;
  for (uint16_t qtype : {question_type, ptrscan::dns_type_ptr, ptrscan::dns_type_a,
                         ptrscan::dns_type_aaaa}) {
    check_answer(packet, qname, qtype, reused);
    dns_reply fresh;
    ptrscan::parse_reply(packet, qname, qtype, fresh);
    FUZZ_CHECK(same_answer(reused, fresh));
  }
  return 0;
}
