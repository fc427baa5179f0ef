#include "listen/responder.h"

#include <algorithm>

#include "net/ascii.h"

namespace ptrscan {
namespace {

/// The verb of a command line, upper-cased, and what follows it.
struct split_line {
  std::string verb;
  std::string_view arg;
};

split_line split(std::string_view line) {
  split_line s;
  const size_t sp = line.find(' ');
  const std::string_view verb = line.substr(0, sp);
  s.verb.reserve(verb.size());
  for (char c : verb) {
    s.verb.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  if (sp != std::string_view::npos) {
    s.arg = line.substr(sp + 1);
    while (!s.arg.empty() && s.arg.front() == ' ') {
      s.arg.remove_prefix(1);
    }
    while (!s.arg.empty() && s.arg.back() == ' ') {
      s.arg.remove_suffix(1);
    }
  }
  return s;
}

/// "FROM:<a@b> SIZE=10" -> "a@b" (RFC 5321 §4.1.2; the space some clients
/// put after the colon is tolerated, as Postfix does). false when `arg`
/// does not start with `keyword` ":" and a path in angle brackets.
bool parse_path(std::string_view arg, std::string_view keyword, std::string* path) {
  if (arg.size() < keyword.size() + 1 || !iequals(arg.substr(0, keyword.size()), keyword) ||
      arg[keyword.size()] != ':') {
    return false;
  }
  arg.remove_prefix(keyword.size() + 1);
  while (!arg.empty() && arg.front() == ' ') {
    arg.remove_prefix(1);
  }
  if (arg.empty() || arg.front() != '<') {
    return false;
  }
  const size_t close = arg.find('>');
  if (close == std::string_view::npos) {
    return false;
  }
  std::string_view p = arg.substr(1, close - 1);
  // A source route (RFC 5321 §4.1.2 "@a,@b:user@c") is ignored, as §3.3 asks.
  if (!p.empty() && p.front() == '@') {
    const size_t colon = p.find(':');
    if (colon == std::string_view::npos) {
      return false;
    }
    p.remove_prefix(colon + 1);
  }
  if (p.find_first_of(" <>") != std::string_view::npos) {
    return false;
  }
  path->assign(p);
  return true;
}

/// RFC 5321 §4.5.3.1.3: a reverse-path or forward-path is at most 256
/// octets. Counted without the angle brackets (a little more lenient than
/// the RFC's "including the punctuation"; §4.5.3.1 lets a server accept
/// more, never less).
constexpr size_t max_path = 256;

}  // namespace

responder::responder(const responder_config& config) : config_(config) {}

std::string responder::keep(std::string_view text) {
  if (text.size() > config_.limits.max_text) {
    cut("text");
    text = text.substr(0, config_.limits.max_text);
  }
  return std::string(text);
}

void responder::violation(std::string_view what) {
  if (std::find(d_.violations.begin(), d_.violations.end(), what) == d_.violations.end()) {
    d_.violations.emplace_back(what);
  }
}

void responder::cut(std::string_view what) {
  if (std::find(d_.truncated.begin(), d_.truncated.end(), what) == d_.truncated.end()) {
    d_.truncated.emplace_back(what);
  }
}

void responder::reply(std::string_view text) {
  out_.append(text);
  out_.append("\r\n");
}

void responder::close(std::string_view end, int64_t now_ms) {
  state_ = state::closed;
  if (d_.end.empty()) {
    d_.end.assign(end);
    d_.ms_end = now_ms;
  }
  in_.clear();
}

std::string responder::take_output() {
  std::string o;
  o.swap(out_);
  return o;
}

void responder::on_bytes(std::string_view bytes, int64_t now_ms) {
  if (state_ == state::closed || input_ended_) {
    return;
  }
  if (!greeted_ && !bytes.empty()) {
    d_.early_talker = true;
    d_.early_bytes = static_cast<uint32_t>(
        std::min<uint64_t>(uint64_t{d_.early_bytes} + bytes.size(), UINT32_MAX));
    violation("early_talker");
    // Nothing is answered before the greeting: keep at most max_line octets
    // and drop the rest (`truncated` "early_input"); the line cut there is
    // dropped up to its LF once the greeting is out.
    const size_t room =
        in_.size() < config_.limits.max_line ? config_.limits.max_line - in_.size() : 0;
    if (bytes.size() > room) {
      in_.append(bytes.substr(0, room));
      cut("early_input");
      early_cut_ = true;
      return;
    }
  }
  if (state_ == state::tls_wait) {
    // Plaintext after our 220 to STARTTLS and before the handshake: the
    // command injection of CVE-2011-0411. Dropped, never answered.
    violation("data_after_starttls");
    return;
  }
  in_.append(bytes);
  process(now_ms);
}

void responder::send_greeting(int64_t now_ms) {
  if (greeted_ || state_ == state::closed) {
    return;
  }
  greeted_ = true;
  d_.ms_greeting = now_ms;
  reply("220 " + config_.hostname + " ESMTP ptrscan listen");
  process(now_ms);
}

void responder::answer_rcpt(std::string_view verdict, int64_t now_ms) {
  if (state_ != state::rcpt_wait) {
    return;
  }
  state_ = state::open;
  reply(std::string("550 5.7.1 ") + std::string(verdict));
  process(now_ms);
}

void responder::tls_established(int64_t now_ms) {
  if (state_ != state::tls_wait) {
    return;
  }
  state_ = state::open;
  in_tls_ = true;
  helo_done_ = false;
  ehlo_seen_ = false;
  in_transaction_ = false;
  process(now_ms);
}

void responder::abort(std::string_view end, int64_t now_ms) {
  if (state_ == state::closed) {
    return;
  }
  if (end == "timeout") {
    reply("421 4.4.2 " + config_.hostname + " session deadline passed, closing");
  } else {
    reply("421 4.3.2 " + config_.hostname + " shutting down, closing");
  }
  close(end, now_ms);
}

void responder::peer_closed(std::string_view end, int64_t now_ms) {
  if (state_ == state::closed) {
    return;
  }
  if (end != "closed" || state_ == state::tls_wait) {
    // A reset or a TLS failure (also while answering a half-closed
    // client): nothing more can be sent. After our 220 to STARTTLS a
    // client that sends no more cannot start the handshake.
    close(end, now_ms);
    return;
  }
  if (input_ended_) {
    return;  // the EOF was seen already
  }
  // A half-close (EOF): the client may still read, and RFC 5321 does not
  // forbid it to stop writing first. What it sent is answered in order, the
  // greeting first (nothing more will come to wait for), RCPTs with their
  // verdict; the session closes once no complete line is left.
  input_ended_ = true;
  if (!greeted_) {
    send_greeting(now_ms);  // process()es what is buffered
  } else {
    process(now_ms);
  }
}

void responder::process(int64_t now_ms) {
  if (!greeted_) {
    return;
  }
  size_t pos = 0;
  while (state_ == state::open && pos < in_.size()) {
    const size_t lf = in_.find('\n', pos);
    if (skipping_line_) {
      if (lf == std::string::npos) {
        pos = in_.size();
        break;
      }
      pos = lf + 1;
      skipping_line_ = false;  // marked when the skipping started
      if (count_command(now_ms)) {
        reply("500 5.5.2 line too long");
      }
      continue;
    }
    if (lf == std::string::npos) {
      if (in_.size() - pos >= config_.limits.max_line) {
        start_skipping();  // no LF within the cap: drop up to the next one
        pos = in_.size();
      }
      break;
    }
    std::string_view line(in_.data() + pos, lf - pos);
    pos = lf + 1;
    if (line.size() + 1 > config_.limits.max_line) {
      violation("line_too_long");
      cut("line");
      if (count_command(now_ms)) {
        reply("500 5.5.2 line too long");
      }
      continue;
    }
    if (line.empty() || line.back() != '\r') {
      violation("bare_lf");  // RFC 5321 §2.3.8: lines end in CRLF
    } else {
      line.remove_suffix(1);
    }
    if (pos < in_.size() && !ehlo_seen_) {
      // More commands behind this one without PIPELINING offered (RFC 2920
      // §3.1: only after an EHLO reply that lists it).
      violation("pipelining_not_offered");
    }
    command(line, now_ms);
    if (state_ == state::tls_wait) {
      if (pos < in_.size()) {
        violation("data_after_starttls");  // pipelined behind STARTTLS: dropped
        pos = in_.size();
      }
      // The line the early-input cap cut, if any, was in what is dropped:
      // nothing inside TLS is part of it.
      early_cut_ = false;
    }
  }
  if (early_cut_ && state_ == state::open && in_.find('\n', pos) == std::string::npos) {
    // The complete lines kept before the greeting are answered; the one the
    // early-input cap cut is dropped up to its LF, never taken as a command.
    early_cut_ = false;
    start_skipping();
    pos = in_.size();
  }
  in_.erase(0, std::min(pos, in_.size()));
  if (input_ended_ && (state_ == state::open || state_ == state::tls_wait)) {
    // Half-closed client: every complete line is answered (a partial one
    // never will be). After a 220 to STARTTLS no handshake can follow.
    close("closed", now_ms);
  }
}

void responder::start_skipping() {
  if (skipping_line_) {
    return;
  }
  // Marked now, once per line: the session may end before its LF comes.
  skipping_line_ = true;
  violation("line_too_long");
  cut("line");
}

bool responder::count_command(int64_t now_ms) {
  ++d_.commands;
  if (d_.commands > config_.limits.max_commands) {
    cut("commands");
    reply("421 4.7.0 " + config_.hostname + " too many commands, closing");
    close("commands", now_ms);
    return false;
  }
  return true;
}

void responder::command(std::string_view line, int64_t now_ms) {
  if (!count_command(now_ms)) {
    return;
  }
  const split_line c = split(line);
  if (c.verb == "EHLO" || c.verb == "HELO") {
    if (c.arg.empty()) {
      violation("syntax_error");
      reply("501 5.5.4 " + c.verb + " needs a domain or address literal");
      return;
    }
    d_.helo_verb = c.verb;
    helo_done_ = true;
    d_.helo = keep(c.arg);
    if (d_.ms_helo < 0) {
      d_.ms_helo = now_ms;
    }
    ++helo_seq_;
    in_transaction_ = false;
    if (c.verb == "HELO") {
      ehlo_seen_ = false;
      reply("250 " + config_.hostname);
      return;
    }
    ehlo_seen_ = true;
    std::string r = "250-" + config_.hostname + "\r\n250-PIPELINING\r\n250-8BITMIME\r\n";
    if (config_.tls_available && !in_tls_) {
      r += "250-STARTTLS\r\n";
    }
    r += "250 ENHANCEDSTATUSCODES";
    reply(r);
    return;
  }
  if (c.verb == "MAIL") {
    std::string path;
    if (!helo_done_) {
      violation("bad_sequence");
      reply("503 5.5.1 send EHLO or HELO first");
    } else if (in_transaction_) {
      violation("bad_sequence");
      reply("503 5.5.1 nested MAIL command");
    } else if (!parse_path(c.arg, "FROM", &path)) {
      violation("syntax_error");
      reply("501 5.5.4 syntax: MAIL FROM:<address>");
    } else if (path.size() > max_path) {
      // Refused (RFC 5321 §4.5.3.1: "501 Path too long"), so no check_host
      // ever runs on a domain cut at max_text.
      violation("syntax_error");
      reply("501 5.1.3 path too long");
    } else {
      d_.mail_from = keep(path);
      d_.mail_seen = true;
      if (d_.ms_mail < 0) {
        d_.ms_mail = now_ms;
      }
      ++mail_seq_;
      in_transaction_ = true;
      reply("250 2.1.0 Ok");
    }
    return;
  }
  if (c.verb == "RCPT") {
    std::string path;
    if (!in_transaction_) {
      violation("bad_sequence");
      reply("503 5.5.1 need MAIL before RCPT");
    } else if (!parse_path(c.arg, "TO", &path) || path.empty()) {
      violation("syntax_error");
      reply("501 5.5.4 syntax: RCPT TO:<address>");
    } else if (path.size() > max_path) {
      // As MAIL: "501 Path too long" (RFC 5321 §4.5.3.1), X.1.3 bad
      // destination address syntax (RFC 3463). Not a recipient: neither kept
      // nor counted, and no verdict is waited for.
      violation("syntax_error");
      reply("501 5.1.3 path too long");
    } else {
      ++d_.rcpts_total;
      if (d_.rcpts.size() < config_.limits.max_rcpts) {
        d_.rcpts.push_back(keep(path));
      } else {
        cut("rcpt");
      }
      if (d_.ms_rcpt < 0) {
        d_.ms_rcpt = now_ms;
      }
      state_ = state::rcpt_wait;  // answer_rcpt() writes the 550 with the verdict
    }
    return;
  }
  if (c.verb == "DATA" || c.verb == "BDAT") {
    d_.data_attempted = true;
    if (d_.ms_data < 0) {
      d_.ms_data = now_ms;
    }
    if (!in_transaction_) {
      violation("bad_sequence");
      reply("503 5.5.1 need MAIL and RCPT before " + c.verb);
    } else {
      reply("554 5.5.1 no valid recipients");  // every RCPT was refused
    }
    return;
  }
  if (c.verb == "RSET") {
    in_transaction_ = false;
    reply("250 2.0.0 Ok");
    return;
  }
  if (c.verb == "NOOP") {
    reply("250 2.0.0 Ok");
    return;
  }
  if (c.verb == "QUIT") {
    reply("221 2.0.0 " + config_.hostname + " closing");
    close("quit", now_ms);
    return;
  }
  if (c.verb == "STARTTLS") {
    if (!config_.tls_available) {
      reply("502 5.5.1 STARTTLS not offered");
    } else if (in_tls_) {
      violation("bad_sequence");
      reply("503 5.5.1 TLS already active");
    } else if (!c.arg.empty()) {
      violation("syntax_error");
      reply("501 5.5.4 STARTTLS takes no parameters");
    } else {
      d_.ms_starttls = now_ms;
      reply("220 2.0.0 ready to start TLS");
      state_ = state::tls_wait;
    }
    return;
  }
  if (c.verb == "VRFY" || c.verb == "EXPN" || c.verb == "HELP" || c.verb == "ETRN" ||
      c.verb == "TURN" || c.verb == "AUTH") {
    reply("502 5.5.1 " + c.verb + " not implemented");
    return;
  }
  ++d_.unknown_commands;
  reply("500 5.5.2 command not recognised");
}

}  // namespace ptrscan
