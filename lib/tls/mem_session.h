#pragma once

#include <openssl/base.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ptrscan {

/// A TLS session that runs purely in memory, the part both sides share (the
/// scanner's STARTTLS client, the listener's server): the event loop owns
/// the socket and moves ciphertext between it and feed_input() /
/// take_output(); BoringSSL sees two memory BIOs. Owned and used by one
/// thread. Never throws; failures are a state plus error(), whose wording is
/// each side's own (the constructor's `describe`).
///
/// Handshake loop: handshake(); send take_output(); on more bytes
/// feed_input() and call handshake() again; on peer EOF feed_eof() and call
/// handshake(). When handshake() returns `established` there may still be
/// output (a client's Finished): send take_output() before or together with
/// the first write_plain()'s output.
class tls_mem_session {
 public:
  tls_mem_session(const tls_mem_session&) = delete;
  tls_mem_session& operator=(const tls_mem_session&) = delete;

  enum class state { handshaking, established, failed, closed };

  /// Drives the handshake with what has been fed so far. Returns the state;
  /// when `handshaking`, send take_output() and wait for more input.
  state handshake();
  /// Ciphertext received from the peer. A failed BIO_write (allocation)
  /// stops the copy: the handshake or read then stalls and the caller's
  /// timeout ends the session.
  void feed_input(std::string_view ciphertext);
  /// The peer closed its side (read returned 0). The next handshake() or
  /// read_plain() sees end of stream: mid-handshake that fails with
  /// "unexpected eof"; after established without close_notify, too.
  void feed_eof();
  /// Ciphertext to send to the peer (drains the write BIO); "" when none.
  std::string take_output();
  /// Encrypts `plaintext` (after established); returns false on failure.
  bool write_plain(std::string_view plaintext);
  /// Appends the plaintext available now to `out`, at most `max` bytes per
  /// call (call again while it returns established and added bytes).
  /// Returns the new state: established, closed on the peer's close_notify,
  /// or failed.
  state read_plain(std::string& out, size_t max = SIZE_MAX);
  /// Input fed and not yet read as plaintext: decrypted bytes BoringSSL
  /// holds, or ciphertext still in the read buffer (a read_plain() that
  /// stopped at `max` leaves either). A caller that reads in bounded
  /// steps reads again, before it waits on the socket, while this holds.
  bool input_pending() const;
  state current() const { return state_; }
  /// Why the handshake or a read failed, in the side's words; "" while
  /// nothing failed.
  const std::string& error() const { return error_; }
  /// The session could not even be set up (this side's TLS library failed
  /// to allocate it): a failure of ours, not of the peer.
  bool local_failure() const { return ssl_ == nullptr; }

 protected:
  /// error() text for a failed SSL_* call's return value `ret` (the error
  /// queue still holds its cause).
  using describe_fn = std::string (*)(SSL* ssl, int ret);

  /// A session on `ctx`, the server side when `server`. When BoringSSL
  /// cannot allocate it, the session starts failed ("internal error") and
  /// ssl() is null.
  tls_mem_session(SSL_CTX* ctx, bool server, describe_fn describe);
  ~tls_mem_session();

  SSL* ssl() const { return ssl_; }

 private:
  // The one place where BoringSSL errors become error() text.
  void fail(int ret);

  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;  // owned by ssl_
  BIO* wbio_ = nullptr;  // owned by ssl_
  describe_fn describe_;
  state state_ = state::handshaking;
  std::string error_;
};

}  // namespace ptrscan
