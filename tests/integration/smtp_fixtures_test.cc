// Self-test of the SMTP fixtures, without ptrscan: the real MTAs (Postfix,
// Exim) greet, answer EHLO and speak STARTTLS with the certificate we made;
// the scripted servers misbehave as documented; the SMTP farm greets with a
// name made from the address inside a namespace of our own, and the
// namespace is gone afterwards. Also prints start-up times.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>

#include "../support/missing_fixture.h"
#include "testnet/loopback.h"
#include "testnet/mta_fixture.h"
#include "testnet/netns.h"
#include "testnet/scripted_smtp.h"
#include "testnet/smtp_client.h"
#include "testnet/smtp_farm.h"
#include "testnet/subprocess.h"

namespace ptrscan::testnet {
namespace {

using std::chrono::milliseconds;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr milliseconds timeout{5'000};

// `openssl s_client -starttls smtp` output for one server (the openssl
// command is only a cross-check here; skipped when it is missing).
run_result starttls_probe(const endpoint& server) {
  run_options o;
  o.deadline = std::chrono::seconds(10);
  o.stdin_data = "QUIT\r\n";
  return run_process(
      {"openssl", "s_client", "-connect", server.to_string(), "-starttls", "smtp", "-brief"}, o);
}

void expect_mta_greets(mta_kind kind, const std::string& banner_suffix) {
  if (const std::string why = mta_missing(kind); !why.empty()) {
    FAIL() << why;
  }
  mta_options o;
  o.hostname = "mx9.example.test";
  const std::string a = random_loopback_v4();
  o.hosts = {a};
  std::unique_ptr<mta_server> mta;
  try {
    mta = mta_server::start(kind, o);
  } catch (const std::exception& e) {
    FAIL() << e.what();
  }
  std::cout << "[ measure  ] " << (kind == mta_kind::postfix ? "postfix" : "exim") << " ready in "
            << mta->ready_time().count() << " ms\n";
  EXPECT_EQ(mta->banner(), "220 mx9.example.test ESMTP " + banner_suffix);
  auto g = smtp_hello({a, mta->port()}, "scanner.test", timeout);
  ASSERT_TRUE(g.has_value()) << mta->log_tail();
  EXPECT_EQ(g->greeting, "220 mx9.example.test ESMTP " + banner_suffix);
  EXPECT_THAT(g->ehlo, StartsWith("250-mx9.example.test"));
  EXPECT_THAT(g->ehlo, HasSubstr("STARTTLS"));
  if (!find_executable("openssl").empty()) {
    run_result r = starttls_probe({a, mta->port()});
    EXPECT_THAT(r.err + r.out, HasSubstr("CN = mx9.example.test")) << r.describe();
    EXPECT_THAT(r.err + r.out, HasSubstr("Protocol version: TLSv1.3")) << r.describe();
  } else if (test_support::missing_fixture_fails()) {
    ADD_FAILURE() << "openssl is missing: the cross-check did not run";
  }
  EXPECT_TRUE(mta->running()) << mta->log_tail();
}

TEST(SmtpFixtures, PostfixGreetsAndSpeaksStarttls) {
  expect_mta_greets(mta_kind::postfix, "Postfix-test");
}

TEST(SmtpFixtures, EximGreetsAndSpeaksStarttls) { expect_mta_greets(mta_kind::exim, "Exim-test"); }

TEST(SmtpFixtures, ScriptedServersBehaveAsDocumented) {
  const std::string host = random_loopback_v4();
  {
    scripted_smtp_server s(smtp_script::multiline_greeting, host, 0);
    auto g = smtp_hello(s.address(), "scanner.test", timeout);
    ASSERT_TRUE(g.has_value());
    EXPECT_EQ(g->greeting, "220-a.example.test hello\r\n220-more\r\n220 done");
    EXPECT_EQ(g->ehlo, "250-a.example.test greets you\r\n250-PIPELINING\r\n250 8BITMIME");
  }
  {
    scripted_smtp_server s(smtp_script::greeting_554, host, 0);
    auto g = smtp_hello(s.address(), "", timeout);
    ASSERT_TRUE(g.has_value());
    EXPECT_EQ(g->greeting, "554 reject.example.test no SMTP service here");
  }
  {
    scripted_smtp_server s(smtp_script::ehlo_502, host, 0);
    auto g = smtp_hello(s.address(), "scanner.test", timeout);
    ASSERT_TRUE(g.has_value());
    EXPECT_THAT(g->ehlo, StartsWith("502 "));
  }
  {
    scripted_smtp_server s(smtp_script::silent, host, 0);
    const auto t0 = std::chrono::steady_clock::now();
    EXPECT_FALSE(smtp_hello(s.address(), "", milliseconds(300)).has_value());
    EXPECT_GE(std::chrono::steady_clock::now() - t0, milliseconds(250));
  }
  for (auto script : {smtp_script::reset_mid_reply, smtp_script::endless_line}) {
    SCOPED_TRACE(std::string(to_string(script)));
    scripted_smtp_server s(script, host, 0);
    EXPECT_FALSE(smtp_hello(s.address(), "", timeout).has_value());
    EXPECT_EQ(s.connections(), 1);
  }
  {
    // Our lenient client takes any line; it just must not look like a reply.
    scripted_smtp_server s(smtp_script::garbage, host, 0);
    auto g = smtp_hello(s.address(), "", timeout);
    ASSERT_TRUE(g.has_value());
    EXPECT_THAT(g->greeting, StartsWith(std::string("\0\1\2", 3)));
  }
  {
    scripted_smtp_server s(smtp_script::starttls_garbage, host, 0);
    auto g = smtp_hello(s.address(), "scanner.test", timeout);
    ASSERT_TRUE(g.has_value());
    EXPECT_THAT(g->ehlo, HasSubstr("250 STARTTLS"));
    if (!find_executable("openssl").empty()) {
      run_result r = starttls_probe(s.address());
      EXPECT_NE(r.exit_code, 0) << "a handshake with garbage must fail: " << r.out;
    } else if (test_support::missing_fixture_fails()) {
      ADD_FAILURE() << "openssl is missing: the cross-check did not run";
    }
  }
}

TEST(SmtpFixtures, FarmGreetsWithTheAddressNameInsideANamespace) {
  if (const std::string why = net_namespace::unavailable_reason(); !why.empty()) {
    PTRSCAN_MISSING_FIXTURE(why);
  }
  std::string name;
  {
    auto ns = net_namespace::create();
    name = ns->name();
    ns->add_local_route("198.18.0.0/15");
    netns_scope inside(*ns);
    daemon_process farm = daemon_process::start(
        {smtp_farm_binary(), "--port", "2525", "--max-seconds", "60"}, "/dev/null");
    const endpoint first{"198.18.3.7", 2525};
    ASSERT_TRUE(farm.wait_ready(
        [&] { return smtp_hello(first, "", milliseconds(500), true).has_value(); }, timeout))
        << farm.exit_description();
    for (const std::string ip : {"198.18.3.7", "198.19.255.254"}) {
      auto g = smtp_hello({ip, 2525}, "scanner.test", timeout, /*allow_any=*/true);
      ASSERT_TRUE(g.has_value()) << ip;
      EXPECT_EQ(g->greeting, "220 " + farm_banner_host(ip) + " ESMTP farm");
      EXPECT_THAT(g->ehlo, StartsWith("250-" + farm_banner_host(ip)));
      EXPECT_THAT(g->ehlo, ::testing::Not(HasSubstr("STARTTLS")));
    }
  }
  run_result r = run_process({"ip", "netns", "list"});
  EXPECT_THAT(r.out, ::testing::Not(HasSubstr(name))) << "namespace left behind";
}

TEST(SmtpFixtures, FarmRefusesAWildcardOutsideANamespace) {
  run_options o;
  o.deadline = std::chrono::seconds(10);
  run_result r = run_process({smtp_farm_binary(), "--port", "1", "--max-seconds", "1"}, o);
  EXPECT_EQ(r.exit_code, 2) << r.describe();
  EXPECT_THAT(r.err, HasSubstr("refusing"));
}

}  // namespace
}  // namespace ptrscan::testnet
