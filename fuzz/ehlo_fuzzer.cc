// parse_ehlo() and its keyword lookups on whatever a server answers to EHLO.
// The input is the reply as sent; it is read with the session's caps, and
// every reply in it (pipelined or not) is parsed.
//
// Oracles: at most max_extensions kept, each non-empty and trimmed; the host
// is reply_host()'s; has() and param() agree with a plain scan of the kept
// extensions for the keywords the session and the checks ask about and for
// one keyword taken from the input itself.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "smtp/reply_parser.h"

namespace {

using ptrscan::ehlo_info;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

char upper(char c) { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c; }

// The keyword of an extension line: up to the first whitespace, upper-cased.
std::string keyword_of(std::string_view ext) {
  std::string k;
  for (char c : ext) {
    if (is_space(c)) {
      break;
    }
    k.push_back(upper(c));
  }
  return k;
}

std::string upper_string(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = upper(c);
  }
  return out;
}

void check_lookup(const ehlo_info& info, std::string_view keyword) {
  const std::string want = upper_string(keyword);
  const std::string* first = nullptr;
  for (const std::string& ext : info.extensions) {
    if (keyword_of(ext) == want) {
      first = &ext;
      break;
    }
  }
  FUZZ_CHECK(info.has(keyword) == (first != nullptr));
  const std::string_view param = info.param(keyword);
  if (first == nullptr) {
    FUZZ_CHECK(param.empty());
    return;
  }
  // The parameters are the tail of that same line, trimmed.
  FUZZ_CHECK(std::string_view(*first).ends_with(param));
  if (!param.empty()) {
    FUZZ_CHECK(!is_space(param.front()) && !is_space(param.back()));
  }
}

void check_ehlo(const ptrscan::smtp_reply& reply) {
  const ehlo_info info = ptrscan::parse_ehlo(reply);
  FUZZ_CHECK(info.host == ptrscan::reply_host(reply));
  FUZZ_CHECK(info.extensions.size() <= ehlo_info::max_extensions);
  FUZZ_CHECK(info.extensions.size() < reply.lines.size() || info.extensions.empty());
  for (const std::string& ext : info.extensions) {
    FUZZ_CHECK(!ext.empty() && !is_space(ext.front()) && !is_space(ext.back()));
  }
  // What the session and the output look at.
  for (std::string_view k : {"STARTTLS", "size", "PIPELINING", "8BITMIME", "SMTPUTF8", "CHUNKING",
                             "AUTH", "", " "}) {
    check_lookup(info, k);
  }
  if (!info.extensions.empty()) {
    check_lookup(info, keyword_of(info.extensions.back()));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view stream(reinterpret_cast<const char*>(data), size);
  ptrscan::reply_reader reader;  // the session's caps
  while (!stream.empty()) {
    const ptrscan::reply_reader::result r = reader.feed(stream);
    if (r == ptrscan::reply_reader::result::need_more) {
      // A session would wait for more; parse what a timeout leaves behind
      // too, since nothing stops a caller from doing so.
      check_ehlo(reader.reply());
      break;
    }
    check_ehlo(reader.reply());
    if (r == ptrscan::reply_reader::result::too_long) {
      break;
    }
    reader.reset();
  }
  return 0;
}
