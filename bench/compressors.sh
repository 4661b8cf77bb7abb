#!/usr/bin/env bash
# Bits per byte of general-purpose compressors on text files (docs/language_corpus.md):
# 8 * compressed size / original size, for gzip -9, xz -9e and bzip2 -9 (whole output
# streams, headers included; gzip stores no file name or time since it reads stdin).
#   bench/compressors.sh FILE...               # one row per file
#   bench/compressors.sh --head N FILE...      # also a row for the first N bytes of each file
#                                              # (--head may be repeated)
# Example: bench/compressors.sh --head 100000 out/corpus/austen_validation.txt
set -euo pipefail
export LC_ALL=C

heads=()
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --head) [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "compressors.sh: --head needs a byte count" >&2; exit 2; }
            heads+=("$2"); shift 2 ;;
    --head=*) n="${1#--head=}"; [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "compressors.sh: --head needs a byte count" >&2; exit 2; }
              heads+=("$n"); shift ;;
    -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; files+=("$@"); break ;;
    -*) echo "compressors.sh: unknown option '$1'" >&2; exit 2 ;;
    *) files+=("$1"); shift ;;
  esac
done
[ ${#files[@]} -gt 0 ] || { echo "usage: bench/compressors.sh [--head N]... FILE..." >&2; exit 2; }
for c in gzip xz bzip2; do command -v "$c" >/dev/null || { echo "compressors.sh: $c not found" >&2; exit 2; }; done

echo "# $(gzip --version | head -1), $(xz --version | head -1), $(bzip2 --help 2>&1 | head -1 | sed -n 's/.*Version \([^,]*\),.*/bzip2 \1/p')"
printf '%-48s %10s %8s %8s %8s\n' file bytes gzip-9 xz-9e bzip2-9

row() {  # row LABEL: data on stdin
  local tmp; tmp=$(mktemp)
  cat > "$tmp"
  local n g x b
  n=$(stat -c %s "$tmp")
  if [ "$n" = 0 ]; then rm -f "$tmp"; echo "compressors.sh: $1 is empty" >&2; return 1; fi
  g=$(gzip -9 -c < "$tmp" | wc -c)
  x=$(xz -9e -c < "$tmp" | wc -c)
  b=$(bzip2 -9 -c < "$tmp" | wc -c)
  rm -f "$tmp"
  awk -v l="$1" -v n="$n" -v g="$g" -v x="$x" -v b="$b" \
    'BEGIN { printf "%-48s %10d %8.3f %8.3f %8.3f\n", l, n, 8*g/n, 8*x/n, 8*b/n }'
}

for f in "${files[@]}"; do
  [ -f "$f" ] || { echo "compressors.sh: $f not found" >&2; exit 2; }
  # shellcheck disable=SC2094  # $f is only a label for row
  row "$f" < "$f"
  for h in ${heads[@]+"${heads[@]}"}; do
    size=$(stat -c %s "$f")
    [ "$h" -le "$size" ] || { echo "compressors.sh: $f has only $size bytes (--head $h)" >&2; exit 2; }
    row "${f}[:$h]" < <(head -c "$h" "$f")
  done
done
