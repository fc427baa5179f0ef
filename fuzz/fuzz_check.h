#pragma once

// Oracles inside fuzz targets. A failed check prints what broke and aborts,
// so libFuzzer stops and keeps the input as a crash artifact. Unlike assert()
// it stays live whatever NDEBUG says: the checks are the point of the build.

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
