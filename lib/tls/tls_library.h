#pragma once

#include <string>

namespace ptrscan {

/// The TLS library ptrscan is linked with (BoringSSL), for --version and the
/// scan metadata.
std::string tls_library_version();

}  // namespace ptrscan
