#!/usr/bin/env bash
# Every case in cases/ must end `synaptogen run` with one error message that names the
# file, line and field (the case's "# expect:" line, a grep -E pattern), exit non-zero,
# and leave no output that looks complete (no spikes.h5, no run.json).
set -u
exe=$1 cases=$2 out=$3
rm -rf "$out"; mkdir -p "$out"
failures=0
for case in "$cases"/*.toml; do
  name=$(basename "$case" .toml)
  expect=$(sed -n 's/^# expect: //p' "$case")
  dir="$out/$name"
  "$exe" run "$case" --out "$dir" --no-progress >"$out/$name.stdout" 2>"$out/$name.stderr"
  rc=$?
  msg=$(cat "$out/$name.stderr")
  problem=""
  [ "$rc" -ne 0 ] || problem="exit status 0"
  [ "$(grep -c . "$out/$name.stderr")" -eq 1 ] || problem="$problem; expected exactly one line on stderr"
  grep -qE -- "$expect" "$out/$name.stderr" || problem="$problem; message does not match /$expect/"
  grep -q -- "$name.toml:[0-9]" "$out/$name.stderr" || problem="$problem; message does not name file and line"
  for f in spikes.h5 run.json; do [ ! -e "$dir/$f" ] || problem="$problem; left $f"; done
  if [ -n "$problem" ]; then
    echo "FAIL $name: ${problem#; }"; echo "  stderr: $msg"; failures=$((failures + 1))
  else
    echo "ok   $name: $msg"
  fi
done
exit $((failures > 0))
