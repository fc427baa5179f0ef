#pragma once

#include <openssl/ssl.h>

namespace ptrscan::simnet {

/// A server TLS context with a fresh self-signed certificate for sim.test and
/// *.sim.test (one certificate for every simulated host: the simulator models
/// whether STARTTLS works, not which name the certificate carries). Shared by
/// all SMTP threads; SSL_CTX is safe to use from several threads. Throws
/// std::runtime_error when it cannot be made.
bssl::UniquePtr<SSL_CTX> make_server_tls_context();

}  // namespace ptrscan::simnet
