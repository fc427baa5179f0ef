#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ptrscan::rdns {

/// What a naming keyword says about the address behind the name. Blocklist
/// operators tell the allocation words an ISP's naming template uses on
/// purpose ("dynamic", "static", "dhcp", "ppp") from words that only describe
/// the access line or the customer ("dsl", "cable", "client", "business"),
/// which turn up in static and dynamic templates alike.
enum class token_role : uint8_t {
  dynamic,   ///< dynamic allocation: "dynamic", "dyn", "dhcp", "ppp", "dialup"
  access,    ///< residential access line or customer: "dsl", "cable", "cpe", "client"
  static_,   ///< static allocation: "static", "fixed", "sta"
  business,  ///< business or hosting customer: "business", "corp", "server", "vps"
  mail,      ///< a mail role: "mail", "mx", "smtp", "mta", "relay", "outbound"
};

struct keyword {
  std::string_view word;
  token_role role;
  /// Counts even when the name does not carry the IP ("static.vnpt.vn",
  /// "ppp1234.isp.example"). Off for short or everyday words ("stat", "pool",
  /// "home", "server") that name custom hosts just as often.
  bool standalone;
};

/// The keyword table, sorted by word. Sources per word: datasets/rdns/keywords.tsv.
std::span<const keyword> keywords();

/// The keyword equal to `token`, or nullptr. Whole tokens only: "poolside"
/// is not "pool".
const keyword* find_keyword(std::string_view token);

inline bool is_separator(char c) { return c == '.' || c == '-' || c == '_'; }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }

/// Calls `fn(token, offset)` for each token of `text`: the pieces between
/// '.', '-' and '_', further split where letters meet digits ("dip0" is
/// "dip" and "0", "mail2019" is "mail" and "2019"). Text from `skip_begin`
/// to `skip_end` (an address encoding already found) yields no tokens, so the
/// letters of a hex or base-32 address are never read as words.
template <typename Fn>
void for_each_token(std::string_view text, size_t skip_begin, size_t skip_end, Fn&& fn) {
  size_t i = 0;
  while (i < text.size()) {
    if (i >= skip_begin && i < skip_end) {
      i = skip_end;
      continue;
    }
    if (is_separator(text[i])) {
      ++i;
      continue;
    }
    const bool digits = is_digit(text[i]);
    size_t j = i + 1;
    while (j < text.size() && !is_separator(text[j]) && is_digit(text[j]) == digits &&
           !(j >= skip_begin && j < skip_end)) {
      ++j;
    }
    fn(text.substr(i, j - i), i);
    i = j;
  }
}

}  // namespace ptrscan::rdns
