#pragma once

// SMTP wire replies: pure bytes in, structs out. No I/O, no allocation beyond
// the caps the caller sets, nothing thrown, and any byte value accepted: the
// bytes come from servers we do not control.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ptrscan {

/// One complete SMTP reply (RFC 5321 §4.2).
struct smtp_reply {
  /// The 3-digit code of the first line; 0 when it has none.
  int code = 0;
  /// Text of each line after "NNN-"/"NNN " (or after "NNN" alone), CR/LF
  /// stripped, each capped at the reader's line cap. A line without a code is
  /// kept whole; a line like "250x" keeps what follows the digits ("x").
  std::vector<std::string> lines;
  /// The reply's bytes as received (CRLFs included), capped at the reply cap.
  std::string raw;
  /// A line without a 3-digit code, a line whose 4th byte is neither '-' nor
  /// ' ', or a later line whose code differs from the first's.
  bool malformed = false;
  /// Some line or the raw text hit a cap and was cut.
  bool truncated = false;
  /// Some line's text hit the line cap and was cut (raw may still hold it).
  bool line_truncated = false;

  /// Back to the default state; keeps allocated capacity for the next reply.
  void clear();
  /// First line's text, or "" when there are no lines.
  std::string_view first_line() const;
};

/// Incremental reader: feed it bytes as they come off the socket (any split),
/// it says when a reply is complete.
///
/// A line ends at LF (CRLF or bare LF; a lone CR inside a line is kept as a
/// byte). "NNN-text" continues the reply; "NNN text", "NNN" alone, or "NNNx"
/// (malformed) ends it. A line that does not start with three digits is
/// malformed and also ends the reply, so a server sending garbage cannot keep
/// us reading.
class reply_reader {
 public:
  /// max_line: bytes of text kept per line (RFC 5321 §4.5.3.1.5 allows 512
  /// including code and CRLF; we keep more). max_reply: bytes a reply may span
  /// on the wire, including its final LF, before the reader gives up — this is
  /// what bounds an endless line without CRLF.
  explicit reply_reader(size_t max_line = 2048, size_t max_reply = 65536);

  enum class result { need_more, complete, too_long };

  /// Consumes bytes from the front of `data` (advancing it) up to and
  /// including the end of one reply. On `complete`, reply() holds it and
  /// leftover bytes (a pipelined next reply) stay in `data`; call reset()
  /// before the next reply. `too_long`: max_reply bytes were consumed without
  /// the reply ending; reply() holds the complete lines so far and the raw
  /// bytes, with truncated set, and the session should give up. After
  /// `complete` or `too_long`, further calls consume nothing and return the
  /// same result until reset().
  result feed(std::string_view& data);

  const smtp_reply& reply() const { return reply_; }

  /// Ready for the next reply; keeps allocated buffers.
  void reset();

 private:
  // Handles the line that ends at the last byte of reply_.raw (an LF).
  // Returns true when that line ends the reply.
  bool finish_line();

  size_t max_line_;
  size_t max_reply_;
  smtp_reply reply_;
  // Where the line being read starts in reply_.raw: raw doubles as the line
  // buffer, so a reply costs one buffer bounded by max_reply.
  size_t line_start_ = 0;
  result state_ = result::need_more;
};

/// The host a greeting (220) or EHLO reply names: the first whitespace-
/// separated token of the first line, lower-cased, one trailing dot removed,
/// when it looks like a domain name (letters, digits, '-', '.', '_'; single
/// labels accepted, but not the words servers put where the name belongs,
/// such as "ESMTP" or "Service") or an address literal ("[192.0.2.1]",
/// "[IPv6:2001:db8::1]", kept as written, lower-cased). Empty when the first
/// token is something else ("***", non-ASCII, ...) or the reply has no code.
std::string reply_host(const smtp_reply& r);

/// EHLO reply parsed.
struct ehlo_info {
  /// reply_host() of the reply.
  std::string host;
  /// Every line after the first, whitespace-trimmed, kept as sent; empty lines
  /// dropped; at most max_extensions kept.
  std::vector<std::string> extensions;
  /// STARTTLS is offered: looked for in every line of the reply, also past
  /// the max_extensions kept (a server may list it 70th).
  bool starttls = false;
  /// A keyword the length of STARTTLS made of X's ("XXXXXXXA",
  /// "XXXXXXXX"): what a firewall's SMTP inspection (Cisco ASA/PIX
  /// "ESMTP inspection") leaves of STARTTLS when it strips it. Looked for
  /// in every line, as `starttls` is.
  bool starttls_masked = false;
  /// More non-empty extension lines than max_extensions: the rest were not
  /// kept (output: "ehlo.extensions" in smtp[].truncated).
  bool extensions_truncated = false;
  /// A line of the reply was longer than the reader's line cap and was cut
  /// (output: "ehlo.line" in smtp[].truncated).
  bool line_truncated = false;

  static constexpr size_t max_extensions = 64;

  /// Case-insensitive match of the extension keyword (first token), e.g.
  /// has("STARTTLS"), has("size").
  bool has(std::string_view keyword) const;
  /// The parameters after the keyword, e.g. param("SIZE") == "10240000"; ""
  /// when absent. The first line with that keyword wins.
  std::string_view param(std::string_view keyword) const;
};

ehlo_info parse_ehlo(const smtp_reply& r);

/// The enhanced status code (RFC 3463 §2: class.subject.detail, class 2, 4
/// or 5 and equal to the reply code's first digit, subject and detail of 1
/// to 3 digits) that starts a reply's text ("5.7.1 Relaying denied"), or ""
/// when the text does not start with one (RFC 2034 makes it the first
/// token of every line of a reply, when the server uses them at all).
std::string_view enhanced_status(int code, std::string_view text);

/// A greeting whose text is mostly asterisks ("220 ****************2*0**0"):
/// what a firewall's SMTP inspection shows in place of the server's
/// banner. At least 8 '*' and at least 3/4 of the text's non-blank bytes.
/// `banner` is the greeting as recorded (code included).
bool banner_masked(std::string_view banner);

/// A temporary refusal that names greylisting ("450 4.2.0 Greylisted",
/// "451 4.7.1 greylisted, try again", "Gray-listed"): the only evidence
/// taken is the text's own word, never a code alone (4.7.1 is also a
/// policy or rate-limit refusal).
bool says_greylisted(int code, std::string_view text);

}  // namespace ptrscan
