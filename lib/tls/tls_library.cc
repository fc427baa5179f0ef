#include "tls/tls_library.h"

#include <openssl/base.h>
#include <openssl/crypto.h>

#include "absl/strings/str_cat.h"

namespace ptrscan {

std::string tls_library_version() {
  return absl::StrCat("BoringSSL (API ", BORINGSSL_API_VERSION, ", ",
                      OpenSSL_version(OPENSSL_VERSION), ")");
}

}  // namespace ptrscan
