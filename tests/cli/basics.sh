#!/usr/bin/env bash
# --help, --version, validate and a short run of the shipped example.
set -eu
exe=$1 examples=$2 out=$3
rm -rf "$out"; mkdir -p "$out"
"$exe" --help | grep -q "validate"
"$exe" run --help | grep -q -- "--threads"
"$exe" --version | grep -qE '^[0-9]+\.[0-9]+\.[0-9]+'
# info: the backends compiled in and usable here, the GPUs found (none in a CPU build)
"$exe" info | tee "$out/info.txt"
grep -qE "compiled in: openmp, serial" "$out/info.txt"
"$exe" info --json | python3 -c 'import json, sys; j = json.load(sys.stdin); assert j["backends"]["usable"][:2] == ["openmp", "serial"], j; assert isinstance(j["devices"], list), j'
"$exe" validate "$examples/brunel.toml" --threads 2 | tee "$out/validate.txt"
grep -qE "bytes/synapse +[0-9.]+" "$out/validate.txt"
grep -qE "a GPU run needs about [0-9.]+ [KMG]?i?B" "$out/validate.txt"
# the static synapse contract: at most 8 bytes (row offsets are per neuron and printed apart)
awk '/bytes\/synapse/ { if ($2 > 8.0) { print "bytes per synapse " $2 " > 8"; exit 1 } }' "$out/validate.txt"
"$exe" run "$examples/brunel.toml" --duration 50 --threads 2 --out "$out/run" --no-progress | tee "$out/run.txt"
test -s "$out/run/spikes.h5" && test -s "$out/run/run.json" && test -s "$out/run/E_V_m.h5"
! ls "$out/run/"*.part 2>/dev/null
grep -q '"synaptic_events"' "$out/run/run.json"
h5dump -H "$out/run/spikes.h5" | grep -q 'GROUP "I"'
h5dump -d /report/E/data -c 2 "$out/run/E_V_m.h5" >/dev/null

# Interrupted runs keep nothing: SIGINT during the run removes the unfinished files.
set +e
timeout -s INT 3 "$exe" run "$examples/brunel.toml" --duration 1000000 --threads 2 --out "$out/interrupted" --no-progress 2> "$out/interrupted.err"
rc=$?
set -e
[ "$rc" -ne 0 ] || { echo "interrupted run exited 0"; exit 1; }
grep -q "interrupted" "$out/interrupted.err"
[ ! -e "$out/interrupted/run.json" ] && [ ! -e "$out/interrupted/spikes.h5" ] && ! ls "$out/interrupted/"*.part 2>/dev/null
echo "cli basics ok (interrupt)"

# Every shipped example validates and starts (the microcircuit at a small scale).
for ex in coba stdp gap_junctions; do
  "$exe" validate "$examples/$ex.toml" --threads 2 > "$out/validate_$ex.txt"
  "$exe" run "$examples/$ex.toml" --duration 20 --threads 2 --out "$out/$ex" --no-progress > "$out/run_$ex.txt"
  test -s "$out/$ex/run.json"
done
"$exe" validate "$examples/microcircuit.toml" --scale 0.02 --threads 2 > "$out/validate_microcircuit.txt"
grep -q "L23E" "$out/validate_microcircuit.txt"
echo "cli basics ok (examples)"
