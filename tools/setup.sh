#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root). Each mode
# installs the Debian packages it needs that are missing, then:
#   tools/setup.sh build  builds ptrscan and its tools, no tests or benchmarks
#                         (binary: build/scanner/ptrscan)
#   tools/setup.sh demo [--serve]  builds as `build`, runs the local demo scan;
#                         --serve keeps its DNS and SMTP servers up and prints
#                         ptrscan commands to try, until Ctrl-C
#   tools/setup.sh test   builds everything, runs every test
#   tools/setup.sh deps   installs what the tests need (tools/sanitize.sh), no build
#   tools/setup.sh package  builds as `build`, then build/ptrscan_<version>_amd64.deb
#   tools/setup.sh image  the .deb, then the OCI image localhost/ptrscan:<version>
#                         (buildah on a debootstrap root: no registry)
#   tools/setup.sh package-test  the .deb, then tests/packaging/*_test.sh: the
#                         .deb in a clean Debian 12 chroot, the image under
#                         podman, shell completion, demo --serve, a Slurm array
#   tools/setup.sh cluster  builds as `build`, runs the Slurm job-array test alone
#   tools/setup.sh bench [ARGS]  also install the benchmark tools, build, run
#                         the micro-benchmarks, then bench/ptrscan-bench ARGS
#                         (default: every scenario with reference lines)
# Nothing here talks to anything but Debian's package mirrors and loopback.
set -euo pipefail

MODE=${1:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${PTRSCAN_BUILD_DIR:-$ROOT/build}
JOBS=${PTRSCAN_JOBS:-$(nproc)}

# What building ptrscan and its tools needs (every mode).
BUILD_PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config
  # libraries ptrscan links against
  liburing-dev libc-ares-dev android-libboringssl-dev libabsl-dev libzstd-dev
  # the Public Suffix List and its library, for the rDNS naming classes
  libpsl-dev publicsuffix
  # command lines (ptrscan, ptrscan report, ptrscan-simnet, ptrscan-bench):
  # CLI11, header-only; option groups, validators, short options, subcommands
  libcli11-dev
  # JSON reading in `ptrscan report`, the simulator and the test tools;
  # zstd to read .zst output
  nlohmann-json3-dev zstd
  # the man page, generated from `ptrscan --help` at build time
  help2man
  # real servers the demo (and the integration tests) start on loopback
  knot unbound bind9-dnsutils iproute2
)

# What the tests need on top.
TEST_PACKAGES=(
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  # the simulator's filtered hosts (bench smoke test): nft inside a namespace
  nftables
  # headless Chromium renders `ptrscan report` pages in the report test
  chromium
  # fuzzing (tools/sanitize.sh fuzz): clang, libFuzzer and clang's sanitizer
  # runtimes (only a Recommends of clang, so named here), llvm-symbolizer for
  # readable crash stacks; gcc's ASan/UBSan/TSan runtimes come with g++
  clang libclang-rt-14-dev llvm
  # real MTAs for the SMTP integration tests (Postfix installed with "No
  # configuration": no system mail service; Exim only unpacked, see
  # install_exim), setsid for Postfix's master, openssl for cross-checks
  postfix util-linux openssl ca-certificates
  # the output's JSON Schema (schema/) checked against real scans
  python3 python3-jsonschema
  # libraries the unpacked Exim (exim4-daemon-light) links against
  libidn12 libidn2-0 libgnutls30 libgnutls-dane0 libdb5.3 libnsl2 libpcre2-8-0 libcrypt1
)

# What only the benchmarks need: dnsperf for the reference line, perf for
# profiling a run by hand.
BENCH_PACKAGES=(dnsperf linux-perf)

# What the packaging tests need (tests/packaging/).
PACKAGING_PACKAGES=(
  # a clean Debian 12 root (from Debian's mirror) to install the .deb into,
  # and the OCI image's base
  debootstrap
  # the OCI image, built and run without a registry; runc because crun
  # refuses cgroup v1/v2 hybrids with controllers on the v2 side
  buildah podman runc
  # podman's seccomp profile plus io_uring, for the image test
  jq
  # the completion test types into bash and zsh in a tmux pane
  tmux zsh
  # a single-node Slurm cluster for the job-array test
  slurm-wlm munge
)

case "$MODE" in
  test | deps) PACKAGES=("${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}") ;;
  bench) PACKAGES=("${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}" "${BENCH_PACKAGES[@]}") ;;
  package-test | image | cluster) PACKAGES=("${BUILD_PACKAGES[@]}" "${PACKAGING_PACKAGES[@]}") ;;
  *) PACKAGES=("${BUILD_PACKAGES[@]}") ;;
esac

# Exim conflicts with Postfix as a Debian package, so it is not installed:
# its packages are downloaded and unpacked here, outside the repository, and
# the tests run that copy (tools/testnet/mta_fixture.h, PTRSCAN_EXIM).
EXIM_CACHE=${PTRSCAN_EXIM_CACHE:-/var/cache/ptrscan/exim}
EXIM_PACKAGES=(exim4-daemon-light exim4-base exim4-config)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: missing packages (${missing[*]}); run as root to install them" >&2
    exit 2
  fi
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # The distro packages of knot and unbound would start system-wide daemons;
  # ptrscan only ever runs its own instances on loopback, so stop them from
  # starting (policy-rc.d), restoring any existing policy afterwards.
  local policy=/usr/sbin/policy-rc.d saved=""
  if [[ -e $policy ]]; then saved=$(mktemp); cp -p "$policy" "$saved"; fi
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  # Postfix without a system mail service: no main.cf, nothing configured.
  echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
  local rc=0
  apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
  if [[ -n $saved ]]; then mv "$saved" "$policy"; else rm -f "$policy"; fi
  return $rc
}

install_exim() {
  local root=$EXIM_CACHE/root
  if [[ -x $root/usr/sbin/exim4 ]] && getent passwd Debian-exim >/dev/null; then
    return
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "setup: Exim is not unpacked under $EXIM_CACHE; run as root to do it" >&2
    exit 2
  fi
  echo "setup: unpacking ${EXIM_PACKAGES[*]} under $EXIM_CACHE" >&2
  mkdir -p "$EXIM_CACHE/debs"
  rm -f "$EXIM_CACHE"/debs/*.deb
  # apt-get download writes into the current directory.
  if ! (cd "$EXIM_CACHE/debs" && apt-get download -q "${EXIM_PACKAGES[@]}"); then
    apt-get update -q
    (cd "$EXIM_CACHE/debs" && apt-get download -q "${EXIM_PACKAGES[@]}")
  fi
  rm -rf "$root.new"
  mkdir -p "$root.new"
  local deb
  for deb in "$EXIM_CACHE"/debs/*.deb; do
    dpkg-deb -x "$deb" "$root.new"
  done
  rm -rf "$root"
  mv "$root.new" "$root"
  # The Debian build looks its compiled-in user up before reading any
  # configuration (the test configuration then runs it as root).
  if ! getent passwd Debian-exim >/dev/null; then
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin Debian-exim
  fi
}

# build [ON|OFF]: with or without the tests and benchmarks (the same build
# dir either way; switching reconfigures, and what was built stays built).
build() {
  local all=${1:-OFF}
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPTRSCAN_WERROR=ON -DPTRSCAN_BUILD_TESTS="$all" -DPTRSCAN_BUILD_BENCH="$all" >/dev/null
  cmake --build "$BUILD" -j "$JOBS"
}

# The .deb from the build dir (CPack; Depends from dpkg-shlibdeps).
package() {
  (cd "$BUILD" && cpack -G DEB >/dev/null)
  DEB=$(ls -t "$BUILD"/ptrscan_*_amd64.deb | head -1)
  echo "setup: $DEB" >&2
  dpkg-deb -f "$DEB" Package Version Depends >&2
}

usage() {
  echo "usage: $0 [build|demo [--serve]|test|deps|package|image|package-test|cluster|bench [ptrscan-bench args]]" >&2
  exit 2
}
case "$MODE" in
  build | demo | test | deps | package | image | package-test | cluster | bench) ;;
  *) usage ;;
esac

install_packages
case "$MODE" in
  test | deps | bench)
    install_exim
    export PTRSCAN_EXIM=$EXIM_CACHE/root/usr/sbin/exim4
    ;;
esac
case "$MODE" in
  deps) exit 0 ;;
  test | bench) build ON ;;
  *) build OFF ;;
esac
export PTRSCAN_BUILD_DIR=$BUILD
case "$MODE" in
  build)
    echo "setup: built $BUILD/scanner/ptrscan (tools/setup.sh package makes a .deb of it)" >&2
    ;;
  demo)
    shift
    exec "$BUILD/tools/ptrscan-demo" --out "${PTRSCAN_DEMO_OUT:-$ROOT/demo-out}" "$@"
    ;;
  test)
    cd "$BUILD"
    exec ctest --output-on-failure -j "$JOBS" --timeout 900
    ;;
  package)
    package
    ;;
  image)
    package
    IMAGE=$("$ROOT/packaging/build-image.sh" "$DEB")
    echo "setup: image $IMAGE; push it with: podman push $IMAGE REGISTRY/ptrscan:${IMAGE##*:}" >&2
    ;;
  package-test)
    package
    # Each prints its own PASS/FAIL lines; all run, then the count. A test
    # missing a tool exits 77 (skipped) on a developer's machine and fails
    # when CI is set.
    passed=0 failed=0 skipped=0
    for t in deb_chroot oci completion demo_serve slurm; do
      start=$SECONDS rc=0
      "$ROOT/tests/packaging/${t}_test.sh" || rc=$?
      case $rc in
        0) passed=$((passed + 1)) result=passed ;;
        77) skipped=$((skipped + 1)) result=skipped ;;
        *) failed=$((failed + 1)) result=FAILED ;;
      esac
      echo "setup: ${t}_test $result in $((SECONDS - start)) s" >&2
    done
    echo "packaging: $passed passed, $failed failed, $skipped skipped"
    ((failed == 0))
    ;;
  cluster)
    exec "$ROOT/tests/packaging/slurm_test.sh"
    ;;
  bench)
    shift
    "$BUILD/bench/ptrscan_micro_bench"
    if (($# == 0)); then set -- all --reference; fi
    exec "$BUILD/bench/ptrscan-bench" "$@"
    ;;
esac
