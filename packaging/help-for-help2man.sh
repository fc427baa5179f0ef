#!/bin/sh
# help-for-help2man.sh PTRSCAN ARG: what help2man reads as `ptrscan --help`
# and `ptrscan --version`, normalised so help2man lays out whatever library
# formats --help:
# - CLI11 prints "-h,--help"; help2man wants "-h, --help" to set the option
#   as a tagged paragraph;
# - a short unindented title over indented lines ("input and output",
#   "DNS") becomes "title:", which help2man makes a subsection (CLI11's
#   group titles end in ':' already);
# - --version: the first line only ("ptrscan 0.1.0"); help2man would append
#   the library versions that follow to the description.
set -eu
bin=$1
shift
if [ "${1:-}" = "--version" ]; then
  "$bin" --version | head -1
  exit 0
fi
"$bin" "$@" | sed -E 's/^( +-[A-Za-z0-9]),(--)/\1, \2/' | awk '
  NR > 1 {
    if (held ~ /^[A-Za-z][A-Za-z ,()]*$/ && length(held) <= 40 && $0 ~ /^ /) {
      held = held ":"
    }
    print held
  }
  { held = $0 }
  END { if (NR > 0) print held }'
