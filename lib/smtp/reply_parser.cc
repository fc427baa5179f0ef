#include "smtp/reply_parser.h"

#include <arpa/inet.h>

#include <cstring>

#include "net/ascii.h"

namespace ptrscan {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

// The first whitespace-separated token and what follows it (untrimmed).
std::string_view first_token(std::string_view s, std::string_view* rest) {
  while (!s.empty() && is_space(s.front())) {
    s.remove_prefix(1);
  }
  size_t end = 0;
  while (end < s.size() && !is_space(s[end])) {
    ++end;
  }
  if (rest != nullptr) {
    *rest = s.substr(end);
  }
  return s.substr(0, end);
}

// Words that servers put where the greeting's domain belongs ("220 ESMTP
// Postfix", "421 Service not available", "554 no service"). Single-label host
// names are real ("localhost", "mail"), so they are accepted unless they are
// one of these.
constexpr std::string_view not_a_host[] = {
    "esmtp", "smtp",   "lmtp",       "esmtps",      "service", "services",  "welcome", "hello",
    "hi",    "ready",  "ok",         "no",          "sorry",   "greetings", "error",   "closing",
    "too",   "access", "connection", "unavailable", "please",  "the",       "this",    "ehlo"};

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-' || c == '.' || c == '_';
}

// `name` is lower-case with no trailing dot.
bool looks_like_domain(std::string_view name) {
  if (name.empty() || name.size() > 253) {
    return false;
  }
  size_t label = 0;
  for (char c : name) {
    if (!is_name_char(c)) {
      return false;
    }
    if (c == '.') {
      if (label == 0) {
        return false;  // leading dot or empty label
      }
      label = 0;
    } else if (++label > 63) {
      return false;
    }
  }
  if (label == 0) {
    return false;  // a second trailing dot
  }
  if (name.find('.') == std::string_view::npos) {
    for (std::string_view w : not_a_host) {
      if (name == w) {
        return false;
      }
    }
  }
  return true;
}

// `lit` is lower-case and includes the brackets. RFC 5321 §4.1.3: an IPv4
// dotted quad, or "IPv6:" and an IPv6 address. General literals (other tags)
// are not worth a host match.
bool looks_like_address_literal(std::string_view lit) {
  if (lit.size() < 3 || lit.front() != '[' || lit.back() != ']') {
    return false;
  }
  std::string_view inner = lit.substr(1, lit.size() - 2);
  int family = AF_INET;
  constexpr std::string_view v6_tag = "ipv6:";
  if (inner.substr(0, v6_tag.size()) == v6_tag) {
    inner.remove_prefix(v6_tag.size());
    family = AF_INET6;
  }
  // inet_pton needs a NUL-terminated copy; anything longer than the longest
  // IPv6 text is not an address. An embedded NUL would end the copy early,
  // so "[192.0.2.1\0junk]" would pass with the junk in the reported host.
  char buf[64];
  if (inner.empty() || inner.size() >= sizeof buf ||
      inner.find('\0') != std::string_view::npos) {
    return false;
  }
  std::memcpy(buf, inner.data(), inner.size());
  buf[inner.size()] = '\0';
  unsigned char addr[16];
  return inet_pton(family, buf, addr) == 1;
}

}  // namespace

void smtp_reply::clear() {
  code = 0;
  lines.clear();
  raw.clear();
  malformed = false;
  truncated = false;
  line_truncated = false;
}

std::string_view smtp_reply::first_line() const {
  if (lines.empty()) {
    return {};
  }
  return lines.front();
}

reply_reader::reply_reader(size_t max_line, size_t max_reply)
    : max_line_(max_line), max_reply_(max_reply) {}

void reply_reader::reset() {
  reply_.clear();
  line_start_ = 0;
  state_ = result::need_more;
}

reply_reader::result reply_reader::feed(std::string_view& data) {
  if (state_ != result::need_more) {
    return state_;
  }
  while (true) {
    // Checked before reading so that max_reply == 0, or a reply that filled
    // the cap exactly on the previous call, gives up without more input.
    if (reply_.raw.size() >= max_reply_) {
      reply_.truncated = true;
      state_ = result::too_long;
      return state_;
    }
    if (data.empty()) {
      return result::need_more;
    }
    std::string_view chunk = data.substr(0, max_reply_ - reply_.raw.size());
    size_t lf = chunk.find('\n');
    if (lf == std::string_view::npos) {
      reply_.raw.append(chunk);
      data.remove_prefix(chunk.size());
      continue;  // loops once more to check the cap
    }
    reply_.raw.append(chunk.substr(0, lf + 1));
    data.remove_prefix(lf + 1);
    if (finish_line()) {
      state_ = result::complete;
      return state_;
    }
  }
}

bool reply_reader::finish_line() {
  std::string_view line(reply_.raw);
  line = line.substr(line_start_, line.size() - 1 - line_start_);  // without the LF
  line_start_ = reply_.raw.size();
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  const bool first = reply_.lines.empty();

  bool ends = true;
  std::string_view text = line;
  if (line.size() < 3 || !is_digit(line[0]) || !is_digit(line[1]) || !is_digit(line[2])) {
    // No code: the whole line is the text, and the reply ends here.
    reply_.malformed = true;
  } else {
    int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (first) {
      reply_.code = code;
    } else if (code != reply_.code) {
      reply_.malformed = true;
    }
    if (line.size() == 3) {
      text = {};
    } else if (line[3] == '-' || line[3] == ' ') {
      ends = line[3] == ' ';
      text = line.substr(4);
    } else {
      reply_.malformed = true;
      text = line.substr(3);
    }
  }
  if (text.size() > max_line_) {
    text = text.substr(0, max_line_);
    reply_.truncated = true;
    reply_.line_truncated = true;
  }
  reply_.lines.emplace_back(text);
  return ends;
}

std::string reply_host(const smtp_reply& r) {
  if (r.code == 0) {
    return {};
  }
  std::string host = ascii_lower(first_token(r.first_line(), nullptr));
  if (!host.empty() && host.front() == '[') {
    if (looks_like_address_literal(host)) {
      return host;
    }
    return {};
  }
  if (!host.empty() && host.back() == '.') {
    host.pop_back();
  }
  if (!looks_like_domain(host)) {
    return {};
  }
  return host;
}

ehlo_info parse_ehlo(const smtp_reply& r) {
  ehlo_info info;
  info.host = reply_host(r);
  info.line_truncated = r.line_truncated;
  // Every line is looked at (the reply is bounded by the reader's reply cap);
  // only the first max_extensions are kept.
  for (size_t i = 1; i < r.lines.size(); ++i) {
    std::string_view ext = trim(r.lines[i]);
    if (ext.empty()) {
      continue;
    }
    const std::string_view keyword = first_token(ext, nullptr);
    if (iequals(keyword, "STARTTLS")) {
      info.starttls = true;
    } else if (keyword.size() == 8 && keyword.find_first_not_of("Xx") >= 7 &&
               (keyword[7] == 'A' || keyword[7] == 'a' || keyword[7] == 'X' ||
                keyword[7] == 'x')) {
      info.starttls_masked = true;
    }
    if (info.extensions.size() < ehlo_info::max_extensions) {
      info.extensions.emplace_back(ext);
    } else {
      info.extensions_truncated = true;
    }
  }
  return info;
}

bool ehlo_info::has(std::string_view keyword) const {
  for (const std::string& ext : extensions) {
    if (iequals(first_token(ext, nullptr), keyword)) {
      return true;
    }
  }
  return false;
}

std::string_view ehlo_info::param(std::string_view keyword) const {
  for (const std::string& ext : extensions) {
    std::string_view rest;
    if (iequals(first_token(ext, &rest), keyword)) {
      return trim(rest);
    }
  }
  return {};
}

}  // namespace ptrscan

namespace ptrscan {
namespace {

// 1 to 3 digits at `s`, starting at `i`; returns the index after them, or
// npos when there are none or more than 3.
size_t skip_digits(std::string_view s, size_t i) {
  size_t j = i;
  while (j < s.size() && j - i < 4 && s[j] >= '0' && s[j] <= '9') {
    ++j;
  }
  return j == i || j - i > 3 ? std::string_view::npos : j;
}

}  // namespace

std::string_view enhanced_status(int code, std::string_view text) {
  if (code < 200 || code > 599 || text.size() < 5) {
    return {};
  }
  const char cls = text[0];
  if ((cls != '2' && cls != '4' && cls != '5') || cls != char('0' + code / 100) ||
      text[1] != '.') {
    return {};
  }
  size_t i = skip_digits(text, 2);
  if (i == std::string_view::npos || i >= text.size() || text[i] != '.') {
    return {};
  }
  i = skip_digits(text, i + 1);
  if (i == std::string_view::npos) {
    return {};
  }
  if (i < text.size() && text[i] != ' ' && text[i] != '\t') {
    return {};  // "5.7.1x" or "5.7.1234": not a code
  }
  return text.substr(0, i);
}

bool banner_masked(std::string_view banner) {
  // The text after the code and its separator.
  size_t i = 0;
  while (i < banner.size() && i < 3 && banner[i] >= '0' && banner[i] <= '9') {
    ++i;
  }
  if (i < banner.size() && (banner[i] == ' ' || banner[i] == '-')) {
    ++i;
  }
  size_t stars = 0;
  size_t others = 0;
  for (; i < banner.size(); ++i) {
    const char c = banner[i];
    if (c == '*') {
      ++stars;
    } else if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
      ++others;
    }
  }
  return stars >= 8 && stars >= 3 * others;
}

bool says_greylisted(int code, std::string_view text) {
  if (code < 400 || code > 499) {
    return false;
  }
  std::string lower(text);
  for (char& c : lower) {
    c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  }
  for (std::string_view word : {"greylist", "graylist", "grey-list", "gray-list", "grey list",
                                "gray list"}) {
    if (lower.find(word) != std::string::npos) {
      return true;
    }
  }
  return false;
}

}  // namespace ptrscan
