#pragma once

#include <openssl/base.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "tls/mem_session.h"

namespace ptrscan {

/// One per shard: an SSL_CTX for client connections. Verification is never
/// enforced (a scan records, it does not abort): SSL_VERIFY_NONE, but the
/// chain is verified against the trust store and the result recorded in
/// tls_info. Trust store: `ca_file` (default: Debian's ca-certificates bundle)
/// if present, else none (chain_valid then false, chain_error "no trust
/// store"). A file that is present but unreadable or holds no certificate is
/// an error. TLS 1.0 through 1.3 are allowed so old servers are still
/// described. Not thread-safe to create; sessions on one context belong to
/// one shard thread.
class tls_context {
 public:
  static absl::StatusOr<std::unique_ptr<tls_context>> create(
      const std::string& ca_file = "/etc/ssl/certs/ca-certificates.crt");
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  SSL_CTX* raw() const { return ctx_; }
  /// False when no trust store was loaded (every chain is then unverifiable).
  bool has_trust_store() const { return has_trust_store_; }

 private:
  tls_context(SSL_CTX* ctx, bool has_trust_store) : ctx_(ctx), has_trust_store_(has_trust_store) {}

  SSL_CTX* ctx_;
  bool has_trust_store_;
};

/// Everything the output contract records about a TLS session.
struct tls_info {
  std::string version;                  // "TLSv1.3", "TLSv1.2", ... (SSL_get_version)
  std::string cipher;                   // IANA/RFC name (SSL_CIPHER_standard_name)
  std::vector<std::string> cert_names;  // subject CN (if any, first) then DNS SANs,
                                        // lower-cased, deduplicated, at most 100
  bool cert_names_truncated = false;     // names left out: past max_cert_names, or
                                        // longer than 255 bytes
  std::string not_after;                // leaf notAfter, RFC 3339 UTC; "" if no cert
  bool chain_valid = false;             // leaf verified against the trust store
                                        // (ignoring the host name)
  std::string chain_error;              // why not valid, e.g. "self signed certificate";
                                        // "" when valid or when no cert was received
};

/// The most names tls_info::cert_names keeps (a certificate can carry
/// thousands of SANs; the record must stay bounded).
inline constexpr size_t max_cert_names = 100;

/// The client side of STARTTLS (the scanner's): a tls_mem_session that sends
/// SNI and describes the server's certificate. error() is short and stable
/// (a closed set), e.g. "handshake failure alert", "wrong version number",
/// "unexpected eof".
class tls_client_session : public tls_mem_session {
 public:
  /// `sni`: server name to send (empty: none; an IP literal is never sent,
  /// one trailing dot is dropped).
  tls_client_session(const tls_context& ctx, std::string_view sni);

  /// After established, or after a failure: whatever is known (version and
  /// cipher once the ServerHello was processed, certificate fields once the
  /// Certificate was).
  tls_info info() const;

 private:
  bool has_trust_store_ = false;
};

/// Lower-cased, trailing-dot-free, deduplicated subject CN (first) and DNS
/// SANs of `cert`, at most max_cert_names. Exposed for tests and tools.
/// `*truncated` (when given) says whether names were left out for the cap
/// or for a length over 255 bytes.
std::vector<std::string> certificate_names(X509* cert, bool* truncated = nullptr);

/// `t` as RFC 3339 UTC ("2027-01-01T00:00:00Z"); "" when it cannot be read.
std::string asn1_time_rfc3339(const ASN1_TIME* t);

}  // namespace ptrscan
