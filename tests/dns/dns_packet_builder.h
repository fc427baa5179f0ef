#pragma once

// Builds DNS response packets byte by byte for table-driven tests, the way a
// scripted server would put them on the wire (no compression unless asked).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ptrscan::testing {

class dns_packet_builder {
 public:
  dns_packet_builder(uint16_t id, int rcode, std::string_view qname, uint16_t qtype) {
    put16(id);
    put16(static_cast<uint16_t>(0x8180 | (rcode & 0xf)));  // QR RD RA + rcode
    put16(1);                                               // qdcount
    put16(0);                                               // ancount, patched
    put16(0);
    put16(0);
    put_name(qname);
    put16(qtype);
    put16(1);
  }

  dns_packet_builder& rr(std::string_view owner, uint16_t type, const std::vector<uint8_t>& rdata,
                         uint16_t klass = 1) {
    put_name(owner);
    put16(type);
    put16(klass);
    put16(0);
    put16(300);
    put16(static_cast<uint16_t>(rdata.size()));
    bytes_.insert(bytes_.end(), rdata.begin(), rdata.end());
    ++ancount_;
    bytes_[6] = static_cast<uint8_t>(ancount_ >> 8);
    bytes_[7] = static_cast<uint8_t>(ancount_);
    return *this;
  }
  /// An answer whose owner is a compression pointer to the question name.
  dns_packet_builder& rr_at_question(uint16_t type, const std::vector<uint8_t>& rdata) {
    bytes_.push_back(0xc0);
    bytes_.push_back(12);
    put16(type);
    put16(1);
    put16(0);
    put16(300);
    put16(static_cast<uint16_t>(rdata.size()));
    bytes_.insert(bytes_.end(), rdata.begin(), rdata.end());
    ++ancount_;
    bytes_[6] = static_cast<uint8_t>(ancount_ >> 8);
    bytes_[7] = static_cast<uint8_t>(ancount_);
    return *this;
  }

  static std::vector<uint8_t> name(std::string_view n) {
    std::vector<uint8_t> out;
    size_t start = 0;
    while (start < n.size()) {
      size_t dot = n.find('.', start);
      if (dot == std::string_view::npos) {
        dot = n.size();
      }
      out.push_back(static_cast<uint8_t>(dot - start));
      out.insert(out.end(), n.begin() + static_cast<std::ptrdiff_t>(start),
                 n.begin() + static_cast<std::ptrdiff_t>(dot));
      start = dot + 1;
    }
    out.push_back(0);
    return out;
  }
  static std::vector<uint8_t> ipv4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
    return {a, b, c, d};
  }

  std::vector<uint8_t> bytes() const { return bytes_; }
  void set_truncated() { bytes_[2] |= 0x02; }

 private:
  void put16(uint16_t v) {
    bytes_.push_back(static_cast<uint8_t>(v >> 8));
    bytes_.push_back(static_cast<uint8_t>(v));
  }
  void put_name(std::string_view n) {
    std::vector<uint8_t> w = name(n);
    bytes_.insert(bytes_.end(), w.begin(), w.end());
  }
  std::vector<uint8_t> bytes_;
  uint16_t ancount_ = 0;
};

}  // namespace ptrscan::testing
