#include "tls/mem_bio.h"

#include <openssl/bio.h>
#include <openssl/err.h>

#include <algorithm>
#include <climits>

namespace ptrscan {

void mem_bio_feed(BIO* rbio, std::string_view ciphertext) {
  if (rbio == nullptr) {
    return;
  }
  while (!ciphertext.empty()) {
    const int chunk = static_cast<int>(std::min<size_t>(ciphertext.size(), INT_MAX / 2));
    const int n = BIO_write(rbio, ciphertext.data(), chunk);
    if (n <= 0) {
      break;
    }
    ciphertext.remove_prefix(static_cast<size_t>(n));
  }
  ERR_clear_error();
}

void mem_bio_eof(BIO* rbio) {
  if (rbio != nullptr) {
    BIO_set_mem_eof_return(rbio, 0);
  }
}

std::string mem_bio_take(BIO* wbio) {
  std::string out;
  if (wbio == nullptr) {
    return out;
  }
  const size_t pending = BIO_pending(wbio);
  if (pending == 0) {
    return out;
  }
  out.resize(pending);
  const int n = BIO_read(wbio, out.data(), static_cast<int>(std::min<size_t>(pending, INT_MAX)));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  ERR_clear_error();
  return out;
}

}  // namespace ptrscan
