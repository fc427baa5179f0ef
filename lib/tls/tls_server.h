#pragma once

#include <openssl/base.h>

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "tls/mem_session.h"

namespace ptrscan {

/// The server side of STARTTLS (`ptrscan listen`): an SSL_CTX with one
/// certificate. TLS 1.0 through 1.3, so old clients are still described.
class tls_server_context {
 public:
  /// `cert_file`/`key_file`: PEM files (a chain in cert_file is sent
  /// whole). Both empty: a self-signed P-256 certificate for `hostname`,
  /// made now, valid one year. A file that cannot be read, or a key that
  /// does not match, is an error.
  static absl::StatusOr<std::unique_ptr<tls_server_context>> create(
      const std::string& cert_file, const std::string& key_file, const std::string& hostname);
  ~tls_server_context();
  tls_server_context(const tls_server_context&) = delete;
  tls_server_context& operator=(const tls_server_context&) = delete;

  SSL_CTX* raw() const { return ctx_; }
  /// The certificate was made here (no --cert given).
  bool self_signed() const { return self_signed_; }

 private:
  tls_server_context(SSL_CTX* ctx, bool self_signed) : ctx_(ctx), self_signed_(self_signed) {}
  SSL_CTX* ctx_;
  bool self_signed_;
};

/// The server side of STARTTLS (`ptrscan listen`): a tls_mem_session that
/// reports what the client chose. error() is "unexpected eof" or
/// BoringSSL's reason for the failure.
class tls_server_session : public tls_mem_session {
 public:
  explicit tls_server_session(const tls_server_context& ctx);

  /// After the handshake: "TLSv1.3", the IANA cipher name, the client's
  /// SNI ("" when it sent none).
  std::string version() const;
  std::string cipher() const;
  std::string sni() const;
};

}  // namespace ptrscan
