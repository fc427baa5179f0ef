#!/usr/bin/env bash
# The generated bash and zsh completions, typed as a person would: each
# shell runs in a tmux pane with the completion file loaded, keys are sent
# (a prefix and Tab) and the screen is read back. Checks a few options
# ptrscan --help lists today (unique prefixes complete, ambiguous ones list
# the candidates), file names after -i, and the report subcommand; and that
# every option of --help is offered, so the files follow the option table.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_tools tmux zsh
PTRSCAN=${PTRSCAN:-$PKG_BUILD/scanner/ptrscan}
BASH_COMPLETION=$PKG_BUILD/packaging/completion/ptrscan
ZSH_COMPLETION=$PKG_BUILD/packaging/completion/_ptrscan
for f in "$BASH_COMPLETION" "$ZSH_COMPLETION"; do
  [[ -s $f ]] || fail "$f is not built (cmake --build $PKG_BUILD --target ptrscan_docs)"
done
bash -n "$BASH_COMPLETION" || fail "$BASH_COMPLETION: syntax error"
zsh -n "$ZSH_COMPLETION" || fail "$ZSH_COMPLETION: syntax error"

# Every option --help lists is in both files.
# (capture-pane drops trailing spaces, so expectations have none.)
# (The option column: an indented line starting with '-', up to two spaces.)
help_options() {
  "$PTRSCAN" --help | grep -E '^ {1,8}-' | sed -E 's/^ +//; s/  .*//' |
    grep -oE -- '(^|[ ,])--?[A-Za-z0-9][-A-Za-z0-9]*' | tr -d ' ,'
}
[[ $(help_options | wc -l) -gt 20 ]] || fail "found too few options in ptrscan --help: $(help_options | tr '\n' ' ')"
for opt in $(help_options); do
  grep -q -- "[ \"]$opt[ \"]" "$BASH_COMPLETION" || fail "bash completion lacks $opt"
  grep -q -- "[*)]$opt\[" "$ZSH_COMPLETION" || fail "zsh completion lacks $opt"
done

WORK=$(mktemp -d /tmp/ptrscan-completion-test.XXXXXX)
on_cleanup "rm -rf '$WORK'"
SOCK=ptrscan-completion-$$
tm() { tmux -L "$SOCK" "$@"; }
on_cleanup "tmux -L '$SOCK' kill-server 2>/dev/null"
mkdir -p "$WORK/zfunc" "$WORK/files"
cp "$ZSH_COMPLETION" "$WORK/zfunc/_ptrscan"
touch "$WORK/files/targets-one.txt"

screen() { tm capture-pane -p -t t; }
screen_has() { screen | grep -qF -- "$1"; }
# type KEYS... then expect TEXT on the screen.
expect() {
  local what=$1
  wait_for 10 screen_has "$what" || fail "$SHELL_NAME: expected '$what' on the screen:
$(screen)"
  log "$SHELL_NAME: '$what' on the screen"
}
clear_line() { tm send-keys -t t C-u C-l; sleep 0.3; }

run_checks() {
  clear_line
  tm send-keys -t t "ptrscan --dns-ti" Tab
  expect "ptrscan --dns-timeout"
  clear_line
  tm send-keys -t t "ptrscan --res" Tab
  expect "ptrscan --resolver"
  clear_line
  # Ambiguous: the candidates are listed.
  tm send-keys -t t "ptrscan --dns-" Tab Tab
  expect "--dns-sockets"
  clear_line
  tm send-keys -t t "ptrscan -i $WORK/files/targets-o" Tab
  expect "ptrscan -i $WORK/files/targets-one.txt"
  clear_line
  tm send-keys -t t "ptrscan rep" Tab
  expect "ptrscan report"
  clear_line
}

SHELL_NAME=bash
tm new-session -d -s t -x 200 -y 50 "bash --norc --noprofile"
track_pid "$(tm display-message -p '#{pid}')"
tm send-keys -t t "PS1='bash$ '; source '$BASH_COMPLETION'" Enter
run_checks
tm kill-session -t t

SHELL_NAME=zsh
tm new-session -d -s t -x 200 -y 50 "env ZDOTDIR=$WORK zsh -f"
tm send-keys -t t "PS1='zsh%% '; fpath=($WORK/zfunc \$fpath); autoload -U compinit; compinit -u -d $WORK/zcompdump" Enter
run_checks
# zsh also shows each option's description from --help.
tm send-keys -t t "ptrscan --dns-" Tab Tab
expect "how long the last try of a query waits"
tm kill-session -t t

# The generators against CLI11's --help format (the command line may move to
# CLI11): "-h,--help", "TEXT:FILE", choice sets, option groups, subcommands.
cat >"$WORK/fake-ptrscan" <<'FAKE'
#!/bin/sh
if [ "$1" = --version ]; then echo "ptrscan 9.9.9"; exit 0; fi
cat <<'HELP'
Bulk mail-identity scanner
Usage: ptrscan [OPTIONS] [TARGET...] [SUBCOMMAND]

Positionals:
  TARGET TEXT ...             addresses, CIDR blocks, domains

Options:
  -h,--help                   Print this help message and exit
  -i,--input TEXT:FILE ...    read targets from FILE
  -o,--output TEXT:FILE [-]   write records to FILE
  --dns-transport TEXT:{ring,c-ares} [ring]
                              DNS transport
  -T,--shards UINT            event-loop threads
[Option Group: DNS]
  Options:
    --resolver TEXT ...       recursive resolver

Subcommands:
  report                      HTML report of results
  diff                        compare two scans
HELP
FAKE
chmod +x "$WORK/fake-ptrscan"
"$PKG_ROOT/packaging/gen-completion.sh" bash "$WORK/fake-ptrscan" "$WORK/cli11.bash"
"$PKG_ROOT/packaging/gen-completion.sh" zsh "$WORK/fake-ptrscan" "$WORK/cli11.zsh"
bash -n "$WORK/cli11.bash" && zsh -n "$WORK/cli11.zsh" || fail "CLI11-format completions do not parse"
for want in "-h --help" "--input" "--output" "--shards" "--resolver" "-T" 'subs="report diff"' \
  'compgen -W "ring c-ares"'; do
  grep -qF -- "$want" "$WORK/cli11.bash" || fail "bash completion from CLI11 help lacks '$want': $(cat "$WORK/cli11.bash")"
done
for want in "'*--input[read targets from FILE]:TEXT\\:FILE:_files'" \
  "--dns-transport[DNS transport]:TEXT\\:{ring,c-ares}:(ring c-ares)" "'diff:compare two scans'"; do
  grep -qF -- "$want" "$WORK/cli11.zsh" || fail "zsh completion from CLI11 help lacks $want: $(cat "$WORK/cli11.zsh")"
done
if command -v help2man >/dev/null; then
  printf '#!/bin/sh\nexec %s %s "$@"\n' "$PKG_ROOT/packaging/help-for-help2man.sh" "$WORK/fake-ptrscan" >"$WORK/wrapped"
  chmod +x "$WORK/wrapped"
  help2man --no-info -o "$WORK/cli11.1" "$WORK/wrapped" || fail "help2man on CLI11-format help failed"
  grep -q '^\\fB\\-h\\fR, \\fB\\-\\-help\\fR' "$WORK/cli11.1" ||
    fail "help2man did not set -h, --help as an option: $(grep -n help "$WORK/cli11.1")"
  log "CLI11-format help: completions and man page generated"
fi
log "PASS: bash and zsh complete ptrscan's options, files and subcommands"
