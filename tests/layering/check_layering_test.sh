#!/usr/bin/env bash
# tools/check_layering.sh passes on the tree and fails, naming the file, on
# each kind of violation made on purpose in a copy of it.
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
"$SRC/tools/check_layering.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One violation per case: the file to touch, the line to add, what the
# script must print.
cases=(
  'lib/core/ring.h|#include "smtp/session.h"|lib/core/ring.h includes smtp/'
  'lib/core/ring.h|#include "scan/jobs.h"|lib/core/ring.h includes scan/'
  'lib/checks/fcrdns.h|#include "core/ring.h"|lib/checks/fcrdns.h includes core/'
  'lib/checks/fcrdns.h|#include "output/json_writer.h"|lib/checks/fcrdns.h includes output/'
  'lib/scan/shard.cc|#include "probes/table.h"|lib/scan/shard.cc includes probes/'
  'lib/scan/shard.cc|int dnsbl_zones_seen = 0;|lib/scan/shard.cc names a probe'
  'scanner/flags.cc|bool spf_wanted = false;|scanner/flags.cc names a probe'
)
failures=0
for c in "${cases[@]}"; do
  IFS='|' read -r file line expect <<<"$c"
  rm -rf "$work/tree" && mkdir -p "$work/tree/tools"
  cp -r "$SRC/lib" "$SRC/scanner" "$work/tree/"
  cp "$SRC/tools/check_layering.sh" "$work/tree/tools/"
  printf '%s\n' "$line" >>"$work/tree/$file"
  if out=$("$work/tree/tools/check_layering.sh" 2>&1); then
    echo "FAIL: '$line' in $file passed the layering check"
    failures=$((failures + 1))
  elif ! grep -qF "$expect" <<<"$out"; then
    echo "FAIL: '$line' in $file: expected '$expect', got: $out"
    failures=$((failures + 1))
  fi
done
# A comment naming a probe is prose, not a dependency.
rm -rf "$work/tree" && mkdir -p "$work/tree/tools"
cp -r "$SRC/lib" "$SRC/scanner" "$work/tree/"
cp "$SRC/tools/check_layering.sh" "$work/tree/tools/"
echo '// the DNSBL probe is one of the table' >>"$work/tree/lib/scan/shard.cc"
"$work/tree/tools/check_layering.sh" >/dev/null || { echo "FAIL: a comment counted"; failures=$((failures + 1)); }
[[ $failures -eq 0 ]] && echo "layering test: ${#cases[@]} violations caught"
exit $((failures > 0))
