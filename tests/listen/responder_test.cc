// The listener's SMTP responder (lib/listen/responder.cc): every command,
// pipelining answered in order, the caps, early talkers, STARTTLS.
#include "listen/responder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace ptrscan {
namespace {

responder_config config(bool tls = false) {
  responder_config c;
  c.hostname = "mx.listen.test";
  c.tls_available = tls;
  return c;
}

/// The reply lines of `out`, split at CRLF.
std::vector<std::string> lines(const std::string& out) {
  std::vector<std::string> v;
  size_t start = 0;
  while (start < out.size()) {
    const size_t end = out.find("\r\n", start);
    if (end == std::string::npos) {
      v.push_back(out.substr(start));
      break;
    }
    v.push_back(out.substr(start, end - start));
    start = end + 2;
  }
  return v;
}

/// The reply codes only ("250-" lines of a multi-line reply dropped).
std::vector<std::string> codes(const std::string& out) {
  std::vector<std::string> v;
  for (const std::string& l : lines(out)) {
    if (l.size() >= 4 && l[3] == '-') {
      continue;
    }
    v.push_back(l.substr(0, 3));
  }
  return v;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(Responder, GreetingThenEveryCommand) {
  responder r(config());
  r.send_greeting(0);
  EXPECT_EQ(r.take_output(), "220 mx.listen.test ESMTP ptrscan listen\r\n");
  r.on_bytes("EHLO client.example\r\n", 1);
  const std::vector<std::string> ehlo = lines(r.take_output());
  ASSERT_GE(ehlo.size(), 4u);
  EXPECT_EQ(ehlo[0], "250-mx.listen.test");
  EXPECT_TRUE(has(ehlo, "250-PIPELINING"));
  EXPECT_TRUE(has(ehlo, "250-8BITMIME"));
  EXPECT_FALSE(has(ehlo, "250-STARTTLS"));  // no certificate
  EXPECT_EQ(r.dialogue().helo, "client.example");
  EXPECT_EQ(r.dialogue().helo_verb, "EHLO");
  EXPECT_EQ(r.helo_seq(), 1u);

  r.on_bytes("NOOP\r\n", 2);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"250"});
  r.on_bytes("VRFY root\r\n", 2);
  EXPECT_EQ(lines(r.take_output()), std::vector<std::string>{"502 5.5.1 VRFY not implemented"});
  r.on_bytes("XYZZY\r\n", 2);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"500"});
  EXPECT_EQ(r.dialogue().unknown_commands, 1u);
  r.on_bytes("STARTTLS\r\n", 2);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"502"});

  r.on_bytes("MAIL FROM:<a@sender.example> SIZE=100\r\n", 3);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"250"});
  EXPECT_EQ(r.dialogue().mail_from, "a@sender.example");
  EXPECT_EQ(r.mail_seq(), 1u);
  r.on_bytes("RCPT TO:<b@listen.test>\r\n", 4);
  EXPECT_TRUE(r.waiting_verdict());
  EXPECT_EQ(r.take_output(), "");  // the reply waits for the verdict
  r.answer_rcpt("ptr=ok fcrdns=pass helo=match spf=pass", 5);
  EXPECT_EQ(r.take_output(), "550 5.7.1 ptr=ok fcrdns=pass helo=match spf=pass\r\n");
  EXPECT_FALSE(r.waiting_verdict());
  r.on_bytes("DATA\r\n", 6);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"554"});  // never accepted
  EXPECT_TRUE(r.dialogue().data_attempted);
  r.on_bytes("RSET\r\n", 7);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"250"});
  r.on_bytes("DATA\r\n", 7);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"503"});  // RSET ended the transaction
  r.on_bytes("QUIT\r\n", 8);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"221"});
  EXPECT_TRUE(r.closing());
  EXPECT_EQ(r.dialogue().end, "quit");
  EXPECT_EQ(r.dialogue().ms_end, 8);
  EXPECT_EQ(r.dialogue().rcpts, std::vector<std::string>{"b@listen.test"});
}

TEST(Responder, HeloAndSequenceErrors) {
  responder r(config());
  r.send_greeting(0);
  r.take_output();
  r.on_bytes("MAIL FROM:<a@b.example>\r\n", 1);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"503"});  // no HELO yet
  r.on_bytes("RCPT TO:<x@y>\r\n", 1);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"503"});  // no MAIL
  r.on_bytes("HELO\r\n", 1);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"501"});
  r.on_bytes("HELO plain.example\r\n", 1);
  EXPECT_EQ(lines(r.take_output()), std::vector<std::string>{"250 mx.listen.test"});
  EXPECT_EQ(r.dialogue().helo_verb, "HELO");
  r.on_bytes("MAIL FROM:a@b.example\r\n", 1);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"501"});  // no angle brackets
  r.on_bytes("MAIL FROM:<>\r\n", 1);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"250"});  // null sender
  EXPECT_TRUE(r.dialogue().mail_seen);
  EXPECT_EQ(r.dialogue().mail_from, "");
  r.on_bytes("MAIL FROM:<c@d.example>\r\n", 1);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"503"});  // nested
  r.on_bytes("RCPT TO:<>\r\n", 1);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"501"});
  const std::vector<std::string>& v = r.dialogue().violations;
  EXPECT_TRUE(has(v, "bad_sequence"));
  EXPECT_TRUE(has(v, "syntax_error"));
}

// RFC 2920: a pipelined group is answered in order, and a RCPT waiting for
// its verdict holds back the replies of everything after it.
TEST(Responder, PipelinedGroupAnsweredInOrder) {
  responder r(config());
  r.send_greeting(0);
  r.take_output();
  r.on_bytes("EHLO c.example\r\n", 1);
  r.take_output();
  r.on_bytes("MAIL FROM:<a@s.example>\r\nRCPT TO:<x@l.test>\r\nRCPT TO:<y@l.test>\r\nNOOP\r\n",
             2);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"250"});  // MAIL only
  EXPECT_TRUE(r.waiting_verdict());
  r.answer_rcpt("v1", 3);
  EXPECT_EQ(lines(r.take_output()), std::vector<std::string>{"550 5.7.1 v1"});
  EXPECT_TRUE(r.waiting_verdict());  // the second RCPT
  r.answer_rcpt("v2", 3);
  EXPECT_EQ(lines(r.take_output()),
            (std::vector<std::string>{"550 5.7.1 v2", "250 2.0.0 Ok"}));
  EXPECT_EQ(r.dialogue().rcpts_total, 2u);
  EXPECT_FALSE(has(r.dialogue().violations, "pipelining_not_offered"));
}

TEST(Responder, PipeliningBeforeEhloIsAViolation) {
  responder r(config());
  r.send_greeting(0);
  r.take_output();
  r.on_bytes("HELO c.example\r\nNOOP\r\n", 1);
  EXPECT_EQ(codes(r.take_output()), (std::vector<std::string>{"250", "250"}));
  EXPECT_TRUE(has(r.dialogue().violations, "pipelining_not_offered"));
}

TEST(Responder, EarlyTalkerRecordedAndAnsweredAfterGreeting) {
  responder r(config());
  r.on_bytes("EHLO fast.example\r\n", 0);
  EXPECT_EQ(r.take_output(), "");  // nothing before the greeting
  EXPECT_TRUE(r.dialogue().early_talker);
  EXPECT_EQ(r.dialogue().early_bytes, 19u);
  r.send_greeting(5);
  const std::vector<std::string> c = codes(r.take_output());
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0], "220");
  EXPECT_EQ(c[1], "250");
  EXPECT_EQ(r.dialogue().violations.front(), "early_talker");
}

TEST(Responder, LongLineCutAndMarked) {
  responder_config c = config();
  c.limits.max_line = 64;
  responder r(c);
  r.send_greeting(0);
  r.take_output();
  // Longer than the cap and no LF yet: dropped as it comes, answered at its LF.
  for (int i = 0; i < 100; ++i) {
    r.on_bytes(std::string(100, 'A'), 1);
    ASSERT_LT(r.buffered(), c.limits.max_line);  // nothing grows without bound
  }
  EXPECT_EQ(r.take_output(), "");
  r.on_bytes(std::string(100, 'A') + "\r\nNOOP\r\n", 1);
  EXPECT_EQ(lines(r.take_output()),
            (std::vector<std::string>{"500 5.5.2 line too long", "250 2.0.0 Ok"}));
  // A whole line past the cap in one read.
  r.on_bytes(std::string(70, 'B') + "\r\n", 2);
  EXPECT_EQ(lines(r.take_output()), std::vector<std::string>{"500 5.5.2 line too long"});
  EXPECT_EQ(r.dialogue().unknown_commands, 0u);  // never read as a command
  EXPECT_TRUE(has(r.dialogue().violations, "line_too_long"));
  EXPECT_EQ(r.dialogue().truncated, std::vector<std::string>{"line"});
}

TEST(Responder, CommandCapEndsTheSession) {
  responder_config c = config();
  c.limits.max_commands = 3;
  responder r(c);
  r.send_greeting(0);
  r.take_output();
  r.on_bytes("NOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\nNOOP\r\n", 1);
  EXPECT_EQ(codes(r.take_output()), (std::vector<std::string>{"250", "250", "250", "421"}));
  EXPECT_TRUE(r.closing());
  EXPECT_EQ(r.dialogue().end, "commands");
  EXPECT_EQ(r.dialogue().truncated, std::vector<std::string>{"commands"});
  r.on_bytes("NOOP\r\n", 2);
  EXPECT_EQ(r.take_output(), "");  // nothing after the close
}

TEST(Responder, RcptListCapped) {
  responder_config c = config();
  c.limits.max_rcpts = 2;
  responder r(c);
  r.send_greeting(0);
  r.on_bytes("EHLO c.example\r\nMAIL FROM:<a@s.example>\r\n", 1);
  for (int i = 0; i < 3; ++i) {
    r.on_bytes("RCPT TO:<r" + std::to_string(i) + "@l.test>\r\n", 2);
    r.answer_rcpt("v", 2);
  }
  EXPECT_EQ(r.dialogue().rcpts, (std::vector<std::string>{"r0@l.test", "r1@l.test"}));
  EXPECT_EQ(r.dialogue().rcpts_total, 3u);
  EXPECT_EQ(r.dialogue().truncated, std::vector<std::string>{"rcpt"});
}

TEST(Responder, BareLfAccepted) {
  responder r(config());
  r.send_greeting(0);
  r.take_output();
  r.on_bytes("EHLO c.example\n", 1);
  EXPECT_EQ(r.dialogue().helo, "c.example");
  EXPECT_TRUE(has(r.dialogue().violations, "bare_lf"));
}

TEST(Responder, AbortWrites421Once) {
  responder r(config());
  r.send_greeting(0);
  r.take_output();
  r.abort("shutdown", 9);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"421"});
  r.abort("timeout", 10);
  EXPECT_EQ(r.take_output(), "");
  EXPECT_EQ(r.dialogue().end, "shutdown");
  EXPECT_EQ(r.dialogue().ms_end, 9);
}

TEST(Responder, TimeoutAbortSaysSo) {
  responder r(config());
  r.send_greeting(0);
  r.take_output();
  r.abort("timeout", 9);
  EXPECT_EQ(r.take_output().substr(0, 9), "421 4.4.2");
  EXPECT_EQ(r.dialogue().end, "timeout");
}

TEST(Responder, StartTlsDropsPipelinedPlaintextAndStartsOver) {
  responder r(config(true));
  r.send_greeting(0);
  r.on_bytes("EHLO c.example\r\n", 1);
  EXPECT_TRUE(has(lines(r.take_output()), "250-STARTTLS"));
  r.on_bytes("STARTTLS\r\nMAIL FROM:<evil@x.example>\r\n", 2);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"220"});
  EXPECT_TRUE(r.starttls_pending());
  EXPECT_TRUE(has(r.dialogue().violations, "data_after_starttls"));
  EXPECT_FALSE(r.dialogue().mail_seen);  // the injected MAIL was never read
  r.tls_established(3);
  EXPECT_TRUE(r.in_tls());
  r.on_bytes("MAIL FROM:<a@s.example>\r\n", 4);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"503"});  // EHLO again first
  r.on_bytes("EHLO c.example\r\n", 5);
  const std::vector<std::string> ehlo = lines(r.take_output());
  EXPECT_TRUE(has(ehlo, "250-PIPELINING"));
  EXPECT_FALSE(has(ehlo, "250-STARTTLS"));  // not again inside TLS
  r.on_bytes("MAIL FROM:<a@s.example>\r\n", 6);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"250"});
}

TEST(Responder, PeerCloseEndsTheDialogue) {
  responder r(config());
  r.send_greeting(0);
  r.peer_closed("closed", 4);
  EXPECT_TRUE(r.closing());
  EXPECT_EQ(r.dialogue().end, "closed");
}

// Overlong lines count as commands: past max_commands they end the
// session like any other, so a client cannot draw unlimited 500s.
TEST(Responder, LongLinesCountTowardsTheCommandCap) {
  responder_config c = config();
  c.limits.max_line = 64;
  c.limits.max_commands = 3;
  responder r(c);
  r.send_greeting(0);
  r.take_output();
  std::string lots;
  for (int i = 0; i < 10; ++i) {
    lots += std::string(70, 'B') + "\r\n";
  }
  r.on_bytes(lots, 1);
  EXPECT_EQ(codes(r.take_output()), (std::vector<std::string>{"500", "500", "500", "421"}));
  EXPECT_TRUE(r.closing());
  EXPECT_EQ(r.dialogue().end, "commands");
  EXPECT_TRUE(has(r.dialogue().truncated, "commands"));
  // The same for a line cut with no LF in sight, dropped up to its LF.
  responder r2(c);
  r2.send_greeting(0);
  r2.take_output();
  for (int i = 0; i < 10; ++i) {
    r2.on_bytes(std::string(100, 'A'), 1);
    r2.on_bytes("\r\n", 1);
  }
  EXPECT_EQ(codes(r2.take_output()), (std::vector<std::string>{"500", "500", "500", "421"}));
  EXPECT_EQ(r2.dialogue().end, "commands");
}

// Before the greeting nothing is answered: what an early talker streams is
// kept up to max_line and the rest dropped (marked), the cut line is never
// taken as a command, and the complete lines before it are answered.
TEST(Responder, EarlyInputBounded) {
  responder_config c = config();
  c.limits.max_line = 64;
  responder r(c);
  r.on_bytes("NOOP\r\n", 0);
  for (int i = 0; i < 100; ++i) {
    r.on_bytes(std::string(100, 'X'), 1);
    ASSERT_LE(r.buffered(), c.limits.max_line);  // nothing grows without bound
  }
  EXPECT_EQ(r.dialogue().early_bytes, 6u + 100u * 100u);
  EXPECT_TRUE(has(r.dialogue().truncated, "early_input"));
  r.send_greeting(2);
  r.on_bytes("XXXX\r\nNOOP\r\n", 3);
  // 220, the NOOP kept, 500 for the line cut (dropped up to its LF), NOOP.
  EXPECT_EQ(codes(r.take_output()), (std::vector<std::string>{"220", "250", "500", "250"}));
  EXPECT_EQ(r.dialogue().unknown_commands, 0u);
}

// A line past max_line is marked when the skipping starts, not when its LF
// comes: a session that ends before the LF still records the cut (issue 19
// review). It is marked and answered once.
TEST(Responder, LongLineMarkedBeforeItsLf) {
  for (const bool close_first : {true, false}) {
    responder r(config());
    r.send_greeting(0);
    r.take_output();
    r.on_bytes("EHLO " + std::string(5000, 'a'), 1);
    EXPECT_TRUE(has(r.dialogue().truncated, "line"));
    EXPECT_TRUE(has(r.dialogue().violations, "line_too_long"));
    EXPECT_TRUE(r.take_output().empty());  // answered at its LF
    if (close_first) {
      r.peer_closed("closed", 2);
    } else {
      r.abort("timeout", 2);
    }
    EXPECT_TRUE(r.closing());
    EXPECT_EQ(r.dialogue().truncated, std::vector<std::string>{"line"});
    EXPECT_EQ(r.dialogue().violations, std::vector<std::string>{"line_too_long"});
  }
  responder r(config());
  r.send_greeting(0);
  r.take_output();
  r.on_bytes(std::string(1500, 'a'), 1);
  r.on_bytes(std::string(1500, 'a'), 1);
  r.on_bytes("\r\nNOOP\r\n", 2);
  EXPECT_EQ(codes(r.take_output()), (std::vector<std::string>{"500", "250"}));
  EXPECT_EQ(r.dialogue().commands, 2u);
  EXPECT_EQ(r.dialogue().truncated, std::vector<std::string>{"line"});
}

// An early talker's input cut by the cap, with STARTTLS in the part kept:
// what followed STARTTLS is dropped, and the first command inside TLS is a
// command, not the rest of the cut line (issue 19 review).
TEST(Responder, EarlyCutDoesNotSurviveStartTls) {
  responder r(config(true));
  r.on_bytes("EHLO a.example\r\nSTARTTLS\r\n" + std::string(1500, 'X'), 0);
  ASSERT_TRUE(has(r.dialogue().truncated, "early_input"));
  r.send_greeting(1);
  EXPECT_EQ(codes(r.take_output()), (std::vector<std::string>{"220", "250", "220"}));
  ASSERT_TRUE(r.starttls_pending());
  r.tls_established(2);
  r.on_bytes("EHLO a.example\r\n", 3);
  const std::vector<std::string> ehlo = lines(r.take_output());
  ASSERT_FALSE(ehlo.empty());
  EXPECT_EQ(ehlo[0], "250-mx.listen.test");
  EXPECT_FALSE(has(r.dialogue().truncated, "line"));
  EXPECT_FALSE(has(r.dialogue().violations, "line_too_long"));
  EXPECT_EQ(r.dialogue().helo, "a.example");
}

// A client that half-closes (EOF) before a delayed greeting can still read:
// the greeting goes out, its commands are answered in order, the RCPT with
// its verdict, and the record counts them (issue 19 review).
TEST(Responder, HalfCloseBeforeTheGreetingIsAnswered) {
  responder r(config());
  r.on_bytes("EHLO a.example\r\nMAIL FROM:<b@c.example>\r\nRCPT TO:<d@e>\r\nQUIT\r\n", 1);
  r.peer_closed("closed", 2);
  EXPECT_TRUE(r.greeted());
  EXPECT_TRUE(r.input_ended());
  ASSERT_TRUE(r.waiting_verdict());  // not closed: the RCPT waits for its verdict
  EXPECT_FALSE(r.closing());
  EXPECT_EQ(codes(r.take_output()), (std::vector<std::string>{"220", "250", "250"}));
  r.on_bytes("NOOP\r\n", 3);  // nothing is read after an EOF
  r.answer_rcpt("ptr=ok", 4);
  EXPECT_EQ(codes(r.take_output()), (std::vector<std::string>{"550", "221"}));
  EXPECT_TRUE(r.closing());
  EXPECT_EQ(r.dialogue().commands, 4u);
  EXPECT_EQ(r.dialogue().end, "quit");
  EXPECT_EQ(r.dialogue().mail_from, "b@c.example");
  EXPECT_EQ(r.dialogue().rcpts, std::vector<std::string>{"d@e"});

  // Without QUIT: closed once the complete lines are answered; a partial
  // line is never taken as a command.
  responder r2(config());
  r2.send_greeting(0);
  r2.take_output();
  r2.on_bytes("EHLO a.example\r\nNOOP", 1);
  r2.peer_closed("closed", 2);
  EXPECT_EQ(codes(r2.take_output()), std::vector<std::string>{"250"});
  EXPECT_TRUE(r2.closing());
  EXPECT_EQ(r2.dialogue().end, "closed");
  EXPECT_EQ(r2.dialogue().commands, 1u);

  // A reset closes at once: nothing can be sent.
  responder r3(config());
  r3.on_bytes("EHLO a.example\r\n", 1);
  r3.peer_closed("reset", 2);
  EXPECT_TRUE(r3.closing());
  EXPECT_FALSE(r3.greeted());
  EXPECT_EQ(r3.dialogue().end, "reset");
  EXPECT_EQ(r3.dialogue().commands, 0u);
  // A reset while a half-closed client's RCPT waits: closed at once.
  responder r5(config());
  r5.send_greeting(0);
  r5.on_bytes("EHLO a.example\r\nMAIL FROM:<b@c.example>\r\nRCPT TO:<d@e>\r\nQUIT\r\n", 1);
  r5.peer_closed("closed", 2);
  ASSERT_TRUE(r5.waiting_verdict());
  r5.peer_closed("reset", 3);
  EXPECT_TRUE(r5.closing());
  EXPECT_EQ(r5.dialogue().end, "reset");

  // An EOF after the 220 to STARTTLS: no handshake can follow.
  responder r4(config(true));
  r4.send_greeting(0);
  r4.on_bytes("EHLO a.example\r\nSTARTTLS\r\n", 1);
  ASSERT_TRUE(r4.starttls_pending());
  r4.peer_closed("closed", 2);
  EXPECT_TRUE(r4.closing());
  EXPECT_EQ(r4.dialogue().end, "closed");
}

// A MAIL FROM path past 256 octets (RFC 5321 §4.5.3.1.3) is refused, so no
// check runs on a domain cut at max_text.
TEST(Responder, OverlongMailPathRefused) {
  responder r(config());
  r.send_greeting(0);
  r.on_bytes("EHLO client.test\r\n", 1);
  r.take_output();
  const std::string path = std::string(250, 'x') + "@example.org";  // 262 octets
  r.on_bytes("MAIL FROM:<" + path + ">\r\n", 2);
  EXPECT_EQ(lines(r.take_output()), std::vector<std::string>{"501 5.1.3 path too long"});
  EXPECT_EQ(r.mail_seq(), 0u);
  EXPECT_FALSE(r.dialogue().mail_seen);
  EXPECT_TRUE(has(r.dialogue().violations, "syntax_error"));
  r.on_bytes("MAIL FROM:<a@example.org>\r\n", 3);
  EXPECT_EQ(codes(r.take_output()), std::vector<std::string>{"250"});
}

// RCPT TO paths (RFC 5321 §4.5.3.1.3): 256 octets is a recipient, answered
// with the verdict and kept whole; 257 is "501 5.1.3 path too long", neither
// kept nor counted nor waited on, and the session goes on.
TEST(Responder, OverlongRcptPathRefused) {
  responder r(config());
  r.send_greeting(0);
  r.on_bytes("EHLO client.test\r\nMAIL FROM:<a@example.org>\r\n", 1);
  r.take_output();
  const std::string at_cap = std::string(256 - 12, 'r') + "@example.org";  // 256 octets
  const std::string past_cap = "x" + at_cap;                               // 257
  r.on_bytes("RCPT TO:<" + past_cap + ">\r\n", 2);
  EXPECT_FALSE(r.waiting_verdict());
  EXPECT_EQ(lines(r.take_output()), std::vector<std::string>{"501 5.1.3 path too long"});
  EXPECT_TRUE(has(r.dialogue().violations, "syntax_error"));
  EXPECT_EQ(r.dialogue().rcpts_total, 0u);
  EXPECT_TRUE(r.dialogue().rcpts.empty());
  r.on_bytes("RCPT TO:<" + at_cap + ">\r\n", 3);
  ASSERT_TRUE(r.waiting_verdict());
  r.answer_rcpt("ptr=ok", 4);
  EXPECT_EQ(lines(r.take_output()), std::vector<std::string>{"550 5.7.1 ptr=ok"});
  EXPECT_EQ(r.dialogue().rcpts_total, 1u);
  EXPECT_EQ(r.dialogue().rcpts, std::vector<std::string>{at_cap});
  EXPECT_TRUE(r.dialogue().truncated.empty());  // nothing cut: 256 < max_text
}

}  // namespace
}  // namespace ptrscan
