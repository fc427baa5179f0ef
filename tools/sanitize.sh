#!/usr/bin/env bash
# Sanitizer and fuzzing runs of the test suite, each in its own build dir:
#   tools/sanitize.sh asan [CTEST ARGS]  gcc, ASan+UBSan, every test (build-asan)
#   tools/sanitize.sh tsan [CTEST ARGS]  gcc, TSan, unit + integration tests (build-tsan)
#   tools/sanitize.sh fuzz [CTEST ARGS]  clang, libFuzzer targets of fuzz/, each
#                                        run for PTRSCAN_FUZZ_SECONDS (build-fuzz)
#   tools/sanitize.sh ci                 what CI runs in its time budget: ASan+UBSan
#                                        over the unit and integration suites, then
#                                        the integration suites against a TSan
#                                        ptrscan (build-asan-ci, build-tsan-ci)
# Extra arguments go to ctest (e.g. -R Reply, --repeat until-fail:3).
# Run `tools/setup.sh deps` (or `test`) first on a fresh machine: it installs
# the build dependencies, the servers the integration tests start and, for
# fuzz, clang.
# Environment: PTRSCAN_JOBS (default: nproc), PTRSCAN_FUZZ_SECONDS (default 20),
# PTRSCAN_SANITIZE_DIR (build dir, default build-<mode> in the checkout).
set -euo pipefail

MODE=${1:-}
shift || true
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JOBS=${PTRSCAN_JOBS:-$(nproc)}
BUILD=${PTRSCAN_SANITIZE_DIR:-$ROOT/build-$MODE}

usage() {
  echo "usage: $0 asan|tsan|fuzz [ctest args]" >&2
  exit 2
}

# -O1 keeps the instrumented binaries fast enough for the integration tests'
# timeouts; without NDEBUG, assert() is live too. Warnings do not fail these
# builds: the normal build enforces -Werror, and gcc's instrumentation adds
# false ones (-Wmaybe-uninitialized inside <regex> under ASan, -Wtsan).
COMMON_CMAKE=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g"
              -DPTRSCAN_WERROR=OFF -DPTRSCAN_BUILD_BENCH=OFF)

# The sanitizer runtimes of gcc 12 and clang 14 map their shadow memory at
# fixed addresses; with more ASLR entropy than they were built for (kernels
# with vm.mmap_rnd_bits > 28) TSan dies at start with "unexpected memory
# mapping". Running without randomisation avoids that; elsewhere it changes
# nothing, so it is only done where needed.
NORAND=()
if [[ $(cat /proc/sys/vm/mmap_rnd_bits 2>/dev/null || echo 28) -gt 28 ]]; then
  NORAND=(setarch "$(uname -m)" -R)
fi

# Every report fails the test that produced it (TSan: exit code 66 at exit).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:check_initialization_order=1:strict_init_order=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export TSAN_OPTIONS=${TSAN_OPTIONS:-second_deadlock_stack=1:history_size=4}

start=$SECONDS
case "$MODE" in
  asan)
    cmake -S "$ROOT" -B "$BUILD" "${COMMON_CMAKE[@]}" -DPTRSCAN_SANITIZE=address,undefined >/dev/null
    cmake --build "$BUILD" -j "$JOBS"
    echo "sanitize: asan build took $((SECONDS - start)) s" >&2
    cd "$BUILD"
    # Same as tools/setup.sh test, with a longer per-test limit: ASan roughly
    # halves the speed of the scans the integration tests run.
    "${NORAND[@]}" ctest --output-on-failure -j "$JOBS" --timeout 1800 "$@"
    ;;
  tsan)
    # The subset that runs ptrscan's threads: the unit tests (SPSC queues,
    # output sink, engine) and the integration tests, whose ptrscan binary
    # runs the feeder, the shards and the writer for real. The simnet and
    # report suites test single-threaded tools and are left out, and so is
    # building them, which is most of what the subset saves.
    # io_uring: the kernel fills receive buffers and completions without TSan
    # seeing the writes. That hides nothing here and reports nothing false,
    # because every ring, buffer and socket belongs to one shard thread;
    # what crosses threads (queues, counters, the sink) uses std::atomic and
    # mutexes, which TSan models. c-ares, absl and BoringSSL are not
    # instrumented; their objects are per shard too. So no suppressions: a
    # report is a race in our code (or in a test's own helper threads).
    cmake -S "$ROOT" -B "$BUILD" "${COMMON_CMAKE[@]}" -DPTRSCAN_SANITIZE=thread >/dev/null
    cmake --build "$BUILD" -j "$JOBS" --target ptrscan_unit_tests ptrscan_integration_tests
    echo "sanitize: tsan build took $((SECONDS - start)) s" >&2
    cd "$BUILD"
    "${NORAND[@]}" ctest --output-on-failure -j "$JOBS" --timeout 1800 -L 'unit|integration' "$@"
    ;;
  fuzz)
    # clang for libFuzzer; libstdc++ stays the standard library, so the
    # fuzzers link against Debian's gcc-built absl. Only the fuzz targets are
    # built (tests and benchmarks are gcc's business).
    cmake -S "$ROOT" -B "$BUILD" "${COMMON_CMAKE[@]}" -DCMAKE_CXX_COMPILER=clang++ \
      -DPTRSCAN_FUZZ=ON -DPTRSCAN_BUILD_TESTS=OFF \
      -DPTRSCAN_FUZZ_SECONDS="${PTRSCAN_FUZZ_SECONDS:-20}" >/dev/null
    cmake --build "$BUILD" -j "$JOBS" --target ptrscan_fuzzers
    echo "sanitize: fuzz build took $((SECONDS - start)) s" >&2
    cd "$BUILD"
    "${NORAND[@]}" ctest --output-on-failure -j "$JOBS" -L fuzz "$@"
    ;;
  ci)
    # Two full sanitizer builds of everything and ctest's one process per
    # test (every integration test then starts its own Knot, Unbound and
    # MTAs) took 20+ minutes each on 2 cores. CI gets the same coverage of
    # ptrscan's own code in about a third of that:
    # - ASan+UBSan: ptrscan, the unit and the integration suites (and the
    #   simulator they start), line tables only (-g1). Each suite runs as
    #   one gtest process, so a test suite starts its servers once.
    # - TSan: only ptrscan is built with it, and the integration suites
    #   (ASan-built) run it through PTRSCAN_TEST_BINARY: the threads TSan
    #   must watch -- feeder, shards, writer -- all live in that binary. Left
    #   out: the 100k-in-flight run (TSan's memory), the in-process engine
    #   baseline (it would test the ASan build again), the /16 scan and the
    #   Chromium report (no ptrscan threads the smaller scans miss). The unit
    #   tests' own thread tests (SPSC queue, sink) run under TSan in `tsan`.
    CI_CMAKE=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1"
              -DPTRSCAN_WERROR=OFF -DPTRSCAN_BUILD_BENCH=OFF)
    ASAN_DIR=${PTRSCAN_SANITIZE_DIR:-$ROOT/build-asan-ci}
    TSAN_DIR=${ASAN_DIR%-asan-ci}-tsan-ci
    cmake -S "$ROOT" -B "$ASAN_DIR" "${CI_CMAKE[@]}" -DPTRSCAN_SANITIZE=address,undefined >/dev/null
    cmake --build "$ASAN_DIR" -j "$JOBS" --target ptrscan ptrscan_unit_tests ptrscan_integration_tests
    echo "sanitize: asan build took $((SECONDS - start)) s" >&2
    step=$SECONDS
    "${NORAND[@]}" "$ASAN_DIR/tests/ptrscan_unit_tests" --gtest_brief=1
    "${NORAND[@]}" "$ASAN_DIR/tests/ptrscan_integration_tests" --gtest_brief=1
    echo "sanitize: asan tests took $((SECONDS - step)) s" >&2
    step=$SECONDS
    cmake -S "$ROOT" -B "$TSAN_DIR" "${CI_CMAKE[@]}" -DPTRSCAN_SANITIZE=thread >/dev/null
    cmake --build "$TSAN_DIR" -j "$JOBS" --target ptrscan
    echo "sanitize: tsan build took $((SECONDS - step)) s" >&2
    step=$SECONDS
    PTRSCAN_TEST_BINARY="$TSAN_DIR/scanner/ptrscan" "${NORAND[@]}" \
      "$ASAN_DIR/tests/ptrscan_integration_tests" --gtest_brief=1 \
      --gtest_filter='-ResourceLimits.HundredThousandHostsInFlight:EngineBaseline.*:FullBlock.Slash16MatchesThePlan:ReportChromium.*'
    echo "sanitize: tsan tests took $((SECONDS - step)) s" >&2
    ;;
  *)
    usage
    ;;
esac
echo "sanitize: $MODE done in $((SECONDS - start)) s" >&2
