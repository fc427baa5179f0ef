#!/usr/bin/env bash
# build-image.sh DEB [NAME:TAG]: the OCI image of ptrscan, built with buildah
# and no registry: its base is the cached debootstrap root of Debian 12
# (tests/packaging/lib.sh's debian_root) imported as localhost/ptrscan-base,
# and the .deb is installed into it with apt-get, which fetches the Depends
# from Debian's mirror (kept under /var/cache/ptrscan/apt-archives, so a
# rebuild downloads nothing). Tags NAME:TAG (default
# localhost/ptrscan:<version>) and NAME:latest.
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../tests/packaging/lib.sh"

DEB=$(readlink -f "${1:?usage: build-image.sh DEB [NAME:TAG]}")
VERSION=$(dpkg-deb -f "$DEB" Version)
IMAGE=${2:-localhost/ptrscan:$VERSION}
BASE_IMAGE=localhost/ptrscan-base:bookworm
need_tools buildah dpkg-deb

if ! buildah inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
  ROOTFS=$(debian_root)
  log "importing $ROOTFS as $BASE_IMAGE"
  base=$(buildah from scratch)
  on_cleanup "buildah rm '$base' >/dev/null 2>&1"
  # The host's resolver config stays out of the image (podman and
  # Kubernetes supply their own at run time).
  tmp=$(mktemp -d /tmp/ptrscan-image.XXXXXX)
  on_cleanup "rm -rf '$tmp'"
  tar -C "$ROOTFS" --exclude=./etc/resolv.conf --exclude=./.ptrscan-complete -cf "$tmp/root.tar" .
  buildah add "$base" "$tmp/root.tar" / >/dev/null
  buildah config --created-by "ptrscan packaging/build-image.sh: debootstrap --variant=minbase bookworm" "$base"
  buildah commit -q "$base" "$BASE_IMAGE" >/dev/null
fi

log "building $IMAGE from $(basename "$DEB") on $BASE_IMAGE"
ctr=$(buildah from --pull=never "$BASE_IMAGE")
on_cleanup "buildah rm '$ctr' >/dev/null 2>&1"
mkdir -p "$PKG_CACHE/apt-archives/partial"
buildah copy "$ctr" "$DEB" /tmp/ptrscan.deb >/dev/null
run() {
  buildah run --isolation chroot --network host \
    --volume "$PKG_CACHE/apt-archives:/var/cache/apt/archives" "$ctr" -- \
    env DEBIAN_FRONTEND=noninteractive "$@"
}
if ! run apt-get install -y -q --no-install-recommends /tmp/ptrscan.deb zstd publicsuffix >"$PKG_CACHE/image-apt.log" 2>&1; then
  run apt-get update -q >>"$PKG_CACHE/image-apt.log" 2>&1 || fail "apt-get update: $(tail -5 "$PKG_CACHE/image-apt.log")"
  run apt-get install -y -q --no-install-recommends /tmp/ptrscan.deb zstd publicsuffix >>"$PKG_CACHE/image-apt.log" 2>&1 ||
    fail "apt-get install in the image: $(tail -20 "$PKG_CACHE/image-apt.log")"
fi
run sh -c 'rm -f /tmp/ptrscan.deb && rm -rf /var/lib/apt/lists/* && ptrscan --version' >&2
buildah config \
  --entrypoint '["/usr/bin/ptrscan"]' --cmd '--help' \
  --workingdir /out \
  --label org.opencontainers.image.title=ptrscan \
  --label org.opencontainers.image.version="$VERSION" \
  --label org.opencontainers.image.description="bulk mail-identity scanner (PTR, FCrDNS, SMTP, STARTTLS)" \
  --created-by "ptrscan packaging/build-image.sh: apt-get install ./$(basename "$DEB")" \
  "$ctr"
# The previous build of this tag, if any, is removed once the new one has
# the tags (no untagged images pile up run after run).
previous=$(buildah images -q --noheading "$IMAGE" 2>/dev/null | head -1 || true)
image_id=$(buildah commit -q "$ctr" "$IMAGE")
buildah tag "$IMAGE" "${IMAGE%:*}:latest"
if [[ -n $previous && $image_id != "$previous"* ]]; then
  buildah rmi "$previous" >/dev/null 2>&1 || true
fi
log "built $IMAGE ($(buildah images --format '{{.Size}}' "$IMAGE" | head -1))"
echo "$IMAGE"
