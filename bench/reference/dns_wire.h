#pragma once

// DNS wire format for the epoll reference client: query building and an
// allocation-free answer walker. Self-contained on purpose (the reference
// shares no code with ptrscan's resolver beyond the RFCs).

#include <cstddef>
#include <cstdint>

namespace ptrscan::ref {

inline constexpr uint16_t type_a = 1;
inline constexpr uint16_t type_cname = 5;
inline constexpr uint16_t type_ptr = 12;
inline constexpr uint16_t type_aaaa = 28;

inline constexpr size_t max_name = 255;  // wire form, RFC 1035 §2.3.4
inline constexpr size_t header_len = 12;
/// Header, question (longest name, type, class) and one EDNS0 OPT record.
inline constexpr size_t max_query = header_len + max_name + 4 + 11;
/// UDP payload size our OPT record advertises (the DNS flag day value).
inline constexpr uint16_t edns_size = 1232;

/// A name in wire form: length-prefixed labels ending with the root label,
/// lower-cased, never compressed.
struct wire_name {
  uint8_t len = 0;  // including the root label; 0 = empty/invalid
  uint8_t data[max_name];
};

/// "d.c.b.a.in-addr.arpa" of a host-order IPv4 address.
void reverse_name(uint32_t ip, wire_name& out);

/// Writes a recursive query (RD, EDNS0 OPT) for `name`/`qtype` with ID 0
/// into `out` (max_query bytes); returns its length.
size_t build_query(const wire_name& name, uint16_t qtype, uint8_t* out);

/// Sets the ID of a built query.
inline void set_id(uint8_t* query, uint16_t id) {
  query[0] = static_cast<uint8_t>(id >> 8);
  query[1] = static_cast<uint8_t>(id);
}

inline uint16_t get_id(const uint8_t* packet) {
  return static_cast<uint16_t>(packet[0] << 8 | packet[1]);
}

/// True when `resp` is a response (QR) carrying exactly the question of
/// `query` (one question, same name ignoring case, same type and class).
bool matches_question(const uint8_t* resp, size_t resp_len, const uint8_t* query, size_t query_len);

/// What an answer to a PTR/A/AAAA query says, as far as the client cares.
enum class answer_status : uint8_t { ok, nodata, nxdomain, servfail, refused, truncated, error };

/// Walks the answer section of `resp` (already matched to the question
/// `qname`/`qtype`) and calls `on_record(rdata_offset, rdlen)` for each
/// record of `qtype` owned by `qname` or by the end of a CNAME chain starting
/// there (at most 8 hops). Every length is checked; compression loops are
/// bounded. Returns the status; ok only when at least one record was found.
template <typename F>
answer_status walk_answer(const uint8_t* resp, size_t len, const wire_name& qname, uint16_t qtype,
                          F&& on_record);

/// Decodes the (possibly compressed) name at `off` into `out`; returns the
/// offset just past the name where it starts, or 0 when malformed.
size_t read_name(const uint8_t* p, size_t len, size_t off, wire_name& out);

bool same_name(const wire_name& a, const wire_name& b);

// ---------------------------------------------------------------------------

template <typename F>
answer_status walk_answer(const uint8_t* p, size_t len, const wire_name& qname, uint16_t qtype,
                          F&& on_record) {
  if (len < header_len) {
    return answer_status::error;
  }
  if ((p[2] & 0x02) != 0) {
    return answer_status::truncated;
  }
  const uint8_t rcode = p[3] & 0x0F;
  if (rcode == 3) {
    return answer_status::nxdomain;
  }
  if (rcode == 2) {
    return answer_status::servfail;
  }
  if (rcode == 5) {
    return answer_status::refused;
  }
  if (rcode != 0) {
    return answer_status::error;
  }
  const uint16_t ancount = static_cast<uint16_t>(p[6] << 8 | p[7]);
  // The question was matched already: skip it (literal name, type, class).
  size_t off = header_len + qname.len + 4;
  if (off > len) {
    return answer_status::error;
  }
  wire_name current = qname;  // the name records must belong to (CNAME chain)
  int hops = 0;
  bool found = false;
  wire_name owner;
  for (uint16_t i = 0; i < ancount; ++i) {
    off = read_name(p, len, off, owner);
    if (off == 0 || off + 10 > len) {
      return answer_status::error;
    }
    const uint16_t type = static_cast<uint16_t>(p[off] << 8 | p[off + 1]);
    const uint16_t klass = static_cast<uint16_t>(p[off + 2] << 8 | p[off + 3]);
    const uint16_t rdlen = static_cast<uint16_t>(p[off + 8] << 8 | p[off + 9]);
    off += 10;
    if (off + rdlen > len) {
      return answer_status::error;
    }
    if (klass == 1 && same_name(owner, current)) {
      if (type == qtype) {
        found = true;
        on_record(off, rdlen);
      } else if (type == type_cname && qtype != type_cname) {
        if (++hops > 8 || read_name(p, len, off, current) == 0) {
          return answer_status::error;
        }
      }
    }
    off += rdlen;
  }
  return found ? answer_status::ok : answer_status::nodata;
}

}  // namespace ptrscan::ref
