#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root):
#   tools/setup.sh demo   install what is missing, build, run the local demo scan
#   tools/setup.sh test   install what is missing, build, run every test
#   tools/setup.sh build  install what is missing and build
#   tools/setup.sh bench [ARGS]  also install the benchmark tools, build, run
#                         the micro-benchmarks, then bench/ptrscan-bench ARGS
#                         (default: every scenario with reference lines)
# Nothing here talks to anything but Debian's package mirrors and loopback.
set -euo pipefail

MODE=${1:-build}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${PTRSCAN_BUILD_DIR:-$ROOT/build}
JOBS=${PTRSCAN_JOBS:-$(nproc)}

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config
  # libraries ptrscan links against
  liburing-dev libc-ares-dev android-libboringssl-dev libabsl-dev libzstd-dev
  # the Public Suffix List and its library, for the rDNS naming classes
  libpsl-dev publicsuffix
  # command lines (ptrscan, ptrscan report, ptrscan-simnet, ptrscan-bench):
  # CLI11, header-only; option groups, validators, short options, subcommands
  libcli11-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev zstd
  # real servers the integration tests and the demo start on loopback
  knot unbound bind9-dnsutils iproute2
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
  # libraries the unpacked Exim (exim4-daemon-light) links against
  libidn12 libidn2-0 libgnutls30 libgnutls-dane0 libdb5.3 libnsl2 libpcre2-8-0 libcrypt1
)

# What only the benchmarks need: dnsperf for the reference line, perf for
# profiling a run by hand.
BENCH_PACKAGES=(dnsperf linux-perf)
if [[ $MODE == bench ]]; then
  PACKAGES+=("${BENCH_PACKAGES[@]}")
fi

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

build() {
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPTRSCAN_WERROR=ON >/dev/null
  cmake --build "$BUILD" -j "$JOBS"
}

install_packages
install_exim
export PTRSCAN_EXIM=$EXIM_CACHE/root/usr/sbin/exim4
build
case "$MODE" in
  build) ;;
  demo)
    exec "$BUILD/tools/ptrscan-demo" --out "${PTRSCAN_DEMO_OUT:-$ROOT/demo-out}"
    ;;
  test)
    cd "$BUILD"
    exec ctest --output-on-failure -j "$JOBS" --timeout 900
    ;;
  bench)
    shift
    "$BUILD/bench/ptrscan_micro_bench"
    if (($# == 0)); then set -- all --reference; fi
    exec "$BUILD/bench/ptrscan-bench" "$@"
    ;;
  *)
    echo "usage: $0 [build|demo|test|bench [ptrscan-bench args]]" >&2
    exit 2
    ;;
esac
