#!/usr/bin/env bash
# The OCI image: build it with buildah from the newest .deb (no registry:
# the base is the debootstrap root, tools/setup.sh image does the same), then
# run it with podman on the host network against ptrscan-simnet on
# 127.0.0.1 and check every record against the zone the simulator served.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools buildah podman zstd jq
DEB=$(find_deb)
VERSION=$(dpkg-deb -f "$DEB" Version)
IMAGE=localhost/ptrscan:$VERSION
"$PKG_ROOT/packaging/build-image.sh" "$DEB" "$IMAGE" >/dev/null

# The Kubernetes example must name the image this builds.
grep -q "image: $IMAGE\$" "$PKG_ROOT/packaging/examples/k8s-indexed-job.yaml" ||
  fail "packaging/examples/k8s-indexed-job.yaml does not name $IMAGE"

WORK=$(mktemp -d /tmp/ptrscan-oci-test.XXXXXX)
on_cleanup "rm -rf '$WORK'"
RANGE=127.66.1.0/24
start_simnet "$RANGE" "$WORK"

# Limits: podman's defaults raise the open-files and process limits past
# the hard limits, which needs CAP_SYS_RESOURCE (a container runtime inside
# a sandbox lacks it: "setrlimit RLIMIT_NOFILE: Operation not permitted"):
# keep open files at this shell's hard limit, processes at 4096 (ptrscan
# runs a thread per shard and three more).
PODMAN_ARGS=(--ulimit "nofile=$(ulimit -Hn):$(ulimit -Hn)" --ulimit nproc=4096:4096)
# io_uring: podman's default seccomp profile (like containerd's and
# CRI-O's) answers io_uring_setup with ENOSYS, and every ptrscan shard runs
# on an io_uring. The profile used here is podman's own plus those three
# calls (the Kubernetes example says the same for pods).
jq '.syscalls += [{"names": ["io_uring_setup", "io_uring_enter", "io_uring_register"],
                   "action": "SCMP_ACT_ALLOW"}]' /usr/share/containers/seccomp.json \
  >"$WORK/seccomp.json" || fail "cannot derive a seccomp profile from /usr/share/containers/seccomp.json"
PODMAN_ARGS+=(--security-opt "seccomp=$WORK/seccomp.json")
# crun refuses cgroup v1+v2 hybrids with controllers on the v2 side ("cgroups
# in hybrid mode not supported"); runc runs there. A plain Debian 12 (v2
# only) uses podman's default runtime.
if [[ -n $(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null) ]]; then
  need_tools runc
  PODMAN_ARGS+=(--runtime runc)
  log "cgroup hybrid with v2 controllers ($(cat /sys/fs/cgroup/unified/cgroup.controllers)): podman --runtime runc"
fi
run_image() {
  podman run --rm --pull=never --network host "${PODMAN_ARGS[@]}" --name "ptrscan-oci-test-$$" \
    -v "$WORK:/out" "$IMAGE" "$@"
}
out=$(run_image --version) || fail "podman run $IMAGE --version failed"
log "in the image: $(echo "$out" | tr '\n' ' ')"
# Any first line naming ptrscan and the package version (the format may change).
[[ $(head -1 <<<"$out") == *ptrscan*"$VERSION"* ]] || fail "--version in the image says '$(head -1 <<<"$out")'"

log "scanning $RANGE from the image"
run_image --resolver "127.0.0.1:$SIMNET_PORT" --allow-reserved --probes ptr,fcrdns --seed 9 \
  -o /out/scan.ndjson.zst "$RANGE" 2>"$WORK/scan.err" ||
  fail "scan in the image failed: $(cat "$WORK/scan.err")"
sed 's/^/    /' "$WORK/scan.err" >&2
zstd -q -dc "$WORK/scan.ndjson.zst" >"$WORK/scan.ndjson" || fail "the .zst output does not decode"
check_records "$RANGE" "$WORK/scan.ndjson"
log "PASS: $IMAGE scans from podman"
