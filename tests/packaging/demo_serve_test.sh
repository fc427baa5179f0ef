#!/usr/bin/env bash
# `tools/setup.sh demo --serve` as a person uses it: ptrscan-demo --serve in a
# tmux pane; once it says it is serving, run the first command it prints
# (a /24 of the demo's reverse zones) and check the records; then Ctrl-C in
# the pane, and every server it started (knotd, unbound) is gone.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools tmux knotd unbound
DEMO=$PKG_BUILD/tools/ptrscan-demo
[[ -x $DEMO ]] || fail "$DEMO is not built"
WORK=$(mktemp -d /tmp/ptrscan-demo-serve-test.XXXXXX)
on_cleanup "rm -rf '$WORK'"
SOCK=ptrscan-demo-serve-$$
tm() { tmux -L "$SOCK" "$@"; }
on_cleanup "tmux -L '$SOCK' kill-server 2>/dev/null"

tm new-session -d -s t -x 250 -y 60 "bash --norc --noprofile"
track_pid "$(tm display-message -p '#{pid}')"
# No pipe: Ctrl-C would end a tee before the demo says goodbye.
tm send-keys -t t "$DEMO --out $WORK/out --serve --serve-seconds 300 >$WORK/demo.log 2>&1; echo demo-exit=\$? >>$WORK/demo.log" Enter
wait_for 240 grep -q '^demo: serving until Ctrl-C' "$WORK/demo.log" ||
  fail "the demo did not start serving: $(tail -20 "$WORK/demo.log")"
DEMO_PID=$(pgrep -f -n "^$DEMO --out $WORK/out") || fail "no demo process"
SERVERS=$(pgrep -P "$DEMO_PID" | tr '\n' ' ')
log "demo $DEMO_PID serving; its servers: $SERVERS"
[[ $(wc -w <<<"$SERVERS") -ge 4 ]] || fail "expected knotd and unbound twice, found: $(pgrep -a -P "$DEMO_PID")"

cmd=$(grep -m1 -- '--probes ptr,fcrdns 198.18.0.0/24$' "$WORK/demo.log") || fail "no /24 command printed"
log "running the printed command:$cmd"
# shellcheck disable=SC2086
$cmd >"$WORK/scan.ndjson" 2>"$WORK/scan.err" || fail "the printed command failed: $(cat "$WORK/scan.err")"
[[ $(wc -l <"$WORK/scan.ndjson") -eq 256 ]] || fail "expected 256 records: $(cat "$WORK/scan.err")"
ok=$(grep -c '"ptr":{"status":"ok"' "$WORK/scan.ndjson" || true)
[[ $ok -gt 0 ]] || fail "no PTR answered: $(head -3 "$WORK/scan.ndjson")"
log "256 records, $ok with PTR names, e.g. $(grep -m1 -o '"names":\["[^"]*"' "$WORK/scan.ndjson")"

tm send-keys -t t C-c
wait_for 30 grep -q '^demo-exit=' "$WORK/demo.log" || fail "the demo did not stop on Ctrl-C: $(tail -5 "$WORK/demo.log")"
grep -q '^demo: servers stopped' "$WORK/demo.log" || fail "no 'servers stopped': $(tail -5 "$WORK/demo.log")"
for pid in $SERVERS; do
  if kill -0 "$pid" 2>/dev/null; then
    fail "server $pid outlived the demo: $(ps -o pid,cmd -p "$pid")"
  fi
done
log "PASS: demo --serve served, the printed command scanned, Ctrl-C stopped $(wc -w <<<"$SERVERS") servers ($(grep '^demo-exit=' "$WORK/demo.log"))"
