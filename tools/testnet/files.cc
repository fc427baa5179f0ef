#include "testnet/files.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace ptrscan::testnet {

std::string make_temp_dir(const std::string& prefix) {
  std::string base = "/tmp";
  if (const char* t = std::getenv("TMPDIR"); t != nullptr && *t != '\0') {
    base = t;
  }
  std::string templ = base + "/" + prefix + "-XXXXXX";
  if (::mkdtemp(templ.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed under " + base);
  }
  return templ;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  f.close();
  if (!f) {
    throw std::runtime_error("cannot write " + path);
  }
}

bool keep_requested() {
  const char* v = std::getenv("PTRSCAN_KEEP_TESTBED");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace ptrscan::testnet
