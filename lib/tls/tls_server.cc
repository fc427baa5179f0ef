#include "tls/tls_server.h"

#include <openssl/bio.h>
#include <openssl/ec_key.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>


namespace ptrscan {
namespace {

/// A self-signed certificate for `hostname` into `ctx`; false on failure.
bool use_self_signed(SSL_CTX* ctx, const std::string& hostname) {
  bssl::UniquePtr<EC_KEY> ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  bssl::UniquePtr<EVP_PKEY> key(EVP_PKEY_new());
  bssl::UniquePtr<X509> cert(X509_new());
  if (!ec || !key || !cert || EC_KEY_generate_key(ec.get()) != 1 ||
      EVP_PKEY_assign_EC_KEY(key.get(), ec.release()) != 1) {
    return false;
  }
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 365L * 86400);
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const uint8_t*>(hostname.data()),
                             static_cast<int>(std::min<size_t>(hostname.size(), 64)), -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  bssl::UniquePtr<GENERAL_NAMES> sans(GENERAL_NAMES_new());
  GENERAL_NAME* gn = GENERAL_NAME_new();
  ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
  if (!sans || gn == nullptr || ia5 == nullptr ||
      ASN1_STRING_set(ia5, hostname.data(), static_cast<int>(hostname.size())) != 1) {
    GENERAL_NAME_free(gn);
    ASN1_IA5STRING_free(ia5);
    return false;
  }
  GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
  sk_GENERAL_NAME_push(sans.get(), gn);
  return X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, sans.get(), 0, 0) == 1 &&
         X509_set_pubkey(cert.get(), key.get()) == 1 &&
         X509_sign(cert.get(), key.get(), EVP_sha256()) > 0 &&
         SSL_CTX_use_certificate(ctx, cert.get()) == 1 &&
         SSL_CTX_use_PrivateKey(ctx, key.get()) == 1;
}

std::string last_error_text() {
  const uint32_t e = ERR_peek_last_error();
  const char* r = e != 0 ? ERR_reason_error_string(e) : nullptr;
  return r != nullptr ? std::string(r) : std::string("unknown");
}

}  // namespace

absl::StatusOr<std::unique_ptr<tls_server_context>> tls_server_context::create(
    const std::string& cert_file, const std::string& key_file, const std::string& hostname) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) {
    return absl::InternalError("SSL_CTX_new failed");
  }
  std::unique_ptr<tls_server_context> c(new tls_server_context(ctx, cert_file.empty()));
  SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  if (cert_file.empty() != key_file.empty()) {
    return absl::InvalidArgumentError("--cert and --key go together");
  }
  if (cert_file.empty()) {
    if (!use_self_signed(ctx, hostname)) {
      return absl::InternalError("cannot make a self-signed certificate: " + last_error_text());
    }
  } else {
    for (const std::string* f : {&cert_file, &key_file}) {
      if (::access(f->c_str(), R_OK) != 0) {
        return absl::InvalidArgumentError(*f + ": " + std::strerror(errno));
      }
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
      return absl::InvalidArgumentError(cert_file + ": not a PEM certificate chain (" +
                                        last_error_text() + ")");
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      return absl::InvalidArgumentError(key_file + ": not a PEM private key (" +
                                        last_error_text() + ")");
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      return absl::InvalidArgumentError("the key in " + key_file +
                                        " does not match the certificate in " + cert_file);
    }
  }
  ERR_clear_error();
  return c;
}

tls_server_context::~tls_server_context() { SSL_CTX_free(ctx_); }

namespace {

std::string describe_server_failure(SSL* ssl, int ret) {
  const int e = SSL_get_error(ssl, ret);
  if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN) {
    return "unexpected eof";
  }
  return last_error_text();
}

}  // namespace

tls_server_session::tls_server_session(const tls_server_context& ctx)
    : tls_mem_session(ctx.raw(), /*server=*/true, describe_server_failure) {}

std::string tls_server_session::version() const {
  return ssl() != nullptr ? SSL_get_version(ssl()) : "";
}

std::string tls_server_session::cipher() const {
  const SSL_CIPHER* c = ssl() != nullptr ? SSL_get_current_cipher(ssl()) : nullptr;
  return c != nullptr ? SSL_CIPHER_standard_name(c) : "";
}

std::string tls_server_session::sni() const {
  const char* n = ssl() != nullptr ? SSL_get_servername(ssl(), TLSEXT_NAMETYPE_host_name) : nullptr;
  return n != nullptr ? n : "";
}

}  // namespace ptrscan
