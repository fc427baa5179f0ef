# Shared helpers of the packaging tests (sourced, not run).
#
# Every process a test starts is recorded with track_pid and stopped by PID
# in cleanup; every wait is bounded. Nothing here talks to anything but
# loopback and Debian's package mirror (debootstrap, apt inside the root).

set -euo pipefail

PKG_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PKG_BUILD=${PTRSCAN_BUILD_DIR:-$PKG_ROOT/build}
PKG_CACHE=${PTRSCAN_PKG_CACHE:-/var/cache/ptrscan}
DEBIAN_SUITE=bookworm

# apt_source SUITE: the URI this machine's apt configuration gives for
# Debian's SUITE (deb822 .sources files, then one-line .list files). The
# clean root uses the same mirror as the machine: Debian's mirror is the only
# outside host a test may reach, and no address is written down here.
apt_source() {
  local suite=$1 uri
  uri=$(awk -v suite="$suite" '
    /^[ \t]*$/ { uri = ""; next }
    /^URIs:/ { uri = $2 }
    /^Suites:/ && uri != "" { for (i = 2; i <= NF; i++) if ($i == suite) { print uri; exit } }
  ' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
  if [[ -z $uri ]]; then
    uri=$(awk -v suite="$suite" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | head -1)
  fi
  echo "$uri"
}
DEBIAN_MIRROR=${PTRSCAN_DEBIAN_MIRROR:-$(apt_source "$DEBIAN_SUITE")}
DEBIAN_SECURITY=${PTRSCAN_DEBIAN_SECURITY:-$(apt_source "$DEBIAN_SUITE-security")}

log() { echo "[$(basename "$0") $(date +%T)] $*" >&2; }

# A missing tool or fixture: skip (exit 77) on a developer's machine, fail
# when CI is set, as tests/support/missing_fixture.h does for the C++ tests.
missing() {
  if [[ -n ${CI:-} ]]; then
    log "FAIL (CI is set, so a missing fixture fails): $*"
    exit 1
  fi
  log "SKIP: $*"
  exit 77
}

need_tools() {
  local t
  for t in "$@"; do
    command -v "$t" >/dev/null 2>&1 || missing "$t is not installed (tools/setup.sh package-test installs it)"
  done
}

fail() {
  log "FAIL: $*"
  exit 1
}

# --- processes and cleanup -------------------------------------------------
PKG_PIDS=()
PKG_CLEANUPS=()
track_pid() { PKG_PIDS+=("$1"); }
on_cleanup() { PKG_CLEANUPS+=("$1"); }

pkg_cleanup() {
  local rc=$? pid i
  set +e
  for pid in "${PKG_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  for pid in "${PKG_PIDS[@]}"; do
    for i in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  # Last registered, first run (unmounts before removing directories).
  for ((i = ${#PKG_CLEANUPS[@]} - 1; i >= 0; i--)); do
    eval "${PKG_CLEANUPS[i]}"
  done
  exit $rc
}
trap pkg_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for SECONDS COMMAND...: poll COMMAND every 0.2 s until it succeeds.
wait_for() {
  local seconds=$1 i
  shift
  for ((i = 0; i < seconds * 5; i++)); do
    if "$@" >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# --- the DNS fixture ----------------------------------------------------------
# start_simnet RANGE OUTDIR [serve flags...]: ptrscan-simnet answers PTR and
# A/AAAA for every address of RANGE (a 127.x block: loopback only) on
# 127.0.0.1 at a free port; sets SIMNET_PORT. Its model is deterministic, so
# `ptrscan-simnet check` knows every record a scan must produce.
SIMNET=${PTRSCAN_SIMNET:-$PKG_BUILD/tools/ptrscan-simnet}
start_simnet() {
  local range=$1 dir=$2
  shift 2
  [[ -x $SIMNET ]] || fail "$SIMNET is not built (cmake --build $PKG_BUILD --target ptrscan-simnet)"
  "$SIMNET" serve --dns 127.0.0.1:0 --no-smtp --range "$range" --max-seconds 1800 "$@" \
    >"$dir/simnet.out" 2>"$dir/simnet.err" &
  track_pid $!
  wait_for 20 grep -q '"dns"' "$dir/simnet.out" || fail "simnet did not start: $(cat "$dir/simnet.err")"
  SIMNET_PORT=$(sed -n 's/.*"dns":"127\.0\.0\.1:\([0-9]*\)".*/\1/p' "$dir/simnet.out")
  log "simnet serves $range on 127.0.0.1:$SIMNET_PORT"
}

# check_records RANGE FILE: every address of RANGE exactly once, each record
# as the simulator's model says (PTR names, FCrDNS verdicts).
check_records() {
  local range=$1 file=$2 report
  report=$("$SIMNET" check --range "$range" --targets "$range" --probes ptr,fcrdns "$file") ||
    fail "records in $file do not match the served zone: $report"
  log "records match the served zone: $report"
  # And by hand, for the eye: a few PTR names the zone served.
  grep -o -m 3 '"names":\["[^"]*"' "$file" | sed 's/^/    /' >&2
  grep -q '"ptr":{"status":"ok","names":\["' "$file" || fail "no PTR name in $file"
}

# --- the package -------------------------------------------------------------
# The newest ptrscan_*.deb of the build dir (tools/setup.sh package makes it).
find_deb() {
  local deb
  deb=$(ls -t "$PKG_BUILD"/ptrscan_*_amd64.deb 2>/dev/null | head -1 || true)
  [[ -n $deb ]] || fail "no ptrscan_*_amd64.deb in $PKG_BUILD: run tools/setup.sh package"
  echo "$deb"
}

# --- a clean Debian 12 root ------------------------------------------------------
# debian_root: prints the path of a cached minimal Debian 12 root made with
# debootstrap from Debian's mirror (under $PKG_CACHE, made once, reused), with
# its apt lists fetched. Tests copy it; nobody changes the cached one.
debian_root() {
  local root=$PKG_CACHE/debian12-minbase
  if [[ -x $root/usr/bin/apt-get && -e $root/.ptrscan-complete ]]; then
    echo "$root"
    return
  fi
  need_tools debootstrap
  [[ -n $DEBIAN_MIRROR ]] || fail "no Debian $DEBIAN_SUITE source in /etc/apt: set PTRSCAN_DEBIAN_MIRROR"
  log "debootstrap: making a minimal Debian 12 root under $root (once; cached)"
  rm -rf "$root.new"
  mkdir -p "$PKG_CACHE"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$root.new" "$DEBIAN_MIRROR" >"$PKG_CACHE/debootstrap.log" 2>&1 ||
    fail "debootstrap failed: $(tail -5 "$PKG_CACHE/debootstrap.log")"
  {
    echo "deb $DEBIAN_MIRROR $DEBIAN_SUITE main"
    echo "deb $DEBIAN_MIRROR $DEBIAN_SUITE-updates main"
    if [[ -n $DEBIAN_SECURITY ]]; then
      echo "deb $DEBIAN_SECURITY $DEBIAN_SUITE-security main"
    fi
  } >"$root.new/etc/apt/sources.list"
  chroot "$root.new" apt-get update -q >>"$PKG_CACHE/debootstrap.log" 2>&1 ||
    fail "apt-get update in the new root failed: $(tail -5 "$PKG_CACHE/debootstrap.log")"
  chroot "$root.new" apt-get clean
  touch "$root.new/.ptrscan-complete"
  rm -rf "$root"
  mv "$root.new" "$root"
  echo "$root"
}
