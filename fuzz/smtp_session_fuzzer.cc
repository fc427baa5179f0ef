// The whole SMTP session state machine (lib/smtp/session: smtp_prober)
// against a scripted peer: the session runs on a real io_uring over one end
// of a socketpair (smtp_prober::adopt, no network), and this file plays the
// server on the other end from the fuzzer's input.
//
// Input: one flags byte, then chunks of [trigger][length][bytes]. Flags:
// bit 0 STARTTLS on (a TLS context; the handshake runs until the scripted
// bytes fail it), bit 1 the relay test (MAIL, RCPT), bit 2 port 465
// (implicit TLS). A chunk's trigger is the number of command lines the peer
// must have read before it writes the chunk (low 2 bits, added to the count
// at the previous chunk): 0 writes it at once, so a chunk can arrive before
// the command it might seem to answer (the early talker, the double
// greeting, the EHLO flood). Bit 2 of the trigger shuts the peer's side
// after the chunk. When the session waits for the peer and the next chunk's
// trigger cannot come (the session is reading), the chunk goes out anyway;
// when the chunks are used up, the peer shuts its side (EOF).
//
// Oracles, checked from the peer's side (what it read and when it wrote):
//  - the session ends with exactly one on_smtp_done and one status in the
//    closed set, and no session is left open;
//  - the client never pipelines: a command is read only after the peer wrote
//    something since the previous one; never DATA; MAIL and RCPT only with
//    the relay test, RCPT only after MAIL;
//  - no reply is attributed to a command not yet sent: a recorded EHLO,
//    HELO, MAIL or RCPT reply (or STARTTLS attempt) needs that command read
//    by the peer and bytes written after it;
//  - relay `open` only with no violation, RCPT read by the peer, and the
//    first bytes written after it a 250/251 reply;
//  - caps hold: at most ehlo_info::max_extensions extensions, relay text
//    within relay_reply::max_text, the banner within the reply cap.

#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/ring.h"
#include "core/user_data.h"
#include "fuzz_check.h"
#include "smtp/session.h"
#include "tls/tls_client.h"

namespace {

using namespace ptrscan;

/// PTRSCAN_FUZZ_TRACE=1: what the peer read and wrote, on stderr.
bool trace() {
  static const bool on = std::getenv("PTRSCAN_FUZZ_TRACE") != nullptr;
  return on;
}

struct client final : smtp_client {
  int done = 0;
  uint64_t last_owner = 0;
  void on_smtp_done(uint64_t owner) override {
    ++done;
    last_owner = owner;
  }
};

struct chunk {
  unsigned after = 0;  // commands the peer must have read first
  bool shut = false;   // shut the peer's side after it
  std::string bytes;
};

/// What the peer saw: command lines in order, with how many bytes it had
/// written when it read each.
struct peer_log {
  std::string written;  // every byte the peer wrote
  struct command {
    std::string line;
    size_t written_before = 0;
  };
  std::vector<command> commands;
  std::string partial;     // a command line not yet ended
  bool implicit_tls = false;  // port 465: the client starts with a handshake
  bool tls_mode = false;      // a handshake began: what comes is no longer lines
  bool saw_quit = false;

  /// The first command starting with `verb`, or null.
  const command* find(std::string_view verb) const {
    for (const command& c : commands) {
      if (c.line.compare(0, verb.size(), verb) == 0) {
        return &c;
      }
    }
    return nullptr;
  }
  /// `verb` was read and bytes were written after it.
  bool answered_after(std::string_view verb) const {
    const command* c = find(verb);
    return c != nullptr && written.size() > c->written_before;
  }
};

/// `bytes` are exactly one complete reply, as the session's reader (same
/// caps) splits them.
bool one_reply(std::string_view bytes) {
  reply_reader reader{2048, 16 * 1024};
  return reader.feed(bytes) == reply_reader::result::complete && bytes.empty();
}

void read_client(int fd, peer_log& log) {
  char buf[4096];
  while (true) {
    const ssize_t n = ::recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (n <= 0) {
      return;
    }
    for (ssize_t i = 0; i < n && !log.tls_mode; ++i) {
      const char ch = buf[i];
      if (ch == 0x16 && log.partial.empty() && (log.implicit_tls || log.find("STARTTLS"))) {
        // A TLS handshake record (the ClientHello): from here on the
        // client's bytes are no command lines.
        log.tls_mode = true;
        break;
      }
      if (ch != '\n') {
        log.partial.push_back(ch);
        continue;
      }
      std::string line = log.partial;
      log.partial.clear();
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      // One command at a time: the previous one was answered (bytes were
      // written since) before this one came. QUIT may follow a reply that
      // ended the session without one of its own (it never waits).
      if (!log.commands.empty()) {
        if (log.written.size() <= log.commands.back().written_before) {
          std::fprintf(stderr, "'%s' came after '%s' with no reply in between\n",
                       line.c_str(), log.commands.back().line.c_str());
        }
        FUZZ_CHECK(log.written.size() > log.commands.back().written_before);
      }
      FUZZ_CHECK(line.compare(0, 4, "DATA") != 0);
      FUZZ_CHECK(!log.saw_quit);
      log.commands.push_back({line, log.written.size()});
      if (trace()) {
        std::fprintf(stderr, "peer read '%s' (written %zu)\n", line.c_str(), log.written.size());
      }
      if (line == "QUIT") {
        log.saw_quit = true;
      }
    }
  }
}

/// Submits what the session queued, waits up to `wait_ns` for a completion,
/// and hands every completion to the prober. Returns how many there were.
unsigned drive(ring& r, smtp_prober& prober, int64_t wait_ns) {
  r.submit_and_wait(wait_ns, 1);
  return r.drain([&](uint64_t data, int res, uint32_t) {
    const user_data ud = user_data::unpack(data);
    if (ud.op == op_kind::smtp_io || ud.op == op_kind::smtp_timeout) {
      prober.on_completion(data, res);
    }
  });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) {
    return 0;
  }
  static ring* r = [] {
    auto* x = new ring();
    if (!x->init(64).ok()) {
      std::fprintf(stderr, "smtp_session fuzzer: io_uring unavailable\n");
      std::abort();
    }
    return x;
  }();
  static std::unique_ptr<tls_context> tls = [] {
    absl::StatusOr<std::unique_ptr<tls_context>> ctx = tls_context::create();
    FUZZ_CHECK(ctx.ok());
    return std::move(*ctx);
  }();

  static const bool print = [] {
    const char* v = std::getenv("PTRSCAN_FUZZ_PRINT");
    return v != nullptr && *v == '1';
  }();
  const uint8_t flags = data[0];
  smtp_options o;
  o.ehlo_name = "fuzz.test";
  o.starttls = (flags & 1) != 0;
  o.relay = (flags & 2) != 0;
  const uint16_t port = (flags & 4) != 0 ? 465 : 25;
  o.ports = {port};
  // Every wait is short: a session the peer leaves waiting ends soon.
  o.connect_timeout_ms = 50;
  o.read_timeout_ms = 50;
  o.session_timeout_ms = 200;

  std::vector<chunk> chunks;
  unsigned after = 0;
  for (size_t i = 1; i + 2 <= size;) {
    const uint8_t trigger = data[i];
    const size_t len = std::min<size_t>(data[i + 1], size - i - 2);
    after += trigger & 3;
    chunks.push_back({after, (trigger & 4) != 0,
                      std::string(reinterpret_cast<const char*>(data + i + 2), len)});
    i += 2 + len;
  }

  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
    return 0;
  }
  const int peer = sv[1];
  client c;
  smtp_result out;
  peer_log log;
  log.implicit_tls = port == 465;
  {
    smtp_prober prober(*r, c, o, o.starttls || port == 465 ? tls.get() : nullptr, 1);
    FUZZ_CHECK(prober.adopt(sv[0], port, &out, 7) == smtp_prober::start_result::started);
    size_t next = 0;
    bool shut = false;
    // Bounded: each turn handles completions, writes a chunk, shuts the
    // peer, or finds the session waiting for the peer (and its own timeouts
    // end it within 200 ms).
    for (int turn = 0; turn < 4096 && c.done == 0; ++turn) {
      if (drive(*r, prober, 0) != 0) {
        continue;  // the session moved: let it queue and submit what follows
      }
      read_client(peer, log);
      if (next < chunks.size() && log.commands.size() >= chunks[next].after) {
        log.written += chunks[next].bytes;
        (void)!::send(peer, chunks[next].bytes.data(), chunks[next].bytes.size(),
                      MSG_NOSIGNAL | MSG_DONTWAIT);
        if (chunks[next].shut) {
          ::shutdown(peer, SHUT_WR);
          shut = true;
          next = chunks.size();
        } else {
          ++next;
        }
        continue;
      }
      // The chunk waits for a command. Is one coming? Only a wait with no
      // completion at all says that everything the session queued is on the
      // wire and it now waits for the peer: then the chunk goes out anyway
      // (never earlier, or bytes would overtake a command the session has
      // already queued, which no client can tell from a reply).
      if (drive(*r, prober, 2'000'000) != 0) {
        continue;
      }
      read_client(peer, log);
      if (next < chunks.size()) {
        if (log.commands.size() < chunks[next].after) {
          chunks[next].after = 0;
        }
      } else if (!shut) {
        ::shutdown(peer, SHUT_WR);
        shut = true;
      }
    }
    // The session's deadline (200 ms) ends it whatever the peer does.
    for (int i = 0; i < 100 && c.done == 0; ++i) {
      drive(*r, prober, 10'000'000);
    }
    read_client(peer, log);
    FUZZ_CHECK(c.done == 1);
    FUZZ_CHECK(c.last_owner == 7);
    FUZZ_CHECK(prober.active() == 0);
    // Late completions (linked timeouts, cancels) for the freed slot.
    drive(*r, prober, 0);
    FUZZ_CHECK(c.done == 1);
  }
  ::close(peer);

  if (print) {
    // PTRSCAN_FUZZ_PRINT=1: what a seed did, to check that it reaches the
    // state it was written for.
    std::fprintf(stderr, "status %s relay %s violations %u commands %zu%s error '%s'\n",
                 std::string(to_string(out.status)).c_str(),
                 std::string(to_string(out.relay)).c_str(), unsigned{out.violations},
                 log.commands.size(), out.tls_attempted ? " tls_attempted" : "",
                 out.error.c_str());
  }
  // One status, in the closed set.
  FUZZ_CHECK(static_cast<int>(out.status) < smtp_status_count);
  FUZZ_CHECK(out.status != smtp_status::stopped);  // nothing stopped this scan
  FUZZ_CHECK(out.ms_total >= 0);

  // Commands in their order, and only those asked for.
  const peer_log::command* mail = log.find("MAIL FROM:");
  const peer_log::command* rcpt = log.find("RCPT TO:");
  if (!o.relay) {
    FUZZ_CHECK(mail == nullptr && rcpt == nullptr);
  }
  if (rcpt != nullptr) {
    FUZZ_CHECK(mail != nullptr && mail->written_before < rcpt->written_before);
  }
  if (!log.commands.empty() && port != 465) {
    FUZZ_CHECK(log.commands.front().line == "EHLO fuzz.test" ||
               log.commands.front().line == "QUIT");
  }

  // No reply attributed to a command not yet sent.
  if (out.has_banner) {
    FUZZ_CHECK(!log.written.empty() || port == 465);
  }
  if (out.has_ehlo && port != 465 && !out.has_ehlo_tls) {
    FUZZ_CHECK(out.helo ? log.answered_after("HELO ") : log.answered_after("EHLO "));
  }
  if (out.tls_attempted && port != 465) {
    FUZZ_CHECK(log.answered_after("STARTTLS"));
  }
  if (out.relay_mail.received) {
    FUZZ_CHECK(log.answered_after("MAIL FROM:"));
  }
  if (out.relay_rcpt.received) {
    FUZZ_CHECK(log.answered_after("RCPT TO:"));
  }

  // A clean dialogue in clear text is a transcript of pairs: between two
  // commands the peer wrote exactly one reply (and one greeting before the
  // first). More, and the session must have recorded a violation: bytes it
  // could have taken for the next command's reply.
  if (out.violations == 0 && port != 465 && log.find("STARTTLS") == nullptr) {
    size_t from = 0;
    for (const peer_log::command& cmd : log.commands) {
      const std::string_view seg =
          std::string_view(log.written).substr(from, cmd.written_before - from);
      if (!one_reply(seg) && trace()) {
        std::fprintf(stderr, "before '%s': not one reply: '%.*s'\n", cmd.line.c_str(),
                     static_cast<int>(seg.size()), seg.data());
      }
      FUZZ_CHECK(one_reply(seg));
      from = cmd.written_before;
    }
  }

  // Relay open: a 2xx to RCPT, read from what came after RCPT, in a clean
  // dialogue.
  if (out.relay == relay_status::open) {
    FUZZ_CHECK(o.relay);
    FUZZ_CHECK(out.violations == 0);
    FUZZ_CHECK(rcpt != nullptr);
    FUZZ_CHECK(out.relay_rcpt.received);
    FUZZ_CHECK(out.relay_rcpt.code == 250 || out.relay_rcpt.code == 251);
    const std::string_view after_rcpt = std::string_view(log.written).substr(rcpt->written_before);
    FUZZ_CHECK(after_rcpt.compare(0, 3, "250") == 0 || after_rcpt.compare(0, 3, "251") == 0);
  }
  if (out.violations != 0 && out.relay_enabled) {
    FUZZ_CHECK(out.relay == relay_status::untested);
  }

  // Caps.
  FUZZ_CHECK(out.ehlo.extensions.size() <= ehlo_info::max_extensions);
  FUZZ_CHECK(out.ehlo_tls.extensions.size() <= ehlo_info::max_extensions);
  FUZZ_CHECK(out.relay_mail.text.size() <= relay_reply::max_text);
  FUZZ_CHECK(out.relay_rcpt.text.size() <= relay_reply::max_text);
  FUZZ_CHECK(out.banner.size() <= 16 * 1024);
  for (const std::string& e : out.ehlo.extensions) {
    FUZZ_CHECK(e.size() <= 2048);
  }
  return 0;
}
