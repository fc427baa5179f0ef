#include "simnet/smtp_session.h"

#include <gtest/gtest.h>

namespace ptrscan::simnet {
namespace {

using then_do = smtp_reply::then_do;

TEST(SmtpSession, Dialogue) {
  const struct {
    const char* line;
    bool offers_starttls;
    std::string reply;
    then_do then;
  } cases[] = {
      {"EHLO scanner.test", true,
       "250-mx.sim.test hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-8BITMIME\r\n"
       "250 STARTTLS\r\n",
       then_do::nothing},
      {"ehlo x", false,
       "250-mx.sim.test hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n",
       then_do::nothing},
      {"HELO x", true, "250 mx.sim.test\r\n", then_do::nothing},
      {"STARTTLS", true, "220 2.0.0 Ready to start TLS\r\n", then_do::start_tls},
      {"STARTTLS", false, "502 5.5.2 Command not implemented\r\n", then_do::nothing},
      {"NOOP", true, "250 2.0.0 OK\r\n", then_do::nothing},
      {"rset", true, "250 2.0.0 OK\r\n", then_do::nothing},
      {"QUIT", true, "221 2.0.0 mx.sim.test closing\r\n", then_do::close},
      {"MAIL FROM:<a@b>", true, "502 5.5.2 Command not implemented\r\n", then_do::nothing},
      {"", true, "502 5.5.2 Command not implemented\r\n", then_do::nothing},
  };
  for (const auto& c : cases) {
    const smtp_session s("mx.sim.test", c.offers_starttls);
    const smtp_reply r = s.on_line(c.line);
    EXPECT_EQ(r.text, c.reply) << c.line;
    EXPECT_EQ(r.then, c.then) << c.line;
  }
}

TEST(SmtpSession, GreetingNamesTheHost) {
  EXPECT_EQ(smtp_session("mx.sim.test", false).greeting().text, "220 mx.sim.test ESMTP simnet\r\n");
}

TEST(SmtpSession, NoSecondStarttlsInsideTls) {
  smtp_session s("mx.sim.test", true);
  s.tls_started();
  EXPECT_EQ(s.on_line("EHLO x").text.find("STARTTLS"), std::string::npos);
  EXPECT_EQ(s.on_line("STARTTLS").then, then_do::nothing);
}

}  // namespace
}  // namespace ptrscan::simnet
