#pragma once

#include <openssl/base.h>

#include <string>
#include <string_view>

namespace ptrscan {

// The memory-BIO pump both TLS sessions (client and server) use: the event
// loop owns the socket, BoringSSL sees two memory BIOs.

/// Appends `ciphertext` read from the socket to the session's read BIO.
/// A failed BIO_write (allocation) stops the copy: the handshake or read
/// then stalls and its timeout ends the session.
void mem_bio_feed(BIO* rbio, std::string_view ciphertext);
/// From now on an empty read BIO reads as end of stream, not "retry".
void mem_bio_eof(BIO* rbio);
/// Everything BoringSSL has written to the write BIO, for the socket.
std::string mem_bio_take(BIO* wbio);

}  // namespace ptrscan
