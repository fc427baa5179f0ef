#!/usr/bin/env bash
# The .deb on a clean Debian 12: copy the cached debootstrap root, install
# ptrscan_*.deb inside it with apt-get (so its Depends are resolved from
# Debian's mirror, nothing from this machine's libraries), then run
# `ptrscan --version` and a loopback scan in the chroot against
# ptrscan-simnet on 127.0.0.1 (the chroot shares this network namespace)
# and check every record against the zone the simulator served.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools chroot dpkg-deb zstd mount umount
DEB=$(find_deb)
VERSION=$(dpkg-deb -f "$DEB" Version)
BASE=$(debian_root)

WORK=$(mktemp -d /tmp/ptrscan-deb-test.XXXXXX)
ROOT=$WORK/root
# /proc is unmounted before the directory is removed; if the unmount fails
# the removal must not walk into the host's /proc.
remove_root() {
  if mountpoint -q "$ROOT/proc" && ! umount "$ROOT/proc"; then
    log "cannot unmount $ROOT/proc; leaving $WORK"
    return
  fi
  rm -rf "$WORK"
}
on_cleanup remove_root
log "copying the clean root $BASE"
cp -a "$BASE" "$ROOT"
mount -t proc proc "$ROOT/proc"

in_root() { chroot "$ROOT" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
  DEBIAN_FRONTEND=noninteractive "$@"; }

cp "$DEB" "$ROOT/tmp/"
log "apt-get install ./$(basename "$DEB") in the chroot"
install_deb() { in_root sh -c "cd /tmp && apt-get install -y -q ./$(basename "$DEB")" >"$WORK/apt.log" 2>&1; }
if ! install_deb; then
  # The cached lists may be older than the mirror's packages.
  log "install failed; apt-get update and retry"
  in_root apt-get update -q >>"$WORK/apt.log" 2>&1 || fail "apt-get update: $(tail -5 "$WORK/apt.log")"
  install_deb || fail "apt-get install: $(tail -20 "$WORK/apt.log")"
fi
grep -E '^(Setting up|Unpacking) ' "$WORK/apt.log" | sed 's/^/    /' >&2

# Every library resolves inside the clean root, BoringSSL's through the
# binary's RUNPATH.
if in_root ldd /usr/bin/ptrscan | grep 'not found'; then
  fail "libraries missing in the clean root"
fi
in_root ldd /usr/bin/ptrscan | grep -q '/usr/lib/x86_64-linux-gnu/android/libssl.so.0' ||
  fail "libssl.so.0 not from android-libboringssl: $(in_root ldd /usr/bin/ptrscan)"

out=$(in_root ptrscan --version) || fail "ptrscan --version failed in the chroot"
log "ptrscan --version in the chroot: $(echo "$out" | tr '\n' ' ')"
# Any first line naming ptrscan and the package version (the format may change).
[[ $(head -1 <<<"$out") == *ptrscan*"$VERSION"* ]] || fail "--version says '$(head -1 <<<"$out")', the package is $VERSION"

for f in /usr/share/man/man1/ptrscan.1.gz /usr/share/bash-completion/completions/ptrscan \
  /usr/share/zsh/vendor-completions/_ptrscan /usr/share/doc/ptrscan/examples/slurm-array.sh \
  /usr/share/doc/ptrscan/examples/k8s-indexed-job.yaml \
  /usr/share/ptrscan/schema/ptrscan-record.schema.json \
  /usr/share/ptrscan/schema/ptrscan-metadata.schema.json; do
  [[ -e $ROOT$f ]] || fail "$f is not installed"
done

# The man page documents today's options (generated from --help).
zcat "$ROOT/usr/share/man/man1/ptrscan.1.gz" | grep -qF -- '\-\-resolver' ||
  fail "the man page does not document --resolver"

RANGE=127.66.0.0/24
start_simnet "$RANGE" "$WORK"
log "scanning $RANGE inside the chroot"
in_root ptrscan --resolver "127.0.0.1:$SIMNET_PORT" --allow-reserved --probes ptr,fcrdns \
  --seed 5 -o /tmp/scan.ndjson.zst "$RANGE" 2>"$WORK/scan.err" ||
  fail "scan in the chroot failed: $(cat "$WORK/scan.err")"
sed 's/^/    /' "$WORK/scan.err" >&2
zstd -q -dc "$ROOT/tmp/scan.ndjson.zst" >"$WORK/scan.ndjson" || fail "the .zst output does not decode"
check_records "$RANGE" "$WORK/scan.ndjson"
log "PASS: $(basename "$DEB") installs on a clean Debian 12 and scans"
