#pragma once

#include <openssl/base.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

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

/// A client TLS session that runs purely in memory: the caller moves
/// ciphertext between the socket and feed_input()/take_output(). Owned and
/// used by one thread. Never throws; failures are a state plus error().
///
/// Handshake loop: handshake(); send take_output(); on more bytes feed_input()
/// and call handshake() again; on peer EOF feed_eof() and call handshake().
/// When handshake() returns `established` there may still be output (the
/// client Finished): send take_output() before or together with the first
/// write_plain()'s output.
class tls_client_session {
 public:
  /// `sni`: server name to send (empty: none; an IP literal is never sent,
  /// one trailing dot is dropped).
  tls_client_session(const tls_context& ctx, std::string_view sni);
  ~tls_client_session();
  tls_client_session(const tls_client_session&) = delete;
  tls_client_session& operator=(const tls_client_session&) = delete;

  enum class state { handshaking, established, failed, closed };

  /// Drives the handshake with what has been fed so far. Returns the state;
  /// when `handshaking`, send take_output() and wait for more input.
  state handshake();
  /// Ciphertext received from the peer.
  void feed_input(std::string_view ciphertext);
  /// The peer closed its side (read returned 0). The next handshake() or
  /// read_plain() sees end of stream: mid-handshake that fails with
  /// "unexpected eof"; after established without close_notify, too.
  void feed_eof();
  /// Ciphertext to send to the peer (drains the write BIO); "" when none.
  std::string take_output();
  /// Encrypts `plaintext` (after established); returns false on failure.
  bool write_plain(std::string_view plaintext);
  /// Appends decrypted bytes available now to `out`; returns the new state
  /// (established, or closed on close_notify, or failed).
  state read_plain(std::string& out);
  state current() const { return state_; }
  /// Why the handshake or a read failed, short and stable (a closed set), e.g.
  /// "handshake failure alert", "wrong version number", "unexpected eof".
  /// "" while nothing failed.
  const std::string& error() const { return error_; }
  /// The session could not even be set up (this side's TLS library failed
  /// to allocate it): a failure of ours, not of the peer.
  bool local_failure() const { return ssl_ == nullptr; }
  /// After established, or after a failure: whatever is known (version and
  /// cipher once the ServerHello was processed, certificate fields once the
  /// Certificate was).
  tls_info info() const;

 private:
  // Records a failure from an SSL_* call's return value: the one place where
  // BoringSSL errors become error() text.
  void fail(int ret);

  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  bool has_trust_store_ = false;
  state state_ = state::handshaking;
  std::string error_;
};

/// Lower-cased, trailing-dot-free, deduplicated subject CN (first) and DNS
/// SANs of `cert`, at most max_cert_names. Exposed for tests and tools.
/// `*truncated` (when given) says whether names were left out for the cap
/// or for a length over 255 bytes.
std::vector<std::string> certificate_names(X509* cert, bool* truncated = nullptr);

/// `t` as RFC 3339 UTC ("2027-01-01T00:00:00Z"); "" when it cannot be read.
std::string asn1_time_rfc3339(const ASN1_TIME* t);

}  // namespace ptrscan
