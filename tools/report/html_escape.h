#pragma once

#include <string>
#include <string_view>

namespace ptrscan::report {

/// Appends `text` to `out` escaped for HTML text and for double- or
/// single-quoted attribute values: & < > " ' become character references.
/// Names in the page come from DNS and SMTP, i.e. from whoever runs the
/// scanned hosts; a PTR name of "<script>..." must stay text. Control
/// characters other than tab and newline become U+FFFD (they are parse
/// errors in HTML and never meant to be seen). The display hazards of
/// net/text_hazards.h (C1 controls, bidi marks, overrides and isolates,
/// U+2028/U+2029) are shown as the text "<U+202E>". The input is assumed to be
/// UTF-8, as every string of ptrscan's output is.
void append_escaped(std::string& out, std::string_view text);

/// append_escaped() into a new string.
std::string escaped(std::string_view text);

}  // namespace ptrscan::report
