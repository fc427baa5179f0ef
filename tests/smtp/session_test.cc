// The SMTP session state machine on a real io_uring against scripted peers on
// loopback: one table row per behaviour a real MTA will not show on request.
#include "smtp/session.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "../support/scripted_tcp_server.h"
#include "core/user_data.h"
#include "output/json_writer.h"

namespace ptrscan {
namespace {

using testing::script_step;
using testing::scripted_tcp_server;
using step = script_step;

class done_flag final : public smtp_client {
 public:
  int done = 0;
  void on_smtp_done(uint64_t) override { ++done; }
};

/// Runs one session to the end the way a shard does.
smtp_result run_session(uint16_t port, smtp_options options, const tls_context* tls) {
  ring r;
  EXPECT_TRUE(r.init(64).ok());
  done_flag flag;
  smtp_prober prober(r, flag, options, tls, 4);
  smtp_result result;
  auto started = prober.start(*ip_address::parse("127.0.0.1"), port, &result, 7);
  if (started != smtp_prober::start_result::started) {
    return result;
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (flag.done == 0 && std::chrono::steady_clock::now() < deadline) {
    EXPECT_EQ(r.submit_and_wait(50'000'000), 0);
    r.drain([&](uint64_t data, int res, uint32_t) { prober.on_completion(data, res); });
  }
  EXPECT_EQ(flag.done, 1);
  EXPECT_EQ(prober.active(), 0u);
  return result;
}

/// Starts `n` sessions at once through `r` (offset by one unrelated SQE, so
/// operation + timeout pairs straddle the end of a small queue) and runs
/// the ring until all are done or 15 s pass.
std::vector<smtp_result> run_sessions(ring& r, smtp_prober& prober, done_flag& flag,
                                      uint16_t port, int n) {
  std::vector<smtp_result> results(static_cast<size_t>(n));
  io_uring_prep_nop(r.get_sqe());
  for (smtp_result& res : results) {
    EXPECT_EQ(prober.start(*ip_address::parse("127.0.0.1"), port, &res, 1),
              smtp_prober::start_result::started);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (flag.done < n && std::chrono::steady_clock::now() < deadline) {
    EXPECT_EQ(r.submit_and_wait(50'000'000), 0);
    r.drain([&](uint64_t data, int res, uint32_t) { prober.on_completion(data, res); });
  }
  return results;
}

smtp_options fast_options() {
  smtp_options o;
  o.ehlo_name = "scanner.test";
  o.connect_timeout_ms = 1000;
  o.read_timeout_ms = 300;
  o.session_timeout_ms = 3000;
  o.starttls = false;
  return o;
}

struct session_case {
  std::string label;
  std::vector<script_step> script;
  smtp_status status;
  std::string banner_host;
  std::string ehlo_host;
  bool helo = false;
  std::string error_contains;
};

std::vector<session_case> cases() {
  const std::string ehlo_ok =
      "250-mx.example.test hello\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n";
  return {
      {"plain session",
       {step::send("220 mx.example.test ESMTP test\r\n"), step::expect("EHLO scanner.test"),
        step::send(ehlo_ok), step::expect("QUIT")},
       smtp_status::ok, "mx.example.test", "mx.example.test", false, ""},
      {"multi-line greeting",
       {step::send("220-a.example.test first\r\n220-second\r\n220 third\r\n"),
        step::expect("EHLO"), step::send(ehlo_ok), step::expect("QUIT")},
       smtp_status::ok, "a.example.test", "mx.example.test", false, ""},
      {"bare LF line endings",
       {step::send("220 lf.example.test ready\n"), step::expect("EHLO"),
        step::send("250-lf.example.test\n250 HELP\n"), step::expect("QUIT")},
       smtp_status::ok, "lf.example.test", "lf.example.test", false, ""},
      {"554 greeting is rejected, and QUIT is still sent",
       {step::send("554 no.example.test no service\r\n"), step::expect("QUIT")},
       smtp_status::rejected, "no.example.test", "", false, ""},
      {"421 greeting is rejected",
       {step::send("421 busy.example.test try later\r\n"), step::expect("QUIT")},
       smtp_status::rejected, "busy.example.test", "", false, ""},
      {"EHLO refused falls back to HELO",
       {step::send("220 old.example.test SMTP\r\n"), step::expect("EHLO"),
        step::send("502 command not implemented\r\n"), step::expect("HELO scanner.test"),
        step::send("250 old.example.test\r\n"), step::expect("QUIT")},
       smtp_status::ok, "old.example.test", "old.example.test", true, ""},
      {"banner slower than the read timeout",
       {step::pause(1000), step::send("220 late.example.test\r\n")},
       smtp_status::timeout, "", "", false, "greeting"},
      {"silence after EHLO times out",
       {step::send("220 mute.example.test\r\n"), step::expect("EHLO"), step::pause(1000)},
       smtp_status::timeout, "mute.example.test", "", false, "reply"},
      {"reset mid-reply", {step::send("220-partial"), step::pause(50), step::reset()},
       smtp_status::reset, "", "", false, ""},
      {"close before the banner", {step::close()}, smtp_status::error, "", "", false,
       "before the greeting"},
      {"endless line without CRLF", {step::send(std::string(70 * 1024, 'x'))},
       smtp_status::error, "", "", false, "reply"},
      {"garbage instead of a greeting",
       {step::send("HTTP/1.1 400 Bad Request\r\n"), step::expect("QUIT")}, smtp_status::error,
       "", "", false, "malformed greeting"},
  };
}

TEST(SmtpSessionTest, ScriptedPeers) {
  for (const session_case& c : cases()) {
    SCOPED_TRACE(c.label);
    scripted_tcp_server server(c.script);
    smtp_result r = run_session(server.port(), fast_options(), nullptr);
    EXPECT_EQ(to_string(r.status), to_string(c.status)) << r.error;
    EXPECT_EQ(r.banner_host, c.banner_host);
    EXPECT_EQ(r.ehlo.host, c.ehlo_host);
    EXPECT_EQ(r.helo, c.helo);
    if (!c.error_contains.empty()) {
      EXPECT_NE(r.error.find(c.error_contains), std::string::npos) << r.error;
    }
    EXPECT_GE(r.ms_total, 0);
  }
}

TEST(SmtpSessionTest, RecordsBannerAndExtensions) {
  scripted_tcp_server server({step::send("220-mx1.Example.TEST ESMTP\r\n220 second line\r\n"),
                              step::expect("EHLO scanner.test"),
                              step::send("250-MX1.example.test\r\n250-PIPELINING\r\n"
                                         "250-SIZE 10240000\r\n250-STARTTLS\r\n250 SMTPUTF8\r\n"),
                              step::expect("QUIT")});
  smtp_result r = run_session(server.port(), fast_options(), nullptr);
  ASSERT_EQ(r.status, smtp_status::ok) << r.error;
  EXPECT_TRUE(server.completed());
  EXPECT_EQ(r.banner, "220-mx1.Example.TEST ESMTP\r\n220 second line");
  EXPECT_EQ(r.banner_host, "mx1.example.test");
  ASSERT_TRUE(r.has_ehlo);
  EXPECT_EQ(r.ehlo.extensions,
            (std::vector<std::string>{"PIPELINING", "SIZE 10240000", "STARTTLS", "SMTPUTF8"}));
  // The starttls probe is off: no upgrade was tried.
  EXPECT_FALSE(r.tls_attempted);
  EXPECT_GE(r.ms_connect, 0);
  EXPECT_GE(r.ms_banner, 0);
  EXPECT_GE(r.ms_ehlo, 0);
}

// Many sessions through a 4-entry ring, offset by one SQE so that operation +
// timeout pairs straddle the end of the queue (ring::reserve keeps each pair
// in one submission). The regression test for the split itself is the
// namespace scale test (SmtpFarm), where it cost 2 of 4096 hosts a
// connect that came back -EINPROGRESS.
TEST(SmtpSessionTest, ManySessionsThroughASmallRing) {
  scripted_tcp_server server({step::send("220 mx.example.test ESMTP\r\n"), step::expect("EHLO"),
                              step::send("250 mx.example.test\r\n"), step::expect("QUIT")});
  ring r;
  ASSERT_TRUE(r.init(4).ok());
  done_flag flag;
  smtp_options o = fast_options();
  o.connect_timeout_ms = 3000;
  o.read_timeout_ms = 3000;
  o.session_timeout_ms = 10000;
  constexpr int n = 12;
  smtp_prober prober(r, flag, o, nullptr, n);
  std::vector<smtp_result> results = run_sessions(r, prober, flag, server.port(), n);
  ASSERT_EQ(flag.done, n);
  for (const smtp_result& res : results) {
    EXPECT_EQ(res.status, smtp_status::ok) << res.error;
    EXPECT_EQ(res.banner_host, "mx.example.test");
  }
}

// The same through silent peers: every greeting read must carry its timeout.
TEST(SmtpSessionTest, SilentPeersThroughASmallRingAllTimeOut) {
  scripted_tcp_server server({step::pause(2500)});
  ring r;
  ASSERT_TRUE(r.init(4).ok());
  done_flag flag;
  smtp_options o = fast_options();
  o.connect_timeout_ms = 3000;
  o.read_timeout_ms = 200;
  constexpr int n = 12;
  smtp_prober prober(r, flag, o, nullptr, n);
  std::vector<smtp_result> results = run_sessions(r, prober, flag, server.port(), n);
  ASSERT_EQ(flag.done, n);
  for (const smtp_result& res : results) {
    EXPECT_EQ(res.status, smtp_status::timeout) << res.error;
  }
}

// The first signal's grace is over (issue 15 item 8): stop_all() ends every
// open session as `stopped`, keeping what it learnt, however long its own
// timeouts would have let it wait. One session waits for a greeting, one for
// EHLO's reply, from peers silent for 3 s, with a 60 s read timeout.
TEST(SmtpSessionTest, StopAllEndsOpenSessionsAsStopped) {
  scripted_tcp_server silent({step::pause(3'000)});
  scripted_tcp_server after_ehlo(
      {step::send("220 mx.example.test ESMTP\r\n"), step::expect("EHLO"), step::pause(3'000)});
  ring r;
  ASSERT_TRUE(r.init(16).ok());
  done_flag flag;
  smtp_options o = fast_options();
  o.read_timeout_ms = 60'000;
  o.session_timeout_ms = 120'000;
  smtp_prober prober(r, flag, o, nullptr, 4);
  smtp_result greeting_wait;
  smtp_result ehlo_wait;
  ASSERT_EQ(prober.start(*ip_address::parse("127.0.0.1"), silent.port(), &greeting_wait, 1),
            smtp_prober::start_result::started);
  ASSERT_EQ(prober.start(*ip_address::parse("127.0.0.1"), after_ehlo.port(), &ehlo_wait, 2),
            smtp_prober::start_result::started);
  // Run until the second session waits for EHLO's reply (its banner is in).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!ehlo_wait.has_banner && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(r.submit_and_wait(50'000'000), 0);
    r.drain([&](uint64_t data, int res, uint32_t) { prober.on_completion(data, res); });
  }
  ASSERT_TRUE(ehlo_wait.has_banner);
  ASSERT_EQ(flag.done, 0);
  prober.stop_all();
  prober.stop_all();  // idempotent: one end per session
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (flag.done < 2 && std::chrono::steady_clock::now() < deadline) {
    ASSERT_EQ(r.submit_and_wait(50'000'000), 0);
    r.drain([&](uint64_t data, int res, uint32_t) { prober.on_completion(data, res); });
  }
  ASSERT_EQ(flag.done, 2);
  EXPECT_EQ(prober.active(), 0u);
  EXPECT_EQ(greeting_wait.status, smtp_status::stopped);
  EXPECT_EQ(greeting_wait.error, "scan stopped after --stop-grace, during greeting");
  EXPECT_EQ(ehlo_wait.status, smtp_status::stopped);
  EXPECT_EQ(ehlo_wait.error, "scan stopped after --stop-grace, during EHLO");
  EXPECT_EQ(ehlo_wait.banner, "220 mx.example.test ESMTP") << "what it learnt is kept";
  std::string json;
  json_writer w(json);
  ehlo_wait.write_json(w, {});
  EXPECT_NE(json.find("\"status\":\"stopped\""), std::string::npos) << json;
}

TEST(SmtpSessionTest, ConnectionRefused) {
  uint16_t port = 0;
  {
    scripted_tcp_server gone({});
    port = gone.port();
  }  // closed: nothing listens there now
  smtp_result r = run_session(port, fast_options(), nullptr);
  EXPECT_EQ(r.status, smtp_status::refused);
  EXPECT_FALSE(r.has_banner);
}

TEST(SmtpSessionTest, StarttlsRefusedIsRecordedNotFatal) {
  scripted_tcp_server server({step::send("220 tls.example.test\r\n"), step::expect("EHLO"),
                              step::send("250-tls.example.test\r\n250 STARTTLS\r\n"),
                              step::expect("STARTTLS"), step::send("454 TLS not available\r\n"),
                              step::expect("QUIT")});
  auto ctx = tls_context::create();
  ASSERT_TRUE(ctx.ok());
  smtp_options o = fast_options();
  o.starttls = true;
  smtp_result r = run_session(server.port(), o, ctx->get());
  EXPECT_EQ(r.status, smtp_status::ok);
  EXPECT_TRUE(r.tls_attempted);
  EXPECT_NE(r.tls_error.find("454"), std::string::npos) << r.tls_error;
}

TEST(SmtpSessionTest, BrokenTlsAfterStarttls) {
  scripted_tcp_server server({step::send("220 tls.example.test\r\n"), step::expect("EHLO"),
                              step::send("250-tls.example.test\r\n250 STARTTLS\r\n"),
                              step::expect("STARTTLS"), step::send("220 go ahead\r\n"),
                              step::pause(50), step::send("this is not a TLS record\r\n")});
  auto ctx = tls_context::create();
  ASSERT_TRUE(ctx.ok());
  smtp_options o = fast_options();
  o.starttls = true;
  smtp_result r = run_session(server.port(), o, ctx->get());
  EXPECT_EQ(r.status, smtp_status::ok);
  EXPECT_TRUE(r.tls_attempted);
  EXPECT_FALSE(r.tls_ok);
  EXPECT_FALSE(r.tls_error.empty());
  EXPECT_FALSE(r.has_ehlo_tls);
}

// The opt-in relay test. Every row checks the exact lines the server read,
// in order: the configured addresses, RSET after any MAIL/RCPT verdict, and
// never DATA (the script ends at QUIT, after which the session closes). The
// server offers PIPELINING, yet commands go one at a time: after a refused
// MAIL the next line is RSET, not a RCPT sent ahead.
struct relay_case {
  std::string label;
  std::vector<script_step> script;
  std::vector<std::string> received;
  relay_status relay;
  smtp_status status;
  relay_reply mail;  // expected record of the MAIL reply (received = false: none)
  relay_reply rcpt;
  bool starttls = false;
  std::vector<std::string> violations = {};  // smtp[].violations, in output order
};

relay_reply reply(int code, std::string text) {
  return relay_reply{true, code, std::move(text), false};
}

std::vector<std::string> violation_names(const smtp_result& r) {
  std::vector<std::string> names;
  for (int v = 0; v < smtp_violation_count; ++v) {
    if (r.has_violation(static_cast<smtp_violation>(v))) {
      names.emplace_back(to_string(static_cast<smtp_violation>(v)));
    }
  }
  return names;
}

std::vector<relay_case> relay_cases() {
  const std::string mail = "MAIL FROM:<probe@sender.test>";
  const std::string rcpt = "RCPT TO:<probe@victim.test>";
  const std::vector<script_step> hello = {
      step::send("220 mx.example.test ESMTP\r\n"), step::expect("EHLO scanner.test"),
      step::send("250-mx.example.test\r\n250 PIPELINING\r\n")};
  // hello + the steps of one case.
  auto after_hello = [&](std::vector<script_step> rest) {
    std::vector<script_step> script = hello;
    script.insert(script.end(), rest.begin(), rest.end());
    return script;
  };
  const std::string ehlo = "EHLO scanner.test";
  const std::string long_text(300, 'x');
  return {
      {"RCPT 250: open",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::send("250 2.1.5 Ok\r\n"), step::expect("RSET"),
                    step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, rcpt, "RSET", "QUIT"}, relay_status::open, smtp_status::ok,
       reply(250, "2.1.0 Ok"), reply(250, "2.1.5 Ok")},
      {"RCPT 550: closed; the first line of a multi-line reply is kept",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::send("550-5.7.1 <probe@victim.test>: Relay access denied\r\n"
                               "550 5.7.1 see the postmaster\r\n"),
                    step::expect("RSET"), step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, rcpt, "RSET", "QUIT"}, relay_status::closed, smtp_status::ok,
       reply(250, "2.1.0 Ok"), reply(550, "5.7.1 <probe@victim.test>: Relay access denied")},
      {"RCPT 450: tempfail",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::send("450 4.7.1 greylisted\r\n"), step::expect("RSET"),
                    step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, rcpt, "RSET", "QUIT"}, relay_status::tempfail, smtp_status::ok,
       reply(250, "2.1.0 Ok"), reply(450, "4.7.1 greylisted")},
      {"MAIL 553: closed, and no RCPT",
       after_hello({step::expect(mail), step::send("553 5.7.1 sender rejected\r\n"),
                    step::expect("RSET"), step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, "RSET", "QUIT"}, relay_status::closed, smtp_status::ok,
       reply(553, "5.7.1 sender rejected"), {}},
      {"MAIL 421: tempfail, and no RCPT",
       after_hello({step::expect(mail), step::send("421 4.3.2 shutting down\r\n"),
                    step::expect("RSET"), step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, "RSET", "QUIT"}, relay_status::tempfail, smtp_status::ok,
       reply(421, "4.3.2 shutting down"), {}},
      {"closed after MAIL: untested",
       after_hello({step::expect(mail), step::close()}), {ehlo, mail}, relay_status::untested,
       smtp_status::error, {}, {}},
      {"silence after RCPT: untested",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::pause(1000)}),
       {ehlo, mail, rcpt}, relay_status::untested, smtp_status::timeout, reply(250, "2.1.0 Ok"),
       {}},
      {"a long reply text is capped",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::send("554 " + long_text + "\r\n"), step::expect("RSET"),
                    step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, rcpt, "RSET", "QUIT"}, relay_status::closed, smtp_status::ok,
       reply(250, "2.1.0 Ok"),
       relay_reply{true, 554, long_text.substr(0, relay_reply::max_text), true}},
      // Some servers hang up once they have refused to relay: the verdict
      // stands and the session keeps its status.
      {"hang-up after RCPT 554: closed, session ok",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::send("554 5.7.1 relay denied\r\n"), step::close()}),
       {ehlo, mail, rcpt}, relay_status::closed, smtp_status::ok, reply(250, "2.1.0 Ok"),
       reply(554, "5.7.1 relay denied")},
      {"no reply to RSET: the verdict and the session status stand",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::send("250 2.1.5 Ok\r\n"), step::expect("RSET"), step::pause(1000)}),
       {ehlo, mail, rcpt, "RSET"}, relay_status::open, smtp_status::ok, reply(250, "2.1.0 Ok"),
       reply(250, "2.1.5 Ok")},
      {"after the HELO fallback",
       {step::send("220 old.example.test SMTP\r\n"), step::expect("EHLO"),
        step::send("502 command not implemented\r\n"), step::expect("HELO scanner.test"),
        step::send("250 old.example.test\r\n"), step::expect(mail),
        step::send("250 Ok\r\n"), step::expect(rcpt), step::send("550 no\r\n"),
        step::expect("RSET"), step::send("250 Ok\r\n"), step::expect("QUIT")},
       {ehlo, "HELO scanner.test", mail, rcpt, "RSET", "QUIT"}, relay_status::closed,
       smtp_status::ok, reply(250, "Ok"), reply(550, "no")},
      {"after a refused STARTTLS, in the clear",
       {step::send("220 tls.example.test\r\n"), step::expect("EHLO"),
        step::send("250-tls.example.test\r\n250 STARTTLS\r\n"), step::expect("STARTTLS"),
        step::send("454 TLS not available\r\n"), step::expect(mail), step::send("250 Ok\r\n"),
        step::expect(rcpt), step::send("250 Ok\r\n"), step::expect("RSET"),
        step::send("250 Ok\r\n"), step::expect("QUIT")},
       {ehlo, "STARTTLS", mail, rcpt, "RSET", "QUIT"}, relay_status::open, smtp_status::ok,
       reply(250, "Ok"), reply(250, "Ok"), true},
      {"greeting rejected: untested, no MAIL",
       {step::send("554 no.example.test no service\r\n"), step::expect("QUIT")}, {"QUIT"},
       relay_status::untested, smtp_status::rejected, {}, {}},
      {"EHLO and HELO refused: untested, no MAIL",
       {step::send("220 picky.example.test\r\n"), step::expect("EHLO"),
        step::send("500 no\r\n"), step::expect("HELO"), step::send("500 no\r\n"),
        step::expect("QUIT")},
       {ehlo, "HELO scanner.test", "QUIT"}, relay_status::untested, smtp_status::ok, {}, {}},
      {"RCPT 251 (will forward): open",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::send("251 2.1.5 will forward\r\n"), step::expect("RSET"),
                    step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, rcpt, "RSET", "QUIT"}, relay_status::open, smtp_status::ok,
       reply(250, "2.1.0 Ok"), reply(251, "2.1.5 will forward")},

      // Hostile peers (issue 15): bytes no command asked for are set aside
      // and recorded, never read as the next command's reply, and a dialogue
      // with any such violation gives no verdict.
      {"greeting sent twice: the second is no reply to EHLO, and MAIL is never sent",
       {step::send("220 mx.example.test ESMTP\r\n220 mx.example.test ESMTP\r\n"),
        step::expect("EHLO scanner.test"), step::send("250-mx.example.test\r\n250 PIPELINING\r\n"),
        step::expect("QUIT")},
       {ehlo, "QUIT"}, relay_status::untested, smtp_status::ok, {}, {}, false,
       {"early_talker"}},
      {"second greeting after EHLO was sent: out of step, QUIT",
       {step::send("220 mx.example.test ESMTP\r\n"), step::expect("EHLO scanner.test"),
        step::send("220 mx.example.test ESMTP again\r\n"), step::pause(100),
        step::send("250 mx.example.test\r\n"), step::expect("QUIT")},
       {ehlo, "QUIT"}, relay_status::untested, smtp_status::ok, {}, {}, false,
       {"unexpected_code"}},
      {"extra 250 lines after EHLO's reply: set aside, MAIL never sent",
       {step::send("220 mx.example.test ESMTP\r\n"), step::expect("EHLO scanner.test"),
        step::send("250-mx.example.test\r\n250 PIPELINING\r\n250 ok\r\n250 ok\r\n250 ok\r\n"),
        step::expect("QUIT")},
       {ehlo, "QUIT"}, relay_status::untested, smtp_status::ok, {}, {}, false,
       {"unsolicited_reply"}},
      {"two replies to MAIL: no RCPT",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n"),
                    step::expect("RSET"), step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, "RSET", "QUIT"}, relay_status::untested, smtp_status::ok,
       reply(250, "2.1.0 Ok"), {}, false, {"unsolicited_reply"}},
      {"two replies to RCPT: the 250 is no verdict",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::send("250 2.1.5 Ok\r\n554 5.7.1 relay denied\r\n"),
                    step::expect("RSET"), step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, rcpt, "RSET", "QUIT"}, relay_status::untested, smtp_status::ok,
       reply(250, "2.1.0 Ok"), reply(250, "2.1.5 Ok"), false, {"unsolicited_reply"}},
      {"a stray line after RSET's reply still voids the verdict",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::send("250 2.1.5 Ok\r\n"), step::expect("RSET"),
                    step::send("250 2.0.0 Ok\r\n250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, rcpt, "RSET", "QUIT"}, relay_status::untested, smtp_status::ok,
       reply(250, "2.1.0 Ok"), reply(250, "2.1.5 Ok"), false, {"unsolicited_reply"}},
      {"RCPT answered 220: out of step, untested",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::send("220 mx.example.test ESMTP\r\n"), step::expect("RSET"),
                    step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, rcpt, "RSET", "QUIT"}, relay_status::untested, smtp_status::ok,
       reply(250, "2.1.0 Ok"), reply(220, "mx.example.test ESMTP"), false, {"unexpected_code"}},
      {"RCPT answered 354: out of step, untested",
       after_hello({step::expect(mail), step::send("250 2.1.0 Ok\r\n"), step::expect(rcpt),
                    step::send("354 go ahead\r\n"), step::expect("RSET"),
                    step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, rcpt, "RSET", "QUIT"}, relay_status::untested, smtp_status::ok,
       reply(250, "2.1.0 Ok"), reply(354, "go ahead"), false, {"unexpected_code"}},
      {"garbage for MAIL is out of step too",
       after_hello({step::expect(mail), step::send("what?\r\n"), step::expect("RSET"),
                    step::send("250 2.0.0 Ok\r\n"), step::expect("QUIT")}),
       {ehlo, mail, "RSET", "QUIT"}, relay_status::untested, smtp_status::ok, reply(0, "what?"),
       {}, false, {"unexpected_code"}},
  };
}

void expect_reply(const relay_reply& got, const relay_reply& want, const char* which) {
  SCOPED_TRACE(which);
  EXPECT_EQ(got.received, want.received);
  EXPECT_EQ(got.code, want.code);
  EXPECT_EQ(got.text, want.text);
  EXPECT_EQ(got.truncated, want.truncated);
}

TEST(SmtpSessionTest, RelayTestScriptedPeers) {
  auto ctx = tls_context::create();
  ASSERT_TRUE(ctx.ok());
  for (const relay_case& c : relay_cases()) {
    SCOPED_TRACE(c.label);
    scripted_tcp_server server(c.script);
    smtp_options o = fast_options();
    o.relay = true;
    o.relay_local = "probe";
    o.relay_from = "sender.test";
    o.relay_to = "victim.test";
    o.starttls = c.starttls;
    smtp_result r = run_session(server.port(), o, c.starttls ? ctx->get() : nullptr);
    EXPECT_TRUE(server.completed());
    EXPECT_EQ(server.lines(), c.received);
    EXPECT_TRUE(r.relay_enabled);
    EXPECT_EQ(to_string(r.relay), to_string(c.relay));
    EXPECT_EQ(to_string(r.status), to_string(c.status)) << r.error;
    expect_reply(r.relay_mail, c.mail, "MAIL");
    expect_reply(r.relay_rcpt, c.rcpt, "RCPT");
    EXPECT_EQ(violation_names(r), c.violations);
    if (r.relay == relay_status::untested) {
      EXPECT_EQ(to_string(r.untested_reason()),
                c.violations.empty() ? "session_ended" : "protocol_violation");
    }
    if (c.mail.received) {
      EXPECT_GE(r.ms_relay, 0);
      EXPECT_GE(r.ms_total, r.ms_relay);
    } else {
      EXPECT_LT(r.ms_relay, 0);
    }
  }
}

// STARTTLS is found wherever it sits in the EHLO reply: here 70th, past the
// 64 extensions kept, and the cut is marked.
TEST(SmtpSessionTest, StarttlsFoundPastTheKeptExtensions) {
  std::string ehlo = "250-many.example.test\r\n";
  for (int i = 0; i < 69; ++i) {
    ehlo += "250-X-EXT" + std::to_string(i) + "\r\n";
  }
  ehlo += "250 STARTTLS\r\n";
  scripted_tcp_server server({step::send("220 many.example.test\r\n"), step::expect("EHLO"),
                              step::send(ehlo), step::expect("STARTTLS"),
                              step::send("454 4.7.0 TLS not available\r\n"),
                              step::expect("QUIT")});
  auto ctx = tls_context::create();
  ASSERT_TRUE(ctx.ok());
  smtp_options o = fast_options();
  o.starttls = true;
  smtp_result r = run_session(server.port(), o, ctx->get());
  EXPECT_TRUE(server.completed());
  EXPECT_EQ(server.lines(), (std::vector<std::string>{"EHLO scanner.test", "STARTTLS", "QUIT"}));
  EXPECT_EQ(r.status, smtp_status::ok) << r.error;
  ASSERT_TRUE(r.has_ehlo);
  EXPECT_TRUE(r.ehlo.starttls);
  EXPECT_EQ(r.ehlo.extensions.size(), ehlo_info::max_extensions);
  EXPECT_EQ(r.ehlo.extensions.back(), "X-EXT63");
  EXPECT_TRUE(r.ehlo.extensions_truncated);
  EXPECT_TRUE(r.tls_attempted);
  EXPECT_NE(r.tls_error.find("454"), std::string::npos) << r.tls_error;
  EXPECT_EQ(r.violations, 0);
  std::string out;
  json_writer w(out);
  r.write_json(w, {});
  EXPECT_NE(out.find(R"("truncated":["ehlo.extensions"],)"), std::string::npos) << out;
}

// A line of the EHLO reply over the line cap is cut and marked.
TEST(SmtpSessionTest, LongEhloLineIsMarked) {
  scripted_tcp_server server(
      {step::send("220 mx.example.test\r\n"), step::expect("EHLO"),
       step::send("250-mx.example.test\r\n250 X-LONG " + std::string(3000, 'a') + "\r\n"),
       step::expect("QUIT")});
  smtp_result r = run_session(server.port(), fast_options(), nullptr);
  EXPECT_EQ(r.status, smtp_status::ok) << r.error;
  ASSERT_EQ(r.ehlo.extensions.size(), 1u);
  EXPECT_EQ(r.ehlo.extensions[0].size(), 2048u);
  EXPECT_TRUE(r.ehlo.line_truncated);
  EXPECT_FALSE(r.ehlo.extensions_truncated);
  std::string out;
  json_writer w(out);
  r.write_json(w, {});
  EXPECT_NE(out.find(R"("truncated":["ehlo.line"],)"), std::string::npos) << out;
}

// A greeting that never ends within the reply cap: the banner is what came,
// marked as cut, and the session is an error.
TEST(SmtpSessionTest, BannerOverTheReplyCapIsKeptAndMarked) {
  scripted_tcp_server server({step::send("220 " + std::string(20 * 1024, 'x'))});
  smtp_result r = run_session(server.port(), fast_options(), nullptr);
  EXPECT_EQ(r.status, smtp_status::error);
  ASSERT_TRUE(r.has_banner);
  EXPECT_EQ(r.banner.size(), 16u * 1024);
  EXPECT_EQ(r.banner.substr(0, 8), "220 xxxx");
  EXPECT_TRUE(r.banner_truncated);
  std::string out;
  json_writer w(out);
  r.write_json(w, {});
  EXPECT_NE(out.find(R"("truncated":["banner"],)"), std::string::npos) << out;
}

// Text after STARTTLS's 220, before the handshake, is an injection: set
// aside (never read as a reply inside TLS) and recorded.
TEST(SmtpSessionTest, BytesAfterStarttlsReadyAreAViolation) {
  scripted_tcp_server server({step::send("220 tls.example.test\r\n"), step::expect("EHLO"),
                              step::send("250-tls.example.test\r\n250 STARTTLS\r\n"),
                              step::expect("STARTTLS"),
                              step::send("220 go ahead\r\n250-injected\r\n250 AUTH PLAIN\r\n"),
                              step::pause(300)});
  auto ctx = tls_context::create();
  ASSERT_TRUE(ctx.ok());
  smtp_options o = fast_options();
  o.starttls = true;
  smtp_result r = run_session(server.port(), o, ctx->get());
  EXPECT_TRUE(r.tls_attempted);
  EXPECT_FALSE(r.tls_ok);
  EXPECT_FALSE(r.has_ehlo_tls);
  EXPECT_EQ(violation_names(r), std::vector<std::string>{"unsolicited_reply"});
}

// Without the relay probe the session says EHLO and QUIT, nothing between,
// and the record has no relay part.
TEST(SmtpSessionTest, NoMailWithoutTheRelayProbe) {
  scripted_tcp_server server({step::send("220 mx.example.test ESMTP\r\n"),
                              step::expect("EHLO scanner.test"),
                              step::send("250 mx.example.test\r\n"), step::expect("QUIT")});
  smtp_result r = run_session(server.port(), fast_options(), nullptr);
  EXPECT_EQ(r.status, smtp_status::ok) << r.error;
  EXPECT_TRUE(server.completed());
  EXPECT_EQ(server.lines(), (std::vector<std::string>{"EHLO scanner.test", "QUIT"}));
  EXPECT_FALSE(r.relay_enabled);
  EXPECT_FALSE(r.relay_mail.received);
  std::string out;
  json_writer w(out);
  r.write_json(w, {});
  EXPECT_EQ(out.find("relay"), std::string::npos) << out;
}

TEST(SmtpResultTest, RelayJson) {
  smtp_result r;
  r.port = 25;
  r.status = smtp_status::ok;
  r.relay_enabled = true;
  r.relay = relay_status::open;
  r.relay_mail = relay_reply{true, 250, "2.1.0 Ok"};
  r.relay_rcpt = relay_reply{true, 250, "2.1.5 \"Ok\""};
  r.ms_relay = 0.5;
  r.ms_total = 1.5;
  std::string out;
  json_writer w(out);
  r.write_json(w, {});
  EXPECT_EQ(out, R"({"port":25,"status":"ok","relay":{"status":"open",)"
                 R"("mail":{"code":250,"text":"2.1.0 Ok","enhanced":"2.1.0"},)"
                 R"("rcpt":{"code":250,"text":"2.1.5 \"Ok\"","enhanced":"2.1.5"}},)"
                 R"("ms":{"relay":0.50,"total":1.50}})");

  // Enabled but undecided: the status and why. clear() forgets the test.
  r.relay = relay_status::untested;
  r.relay_mail = relay_reply{};
  r.relay_rcpt = relay_reply{};
  out.clear();
  json_writer w2(out);
  r.write_json(w2, {});
  EXPECT_NE(out.find(R"("relay":{"status":"untested","reason":"session_ended"},)"),
            std::string::npos)
      << out;
  // A violation makes the reason, and the violations are listed.
  r.add_violation(smtp_violation::unexpected_code);
  r.add_violation(smtp_violation::early_talker);
  out.clear();
  json_writer w3(out);
  r.write_json(w3, {});
  EXPECT_NE(out.find(R"("relay":{"status":"untested","reason":"protocol_violation"},)"
                     R"("violations":["early_talker","unexpected_code"],)"),
            std::string::npos)
      << out;
  r.clear();
  EXPECT_FALSE(r.relay_enabled);
  EXPECT_LT(r.ms_relay, 0);
}

TEST(SmtpResultTest, RelayStatusNames) {
  EXPECT_EQ(to_string(relay_status::untested), "untested");
  EXPECT_EQ(to_string(relay_status::open), "open");
  EXPECT_EQ(to_string(relay_status::closed), "closed");
  EXPECT_EQ(to_string(relay_status::tempfail), "tempfail");
}

TEST(SmtpResultTest, JsonShape) {
  smtp_result r;
  r.port = 25;
  r.status = smtp_status::ok;
  r.has_banner = true;
  r.banner = "220 mx1.example.test ESMTP \x01\xff";
  r.banner_host = "mx1.example.test";
  r.has_ehlo = true;
  r.ehlo.host = "mx1.example.test";
  r.ehlo.extensions = {"PIPELINING", "STARTTLS"};
  r.ms_connect = 0.25;
  r.ms_total = 1.5;
  std::string out;
  json_writer w(out);
  std::vector<std::string> ptr = {"mx1.example.test"};
  r.write_json(w, ptr);
  EXPECT_EQ(out,
            R"({"port":25,"status":"ok","banner":"220 mx1.example.test ESMTP \u0001\ufffd",)"
            R"("banner_host":"mx1.example.test","greet_pause":false,)"
            R"("ehlo":{"host":"mx1.example.test",)"
            R"("extensions":["PIPELINING","STARTTLS"]},"ms":{"connect":0.25,"total":1.50}})");
}

}  // namespace
}  // namespace ptrscan
