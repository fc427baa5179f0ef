#!/bin/sh
# gen-completion.sh bash|zsh PTRSCAN OUT
# Writes ptrscan's bash or zsh completion from what `PTRSCAN --help` prints
# (parsed by options-from-help.awk), so completion follows the options as
# they change: CMake regenerates it whenever ptrscan is rebuilt.
set -eu
shell=$1
bin=$2
out=$3
here=$(cd "$(dirname "$0")" && pwd)
table=$("$bin" --help | awk -f "$here/options-from-help.awk")
if ! printf '%s\n' "$table" | grep -q '^opt	.*--help'; then
  echo "gen-completion.sh: no options found in '$bin --help'" >&2
  exit 1
fi

# Space-separated lists for bash.
all_opts=$(printf '%s\n' "$table" | awk -F'\t' '$1 == "opt" { printf "%s ", $2 }')
file_opts=$(printf '%s\n' "$table" | awk -F'\t' '$1 == "opt" && $4 == "file" { printf "%s ", $2 }')
value_opts=$(printf '%s\n' "$table" | awk -F'\t' '$1 == "opt" && $4 != "file" && $4 != "flag" { printf "%s ", $2 }')
subs=$(printf '%s\n' "$table" | awk -F'\t' '$1 == "sub" { printf "%s ", $2 }')

tmp=$out.tmp
case $shell in
bash)
  {
    echo "# bash completion for ptrscan: generated from 'ptrscan --help' at build time"
    echo "# by packaging/gen-completion.sh; do not edit."
    echo "_ptrscan() {"
    echo "  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}"
    echo "  local opts=\"${all_opts% }\""
    echo "  local file_opts=\" ${file_opts}\" value_opts=\" ${value_opts}\" subs=\"${subs% }\""
    echo "  COMPREPLY=()"
    printf '%s\n' "$table" | awk -F'\t' '$1 == "opt" && $4 ~ /^choice:/ {
      c = substr($4, 8); gsub(/,/, " ", c); n = split($2, nm, " ")
      for (i = 1; i <= n; i++) {
        printf "  if [[ $prev == %s ]]; then COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return; fi\n", nm[i], c
      }
    }'
    cat <<'BODY'
  if [[ $file_opts == *" $prev "* ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
    return
  fi
  # An option's value (an address, a number, a list): nothing to offer.
  if [[ $value_opts == *" $prev "* ]]; then
    return
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return
  fi
  # Subcommands first; then files (target lists, results to report on).
  compopt -o filenames 2>/dev/null
  if ((COMP_CWORD == 1)); then
    COMPREPLY=($(compgen -W "$subs" -- "$cur") $(compgen -f -- "$cur"))
  else
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -F _ptrscan ptrscan
BODY
  } >"$tmp"
  ;;
zsh)
  {
    echo "#compdef ptrscan"
    echo "# zsh completion for ptrscan: generated from 'ptrscan --help' at build time"
    echo "# by packaging/gen-completion.sh; do not edit."
    echo ""
    echo "local -a args subcommands"
    echo "args=("
    # One spec per spelling. Every option may repeat (-i, --resolver,
    # --dnsbl ... do), so none excludes another.
    printf '%s\n' "$table" | awk -F'\t' '
      function q(s) { gsub(/\x27/, "", s); return s }
      $1 == "opt" {
        d = $5
        # The first clause of the first line reads best in a menu.
        if (match(d, /(;| \(| --)/) && RSTART > 12) d = substr(d, 1, RSTART - 1)
        gsub(/[][]/, "", d); gsub(/:/, "\\:", d); d = q(d)
        a = $3; gsub(/:/, "\\:", a); gsub(/[][]/, "", a); a = q(a)
        if ($4 == "flag") act = ""
        else if ($4 == "file") act = ":" a ":_files"
        else if ($4 ~ /^choice:/) { c = substr($4, 8); gsub(/,/, " ", c); act = ":" a ":(" c ")" }
        else act = ":" a ": "
        n = split($2, nm, " ")
        for (i = 1; i <= n; i++) printf "  \x27*%s[%s]%s\x27\n", nm[i], d, act
      }'
    echo ")"
    echo "subcommands=("
    printf '%s\n' "$table" | awk -F'\t' '$1 == "sub" { d = $5; gsub(/:/, "\\:", d); gsub(/\x27/, "", d); printf "  \x27%s:%s\x27\n", $2, (d == "" ? "ptrscan " $2 : d) }'
    echo ")"
    cat <<'BODY'

# After a subcommand: its arguments are files (results, reports).
if (( CURRENT > 2 )) && [[ -n ${(M)subcommands:#${words[2]}:*} ]]; then
  _files
  return
fi
_arguments -s -S : $args '*:: :->target' && return 0
if [[ $state == target ]]; then
  if (( CURRENT == 1 )); then
    _describe -t subcommands 'subcommand' subcommands
  fi
  _files
fi
BODY
  } >"$tmp"
  ;;
*)
  echo "usage: gen-completion.sh bash|zsh PTRSCAN OUT" >&2
  exit 2
  ;;
esac
mv "$tmp" "$out"
