#!/usr/bin/env bash
# The README's Slurm recipe on a real single-node cluster: munged, slurmctld
# and slurmd (Debian's munge and slurm-wlm) on 127.0.0.1 with a key and a
# configuration in a temp dir; packaging/examples/slurm-array.sh submitted
# as an array of N tasks, each `ptrscan --shard I/N --state ...` over one
# target list against ptrscan-simnet on loopback. Task 1 is requeued
# (scontrol requeue: SIGTERM, back to pending) mid-run, runs again and
# resumes from its --state. Then every target appears exactly once across
# the N outputs, each record as the served zone says.
#
# Everything runs in a private mount namespace whose /etc/resolv.conf names
# only 127.0.0.1 and whose /etc/hosts names this host: no daemon or client
# can send a DNS query anywhere else (a Slurm client without SLURM_CONF
# would look for a DNS SRV record).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools munged slurmctld slurmd sbatch squeue scontrol sinfo unshare zstd
if [[ -z ${PTRSCAN_SLURM_NS:-} ]]; then
  trap - EXIT
  export PTRSCAN_SLURM_NS=1
  # A PID namespace of its own too: slurmstepd daemonizes, and orphans
  # are reaped by this script (its init) instead of lingering as zombies;
  # when it ends, the kernel ends whatever of the cluster is left.
  exec unshare --mount --pid --fork --mount-proc --propagation private "$0" "$@"
fi

N=${PTRSCAN_SLURM_TASKS:-4}
RANGE=127.67.0.0/22  # 1,024 targets, 256 per task
PTRSCAN=${PTRSCAN:-$PKG_BUILD/scanner/ptrscan}
[[ -x $PTRSCAN ]] || fail "$PTRSCAN is not built"
T=$(mktemp -d /tmp/ptrscan-slurm-test.XXXXXX)
chmod 755 "$T"
on_cleanup "rm -rf '$T'"
mkdir -p "$T"/{state,spool,logs,out,munge}
chmod 700 "$T/munge"

NODE=$(hostname -s)
printf '127.0.0.1 localhost %s\n::1 localhost\n' "$NODE" >"$T/hosts"
printf 'nameserver 127.0.0.1\n' >"$T/resolv.conf"
mount --bind "$T/hosts" /etc/hosts
mount --bind "$T/resolv.conf" /etc/resolv.conf

# Ports nothing listens on (the cluster is ours alone).
free_port() {
  local p
  for _ in $(seq 50); do
    p=$((20000 + RANDOM % 20000))
    if ! ss -Htan "sport = :$p" | grep -q .; then
      echo "$p"
      return
    fi
  done
  fail "no free port"
}
CTLD_PORT=$(free_port)
SLURMD_PORT=$(free_port)
export SLURM_CONF=$T/slurm.conf

# --- munge ---------------------------------------------------------------------------
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/munge/munge.key"
munged --force --foreground --socket="$T/munge/munge.sock" --key-file="$T/munge/munge.key" \
  --pid-file="$T/munge/munged.pid" --log-file="$T/munge/munged.log" \
  --seed-file="$T/munge/munged.seed" --origin=127.0.0.1 2>"$T/logs/munged.err" &
track_pid $!
wait_for 20 test -S "$T/munge/munge.sock" || fail "munged did not start: $(cat "$T/logs/munged.err" "$T/munge/munged.log" 2>/dev/null)"

# --- slurm ----------------------------------------------------------------------------
cat >"$SLURM_CONF" <<CONF
ClusterName=ptrscantest
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$CTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$T/munge/munge.sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/slurmctld.pid
SlurmdPidFile=$T/slurmd.pid
SlurmctldLogFile=$T/logs/slurmctld.log
SlurmdLogFile=$T/logs/slurmd.log
# No cgroups, no accounting, no mail: one node in a temp dir.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
MailProg=/bin/true
MpiDefault=none
SwitchType=switch/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
JobRequeue=1
# A killed task gets SIGTERM, then SIGKILL after KillWait.
KillWait=10
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=600
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=2 State=UNKNOWN
PartitionName=test Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
CONF

slurmctld -D -i -f "$SLURM_CONF" >"$T/logs/slurmctld.out" 2>&1 &
track_pid $!
slurmd -D -f "$SLURM_CONF" -N "$NODE" >"$T/logs/slurmd.out" 2>&1 &
track_pid $!
node_idle() { [[ $(sinfo -h -N -o %t 2>/dev/null) == idle ]]; }
wait_for 60 node_idle || fail "the node did not come up: $(sinfo -N 2>&1; tail -5 "$T"/logs/slurm*.log)"
log "slurm up: $(sinfo -h -N -o '%N %t %c CPUs') (slurmctld :$CTLD_PORT, slurmd :$SLURMD_PORT)"

# --- the scan -------------------------------------------------------------------------
start_simnet "$RANGE" "$T"
echo "$RANGE" >"$T/targets.txt"

# The README's recipe: the example script as shipped, settings in the
# environment. --rate keeps each task running long enough to be requeued
# mid-way; --state-interval records progress twice a second.
export RESOLVER=127.0.0.1:$SIMNET_PORT TARGETS=$T/targets.txt OUT=$T/out SEED=11 PTRSCAN
export PTRSCAN_ARGS="--allow-reserved --probes ptr,fcrdns --rate 25 --state-interval 500"
JOB=$(sbatch --parsable --array=0-$((N - 1)) --chdir="$T" --open-mode=append \
  --output="$T/logs/task-%a.log" "$PKG_ROOT/packaging/examples/slurm-array.sh") ||
  fail "sbatch failed"
log "submitted job array $JOB: $N tasks of packaging/examples/slurm-array.sh"

task_state() { squeue -h -j "${JOB}_$1" -o %T 2>/dev/null | head -1; }
# Requeue task 1 once it has recorded some progress.
state_has_progress() { [[ -s $T/out/1.state && $(task_state 1) == RUNNING ]] && sleep 2; }
wait_for 120 state_has_progress || fail "task 1 did not start: $(squeue 2>&1)"
log "task 1 is running and has a state file; requeueing it"
scontrol requeue "${JOB}_1" || fail "scontrol requeue failed"
# A requeued job waits for its begin time; let it go at once.
requeued() { [[ $(task_state 1) == PENDING ]]; }
wait_for 60 requeued && scontrol update JobId="${JOB}_1" StartTime=now >/dev/null 2>&1 || true

all_done() { [[ -z $(squeue -h -j "$JOB" 2>/dev/null) ]]; }
wait_for 300 all_done || fail "the array did not finish: $(squeue 2>&1)"

# --- what it did ----------------------------------------------------------------------
for i in $(seq 0 $((N - 1))); do
  info=$(scontrol show job "${JOB}_$i" 2>/dev/null | tr ' ' '\n' | grep -E '^(JobState|Restarts|ExitCode)=' | tr '\n' ' ')
  log "task $i: $info"
  [[ $info == *JobState=COMPLETED* ]] || fail "task $i did not complete: $(cat "$T/logs/task-$i.log")"
done
[[ $(scontrol show job "${JOB}_1" | tr ' ' '\n' | grep '^Restarts=') == Restarts=1 ]] ||
  fail "task 1 was not requeued: $(scontrol show job "${JOB}_1")"
log "task 1's log (both runs):"
sed 's/^/    /' "$T/logs/task-1.log" >&2
resumed=$(sed -n 's/^ptrscan: resuming: \([0-9]*\) hosts already written.*/\1/p' "$T/logs/task-1.log")
[[ -n $resumed && $resumed -gt 0 ]] || fail "task 1 did not resume from its state"

for i in $(seq 0 $((N - 1))); do
  zstd -q -dc "$T/out/$i.ndjson.zst" >"$T/out/$i.ndjson" || fail "output $i does not decode"
  log "task $i: $(wc -l <"$T/out/$i.ndjson") records"
done
cat "$T"/out/*.ndjson >"$T/all.ndjson"
check_records "$RANGE" "$T/all.ndjson"
log "PASS: $N array tasks, task 1 requeued and resumed after $resumed hosts; every target exactly once"
