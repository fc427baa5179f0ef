#pragma once

// Characters that change how text around them is displayed, and text made
// safe for a terminal. Peers (banners, EHLO lines, certificate names, DNS
// TXT) and operators (paths) choose these bytes; a terminal, `cat`, `jq` or
// an editor must show them, never obey them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ptrscan {

/// The code point of the well-formed UTF-8 sequence at the front of `s` when
/// it is one of the display hazards, else 0. The hazards (one closed set for
/// NDJSON, the report and stderr):
///   - C1 controls U+0080..U+009F (CSI, NEL, ... act on terminals as ESC does);
///   - the bidi marks and embeddings U+061C, U+200E, U+200F, U+202A..U+202E,
///     and the isolates U+2066..U+2069 ("Trojan Source", CVE-2021-42574);
///   - U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR (line breaks to
///     JavaScript and some viewers, though not to JSON).
/// `*len` (when not null) is set to the sequence's length when a hazard is found.
uint32_t text_hazard_at(std::string_view s, size_t* len = nullptr);

/// True when `cp` is one of the hazards above.
bool is_text_hazard(uint32_t cp);

/// `text` made safe to print on a terminal, for every stderr line that shows
/// text the program did not write itself (paths, input lines, peer text):
/// printable ASCII and well-formed UTF-8 are kept; ASCII controls, DEL, a
/// backslash and every byte outside a well-formed sequence become \xNN; the
/// hazards become <U+XXXX>. The result is ASCII plus harmless UTF-8, on one
/// line.
std::string terminal_safe(std::string_view text);

/// Length of the well-formed UTF-8 sequence at the front of `s` (1 for ASCII),
/// or 0 when the first byte does not start one (Unicode Table 3-7: no
/// overlongs, no surrogates, nothing above U+10FFFF).
size_t utf8_sequence_length(std::string_view s);

}  // namespace ptrscan
