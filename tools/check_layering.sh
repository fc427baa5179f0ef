#!/usr/bin/env bash
# The layering of lib/ (DESIGN.md "Layout"), checked by CI (.ci/run):
#
#   net     vocabulary types (ip_address, ASCII helpers): nothing but itself
#   cli     the command-line kit (on CLI11) the scanner and the probes share
#   core    the engine's toolbox (ring, slab, timers, queues): no protocol
#   dns smtp tls input output   leaves: never the scan layer or the probes
#   checks  pure verdict functions: no loop (core), no output, no scan, no probes
#   scan    the shard loop, jobs, engine: no probe and no protocol but DNS
#   probes  every probe; the only folder that may name them all
#   listen  `ptrscan listen`: the SMTP responder and its loop, on the probes'
#           client checks (probes/client_identity)
#
# and, outside lib/probes and lib/checks, no file of lib/ or scanner/ names
# the DNSBL or SPF probes (a new probe touches its own files and the table).
# Exit 1 with one line per violation.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

# folder: the lib/ folders it may include (besides itself, absl and the
# system headers).
declare -A allowed=(
  [net]=""
  [cli]="net input"
  [core]="net"
  [dns]="net core"
  [input]="net"
  [output]="net input"
  [tls]="net"
  [smtp]="net core tls output"
  [checks]="net dns"
  [scan]="net core dns input output"
  [probes]="net cli core dns input output tls smtp checks scan"
  [listen]="net core dns output tls checks probes"
)

status=0
for dir in lib/*/; do
  folder=$(basename "$dir")
  if [[ -z ${allowed[$folder]+set} ]]; then
    echo "layering: lib/$folder is not in tools/check_layering.sh: say what it may include"
    status=1
    continue
  fi
  while IFS= read -r hit; do
    file=${hit%%:*}
    inc=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$hit")
    case " $folder ${allowed[$folder]} absl " in
      *" $inc "*) ;;
      *)
        echo "layering: $file includes $inc/ (lib/$folder may include: ${allowed[$folder]:-nothing})"
        status=1
        ;;
    esac
  done < <(grep -rHnE '^#include "[a-z_]+/' "$dir" || true)
done

# Probe names outside the probe folder and the pure checks: identifiers
# and flag names, not prose in comments.
while IFS= read -r hit; do
  echo "layering: $hit names a probe outside lib/probes"
  status=1
done < <(grep -rHniE '(dnsbl|spf)' lib scanner \
           --include='*.cc' --include='*.h' \
           --exclude-dir=probes --exclude-dir=checks |
         grep -vE '^[^:]+:[0-9]*:?[[:space:]]*(//|\*|/\*)' |
         sed -E 's/^([^:]+):.*/\1/' | sort -u || true)

if [[ $status -eq 0 ]]; then
  echo "layering: ok"
fi
exit $status
