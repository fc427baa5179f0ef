#include "testnet/tls_cert.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bytestring.h>
#include <openssl/ec_key.h>
#include <openssl/evp.h>
#include <openssl/nid.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <memory>
#include <stdexcept>

namespace ptrscan::testnet {
namespace {

template <typename T, void (*Free)(T*)>
struct deleter {
  void operator()(T* p) const { Free(p); }
};
using evp_pkey_ptr = std::unique_ptr<EVP_PKEY, deleter<EVP_PKEY, EVP_PKEY_free>>;
using ec_key_ptr = std::unique_ptr<EC_KEY, deleter<EC_KEY, EC_KEY_free>>;
using x509_ptr = std::unique_ptr<X509, deleter<X509, X509_free>>;
using bio_ptr = std::unique_ptr<BIO, deleter<BIO, BIO_free_all>>;
using names_ptr = std::unique_ptr<GENERAL_NAMES, deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using asn1_time_ptr = std::unique_ptr<ASN1_TIME, deleter<ASN1_TIME, ASN1_TIME_free>>;

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("write_self_signed_cert: ") + what + " failed");
  }
}

void write_pem(const std::string& path, bool private_key, X509* cert, EVP_PKEY* key) {
  bio_ptr bio(BIO_new_file(path.c_str(), "w"));
  check(bio != nullptr, ("open " + path).c_str());
  if (private_key) {
    ::chmod(path.c_str(), 0600);
    check(PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1,
          "PEM_write_bio_PrivateKey");
  } else {
    check(PEM_write_bio_X509(bio.get(), cert) == 1, "PEM_write_bio_X509");
  }
}

}  // namespace

std::string iso8601_not_after(const cert_options& options) {
  const std::string& t = options.not_after;  // YYYYMMDDHHMMSSZ
  if (t.size() != 15) {
    return t;
  }
  return t.substr(0, 4) + "-" + t.substr(4, 2) + "-" + t.substr(6, 2) + "T" + t.substr(8, 2) + ":" +
         t.substr(10, 2) + ":" + t.substr(12, 2) + "Z";
}

cert_files write_self_signed_cert(const std::string& dir, const std::string& stem,
                                  const cert_options& options) {
  if (options.names.empty()) {
    throw std::invalid_argument("write_self_signed_cert: no names");
  }
  ec_key_ptr ec(EC_KEY_new_by_curve_name(NID_X9_62_prime256v1));
  check(ec != nullptr && EC_KEY_generate_key(ec.get()) == 1, "EC_KEY_generate_key");
  evp_pkey_ptr key(EVP_PKEY_new());
  check(key != nullptr && EVP_PKEY_assign_EC_KEY(key.get(), ec.release()) == 1,
        "EVP_PKEY_assign_EC_KEY");

  x509_ptr cert(X509_new());
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert.get(), X509_VERSION_3) == 1, "X509_set_version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 4242) == 1, "serial");
  check(X509_gmtime_adj(X509_getm_notBefore(cert.get()), -86400) != nullptr, "notBefore");
  asn1_time_ptr not_after(ASN1_TIME_new());
  check(
      not_after != nullptr && ASN1_TIME_set_string(not_after.get(), options.not_after.c_str()) == 1,
      "notAfter string");
  check(X509_set1_notAfter(cert.get(), not_after.get()) == 1, "notAfter");

  X509_NAME* subject = X509_get_subject_name(cert.get());
  const std::string& cn = options.names.front();
  check(X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const uint8_t*>(cn.data()),
                                   static_cast<int>(cn.size()), -1, 0) == 1,
        "subject CN");
  check(X509_set_issuer_name(cert.get(), subject) == 1, "issuer");

  names_ptr sans(GENERAL_NAMES_new());
  check(sans != nullptr, "GENERAL_NAMES_new");
  for (const auto& n : options.names) {
    GENERAL_NAME* gn = GENERAL_NAME_new();
    ASN1_IA5STRING* ia5 = ASN1_IA5STRING_new();
    check(gn != nullptr && ia5 != nullptr &&
              ASN1_STRING_set(ia5, n.data(), static_cast<int>(n.size())) == 1,
          "subjectAltName entry");
    GENERAL_NAME_set0_value(gn, GEN_DNS, ia5);
    check(sk_GENERAL_NAME_push(sans.get(), gn) != 0, "sk_GENERAL_NAME_push");
  }
  check(X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, sans.get(), 0, 0) == 1,
        "subjectAltName");
  check(X509_set_pubkey(cert.get(), key.get()) == 1, "X509_set_pubkey");
  check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "X509_sign");

  cert_files files{dir + "/" + stem + ".crt", dir + "/" + stem + ".key"};
  write_pem(files.key_path, true, nullptr, key.get());
  write_pem(files.cert_path, false, cert.get(), nullptr);
  return files;
}

}  // namespace ptrscan::testnet
