// The STARTTLS server side (lib/tls/tls_server.cc) against the project's TLS
// client, both in memory: handshake, SNI, data both ways, a failed
// handshake, and certificate files that cannot be used.
#include "tls/tls_server.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tls/tls_client.h"

namespace ptrscan {
namespace {

/// Moves bytes between the two until neither has anything to say.
void shuttle(tls_client_session& c, tls_server_session& s) {
  for (int i = 0; i < 20; ++i) {
    c.handshake();
    const std::string to_server = c.take_output();
    s.feed_input(to_server);
    s.handshake();
    const std::string to_client = s.take_output();
    c.feed_input(to_client);
    if (to_server.empty() && to_client.empty()) {
      return;
    }
  }
}

TEST(TlsServer, HandshakeWithSelfSignedCertificateAndSni) {
  auto server_ctx = tls_server_context::create("", "", "listen.test");
  ASSERT_TRUE(server_ctx.ok()) << server_ctx.status();
  EXPECT_TRUE((*server_ctx)->self_signed());
  auto client_ctx = tls_context::create("");
  ASSERT_TRUE(client_ctx.ok());
  tls_client_session c(**client_ctx, "listen.test");
  tls_server_session s(**server_ctx);
  shuttle(c, s);
  ASSERT_EQ(s.current(), tls_server_session::state::established) << s.error();
  ASSERT_EQ(c.current(), tls_client_session::state::established) << c.error();
  EXPECT_EQ(s.version(), "TLSv1.3");
  EXPECT_EQ(s.cipher().rfind("TLS_", 0), 0u) << s.cipher();
  EXPECT_EQ(s.sni(), "listen.test");
  EXPECT_EQ(c.info().cert_names, std::vector<std::string>{"listen.test"});

  ASSERT_TRUE(c.write_plain("EHLO a.test\r\n"));
  s.feed_input(c.take_output());
  std::string plain;
  s.read_plain(plain, 4096);
  EXPECT_EQ(plain, "EHLO a.test\r\n");
  ASSERT_TRUE(s.write_plain("250 ok\r\n"));
  c.feed_input(s.take_output());
  std::string back;
  c.read_plain(back);
  EXPECT_EQ(back, "250 ok\r\n");
}

TEST(TlsServer, PlaintextInsteadOfClientHelloFails) {
  auto server_ctx = tls_server_context::create("", "", "listen.test");
  ASSERT_TRUE(server_ctx.ok());
  tls_server_session s(**server_ctx);
  s.feed_input("MAIL FROM:<injected@x.test>\r\n");
  EXPECT_EQ(s.handshake(), tls_server_session::state::failed);
  EXPECT_FALSE(s.error().empty());
  EXPECT_TRUE(s.sni().empty());
}

TEST(TlsServer, UnusableCertificateFilesAreNamed) {
  auto missing = tls_server_context::create("/nonexistent/cert.pem", "/nonexistent/key.pem", "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("/nonexistent/cert.pem"), std::string::npos);
  const std::string junk = ::testing::TempDir() + "/tls_server_junk.pem";
  std::ofstream(junk) << "not a certificate\n";
  auto bad = tls_server_context::create(junk, junk, "x");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("not a PEM certificate chain"), std::string::npos)
      << bad.status();
  auto half = tls_server_context::create(junk, "", "x");
  EXPECT_FALSE(half.ok());
}

}  // namespace
}  // namespace ptrscan
