#pragma once

// A test that cannot run for want of a fixture (a program, a kernel feature,
// a device, a free port) skips on a developer's machine, where the fixture
// may simply not be installed, but fails in CI: there a skip would pass
// silently and hide that the test never ran. CI is recognised by the CI
// environment variable (set by .ci/run and by CI services); CI=false or
// CI=0 counts as unset.

#include <gtest/gtest.h>
#include <strings.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace ptrscan::test_support {

/// True when running in CI, where a missing fixture must fail the test.
inline bool missing_fixture_fails() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && *ci != '\0' && std::strcmp(ci, "0") != 0 &&
         ::strcasecmp(ci, "false") != 0;
}

}  // namespace ptrscan::test_support

/// Skips the test (fails it in CI) because `why` (a std::string or text)
/// says a fixture is missing. Like GTEST_SKIP() and FAIL(), it returns from
/// the current function, so use it in TEST bodies, SetUp() and void helpers.
#define PTRSCAN_MISSING_FIXTURE(why)                                       \
  do {                                                                     \
    const std::string ptrscan_missing_fixture_why_ = (why);                \
    if (::ptrscan::test_support::missing_fixture_fails()) {                \
      FAIL() << "missing fixture (a skip fails in CI): "                   \
             << ptrscan_missing_fixture_why_;                              \
    }                                                                      \
    GTEST_SKIP() << ptrscan_missing_fixture_why_;                          \
  } while (0)
