#include "tls/tls_client.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/ec_key.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "tls/cert_names.h"

namespace ptrscan {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::MatchesRegex;
using ::testing::StartsWith;
using state = tls_client_session::state;

constexpr long one_year = 365L * 86400L;

// --- certificates, generated per run so nothing in the tree expires --------

bssl::UniquePtr<EVP_PKEY> make_p256_key() {
  bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  bssl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new());
  if (ec == nullptr || key == nullptr || EC_KEY_generate_key(ec.get()) != 1 ||
      EVP_PKEY_assign_EC_KEY(key.get(), ec.release()) != 1) {
    return nullptr;
  }
  return key;
}

void add_dns_sans(X509* cert, const std::vector<std::string>& names) {
  GENERAL_NAMES* gens = sk_GENERAL_NAME_new_null();
  for (const std::string& name : names) {
    GENERAL_NAME* gen = GENERAL_NAME_new();
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    ASN1_STRING_set(ia5, name.data(), static_cast<int>(name.size()));
    GENERAL_NAME_set0_value(gen, GEN_DNS, ia5);
    sk_GENERAL_NAME_push(gens, gen);
  }
  X509_add1_ext_i2d(cert, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT);
  GENERAL_NAMES_free(gens);
}

void make_ca_extensions(X509* cert) {
  bssl::UniquePtr<BASIC_CONSTRAINTS> bc(BASIC_CONSTRAINTS_new());
  bc->ca = 0xff;
  X509_add1_ext_i2d(cert, NID_basic_constraints, bc.get(), 1, X509V3_ADD_DEFAULT);
  bssl::UniquePtr<ASN1_BIT_STRING> usage(ASN1_BIT_STRING_new());
  ASN1_BIT_STRING_set_bit(usage.get(), 5, 1);  // keyCertSign
  ASN1_BIT_STRING_set_bit(usage.get(), 6, 1);  // cRLSign
  X509_add1_ext_i2d(cert, NID_key_usage, usage.get(), 1, X509V3_ADD_DEFAULT);
}

struct cert_spec {
  std::string cn;
  std::vector<std::string> sans;
  time_t not_after = 0;
  bool is_ca = false;
  X509* issuer = nullptr;        // nullptr: self-signed
  EVP_PKEY* issuer_key = nullptr;
};

bssl::UniquePtr<X509> make_cert(EVP_PKEY* key, const cert_spec& spec) {
  static long serial = 1;
  bssl::UniquePtr<X509> cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial++);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  ASN1_TIME_set(X509_getm_notAfter(cert.get()), spec.not_after);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  if (!spec.cn.empty()) {
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                               reinterpret_cast<const uint8_t*>(spec.cn.c_str()), -1, -1, 0);
  }
  X509_set_issuer_name(cert.get(),
                       spec.issuer != nullptr ? X509_get_subject_name(spec.issuer) : subject);
  X509_set_pubkey(cert.get(), key);
  if (!spec.sans.empty()) {
    add_dns_sans(cert.get(), spec.sans);
  }
  if (spec.is_ca) {
    make_ca_extensions(cert.get());
  }
  X509_sign(cert.get(), spec.issuer_key != nullptr ? spec.issuer_key : key, EVP_sha256());
  return cert;
}

// The leaf every test server presents unless told otherwise.
struct leaf_fixture {
  bssl::UniquePtr<EVP_PKEY> key = make_p256_key();
  time_t not_after = time(nullptr) + one_year;
  bssl::UniquePtr<X509> cert = make_cert(
      key.get(), {"mx1.example.test", {"mx1.example.test", "*.mail.example.test"}, not_after});
};

// --- an in-memory BoringSSL server -----------------------------------------

struct server_options {
  uint16_t min_version = TLS1_VERSION;
  uint16_t max_version = TLS1_3_VERSION;
  const char* cipher_list = nullptr;
};

class test_server {
 public:
  test_server(X509* cert, EVP_PKEY* key, const server_options& options = {}) {
    ctx_.reset(SSL_CTX_new(TLS_method()));
    SSL_CTX_use_certificate(ctx_.get(), cert);
    SSL_CTX_use_PrivateKey(ctx_.get(), key);
    SSL_CTX_set_min_proto_version(ctx_.get(), options.min_version);
    SSL_CTX_set_max_proto_version(ctx_.get(), options.max_version);
    if (options.cipher_list != nullptr) {
      SSL_CTX_set_strict_cipher_list(ctx_.get(), options.cipher_list);
    }
    ssl_.reset(SSL_new(ctx_.get()));
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    SSL_set_bio(ssl_.get(), rbio_, wbio_);
    SSL_set_accept_state(ssl_.get());
  }

  void feed(const std::string& bytes) {
    if (!bytes.empty()) {
      BIO_write(rbio_, bytes.data(), static_cast<int>(bytes.size()));
    }
  }
  std::string take() {
    std::string out(BIO_pending(wbio_), '\0');
    if (!out.empty()) {
      BIO_read(wbio_, out.data(), static_cast<int>(out.size()));
    }
    return out;
  }
  bool step() {
    const bool done = SSL_do_handshake(ssl_.get()) == 1;
    ERR_clear_error();  // the server's errors are not the client's business
    return done;
  }
  std::string read() {
    std::string out;
    char buf[4096];
    int n = 0;
    while ((n = SSL_read(ssl_.get(), buf, sizeof(buf))) > 0) {
      out.append(buf, static_cast<size_t>(n));
    }
    ERR_clear_error();
    return out;
  }
  void write(const std::string& plain) {
    SSL_write(ssl_.get(), plain.data(), static_cast<int>(plain.size()));
  }
  void close_notify() { SSL_shutdown(ssl_.get()); }
  SSL* ssl() const { return ssl_.get(); }

 private:
  bssl::UniquePtr<SSL_CTX> ctx_;
  bssl::UniquePtr<SSL> ssl_;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;
};

// Moves bytes both ways until neither side has anything left to say, the way
// the shard's session state machine would with a socket in between.
state pump(tls_client_session& client, test_server& server) {
  for (int round = 0; round < 16; ++round) {
    const state st = client.handshake();
    server.feed(client.take_output());
    server.step();
    const std::string back = server.take();
    if (st != state::handshaking && back.empty()) {
      return st;
    }
    client.feed_input(back);
  }
  return client.current();
}

std::unique_ptr<tls_context> default_context() {
  auto ctx = tls_context::create();
  EXPECT_TRUE(ctx.ok()) << ctx.status();
  return ctx.ok() ? *std::move(ctx) : nullptr;
}

// "2027-01-01T00:00:00Z" → seconds since the epoch, or -1.
time_t parse_rfc3339(const std::string& text) {
  struct tm tm {};
  char z = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &z) != 7 ||
      z != 'Z') {
    return -1;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return timegm(&tm);
}

std::string temp_path(const std::string& name) {
  return ::testing::TempDir() + "ptrscan_tls_" + std::to_string(::getpid()) + "_" + name;
}

// --- tests -----------------------------------------------------------------

TEST(TlsClientTest, Tls13HandshakeRecordsEverything) {
  leaf_fixture leaf;
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  test_server server(leaf.cert.get(), leaf.key.get());
  tls_client_session client(*ctx, "mx1.example.test");
  EXPECT_EQ(client.current(), state::handshaking);

  ASSERT_EQ(pump(client, server), state::established) << client.error();
  EXPECT_EQ(client.error(), "");
  EXPECT_STREQ(SSL_get_servername(server.ssl(), TLSEXT_NAMETYPE_host_name), "mx1.example.test");

  const tls_info info = client.info();
  EXPECT_EQ(info.version, "TLSv1.3");
  EXPECT_THAT(info.cipher, StartsWith("TLS_"));
  EXPECT_THAT(info.cipher, ::testing::AnyOf("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                            "TLS_CHACHA20_POLY1305_SHA256"));
  EXPECT_THAT(info.cert_names, ElementsAre("mx1.example.test", "*.mail.example.test"));
  EXPECT_THAT(info.not_after, MatchesRegex("[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"));
  EXPECT_EQ(parse_rfc3339(info.not_after), leaf.not_after);
  // Self-signed: recorded, not enforced.
  EXPECT_FALSE(info.chain_valid);
  EXPECT_EQ(info.chain_error, X509_verify_cert_error_string(X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT));
  EXPECT_EQ(info.chain_error, "self signed certificate");
  EXPECT_TRUE(any_cert_name_matches(info.cert_names, {"mx1.example.test"}));
  EXPECT_TRUE(any_cert_name_matches(info.cert_names, {"a.mail.example.test"}));
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(TlsClientTest, Tls12WhenServerCapsVersion) {
  leaf_fixture leaf;
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  test_server server(leaf.cert.get(), leaf.key.get(), {.max_version = TLS1_2_VERSION});
  tls_client_session client(*ctx, "mx1.example.test");
  ASSERT_EQ(pump(client, server), state::established) << client.error();
  const tls_info info = client.info();
  EXPECT_EQ(info.version, "TLSv1.2");
  EXPECT_THAT(info.cipher, StartsWith("TLS_ECDHE_ECDSA_WITH_"));
  EXPECT_THAT(info.cert_names, ElementsAre("mx1.example.test", "*.mail.example.test"));
}

TEST(TlsClientTest, Tls10StillDescribed) {
  leaf_fixture leaf;
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  test_server server(leaf.cert.get(), leaf.key.get(), {.max_version = TLS1_VERSION});
  tls_client_session client(*ctx, "mx1.example.test");
  ASSERT_EQ(pump(client, server), state::established) << client.error();
  const tls_info info = client.info();
  EXPECT_EQ(info.version, "TLSv1");
  EXPECT_THAT(info.cipher, MatchesRegex("TLS_ECDHE_ECDSA_WITH_AES_(128|256)_CBC_SHA"));
}

TEST(TlsClientTest, ApplicationDataBothWaysThenCloseNotify) {
  leaf_fixture leaf;
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  test_server server(leaf.cert.get(), leaf.key.get());
  tls_client_session client(*ctx, "mx1.example.test");
  ASSERT_EQ(pump(client, server), state::established) << client.error();

  ASSERT_TRUE(client.write_plain("EHLO x\r\n"));
  server.feed(client.take_output());
  EXPECT_EQ(server.read(), "EHLO x\r\n");

  server.write("250 ok\r\n");
  client.feed_input(server.take());
  std::string plain;
  EXPECT_EQ(client.read_plain(plain), state::established);
  EXPECT_EQ(plain, "250 ok\r\n");

  // Nothing more fed: nothing more read, still established.
  EXPECT_EQ(client.read_plain(plain), state::established);
  EXPECT_EQ(plain, "250 ok\r\n");

  server.write("221 bye\r\n");
  server.close_notify();
  client.feed_input(server.take());
  EXPECT_EQ(client.read_plain(plain), state::closed);
  EXPECT_EQ(plain, "250 ok\r\n221 bye\r\n");
  EXPECT_EQ(client.error(), "");
  EXPECT_FALSE(client.write_plain("QUIT\r\n"));
}

TEST(TlsClientTest, WritePlainBeforeEstablishedFails) {
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  tls_client_session client(*ctx, "mx1.example.test");
  EXPECT_FALSE(client.write_plain("EHLO x\r\n"));
  std::string plain;
  EXPECT_EQ(client.read_plain(plain), state::handshaking);
  EXPECT_EQ(plain, "");
}

TEST(TlsClientTest, PlainTextReplyIsWrongVersionNumber) {
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  tls_client_session client(*ctx, "mx1.example.test");
  EXPECT_EQ(client.handshake(), state::handshaking);
  EXPECT_THAT(client.take_output(), StartsWith("\x16\x03"));  // a ClientHello record
  client.feed_input("220 not tls\r\n");
  EXPECT_EQ(client.handshake(), state::failed);
  EXPECT_EQ(client.error(), "wrong version number");
  EXPECT_EQ(client.current(), state::failed);
  const tls_info info = client.info();
  EXPECT_EQ(info.version, "");
  EXPECT_EQ(info.cipher, "");
  EXPECT_THAT(info.cert_names, IsEmpty());
  EXPECT_EQ(info.not_after, "");
  EXPECT_FALSE(info.chain_valid);
  EXPECT_EQ(ERR_peek_error(), 0u);
  // Failed is final.
  client.feed_input("more");
  EXPECT_EQ(client.handshake(), state::failed);
  EXPECT_EQ(client.error(), "wrong version number");
}

TEST(TlsClientTest, RandomBytesFailWithStableError) {
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  std::mt19937 rng(42);
  std::string junk;
  for (int i = 0; i < 300; ++i) {
    junk.push_back(static_cast<char>(rng() & 0xff));
  }
  // A plausible record header (handshake, TLS 1.2) with a garbage body, too.
  const std::string framed = std::string("\x16\x03\x03\x00\x20", 5) + junk.substr(0, 32);

  for (const std::string& input : {junk, framed}) {
    std::string first_error;
    for (int attempt = 0; attempt < 2; ++attempt) {
      tls_client_session client(*ctx, "mx1.example.test");
      client.handshake();
      client.take_output();
      client.feed_input(input);
      EXPECT_EQ(client.handshake(), state::failed);
      EXPECT_FALSE(client.error().empty());
      EXPECT_EQ(client.error(), input == junk ? "wrong version number" : "message too large");
      if (attempt == 0) {
        first_error = client.error();
      } else {
        EXPECT_EQ(client.error(), first_error);
      }
    }
  }
}

TEST(TlsClientTest, EofMidHandshakeIsUnexpectedEof) {
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  tls_client_session client(*ctx, "mx1.example.test");
  EXPECT_EQ(client.handshake(), state::handshaking);
  EXPECT_FALSE(client.take_output().empty());
  client.feed_eof();
  EXPECT_EQ(client.handshake(), state::failed);
  EXPECT_EQ(client.error(), "unexpected eof");
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(TlsClientTest, EofAfterServerHelloKeepsWhatIsKnown) {
  leaf_fixture leaf;
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  test_server server(leaf.cert.get(), leaf.key.get());
  tls_client_session client(*ctx, "mx1.example.test");
  client.handshake();
  server.feed(client.take_output());
  server.step();
  const std::string flight = server.take();
  // Only the first record (the ServerHello), then the server goes away.
  ASSERT_GE(flight.size(), 5u);
  const size_t first_len = 5 + ((static_cast<uint8_t>(flight[3]) << 8) | static_cast<uint8_t>(flight[4]));
  ASSERT_LT(first_len, flight.size());
  client.feed_input(flight.substr(0, first_len));
  EXPECT_EQ(client.handshake(), state::handshaking);
  client.feed_eof();
  EXPECT_EQ(client.handshake(), state::failed);
  EXPECT_EQ(client.error(), "unexpected eof");
  const tls_info info = client.info();
  EXPECT_EQ(info.version, "TLSv1.3");
  EXPECT_THAT(info.cipher, StartsWith("TLS_"));
  EXPECT_THAT(info.cert_names, IsEmpty());
  EXPECT_EQ(info.not_after, "");
  EXPECT_FALSE(info.chain_valid);
  EXPECT_EQ(info.chain_error, "");
}

TEST(TlsClientTest, ServerAlertIsNamed) {
  leaf_fixture leaf;
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  // An ECDSA certificate with only RSA-authenticated suites: nothing in common.
  test_server server(leaf.cert.get(), leaf.key.get(),
                     {.max_version = TLS1_2_VERSION,
                      .cipher_list = "ECDHE-RSA-AES128-GCM-SHA256"});
  tls_client_session client(*ctx, "mx1.example.test");
  EXPECT_EQ(pump(client, server), state::failed);
  EXPECT_EQ(client.error(), "handshake failure alert");
  EXPECT_EQ(client.info().version, "");
}

TEST(TlsClientTest, RawAlertRecordsAreNamed) {
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  struct alert_case {
    std::string record;
    const char* error;
  };
  const alert_case cases[] = {
      {std::string("\x15\x03\x01\x00\x02\x02\x28", 7), "handshake failure alert"},
      {std::string("\x15\x03\x01\x00\x02\x02\x46", 7), "protocol version alert"},
      {std::string("\x15\x03\x01\x00\x02\x02\x70", 7), "unrecognized name alert"},
      {std::string("\x15\x03\x01\x00\x02\x02\xfe", 7), "unknown alert"},
      {std::string("\x15\x03\x01\x00\x02\x01\x00", 7), "close notify during handshake"},
  };
  for (const alert_case& c : cases) {
    tls_client_session client(*ctx, "mx1.example.test");
    client.handshake();
    client.take_output();
    client.feed_input(c.record);
    EXPECT_EQ(client.handshake(), state::failed);
    EXPECT_EQ(client.error(), c.error);
  }
}

TEST(TlsClientTest, EofAfterEstablishedWithoutCloseNotify) {
  leaf_fixture leaf;
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  test_server server(leaf.cert.get(), leaf.key.get());
  tls_client_session client(*ctx, "mx1.example.test");
  ASSERT_EQ(pump(client, server), state::established) << client.error();
  server.write("250 ok\r\n");
  client.feed_input(server.take());
  client.feed_eof();
  std::string plain;
  EXPECT_EQ(client.read_plain(plain), state::failed);
  EXPECT_EQ(plain, "250 ok\r\n");  // what arrived before the EOF is still delivered
  EXPECT_EQ(client.error(), "unexpected eof");
  EXPECT_EQ(client.info().version, "TLSv1.3");  // and the session is still described
}

TEST(TlsClientTest, ValidChainAgainstTestCa) {
  bssl::UniquePtr<EVP_PKEY> ca_key = make_p256_key();
  bssl::UniquePtr<X509> ca =
      make_cert(ca_key.get(), {"ptrscan test ca", {}, time(nullptr) + 2 * one_year, true});
  bssl::UniquePtr<EVP_PKEY> leaf_key = make_p256_key();
  const time_t not_after = time(nullptr) + one_year;
  bssl::UniquePtr<X509> leaf =
      make_cert(leaf_key.get(), {"MX1.Example.Test", {"mx1.example.test", "mx1.example.test."},
                                 not_after, false, ca.get(), ca_key.get()});

  const std::string ca_path = temp_path("ca.pem");
  {
    bssl::UniquePtr<BIO> file(BIO_new_file(ca_path.c_str(), "w"));
    ASSERT_NE(file, nullptr);
    ASSERT_EQ(PEM_write_bio_X509(file.get(), ca.get()), 1);
  }
  auto ctx = tls_context::create(ca_path);
  ::unlink(ca_path.c_str());
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  EXPECT_TRUE((*ctx)->has_trust_store());

  test_server server(leaf.get(), leaf_key.get());
  tls_client_session client(**ctx, "mx1.example.test");
  ASSERT_EQ(pump(client, server), state::established) << client.error();
  const tls_info info = client.info();
  EXPECT_TRUE(info.chain_valid) << info.chain_error;
  EXPECT_EQ(info.chain_error, "");
  EXPECT_THAT(info.cert_names, ElementsAre("mx1.example.test"));
  EXPECT_EQ(parse_rfc3339(info.not_after), not_after);

  // The same leaf against the system store: a real, recorded failure.
  auto system_ctx = default_context();
  ASSERT_NE(system_ctx, nullptr);
  test_server server2(leaf.get(), leaf_key.get());
  tls_client_session client2(*system_ctx, "mx1.example.test");
  ASSERT_EQ(pump(client2, server2), state::established) << client2.error();
  EXPECT_FALSE(client2.info().chain_valid);
  EXPECT_EQ(client2.info().chain_error, "unable to get local issuer certificate");
}

TEST(TlsClientTest, MissingTrustStoreIsRecorded) {
  auto ctx = tls_context::create(temp_path("does-not-exist.pem"));
  ASSERT_TRUE(ctx.ok()) << ctx.status();
  EXPECT_FALSE((*ctx)->has_trust_store());
  leaf_fixture leaf;
  test_server server(leaf.cert.get(), leaf.key.get());
  tls_client_session client(**ctx, "mx1.example.test");
  ASSERT_EQ(pump(client, server), state::established) << client.error();
  EXPECT_FALSE(client.info().chain_valid);
  EXPECT_EQ(client.info().chain_error, "no trust store");

  auto none = tls_context::create("");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE((*none)->has_trust_store());
}

TEST(TlsClientTest, UnreadableTrustStoreIsAnError) {
  const std::string path = temp_path("garbage.pem");
  {
    bssl::UniquePtr<BIO> file(BIO_new_file(path.c_str(), "w"));
    ASSERT_NE(file, nullptr);
    BIO_puts(file.get(), "not a certificate\n");
  }
  auto ctx = tls_context::create(path);
  ::unlink(path.c_str());
  EXPECT_FALSE(ctx.ok());
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(TlsClientTest, SniIsNeverAnIpLiteral) {
  leaf_fixture leaf;
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  struct sni_case {
    const char* given;
    const char* sent;  // nullptr: no server_name extension
  };
  for (const sni_case& c : {sni_case{"mx1.example.test.", "mx1.example.test"},
                            sni_case{"192.0.2.1", nullptr}, sni_case{"2001:db8::1", nullptr},
                            sni_case{"[2001:db8::1]", nullptr}, sni_case{"", nullptr}}) {
    test_server server(leaf.cert.get(), leaf.key.get());
    tls_client_session client(*ctx, c.given);
    ASSERT_EQ(pump(client, server), state::established) << c.given << ": " << client.error();
    const char* sent = SSL_get_servername(server.ssl(), TLSEXT_NAMETYPE_host_name);
    if (c.sent == nullptr) {
      EXPECT_EQ(sent, nullptr) << c.given;
    } else {
      ASSERT_NE(sent, nullptr) << c.given;
      EXPECT_STREQ(sent, c.sent);
    }
  }
}

TEST(TlsClientTest, SessionsOnOneContextDoNotShareErrors) {
  leaf_fixture leaf;
  auto ctx = default_context();
  ASSERT_NE(ctx, nullptr);
  tls_client_session bad(*ctx, "mx1.example.test");
  tls_client_session good(*ctx, "mx1.example.test");
  test_server server(leaf.cert.get(), leaf.key.get());

  // Interleaved on one thread: the good one starts, the bad one fails in the
  // middle, the good one finishes.
  EXPECT_EQ(good.handshake(), state::handshaking);
  server.feed(good.take_output());
  server.step();
  EXPECT_EQ(bad.handshake(), state::handshaking);
  bad.feed_input("220 not tls\r\n");
  EXPECT_EQ(bad.handshake(), state::failed);
  EXPECT_EQ(bad.error(), "wrong version number");
  good.feed_input(server.take());
  ASSERT_EQ(pump(good, server), state::established) << good.error();
  EXPECT_EQ(good.error(), "");
  EXPECT_EQ(bad.error(), "wrong version number");

  // A stale error someone else left on this thread does not fail a session.
  ERR_put_error(ERR_LIB_SSL, 0, SSL_R_WRONG_VERSION_NUMBER, __FILE__, __LINE__);
  test_server server2(leaf.cert.get(), leaf.key.get());
  tls_client_session third(*ctx, "mx1.example.test");
  ASSERT_EQ(pump(third, server2), state::established) << third.error();
  EXPECT_EQ(third.error(), "");
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST(TlsClientTest, CertificateNamesAreNormalisedAndCapped) {
  bssl::UniquePtr<EVP_PKEY> key = make_p256_key();
  std::vector<std::string> sans = {"MX1.example.TEST", "mx1.example.test.", "*.Mail.Example.Test",
                                   std::string("bank.example\0.evil.test", 23), ""};
  for (int i = 0; i < 150; ++i) {
    sans.push_back("h" + std::to_string(i) + ".example.test");
  }
  bssl::UniquePtr<X509> cert = make_cert(key.get(), {"Mx1.Example.Test", sans, time(nullptr)});
  bool truncated = false;
  const std::vector<std::string> names = certificate_names(cert.get(), &truncated);
  ASSERT_EQ(names.size(), max_cert_names);
  EXPECT_EQ(names[0], "mx1.example.test");
  EXPECT_EQ(names[1], "*.mail.example.test");
  EXPECT_EQ(names[2], "h0.example.test");
  EXPECT_EQ(names.back(), "h97.example.test");
  EXPECT_TRUE(truncated) << "52 names were left out";

  bssl::UniquePtr<X509> no_cn = make_cert(key.get(), {"", {"a.example.test"}, time(nullptr)});
  EXPECT_THAT(certificate_names(no_cn.get(), &truncated), ElementsAre("a.example.test"));
  EXPECT_FALSE(truncated);
  EXPECT_THAT(certificate_names(nullptr), IsEmpty());
}

// The cut is marked only when a name was left out: exactly max_cert_names
// distinct names (duplicates and names that are no host names aside) is
// whole; one more, or one name over 255 bytes, is cut.
TEST(TlsClientTest, CertificateNamesCutIsMarked) {
  bssl::UniquePtr<EVP_PKEY> key = make_p256_key();
  std::vector<std::string> sans = {"h0.example.test", "H0.example.test.",
                                   std::string("nul\0.example.test", 17)};
  for (size_t i = 1; i < max_cert_names; ++i) {
    sans.push_back("h" + std::to_string(i) + ".example.test");
  }
  bool truncated = true;
  bssl::UniquePtr<X509> full = make_cert(key.get(), {"", sans, time(nullptr)});
  EXPECT_EQ(certificate_names(full.get(), &truncated).size(), max_cert_names);
  EXPECT_FALSE(truncated);

  sans.push_back("one-more.example.test");
  bssl::UniquePtr<X509> over = make_cert(key.get(), {"", sans, time(nullptr)});
  EXPECT_EQ(certificate_names(over.get(), &truncated).size(), max_cert_names);
  EXPECT_TRUE(truncated);

  bssl::UniquePtr<X509> long_name =
      make_cert(key.get(), {"", {"a.example.test", std::string(300, 'x')}, time(nullptr)});
  EXPECT_THAT(certificate_names(long_name.get(), &truncated), ElementsAre("a.example.test"));
  EXPECT_TRUE(truncated);
}

TEST(TlsClientTest, Asn1TimeFormatsAsRfc3339) {
  bssl::UniquePtr<ASN1_TIME> t(ASN1_TIME_new());
  ASSERT_EQ(ASN1_TIME_set_string(t.get(), "20270101000000Z"), 1);
  EXPECT_EQ(asn1_time_rfc3339(t.get()), "2027-01-01T00:00:00Z");
  ASSERT_EQ(ASN1_TIME_set_string(t.get(), "491231235959Z"), 1);  // UTCTime
  EXPECT_EQ(asn1_time_rfc3339(t.get()), "2049-12-31T23:59:59Z");
  ASSERT_EQ(ASN1_TIME_set_string(t.get(), "20500301120000Z"), 1);
  EXPECT_EQ(asn1_time_rfc3339(t.get()), "2050-03-01T12:00:00Z");
  ASSERT_EQ(ASN1_TIME_set_string(t.get(), "19650615000000Z"), 1);
  EXPECT_EQ(asn1_time_rfc3339(t.get()), "1965-06-15T00:00:00Z");
  EXPECT_EQ(asn1_time_rfc3339(nullptr), "");
}

}  // namespace
}  // namespace ptrscan
