#!/bin/sh
# One ptrscan scan split over a Slurm job array: task I of N scans slice I/N
# of the same permuted target space (same arguments and seed everywhere), so
# the N outputs hold every target exactly once between them. A task that is
# cancelled, preempted or requeued (sbatch --requeue, scontrol requeue)
# resumes from its --state file when it runs again.
#
#   mkdir -p out && sbatch --array=0-7 slurm-array.sh
#   ... then: cat out/*.ndjson.zst > all.ndjson.zst
#
# Settings (environment, passed on by sbatch): RESOLVER (your recursive
# resolver), TARGETS (a target file on shared storage), OUT (output
# directory), SEED (any number, the same for all tasks), PTRSCAN (binary),
# PTRSCAN_ARGS (more options, e.g. "--rate 2000").
#SBATCH --job-name=ptrscan
#SBATCH --array=0-7
#SBATCH --requeue
#SBATCH --output=out/ptrscan-%A_%a.log
set -eu

: "${RESOLVER:=10.0.0.53}"
: "${TARGETS:=targets.txt}"
: "${OUT:=out}"
: "${SEED:=7}"
: "${PTRSCAN:=ptrscan}"
: "${PTRSCAN_ARGS:=}"

# Slices count from 0 (as zmap's --shard), whatever range --array names.
min=${SLURM_ARRAY_TASK_MIN:?submit with sbatch --array=0-N}
n=$((SLURM_ARRAY_TASK_MAX - min + 1))
i=$((SLURM_ARRAY_TASK_ID - min))

mkdir -p "$OUT"
# exec: Slurm's SIGTERM (scancel, requeue, time limit) reaches ptrscan, which
# stops reading, finishes the hosts in flight, records its state and exits.
# shellcheck disable=SC2086
exec "$PTRSCAN" --resolver "$RESOLVER" --seed "$SEED" --shard "$i/$n" \
  --state "$OUT/$i.state" -i "$TARGETS" -o "$OUT/$i.ndjson.zst" $PTRSCAN_ARGS
