#include "checks/rdns_ip_match.h"

#include <algorithm>
#include <array>
#include <cstdint>

#include "checks/rdns_tokens.h"

namespace ptrscan::rdns {
namespace {

// A host name is at most 253 characters, so it holds at most 127 runs of
// digits or separator-delimited pieces; the arrays below never overflow.
constexpr size_t max_pieces = 128;
constexpr char hex_digits[] = "0123456789abcdef";
constexpr std::string_view base32_alphabet = "abcdefghijklmnopqrstuvwxyz234567";     // RFC 4648 §6
constexpr std::string_view base32hex_alphabet = "0123456789abcdefghijklmnopqrstuv";  // RFC 4648 §7

// ---------------------------------------------------------------------------
// IPv4 as decimal octets
// ---------------------------------------------------------------------------

// A maximal run of digits. `octet` is its value when it can be one (1-3
// digits, at most 255), else -1; `padded` when it has a leading zero ("034").
struct digit_run {
  uint16_t begin = 0;
  uint16_t end = 0;
  int16_t octet = -1;
  bool padded = false;
};

struct digit_runs {
  std::array<digit_run, max_pieces> run;
  size_t count = 0;
};

digit_runs find_digit_runs(std::string_view text) {
  digit_runs out;
  size_t i = 0;
  while (i < text.size() && out.count < max_pieces) {
    if (!is_digit(text[i])) {
      ++i;
      continue;
    }
    size_t j = i;
    int value = 0;
    while (j < text.size() && is_digit(text[j])) {
      value = std::min(value * 10 + (text[j] - '0'), 1000);
      ++j;
    }
    digit_run& r = out.run[out.count++];
    r.begin = static_cast<uint16_t>(i);
    r.end = static_cast<uint16_t>(j);
    if (j - i <= 3 && value <= 255) {
      r.octet = static_cast<int16_t>(value);
      r.padded = j - i > 1 && text[i] == '0';
    }
    i = j;
  }
  return out;
}

// Runs k and k+1 belong to one chain when a single separator lies between
// them: "73-15-2-1", "28-201-24", "1.2.0.192". Letters end a chain.
bool chained(std::string_view text, const digit_run& a, const digit_run& b) {
  return b.begin == a.end + 1 && is_separator(text[a.end]);
}

// Calls fn(first, count) for every maximal chain of runs.
template <typename Fn>
void for_each_chain(std::string_view text, const digit_runs& runs, Fn&& fn) {
  size_t start = 0;
  for (size_t k = 1; k <= runs.count; ++k) {
    if (k == runs.count || !chained(text, runs.run[k - 1], runs.run[k])) {
      if (fn(start, k - start)) {
        return;
      }
      start = k;
    }
  }
}

enum class octet_order : uint8_t { forward, reversed, permuted };
enum class octet_layout : uint8_t { dashed, dotted, split };

// Indexed [order][padded][layout].
constexpr std::string_view octet_encoding_names[3][2][3] = {
    {{"dashed", "dotted", "split"},
     {"zero-padded-dashed", "zero-padded-dotted", "zero-padded-split"}},
    {{"reversed-dashed", "reversed-dotted", "reversed-split"},
     {"reversed-zero-padded-dashed", "reversed-zero-padded-dotted", "reversed-zero-padded-split"}},
    {{"permuted-dashed", "permuted-dotted", "permuted-split"},
     {"permuted-zero-padded-dashed", "permuted-zero-padded-dotted", "permuted-zero-padded-split"}},
};

octet_layout layout_of(std::string_view text, const digit_run* w, size_t n) {
  bool dot = false;
  bool dash = false;
  for (size_t i = 0; i + 1 < n; ++i) {
    (text[w[i].end] == '.' ? dot : dash) = true;
  }
  if (dot && dash) {
    return octet_layout::split;
  }
  return dot ? octet_layout::dotted : octet_layout::dashed;
}

bool any_padded(const digit_run* w, size_t n) {
  return std::any_of(w, w + n, [](const digit_run& r) { return r.padded; });
}

// Does the window of runs spell `want` (n octets) in order or in reverse?
bool same_octets(const digit_run* w, const uint8_t* want, size_t n, bool reversed) {
  for (size_t i = 0; i < n; ++i) {
    if (w[i].octet != want[reversed ? n - 1 - i : i]) {
      return false;
    }
  }
  return true;
}

// The same four octets in another order ("d53-64-35-171" for 64.53.171.35):
// four specific numbers side by side are no coincidence.
bool permuted_octets(const digit_run* w, const uint8_t* want) {
  std::array<int, 4> have{};
  std::array<int, 4> need{};
  for (size_t i = 0; i < 4; ++i) {
    if (w[i].octet < 0) {
      return false;
    }
    have[i] = w[i].octet;
    need[i] = want[i];
  }
  std::sort(have.begin(), have.end());
  std::sort(need.begin(), need.end());
  return have == need;
}

ip_match span_of(std::string_view encoding, const digit_run& first, const digit_run& last) {
  return ip_match{encoding, first.begin, last.end};
}

// Four runs of one chain that spell the address with `order`.
bool window_matches(const digit_run* w, const uint8_t* ip4, octet_order order) {
  switch (order) {
    case octet_order::forward:
      return same_octets(w, ip4, 4, false);
    case octet_order::reversed:
      return same_octets(w, ip4, 4, true);
    case octet_order::permuted:
      return permuted_octets(w, ip4);
  }
  return false;
}

// All four octets in one chain, with any separators; in order or reversed
// anywhere in the name before any permutation ("ec2-3-91-1-2" is 3.91.1.2
// forward, not "2-3-91-1" permuted).
ip_match find_octet_chain(std::string_view text, const digit_runs& runs, const uint8_t* ip4) {
  ip_match found;
  for (octet_order order : {octet_order::forward, octet_order::reversed, octet_order::permuted}) {
    for_each_chain(text, runs, [&](size_t first, size_t count) {
      for (size_t s = first; s + 4 <= first + count; ++s) {
        const digit_run* w = &runs.run[s];
        if (window_matches(w, ip4, order)) {
          found = span_of(octet_encoding_names[static_cast<int>(order)][any_padded(w, 4) ? 1 : 0]
                                              [static_cast<int>(layout_of(text, w, 4))],
                          w[0], w[3]);
          return true;
        }
      }
      return false;
    });
    if (found.found()) {
      break;
    }
  }
  return found;
}

// Writes the decimal octets back to back, optionally zero-padded to three
// digits each, in order or reversed; returns the length.
size_t concat_octets(const uint8_t* ip4, bool padded, bool reversed, char* out) {
  size_t n = 0;
  for (size_t i = 0; i < 4; ++i) {
    unsigned v = ip4[reversed ? 3 - i : i];
    if (padded || v >= 100) {
      out[n++] = static_cast<char>('0' + v / 100);
    }
    if (padded || v >= 10) {
      out[n++] = static_cast<char>('0' + (v / 10) % 10);
    }
    out[n++] = static_cast<char>('0' + v % 10);
  }
  return n;
}

size_t decimal(uint32_t v, char* out) {
  char tmp[10];
  size_t n = 0;
  do {
    tmp[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  std::reverse_copy(tmp, tmp + n, out);
  return n;
}

// One run of digits that is the whole address: the octets back to back
// ("219173000034" for 219.173.0.34), or the 32-bit value ("3232235777").
ip_match find_octet_digits(std::string_view text, const digit_runs& runs, const ip_address& ip) {
  // Unpadded concatenations shorter than 7 digits ("1234" for 1.2.3.4) are
  // too ambiguous to count.
  constexpr size_t min_concat = 7;
  struct form {
    std::string_view encoding;
    bool padded;
    bool reversed;
  };
  static constexpr form forms[] = {
      {"concatenated", false, false},
      {"zero-padded-concatenated", true, false},
      {"reversed-concatenated", false, true},
      {"reversed-zero-padded-concatenated", true, true},
  };
  // Spelled once per address, compared with every run.
  char spelled[4][12];
  std::string_view want[4];
  for (size_t f = 0; f < 4; ++f) {
    want[f] = {spelled[f],
               concat_octets(ip.bytes.data(), forms[f].padded, forms[f].reversed, spelled[f])};
  }
  char integer[10];
  const std::string_view integer_text(integer, decimal(ip.v4_value(), integer));
  for (size_t k = 0; k < runs.count; ++k) {
    const digit_run& r = runs.run[k];
    const std::string_view digits = text.substr(r.begin, r.end - r.begin);
    if (digits.size() < min_concat) {
      continue;
    }
    for (size_t f = 0; f < 4; ++f) {
      if (digits == want[f]) {
        return span_of(forms[f].encoding, r, r);
      }
    }
    // The integer, allowing zero-padding to a fixed width. Every address
    // from 1.0.0.0 up has at least 8 digits, so no short number matches.
    const size_t zeros = digits.find_first_not_of('0');
    if (zeros != std::string_view::npos && digits.substr(zeros) == integer_text &&
        ip.v4_value() >= (1u << 24)) {
      return span_of("integer", r, r);
    }
  }
  return {};
}

// Does some window of `n` runs in the chain spell the address's last n
// octets, in order or reversed? Returns the window's first run, or -1.
int tail_window(const digit_run* chain, size_t count, const uint8_t* ip4, size_t n) {
  for (size_t s = 0; s + n <= count; ++s) {
    if (same_octets(chain + s, ip4 + 4 - n, n, false) ||
        same_octets(chain + s, ip4 + 4 - n, n, true)) {
      return static_cast<int>(s);
    }
  }
  return -1;
}

// The last two or three octets in one short chain ("fia83-8" for x.x.8.83,
// "a8-30" for 54.240.8.30, "lfbn-lyo-1-67-96" for x.x.67.96), or the first
// three (a /24 prefix, as in OVH's "ip-151-80-42"). A /24 prefix with the last
// octet elsewhere in the name ("118.red-80-35-201" for 80.35.201.118) is the
// whole address, split.
ip_match find_partial_octets(std::string_view text, const digit_runs& runs, const uint8_t* ip4) {
  ip_match found;
  for_each_chain(text, runs, [&](size_t first, size_t count) {
    if (count < 2 || count > 3) {
      return false;  // chains of four or more spell some whole address
    }
    const digit_run* chain = &runs.run[first];
    for (size_t n : {size_t{3}, size_t{2}}) {
      if (const int s = tail_window(chain, count, ip4, n); s >= 0) {
        found = span_of("partial", chain[s], chain[static_cast<size_t>(s) + n - 1]);
        return true;
      }
    }
    if (count == 3 && same_octets(chain, ip4, 3, false)) {
      found = span_of("prefix", chain[0], chain[2]);
      for (size_t k = 0; k < runs.count; ++k) {
        if ((k < first || k >= first + count) && runs.run[k].octet == ip4[3]) {
          found.encoding = "split";
          found.begin = std::min<size_t>(found.begin, runs.run[k].begin);
          found.end = std::max<size_t>(found.end, runs.run[k].end);
          break;
        }
      }
      return true;
    }
    return false;
  });
  return found;
}

// ---------------------------------------------------------------------------
// Hex and base-32: the address bytes as one string
// ---------------------------------------------------------------------------

size_t hex_bytes(const uint8_t* bytes, size_t n, bool reversed, char* out) {
  for (size_t i = 0; i < n; ++i) {
    const uint8_t b = bytes[reversed ? n - 1 - i : i];
    out[2 * i] = hex_digits[b >> 4];
    out[2 * i + 1] = hex_digits[b & 0xf];
  }
  return 2 * n;
}

// RFC 4648 base-32 without padding: 5 bits per character, the last one
// filled with zero bits.
size_t base32_bytes(const uint8_t* bytes, size_t n, std::string_view alphabet, char* out) {
  size_t len = 0;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | bytes[i];
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out[len++] = alphabet[(acc >> bits) & 0x1f];
    }
  }
  if (bits > 0) {
    out[len++] = alphabet[(acc << (5 - bits)) & 0x1f];
  }
  return len;
}

ip_match find_substring(std::string_view text, std::string_view want, std::string_view encoding) {
  const size_t at = text.find(want);
  if (at == std::string_view::npos) {
    return {};
  }
  return ip_match{encoding, at, at + want.size()};
}

// Eight hex digits, in order ("p5b0a1c2d", "dsl51b66e0f", "0xd5aaf40b") or
// byte-reversed; any prefix.
ip_match find_hex4(std::string_view text, const uint8_t* ip4) {
  char buf[8];
  if (ip_match m = find_substring(text, {buf, hex_bytes(ip4, 4, false, buf)}, "hex"); m.found()) {
    return m;
  }
  return find_substring(text, {buf, hex_bytes(ip4, 4, true, buf)}, "reversed-hex");
}

// The bytes in RFC 4648 base-32 or base32hex. `n` is 4 for IPv4; for IPv6
// both the whole address and the low 64 bits (the interface identifier, which
// per-prefix generators encode) are tried.
ip_match find_base32(std::string_view text, const uint8_t* bytes, size_t n) {
  char buf[26];
  for (std::string_view alphabet : {base32_alphabet, base32hex_alphabet}) {
    const std::string_view name = alphabet == base32_alphabet ? "base32" : "base32hex";
    if (ip_match m = find_substring(text, {buf, base32_bytes(bytes, n, alphabet, buf)}, name);
        m.found()) {
      return m;
    }
    if (n == 16) {
      if (ip_match m = find_substring(text, {buf, base32_bytes(bytes + 8, 8, alphabet, buf)}, name);
          m.found()) {
        return m;
      }
    }
  }
  return {};
}

// ---------------------------------------------------------------------------
// IPv6
// ---------------------------------------------------------------------------

// 32 nibbles, in order ("20014c48010002d3d80c3ca1f161e842.access.pool...")
// or reversed as in ip6.arpa, with any separators between them.
ip_match find_nibbles(std::string_view text, const uint8_t* ip6) {
  char compact[256];
  uint8_t where[256];
  size_t n = 0;
  for (size_t i = 0; i < text.size() && n < sizeof(compact); ++i) {
    if (!is_separator(text[i])) {
      compact[n] = text[i];
      where[n] = static_cast<uint8_t>(i);
      ++n;
    }
  }
  const std::string_view packed(compact, n);
  char want[32];
  hex_bytes(ip6, 16, false, want);
  const char* names[2] = {"ipv6-nibbles", "ipv6-reversed-nibbles"};
  for (int reversed = 0; reversed < 2; ++reversed) {
    if (reversed == 1) {
      std::reverse(want, want + 32);
    }
    const size_t at = packed.find(std::string_view(want, 32));
    if (at != std::string_view::npos) {
      return ip_match{names[reversed], where[at], size_t{where[at + 31]} + 1};
    }
  }
  return {};
}

// A piece between separators read as one IPv6 group: 1-4 hex digits. An
// empty piece ("--") stands for "::".
struct group_piece {
  uint16_t begin = 0;
  uint16_t end = 0;
  int32_t value = -1;  // -1: not a group; -2: empty ("::")
};

struct group_pieces {
  std::array<group_piece, max_pieces> piece;
  size_t count = 0;
};

int32_t parse_group(std::string_view s) {
  if (s.empty()) {
    return -2;
  }
  if (s.size() > 4) {
    return -1;
  }
  int32_t v = 0;
  for (char c : s) {
    const char* d = std::find(hex_digits, hex_digits + 16, c);
    if (d == hex_digits + 16) {
      return -1;
    }
    v = v * 16 + static_cast<int32_t>(d - hex_digits);
  }
  return v;
}

group_pieces split_groups(std::string_view text) {
  group_pieces out;
  size_t start = 0;
  for (size_t i = 0; i <= text.size() && out.count < max_pieces; ++i) {
    if (i == text.size() || is_separator(text[i])) {
      group_piece& p = out.piece[out.count++];
      p.begin = static_cast<uint16_t>(start);
      p.end = static_cast<uint16_t>(i);
      p.value = parse_group(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

// Do pieces [s, s+len) spell the eight groups, with at most one "::"?
bool spells_groups(const group_pieces& g, size_t s, size_t len, const uint16_t* want) {
  size_t gap = len;  // index of the "::" piece, if any
  for (size_t i = 0; i < len; ++i) {
    if (g.piece[s + i].value == -1) {
      return false;
    }
    if (g.piece[s + i].value == -2) {
      if (gap != len) {
        return false;
      }
      gap = i;
    }
  }
  if (gap == len && len != 8) {
    return false;
  }
  if (gap != len && len > 8) {
    return false;
  }
  const size_t zeros = gap == len ? 0 : 8 - (len - 1);
  size_t group = 0;
  for (size_t i = 0; i < len; ++i) {
    if (i == gap) {
      for (size_t z = 0; z < zeros; ++z, ++group) {
        if (want[group] != 0) {
          return false;
        }
      }
      continue;
    }
    if (g.piece[s + i].value != want[group++]) {
      return false;
    }
  }
  return group == 8;
}

// The eight groups, separated ("2001-db8-85a3-0-0-8a2e-370-7334"), with
// leading zeros or not, "::" as "--".
ip_match find_groups(std::string_view text, const uint8_t* ip6) {
  uint16_t want[8];
  for (size_t i = 0; i < 8; ++i) {
    want[i] = static_cast<uint16_t>((ip6[2 * i] << 8) | ip6[2 * i + 1]);
  }
  const group_pieces g = split_groups(text);
  for (size_t s = 0; s < g.count; ++s) {
    for (size_t len = 2; len <= 8 && s + len <= g.count; ++len) {
      if (spells_groups(g, s, len, want)) {
        return ip_match{"ipv6-groups", g.piece[s].begin, g.piece[s + len - 1].end};
      }
    }
  }
  return {};
}

ip_match find_ip4(std::string_view text, const ip_address& ip) {
  const uint8_t* ip4 = ip.bytes.data();
  const digit_runs runs = find_digit_runs(text);
  if (ip_match m = find_octet_chain(text, runs, ip4); m.found()) {
    return m;
  }
  if (ip_match m = find_hex4(text, ip4); m.found()) {
    return m;
  }
  if (ip_match m = find_octet_digits(text, runs, ip); m.found()) {
    return m;
  }
  if (ip_match m = find_base32(text, ip4, 4); m.found()) {
    return m;
  }
  return find_partial_octets(text, runs, ip4);
}

ip_match find_ip6(std::string_view text, const ip_address& ip) {
  const uint8_t* ip6 = ip.bytes.data();
  // Groups first: "2001-0db8-0000-...-0001" is also 32 nibbles, but its
  // separators say groups.
  if (ip_match m = find_groups(text, ip6); m.found()) {
    return m;
  }
  if (ip_match m = find_nibbles(text, ip6); m.found()) {
    return m;
  }
  return find_base32(text, ip6, 16);
}

}  // namespace

ip_match find_ip(std::string_view text, const ip_address& ip) {
  return ip.is_v4() ? find_ip4(text, ip) : find_ip6(text, ip);
}

}  // namespace ptrscan::rdns
