#include "tls/mem_session.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <climits>

namespace ptrscan {

tls_mem_session::tls_mem_session(SSL_CTX* ctx, bool server, describe_fn describe)
    : describe_(describe) {
  ERR_clear_error();
  ssl_ = SSL_new(ctx);
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || rbio_ == nullptr || wbio_ == nullptr) {
    SSL_free(ssl_);
    BIO_free(rbio_);
    BIO_free(wbio_);
    ssl_ = nullptr;
    rbio_ = nullptr;
    wbio_ = nullptr;
    state_ = state::failed;
    error_ = "internal error";
    ERR_clear_error();
    return;
  }
  SSL_set_bio(ssl_, rbio_, wbio_);  // ssl_ owns both from here on
  if (server) {
    SSL_set_accept_state(ssl_);
  } else {
    SSL_set_connect_state(ssl_);
  }
  ERR_clear_error();
}

tls_mem_session::~tls_mem_session() { SSL_free(ssl_); }

tls_mem_session::state tls_mem_session::handshake() {
  if (state_ != state::handshaking) {
    return state_;
  }
  ERR_clear_error();
  const int ret = SSL_do_handshake(ssl_);
  if (ret == 1) {
    state_ = state::established;
  } else {
    const int err = SSL_get_error(ssl_, ret);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      fail(ret);
    }
  }
  ERR_clear_error();
  return state_;
}

void tls_mem_session::feed_input(std::string_view ciphertext) {
  if (rbio_ == nullptr) {
    return;
  }
  while (!ciphertext.empty()) {
    const int chunk = static_cast<int>(std::min<size_t>(ciphertext.size(), INT_MAX / 2));
    const int n = BIO_write(rbio_, ciphertext.data(), chunk);
    if (n <= 0) {
      break;
    }
    ciphertext.remove_prefix(static_cast<size_t>(n));
  }
  ERR_clear_error();
}

void tls_mem_session::feed_eof() {
  if (rbio_ != nullptr) {
    BIO_set_mem_eof_return(rbio_, 0);
  }
}

std::string tls_mem_session::take_output() {
  std::string out;
  if (wbio_ == nullptr) {
    return out;
  }
  const size_t pending = BIO_pending(wbio_);
  if (pending == 0) {
    return out;
  }
  out.resize(pending);
  const int n = BIO_read(wbio_, out.data(), static_cast<int>(std::min<size_t>(pending, INT_MAX)));
  out.resize(n > 0 ? static_cast<size_t>(n) : 0);
  ERR_clear_error();
  return out;
}

bool tls_mem_session::write_plain(std::string_view plaintext) {
  if (state_ != state::established) {
    return false;
  }
  ERR_clear_error();
  while (!plaintext.empty()) {
    const int chunk = static_cast<int>(std::min<size_t>(plaintext.size(), 1 << 20));
    const int n = SSL_write(ssl_, plaintext.data(), chunk);
    if (n <= 0) {
      fail(n);
      return false;
    }
    plaintext.remove_prefix(static_cast<size_t>(n));
  }
  ERR_clear_error();
  return true;
}

tls_mem_session::state tls_mem_session::read_plain(std::string& out, size_t max) {
  if (state_ != state::established) {
    return state_;
  }
  ERR_clear_error();
  char buf[16384];
  size_t got = 0;
  while (got < max) {
    const int n = SSL_read(ssl_, buf, static_cast<int>(std::min(sizeof buf, max - got)));
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      got += static_cast<size_t>(n);
      continue;
    }
    const int err = SSL_get_error(ssl_, n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      break;
    }
    if (err == SSL_ERROR_ZERO_RETURN) {
      state_ = state::closed;  // the peer's close_notify: an orderly end
      break;
    }
    fail(n);
    break;
  }
  ERR_clear_error();
  return state_;
}

bool tls_mem_session::input_pending() const {
  if (state_ != state::established || ssl_ == nullptr) {
    return false;
  }
  return SSL_pending(ssl_) > 0 || BIO_ctrl_pending(rbio_) > 0;
}

void tls_mem_session::fail(int ret) {
  error_ = describe_(ssl_, ret);
  state_ = state::failed;
  ERR_clear_error();
}

}  // namespace ptrscan
