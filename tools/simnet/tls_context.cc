#include "simnet/tls_context.h"

#include <unistd.h>

#include <stdexcept>

#include "testnet/files.h"
#include "testnet/tls_cert.h"

namespace ptrscan::simnet {

bssl::UniquePtr<SSL_CTX> make_server_tls_context() {
  // The testnet helper writes PEM files; they live only until loaded.
  const std::string dir = testnet::make_temp_dir("ptrscan-simnet-cert");
  testnet::cert_options options;
  options.names = {"sim.test", "*.sim.test"};
  const testnet::cert_files files = testnet::write_self_signed_cert(dir, "simnet", options);
  bssl::UniquePtr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()));
  const bool loaded =
      ctx != nullptr &&
      SSL_CTX_use_certificate_chain_file(ctx.get(), files.cert_path.c_str()) == 1 &&
      SSL_CTX_use_PrivateKey_file(ctx.get(), files.key_path.c_str(), SSL_FILETYPE_PEM) == 1;
  ::unlink(files.cert_path.c_str());
  ::unlink(files.key_path.c_str());
  ::rmdir(dir.c_str());
  if (!loaded) {
    throw std::runtime_error("cannot load the self-signed certificate into a TLS context");
  }
  return ctx;
}

}  // namespace ptrscan::simnet
