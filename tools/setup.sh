#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (run as root):
#   tools/setup.sh demo   install what is missing, build, run the local demo scan
#   tools/setup.sh test   install what is missing, build, run every test
#   tools/setup.sh build  install what is missing and build
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
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev nlohmann-json3-dev zstd
  # real servers the integration tests and the demo start on loopback
  knot unbound bind9-dnsutils iproute2
)

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
  local rc=0
  apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
  if [[ -n $saved ]]; then mv "$saved" "$policy"; else rm -f "$policy"; fi
  return $rc
}

build() {
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPTRSCAN_WERROR=ON >/dev/null
  cmake --build "$BUILD" -j "$JOBS"
}

install_packages
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
  *)
    echo "usage: $0 [build|demo|test]" >&2
    exit 2
    ;;
esac
