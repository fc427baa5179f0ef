#pragma once

#include <string>
#include <vector>

namespace ptrscan::testnet {

/// A self-signed certificate and its key, as PEM files.
struct cert_files {
  std::string cert_path;
  std::string key_path;
};

/// What to put in a test certificate.
struct cert_options {
  /// DNS names for the subjectAltName; the first is also the subject CN.
  std::vector<std::string> names;
  /// notAfter in ASN.1 GeneralizedTime form ("20300102030405Z"), so a test
  /// can compare tls.not_after with a fixed value. notBefore is a day ago.
  std::string not_after = "20300102030405Z";
};

/// The notAfter of cert_options as ptrscan writes it ("2030-01-02T03:04:05Z").
std::string iso8601_not_after(const cert_options& options);

/// Generates a P-256 key and a self-signed certificate (BoringSSL, no
/// openssl command needed) and writes `<dir>/<stem>.crt` and
/// `<dir>/<stem>.key` (mode 0600). Throws std::runtime_error on failure.
cert_files write_self_signed_cert(const std::string& dir, const std::string& stem,
                                  const cert_options& options);

}  // namespace ptrscan::testnet
