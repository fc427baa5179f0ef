#include "report/html_escape.h"

#include <cstdio>

#include "net/text_hazards.h"

namespace ptrscan::report {

void append_escaped(std::string& out, std::string_view text) {
  out.reserve(out.size() + text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    const auto byte = static_cast<unsigned char>(ch);
    size_t hazard_len = 0;
    if (const uint32_t cp = text_hazard_at(text.substr(i), &hazard_len); cp != 0) {
      // Shown, not obeyed: a bidi override in a PTR name must not reorder
      // the row it is in.
      char buf[20];
      const int n = std::snprintf(buf, sizeof buf, "&lt;U+%04X&gt;", static_cast<unsigned>(cp));
      out.append(buf, static_cast<size_t>(n));
      i += hazard_len - 1;
      continue;
    }
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '\t':
      case '\n':
        out += ch;
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          out += "\xEF\xBF\xBD";  // U+FFFD
        } else {
          out += ch;
        }
    }
  }
}

std::string escaped(std::string_view text) {
  std::string out;
  append_escaped(out, text);
  return out;
}

}  // namespace ptrscan::report
