#pragma once

// A test suite over a testbed's zones: Knot + Unbound started once per suite
// from `Zones()` (the fixture zones of tools/testnet/fixture_zones.h unless
// told otherwise), a fresh temporary directory per test, and a helper to
// write input files into it.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "testnet/dns_testbed.h"
#include "testnet/fixture_zones.h"

namespace ptrscan::testnet {

template <testbed_options (*Zones)()>
class testbed_suite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    try {
      bed_ = dns_testbed::start(Zones()).release();
    } catch (const std::exception& e) {
      setup_error_ = e.what();
    }
  }
  static void TearDownTestSuite() {
    delete bed_;
    bed_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(bed_, nullptr) << "testbed failed to start: " << setup_error_;
    char templ[] = "/tmp/ptrscan-it-XXXXXX";
    ASSERT_NE(::mkdtemp(templ), nullptr);
    dir_ = templ;
  }
  void TearDown() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  /// Writes `text` to `name` in the test's directory; returns the path.
  std::string write(const std::string& name, const std::string& text) const {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  static inline dns_testbed* bed_ = nullptr;
  static inline std::string setup_error_;
  std::string dir_;
};

using fixture_testbed_suite = testbed_suite<fixture_testbed>;

}  // namespace ptrscan::testnet
