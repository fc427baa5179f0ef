#pragma once

// The programs the integration tests run. Force-included into every
// integration test (tests/CMakeLists.txt), so PTRSCAN_BINARY works as it
// always has: as the path of the ptrscan under test.

#include <cstdlib>
#include <string>

namespace ptrscan::test_support {

/// The ptrscan binary under test: the one built beside the tests, unless
/// PTRSCAN_TEST_BINARY names another. tools/sanitize.sh runs the suites
/// against a TSan build of ptrscan that way, without building the tests
/// (and their servers' helpers) under TSan too.
inline std::string ptrscan_under_test() {
  const char* other = std::getenv("PTRSCAN_TEST_BINARY");
  return other != nullptr && *other != '\0' ? std::string(other)
                                            : std::string(PTRSCAN_BUILT_BINARY);
}

}  // namespace ptrscan::test_support
