#include "tls/tls_client.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "net/ip_address.h"

namespace ptrscan {
namespace {

// Longest name kept in cert_names: a DNS name is at most 253 octets; longer
// "names" are not host names and would only bloat the record.
constexpr size_t max_cert_name_len = 255;

// Text for an alert the peer sent (RFC 8446 §6, RFC 5246 §7.2).
std::string_view alert_text(int alert) {
  switch (alert) {
    case SSL_AD_CLOSE_NOTIFY:
      return "close notify alert";
    case SSL_AD_UNEXPECTED_MESSAGE:
      return "unexpected message alert";
    case SSL_AD_BAD_RECORD_MAC:
      return "bad record mac alert";
    case SSL_AD_DECRYPTION_FAILED:
      return "decryption failed alert";
    case SSL_AD_RECORD_OVERFLOW:
      return "record overflow alert";
    case SSL_AD_DECOMPRESSION_FAILURE:
      return "decompression failure alert";
    case SSL_AD_HANDSHAKE_FAILURE:
      return "handshake failure alert";
    case SSL_AD_NO_CERTIFICATE:
      return "no certificate alert";
    case SSL_AD_BAD_CERTIFICATE:
      return "bad certificate alert";
    case SSL_AD_UNSUPPORTED_CERTIFICATE:
      return "unsupported certificate alert";
    case SSL_AD_CERTIFICATE_REVOKED:
      return "certificate revoked alert";
    case SSL_AD_CERTIFICATE_EXPIRED:
      return "certificate expired alert";
    case SSL_AD_CERTIFICATE_UNKNOWN:
      return "certificate unknown alert";
    case SSL_AD_ILLEGAL_PARAMETER:
      return "illegal parameter alert";
    case SSL_AD_UNKNOWN_CA:
      return "unknown ca alert";
    case SSL_AD_ACCESS_DENIED:
      return "access denied alert";
    case SSL_AD_DECODE_ERROR:
      return "decode error alert";
    case SSL_AD_DECRYPT_ERROR:
      return "decrypt error alert";
    case SSL_AD_EXPORT_RESTRICTION:
      return "export restriction alert";
    case SSL_AD_PROTOCOL_VERSION:
      return "protocol version alert";
    case SSL_AD_INSUFFICIENT_SECURITY:
      return "insufficient security alert";
    case SSL_AD_INTERNAL_ERROR:
      return "internal error alert";
    case SSL_AD_INAPPROPRIATE_FALLBACK:
      return "inappropriate fallback alert";
    case SSL_AD_USER_CANCELLED:
      return "user canceled alert";
    case SSL_AD_NO_RENEGOTIATION:
      return "no renegotiation alert";
    case SSL_AD_MISSING_EXTENSION:
      return "missing extension alert";
    case SSL_AD_UNSUPPORTED_EXTENSION:
      return "unsupported extension alert";
    case SSL_AD_CERTIFICATE_UNOBTAINABLE:
      return "certificate unobtainable alert";
    case SSL_AD_UNRECOGNIZED_NAME:
      return "unrecognized name alert";
    case SSL_AD_BAD_CERTIFICATE_STATUS_RESPONSE:
      return "bad certificate status response alert";
    case SSL_AD_BAD_CERTIFICATE_HASH_VALUE:
      return "bad certificate hash value alert";
    case SSL_AD_UNKNOWN_PSK_IDENTITY:
      return "unknown psk identity alert";
    case SSL_AD_CERTIFICATE_REQUIRED:
      return "certificate required alert";
    case SSL_AD_NO_APPLICATION_PROTOCOL:
      return "no application protocol alert";
    default:
      return "unknown alert";
  }
}

// Text for an error BoringSSL's own TLS code raised (not an alert received).
std::string_view ssl_reason_text(int reason) {
  switch (reason) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_WRONG_SSL_VERSION:
      return "wrong version number";
    case SSL_R_UNSUPPORTED_PROTOCOL:
      return "unsupported protocol";
    case SSL_R_NO_SHARED_CIPHER:
    case SSL_R_NO_CIPHERS_AVAILABLE:
    case SSL_R_WRONG_CIPHER_RETURNED:
    case SSL_R_UNKNOWN_CIPHER_RETURNED:
      return "no shared cipher";
    case SSL_R_CERTIFICATE_VERIFY_FAILED:
      return "certificate verify failed";
    case SSL_R_CANNOT_PARSE_LEAF_CERT:
      return "bad certificate";
    case SSL_R_BAD_SIGNATURE:
    case SSL_R_WRONG_SIGNATURE_TYPE:
      return "bad signature";
    case SSL_R_WRONG_CURVE:
    case SSL_R_MISSING_KEY_SHARE:
    case SSL_R_BAD_ECPOINT:
      return "bad key exchange";
    case SSL_R_BAD_DH_P_LENGTH:
    case SSL_R_DH_P_TOO_LONG:
      return "bad dh parameters";
    case SSL_R_DECRYPTION_FAILED:
    case SSL_R_DECRYPTION_FAILED_OR_BAD_RECORD_MAC:
      return "bad record mac";
    case SSL_R_RECORD_TOO_LARGE:
      return "record too large";
    case SSL_R_EXCESSIVE_MESSAGE_SIZE:
      return "message too large";
    case SSL_R_BAD_LENGTH:
    case SSL_R_BAD_PACKET_LENGTH:
    case SSL_R_DECODE_ERROR:
    case SSL_R_PARSE_TLSEXT:
    case SSL_R_ERROR_PARSING_EXTENSION:
    case SSL_R_SERVERHELLO_TLSEXT:
      return "decode error";
    case SSL_R_UNEXPECTED_EXTENSION:
      return "unexpected extension";
    case SSL_R_UNEXPECTED_MESSAGE:
    case SSL_R_UNEXPECTED_RECORD:
      return "unexpected message";
    case SSL_R_BAD_ALERT:
    case SSL_R_UNKNOWN_ALERT_TYPE:
    case SSL_R_TOO_MANY_WARNING_ALERTS:
      return "bad alert";
    case SSL_R_NO_RENEGOTIATION:
    case SSL_R_BAD_HELLO_REQUEST:
      return "renegotiation refused";
    case SSL_R_TOO_MANY_EMPTY_FRAGMENTS:
      return "too many empty records";
    default:
      return "protocol error";
  }
}

// The one place where BoringSSL failures become error() text: `ssl_error` is
// SSL_get_error's verdict, `packed` the error-queue entry that explains it
// (0 when the queue was empty). The result is a closed set of short strings.
std::string_view failure_text(int ssl_error, uint32_t packed) {
  switch (ssl_error) {
    case SSL_ERROR_ZERO_RETURN:
      return "close notify during handshake";
    case SSL_ERROR_SYSCALL:
      // With memory BIOs the only "syscall" is our read BIO reporting end of
      // stream (feed_eof): the peer closed without a TLS close_notify.
      if (packed == 0) {
        return "unexpected eof";
      }
      break;
    case SSL_ERROR_SSL:
      break;
    default:
      return "internal error";
  }
  if (packed == 0) {
    return "internal error";
  }
  const int lib = ERR_GET_LIB(packed);
  const int reason = ERR_GET_REASON(packed);
  if (lib == ERR_LIB_SSL) {
    if (reason >= SSL_AD_REASON_OFFSET) {
      return alert_text(reason - SSL_AD_REASON_OFFSET);
    }
    return ssl_reason_text(reason);
  }
  if (lib == ERR_LIB_X509 || lib == ERR_LIB_X509V3 || lib == ERR_LIB_ASN1) {
    return "bad certificate";
  }
  if (lib == ERR_LIB_EVP || lib == ERR_LIB_EC || lib == ERR_LIB_ECDSA || lib == ERR_LIB_RSA ||
      lib == ERR_LIB_DH || lib == ERR_LIB_BN) {
    return "crypto error";
  }
  return "internal error";
}

// The queue entry that best explains a failure: the first one raised by the
// TLS code itself (certificate parsing pushes X509/ASN1 entries before the SSL
// one, which names the handshake step), else the first one.
uint32_t explaining_error() {
  uint32_t first = 0;
  while (uint32_t packed = ERR_get_error()) {
    if (first == 0) {
      first = packed;
    }
    if (ERR_GET_LIB(packed) == ERR_LIB_SSL) {
      return packed;
    }
  }
  return first;
}

bool is_ip_literal(std::string_view s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    return true;
  }
  return s.find(':') != std::string_view::npos || ip_address::parse(s).has_value();
}

// Normalises one presented name; "" when it is not worth recording.
// `*too_long` is set when the name was dropped for its length (a cap, marked
// in the record) rather than for its bytes (not a host name at all).
std::string normalise_name(const unsigned char* data, size_t len, bool* too_long) {
  if (data == nullptr || len == 0) {
    return {};
  }
  if (len > max_cert_name_len + 1) {
    *too_long = true;
    return {};
  }
  std::string out(reinterpret_cast<const char*>(data), len);
  if (out.back() == '.') {
    out.pop_back();
  }
  if (out.size() > max_cert_name_len) {
    *too_long = true;
    return {};
  }
  if (out.empty()) {
    return {};
  }
  for (char& c : out) {
    const auto u = static_cast<unsigned char>(c);
    // Embedded NULs ("bank.example\0.evil.test") and control bytes are never
    // part of a host name; such an entry is dropped rather than truncated.
    if (u < 0x20 || u == 0x7f) {
      return {};
    }
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// Adds `name` unless empty or already there; a new name past
// max_cert_names sets `*truncated` instead.
void add_name(std::vector<std::string>& names, std::string name, bool* truncated) {
  if (name.empty()) {
    return;
  }
  if (std::find(names.begin(), names.end(), name) != names.end()) {
    return;
  }
  if (names.size() >= max_cert_names) {
    *truncated = true;
    return;
  }
  names.push_back(std::move(name));
}

}  // namespace

std::vector<std::string> certificate_names(X509* cert, bool* truncated) {
  bool ignored = false;
  if (truncated == nullptr) {
    truncated = &ignored;
  }
  *truncated = false;
  std::vector<std::string> names;
  if (cert == nullptr) {
    return names;
  }
  // Subject CN: the last CN is the most specific one (what OpenSSL's and
  // BoringSSL's own host checks use).
  if (X509_NAME* subject = X509_get_subject_name(cert); subject != nullptr) {
    int index = -1;
    int last = -1;
    while ((index = X509_NAME_get_index_by_NID(subject, NID_commonName, index)) >= 0) {
      last = index;
    }
    if (last >= 0) {
      ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last));
      unsigned char* utf8 = nullptr;
      const int len = data != nullptr ? ASN1_STRING_to_UTF8(&utf8, data) : -1;
      if (len > 0) {
        add_name(names, normalise_name(utf8, static_cast<size_t>(len), truncated), truncated);
      }
      OPENSSL_free(utf8);
    }
  }
  auto* sans = static_cast<GENERAL_NAMES*>(
      X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (sans != nullptr) {
    // Every SAN is looked at (the certificate bounds them), so a cut is
    // known and marked.
    for (size_t i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
      const GENERAL_NAME* gen = sk_GENERAL_NAME_value(sans, i);
      if (gen->type != GEN_DNS) {
        continue;
      }
      const ASN1_IA5STRING* dns = gen->d.dNSName;
      add_name(names,
               normalise_name(ASN1_STRING_get0_data(dns),
                              static_cast<size_t>(ASN1_STRING_length(dns)), truncated),
               truncated);
    }
    GENERAL_NAMES_free(sans);
  }
  return names;
}

std::string asn1_time_rfc3339(const ASN1_TIME* t) {
  if (t == nullptr) {
    return {};
  }
  // This BoringSSL (API 17) has no ASN1_TIME_to_tm/_to_posix; the difference
  // from the epoch gives the same answer and validates the encoding.
  bssl::UniquePtr<ASN1_TIME> epoch(ASN1_TIME_set(nullptr, 0));
  int days = 0;
  int seconds = 0;
  if (epoch == nullptr || ASN1_TIME_diff(&days, &seconds, epoch.get(), t) != 1) {
    ERR_clear_error();
    return {};
  }
  const time_t posix = static_cast<time_t>(days) * 86400 + seconds;
  struct tm tm {};
  if (gmtime_r(&posix, &tm) == nullptr) {
    return {};
  }
  char buf[32];
  const int n = std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                              tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof(buf)) {
    return {};
  }
  return std::string(buf, static_cast<size_t>(n));
}

// ---------------------------------------------------------------------------
// tls_context

absl::StatusOr<std::unique_ptr<tls_context>> tls_context::create(const std::string& ca_file) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_method());
  if (ctx == nullptr) {
    ERR_clear_error();
    return absl::InternalError("SSL_CTX_new failed");
  }
  std::unique_ptr<tls_context> out(new tls_context(ctx, false));
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) != 1 ||
      SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
    ERR_clear_error();
    return absl::InternalError("cannot allow TLS 1.0 through 1.3");
  }
  // Record, never enforce: BoringSSL still runs X509_verify_cert against the
  // store and keeps the result (SSL_get_verify_result) with SSL_VERIFY_NONE.
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  // Every host is a different server: nothing to resume.
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);

  struct stat st {};
  if (!ca_file.empty() && ::stat(ca_file.c_str(), &st) == 0) {
    if (SSL_CTX_load_verify_locations(ctx, ca_file.c_str(), nullptr) != 1) {
      ERR_clear_error();
      return absl::InvalidArgumentError(
          absl::StrCat("cannot load trust store ", ca_file, ": no PEM certificate read"));
    }
    out->has_trust_store_ = true;
  }
  ERR_clear_error();
  return out;
}

tls_context::~tls_context() { SSL_CTX_free(ctx_); }

// ---------------------------------------------------------------------------
// tls_client_session

namespace {

std::string describe_client_failure(SSL* ssl, int ret) {
  return std::string(failure_text(SSL_get_error(ssl, ret), explaining_error()));
}

}  // namespace

tls_client_session::tls_client_session(const tls_context& ctx, std::string_view sni)
    : tls_mem_session(ctx.raw(), /*server=*/false, describe_client_failure),
      has_trust_store_(ctx.has_trust_store()) {
  if (ssl() == nullptr) {
    return;
  }
  if (!sni.empty() && sni.back() == '.') {
    sni.remove_suffix(1);
  }
  // RFC 6066 §3: a literal IP address is not permitted in server_name. A name
  // BoringSSL refuses (too long) is simply not sent.
  if (!sni.empty() && !is_ip_literal(sni)) {
    const std::string name(sni);
    SSL_set_tlsext_host_name(ssl(), name.c_str());
  }
  ERR_clear_error();
}

tls_info tls_client_session::info() const {
  tls_info out;
  if (ssl() == nullptr) {
    return out;
  }
  // The cipher is set when the ServerHello is processed: before that the
  // version BoringSSL reports is only what it offered.
  if (const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl()); cipher != nullptr) {
    out.version = SSL_get_version(ssl());
    if (const char* name = SSL_CIPHER_standard_name(cipher); name != nullptr) {
      out.cipher = name;
    }
  }
  bssl::UniquePtr<X509> leaf(SSL_get_peer_certificate(ssl()));
  if (leaf != nullptr) {
    out.cert_names = certificate_names(leaf.get(), &out.cert_names_truncated);
    out.not_after = asn1_time_rfc3339(X509_get0_notAfter(leaf.get()));
    const long verify = SSL_get_verify_result(ssl());
    if (!has_trust_store_) {
      out.chain_error = "no trust store";
    } else if (verify == X509_V_OK) {
      out.chain_valid = true;
    } else {
      out.chain_error = X509_verify_cert_error_string(verify);
    }
  }
  ERR_clear_error();
  return out;
}

}  // namespace ptrscan
