# Reads `ptrscan --help` and prints one line per option or subcommand:
#   opt<TAB>NAMES<TAB>ARG<TAB>KIND<TAB>DESCRIPTION
#   sub<TAB>NAME<TAB><TAB><TAB>DESCRIPTION
# NAMES: the option's spellings joined by spaces ("-h --help"); ARG: the
# argument's name as --help prints it ("FILE", "HOST[:PORT]", CLI11's
# "TEXT:FILE"), empty for a flag; KIND: file (complete file names), choice:A,B
# (CLI11's "TEXT:{a,b}"), value (anything) or flag.
#
# It reads option lines rather than a table so it follows the option set as
# it changes and both formats: ptrscan's own ("  -i FILE   text",
# "  -h, --help   text", "  --progress / --no-progress", a description on the
# next line after a long spelling) and CLI11's ("  -h,--help   text",
# "  -o TEXT:FILE   text", "Subcommands:" sections).
function trim(s) {
  sub(/^[ \t]+/, "", s)
  sub(/[ \t]+$/, "", s)
  return s
}
function flush(   kind) {
  if (names == "") {
    # Not an option after all (prose that starts with a dash, such as a
    # wrapped "--shuffle." in a group's description): forget its argument.
    arg = ""
    desc = ""
    return
  }
  if (arg == "") {
    kind = "flag"
  } else if (arg ~ /\{.*\}/) {
    kind = arg
    sub(/^[^{]*\{/, "", kind)
    sub(/\}.*$/, "", kind)
    kind = "choice:" kind
  } else if (arg ~ /FILE|PATH|DIR/) {
    kind = "file"
  } else {
    kind = "value"
  }
  gsub(/\t/, " ", desc)
  printf "opt\t%s\t%s\t%s\t%s\n", names, arg, kind, desc
  names = ""
  arg = ""
  desc = ""
}
BEGIN {
  names = ""
  arg = ""
  desc = ""
  in_subcommands = 0
}
{
  line = $0
  sub(/\r$/, "", line)
}
# "usage: ptrscan report ..." / "       ptrscan diff OLD NEW": a subcommand.
line ~ /^(usage:|Usage:)? *ptrscan [a-z][a-z-]*( |$)/ {
  flush()
  s = line
  sub(/^.*ptrscan /, "", s)
  sub(/ .*$/, "", s)
  if (!(s in seen_sub)) {
    seen_sub[s] = 1
    printf "sub\t%s\t\t\t\n", s
  }
  next
}
# CLI11: "Subcommands:" then "  name   description" lines.
line ~ /^[A-Za-z ]*[Ss]ubcommands?:$/ {
  flush()
  in_subcommands = 1
  next
}
in_subcommands && line ~ /^  [a-z][a-z-]*( |$)/ {
  s = trim(line)
  d = s
  sub(/ .*$/, "", s)
  sub(/^[^ ]*/, "", d)
  if (!(s in seen_sub)) {
    seen_sub[s] = 1
    printf "sub\t%s\t\t\t%s\n", s, trim(d)
  }
  next
}
# An option line: indented (at most 8 spaces; mawk has no {m,n}), then a dash.
line ~ /^ +-/ && match(line, /-/) <= 9 {
  flush()
  in_subcommands = 0
  s = line
  sub(/^ +/, "", s)
  # The spelling column ends at the first run of two spaces.
  spec = s
  rest = ""
  if (match(s, /  +/)) {
    spec = substr(s, 1, RSTART - 1)
    rest = substr(s, RSTART + RLENGTH)
  }
  gsub(/ \/ /, ",", spec)  # "--progress / --no-progress"
  # Commas inside CLI11's choice braces ("TEXT:{ring,c-ares}") are not
  # separators: hide them from split.
  protected = ""
  while (match(spec, /\{[^}]*\}/)) {
    b = substr(spec, RSTART, RLENGTH)
    gsub(/,/, "\001", b)
    gsub(/\{/, "\002", b)
    protected = protected substr(spec, 1, RSTART - 1) b
    spec = substr(spec, RSTART + RLENGTH)
  }
  spec = protected spec
  gsub(/\002/, "{", spec)
  n = split(spec, tok, /[, ]+/)
  for (i = 1; i <= n; i++) {
    t = tok[i]
    if (t ~ /^--?[A-Za-z0-9][A-Za-z0-9_-]*(=.*)?$/) {
      if (t ~ /=/) {  # "--opt=ARG"
        arg = t
        sub(/^[^=]*=/, "", arg)
        sub(/=.*$/, "", t)
      }
      names = names == "" ? t : names " " t
    } else if (t != "" && t != "..." && arg == "" && t !~ /^\[/) {
      arg = t
      gsub(/\001/, ",", arg)
    }
  }
  desc = trim(rest)
  want_desc = desc == ""
  next
}
# A description that starts on the next line.
want_desc && line ~ /^ +[^ ]/ && match(line, /[^ ]/) >= 10 {
  desc = trim(line)
  want_desc = 0
  next
}
{
  want_desc = 0
}
END {
  flush()
}
