#include "dns/wire.h"

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "net/absl_compat.h"

namespace ptrscan {
namespace {

constexpr uint16_t class_in = 1;
constexpr uint16_t type_opt = 41;

void put16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}

uint16_t get16(const uint8_t* p) { return static_cast<uint16_t>(p[0] << 8 | p[1]); }

bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Appends one label octet in zone-file text form: '.' and '\' escaped, and
/// octets that are not printable as \DDD (RFC 1035 §5.1).
void append_label_octet(uint8_t c, name_form form, std::string& text) {
  if (c == '.' || c == '\\') {
    text.push_back('\\');
    text.push_back(static_cast<char>(c));
  } else if (c <= 0x20 || c >= 0x7f) {
    const char esc[4] = {'\\', static_cast<char>('0' + c / 100),
                         static_cast<char>('0' + (c / 10) % 10), static_cast<char>('0' + c % 10)};
    text.append(esc, 4);
  } else if (form == name_form::message) {
    text.push_back(static_cast<char>(absl::ascii_tolower(c)));
  } else {
    text.push_back(static_cast<char>(c));
  }
}

}  // namespace

std::string_view strip_root_dot(std::string_view text) {
  if (text.empty() || text.back() != '.') {
    return text;
  }
  // Backslashes escape one another in pairs: only an odd run escapes the dot.
  size_t backslashes = 0;
  for (size_t i = text.size() - 1; i > 0 && text[i - 1] == '\\'; --i) {
    ++backslashes;
  }
  if (backslashes % 2 == 0) {
    text.remove_suffix(1);
  }
  return text;
}

size_t encode_name(std::string_view text, std::span<uint8_t, max_wire_name> out) {
  text = strip_root_dot(text);
  if (text.empty()) {
    out[0] = 0;
    return 1;  // the root
  }
  size_t label_start = 0;  // where the current label's length octet goes
  size_t pos = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    uint8_t octet;
    if (c == '.') {
      const size_t len = pos - label_start - 1;
      if (len == 0 || len > 63) {
        return 0;
      }
      out[label_start] = static_cast<uint8_t>(len);
      label_start = pos++;
      if (pos >= max_wire_name) {
        return 0;
      }
      continue;
    }
    if (c == '\\') {
      if (i + 1 >= text.size()) {
        return 0;
      }
      if (is_digit(text[i + 1])) {
        if (i + 3 >= text.size() || !is_digit(text[i + 2]) || !is_digit(text[i + 3])) {
          return 0;
        }
        const int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) {
          return 0;
        }
        octet = static_cast<uint8_t>(v);
        i += 3;
      } else {
        octet = static_cast<uint8_t>(text[++i]);
      }
    } else {
      octet = static_cast<uint8_t>(c);
    }
    if (pos >= max_wire_name - 1) {
      return 0;  // leave room for the root label
    }
    out[pos++] = octet;
  }
  const size_t len = pos - label_start - 1;
  if (len == 0 || len > 63) {
    return 0;
  }
  out[label_start] = static_cast<uint8_t>(len);
  out[pos++] = 0;
  return pos;
}

namespace {

/// Walks a wire name label by label, as read_name reads it: compression
/// pointers followed (message form only, at most max_name_jumps), obsolete
/// label types and names over max_wire_name refused.
class label_walker {
 public:
  label_walker(std::span<const uint8_t> msg, size_t pos, name_form form)
      : msg_(msg), pos_(pos), form_(form) {}

  /// The next label's length (0 at the root) with `label` at its octets, or
  /// -1 when the name is malformed.
  int next(const uint8_t** label) {
    while (pos_ < msg_.size()) {
      const uint8_t len = msg_[pos_];
      if ((len & 0xc0) == 0xc0) {
        if (form_ != name_form::message || pos_ + 1 >= msg_.size() ||
            ++jumps_ > max_name_jumps) {
          return -1;
        }
        if (end_ == 0) {
          end_ = pos_ + 2;
        }
        pos_ = static_cast<size_t>((len & 0x3f) << 8) | msg_[pos_ + 1];
        continue;
      }
      if ((len & 0xc0) != 0) {
        return -1;  // 0x40/0x80 label types are obsolete (RFC 6891 §5)
      }
      if (len == 0) {
        if (end_ == 0) {
          end_ = pos_ + 1;
        }
        return 0;
      }
      wire_len_ += len + 1;
      if (wire_len_ > max_wire_name || pos_ + 1 + len > msg_.size()) {
        return -1;
      }
      *label = msg_.data() + pos_ + 1;
      pos_ += 1 + len;
      return len;
    }
    return -1;
  }

  /// Where the name ends at its start (after the root label or the first
  /// pointer); valid once next() returned 0.
  size_t end() const { return end_; }

 private:
  std::span<const uint8_t> msg_;
  size_t pos_;
  name_form form_;
  size_t end_ = 0;
  int jumps_ = 0;
  size_t wire_len_ = 1;  // the root label
};

/// True when the label is all octets that stand for themselves in text
/// (printable, not '.' or '\\') and none is an upper-case letter.
bool plain_label(const uint8_t* label, size_t len) {
  bool plain = true;
  for (size_t i = 0; i < len; ++i) {
    const uint8_t c = label[i];
    plain &= c > 0x20 && c < 0x7f && c != '.' && c != '\\' && !(c >= 'A' && c <= 'Z');
  }
  return plain;
}

}  // namespace

size_t read_name(std::span<const uint8_t> msg, size_t pos, std::string* text, name_form form) {
  if (text != nullptr) {
    text->clear();
  }
  label_walker walk(msg, pos, form);
  for (;;) {
    const uint8_t* label = nullptr;
    const int len = walk.next(&label);
    if (len < 0) {
      return 0;
    }
    if (len == 0) {
      return walk.end();
    }
    if (text == nullptr) {
      continue;
    }
    if (!text->empty()) {
      text->push_back('.');
    }
    // Most labels are lower-case LDH: one append, no per-octet escaping.
    if (plain_label(label, static_cast<size_t>(len))) {
      text->append(reinterpret_cast<const char*>(label), static_cast<size_t>(len));
    } else {
      for (int i = 0; i < len; ++i) {
        append_label_octet(label[i], form, *text);
      }
    }
  }
}

std::string decode_name(std::span<const uint8_t> wire) {
  std::string out;
  if (read_name(wire, 0, &out, name_form::verbatim) == 0) {
    out.clear();
  } else if (out.empty()) {
    out.push_back('.');  // the root
  }
  return out;
}

std::string normalise_name(std::string_view name) {
  // Names are in escaped text form (read_name): in x\. the final dot is an
  // octet of the last label, not the root.
  std::string out(strip_root_dot(name));
  absl::AsciiStrToLower(&out);
  return out;
}

bool same_name(std::string_view a, std::string_view b) {
  return absl::EqualsIgnoreCase(av(strip_root_dot(a)), av(strip_root_dot(b)));
}

size_t build_query(uint16_t id, std::span<const uint8_t> qname_wire, uint16_t qtype,
                   uint16_t edns_udp_size, std::span<uint8_t, max_query_bytes> out) {
  uint8_t* p = out.data();
  put16(p, id);
  p[2] = 0x01;  // RD
  p[3] = 0x00;
  put16(p + 4, 1);                        // QDCOUNT
  put16(p + 6, 0);                        // ANCOUNT
  put16(p + 8, 0);                        // NSCOUNT
  put16(p + 10, edns_udp_size ? 1 : 0);   // ARCOUNT
  size_t n = dns_header_bytes;
  std::memcpy(p + n, qname_wire.data(), qname_wire.size());
  n += qname_wire.size();
  put16(p + n, qtype);
  put16(p + n + 2, class_in);
  n += 4;
  if (edns_udp_size != 0) {
    p[n] = 0;  // root owner name
    put16(p + n + 1, type_opt);
    put16(p + n + 3, edns_udp_size);  // CLASS carries the UDP payload size
    std::memset(p + n + 5, 0, 6);     // extended RCODE, version, flags, RDLEN
    n += 11;
  }
  return n;
}

bool read_header(std::span<const uint8_t> packet, response_header& out) {
  if (packet.size() < dns_header_bytes) {
    return false;
  }
  out.id = get16(packet.data());
  out.is_response = (packet[2] & 0x80) != 0;
  out.truncated = (packet[2] & 0x02) != 0;
  out.qdcount = get16(packet.data() + 4);
  return true;
}

bool question_matches(std::span<const uint8_t> response, std::span<const uint8_t> query) {
  if (response.size() < dns_header_bytes || query.size() < dns_header_bytes ||
      get16(response.data() + 4) != 1) {
    return false;
  }
  // The names label by label, letters compared case-insensitively: what
  // comparing read_name's texts would say, without building them (this
  // runs for every answer).
  label_walker want(query, dns_header_bytes, name_form::message);
  label_walker got(response, dns_header_bytes, name_form::message);
  for (;;) {
    const uint8_t* a = nullptr;
    const uint8_t* b = nullptr;
    const int na = want.next(&a);
    const int nb = got.next(&b);
    if (na < 0 || nb < 0 || na != nb) {
      return false;
    }
    if (na == 0) {
      break;
    }
    for (int i = 0; i < na; ++i) {
      if (absl::ascii_tolower(a[i]) != absl::ascii_tolower(b[i])) {
        return false;
      }
    }
  }
  if (want.end() + 4 > query.size() || got.end() + 4 > response.size()) {
    return false;
  }
  // Type and class as octets.
  return std::memcmp(response.data() + got.end(), query.data() + want.end(), 4) == 0;
}

}  // namespace ptrscan
