#!/usr/bin/env bash
# Distributed runs under mpirun (docs/cluster.md), on this machine's cores oversubscribed:
# the same spike and trace files as one process at 1-4 ranks, with mixed backends and
# delivery strategies; checkpoints written on K ranks resumed on K' ranks; evolution spread
# over ranks equal to one process and resumed after a kill; and the bad situations: a bad
# file or another seed on one rank, a killed rank, a refused model, an interrupted run.
# Every mpirun has a timeout: a hang fails the test instead of stalling CI.
set -eu
exe=$1 mpirun=$2 out=$3
rm -rf "$out"; mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMPI_MCA_rmaps_base_oversubscribe=1
py=/usr/bin/python3  # Debian's, with python3-h5py (scripts/setup)
[ -x "$py" ] || py=python3
mpi() { timeout 300 "$mpirun" --oversubscribe "$@"; }
same() { "$py" "$root/scripts/same_datasets" "$@"; }  # same datasets in two runs' HDF5 outputs
brunel="$root/examples/brunel.toml"
run=(run "$brunel" --duration 150 --no-progress)

# One process without mpirun: the reference.
"$exe" "${run[@]}" --threads 1 -o "$out/single" > "$out/single.txt"
for np in 1 2 3 4; do
  mpi -np $np "$exe" "${run[@]}" --threads 1 -o "$out/np$np" > "$out/np$np.txt"
  same "$out/single" "$out/np$np" spikes.h5 E_V_m.h5
done
grep -q "ranks       4 (balanced partition), spikes exchanged every 15 steps" "$out/np4.txt"
"$py" -c "
import json; j = json.load(open('$out/np4/run.json'))
d = j['distributed']; r = d['per_rank']
assert d['ranks'] == 4 and len(r) == 4 and d['exchange_steps'] == 15, d
assert sum(x['synapses'] for x in r) == j['counts']['synapses'], r
assert [x['neurons'] for x in r][0][0] == 0 and r[-1]['neurons'][1] == 12500, r
assert all(r[k]['neurons'][1] == r[k + 1]['neurons'][0] for k in range(3)), r
"
# Mixed backends across ranks (OpenMP beside Serial, with two threads), atomic delivery on one side.
mpi -np 1 "$exe" "${run[@]}" --threads 2 --backend openmp -o "$out/mixed" : \
    -np 1 "$exe" "${run[@]}" --threads 1 --backend serial --delivery atomic -o "$out/mixed" : \
    -np 1 "$exe" "${run[@]}" --threads 2 --backend openmp --delivery partitioned -o "$out/mixed" > "$out/mixed.txt"
same "$out/single" "$out/mixed" spikes.h5 E_V_m.h5
"$py" -c "
import json; r = json.load(open('$out/mixed/run.json'))['distributed']['per_rank']
assert [x['backend'] for x in r] == ['openmp', 'serial', 'openmp'], r
"
mpi -np 2 "$exe" "${run[@]}" --rank-backends serial,openmp --partition even -o "$out/even" > /dev/null
same "$out/single" "$out/even" spikes.h5 E_V_m.h5
# Poisson input, receptor channels, drawn weights and delays, fixed_total_number rows drawn by source.
"$exe" run "$root/examples/microcircuit.toml" --scale 0.05 --duration 50 --no-progress -o "$out/mc1" > /dev/null
mpi -np 3 "$exe" run "$root/examples/microcircuit.toml" --scale 0.05 --duration 50 --no-progress -o "$out/mc3" > /dev/null
same "$out/mc1" "$out/mc3" spikes.h5

# Checkpoints: written on 3 ranks, the same file as one process writes; resumed on 2 and on 1.
"$exe" "${run[@]}" --threads 1 --checkpoint-every 60 -o "$out/ck1" > /dev/null
mpi -np 3 "$exe" "${run[@]}" --threads 1 --checkpoint-every 60 -o "$out/ck3" > /dev/null
same "$out/ck1" "$out/ck3" checkpoint.h5 spikes.h5
mpi -np 2 "$exe" "${run[@]}" --threads 1 --resume "$out/ck3/checkpoint.h5" -o "$out/ck3to2" > /dev/null
same "$out/single" "$out/ck3to2" spikes.h5 E_V_m.h5
"$exe" "${run[@]}" --threads 1 --resume "$out/ck3/checkpoint.h5" -o "$out/ck3to1" > /dev/null
same "$out/single" "$out/ck3to1" spikes.h5 E_V_m.h5
mpi -np 4 "$exe" "${run[@]}" --threads 1 --resume "$out/ck1/checkpoint.h5" -o "$out/ck1to4" > /dev/null
same "$out/single" "$out/ck1to4" spikes.h5 E_V_m.h5

# Bad situations: each ends the whole job with a non-zero exit and one clear message.
fails() {  # fails LOG PATTERN -- mpirun arguments
  local log=$1 pattern=$2; shift 3
  if mpi "$@" > "$log" 2>&1; then echo "expected a failure: $*"; cat "$log"; exit 1; fi
  local rc=$?
  [ $rc -ne 124 ] || { echo "mpirun hung: $*"; cat "$log"; exit 1; }
  grep -q -- "$pattern" "$log" || { echo "expected '$pattern' in:"; cat "$log"; exit 1; }
}
printf '[simulation]\nduration = "long"\n' > "$out/bad.toml"
fails "$out/bad_file.log" "bad.toml:2: simulation.duration: expected a number" -- \
    -np 1 "$exe" "${run[@]}" --threads 1 -o "$out/bad" : -np 1 "$exe" run "$out/bad.toml" -o "$out/bad"
fails "$out/seed.log" "rank 2 reads a different description, seed" -- \
    -np 2 "$exe" "${run[@]}" --threads 1 -o "$out/seed" : -np 1 "$exe" "${run[@]}" --seed 99 -o "$out/seed"
test "$(grep -c "reads a different description" "$out/seed.log")" -eq 1
test ! -e "$out/seed/run.json"
fails "$out/stdp.log" "stdp synapses need every post-synaptic spike at once" -- \
    -np 2 "$exe" run "$root/examples/stdp.toml" --duration 10 --no-progress -o "$out/stdp"
# A rank killed mid-run ends the job.
mpi -np 2 "$exe" run "$brunel" --duration 100000 --no-progress --threads 1 -o "$out/killed" > "$out/killed.log" 2>&1 &
job=$!
for _ in $(seq 600); do grep -q "lowered to" "$out/killed.log" 2>/dev/null && break; sleep 0.05; done
sleep 0.5
pkill -9 -f -n "synaptogen run .*$out/killed" || true
if wait $job; then echo "a killed rank must fail the job"; exit 1; fi
test ! -e "$out/killed/run.json"
# SIGTERM to mpirun: Open MPI's mpirun forwards it to every rank and SIGKILLs them a few
# seconds later; whichever comes first, the job fails and no output looks complete.
timeout 300 "$mpirun" -np 2 "$exe" run "$brunel" --duration 100000 --no-progress --threads 1 -o "$out/term" > "$out/term.log" 2>&1 &
job=$!
for _ in $(seq 600); do grep -q "lowered to" "$out/term.log" 2>/dev/null && break; sleep 0.05; done
sleep 0.5
kill -TERM $job
if wait $job; then echo "an interrupted run must fail"; exit 1; fi
test ! -e "$out/term/spikes.h5" && test ! -e "$out/term/run.json"
sleep 1
if pgrep -f "synaptogen run .*$out/term" > /dev/null; then echo "ranks left running after SIGTERM"; exit 1; fi

# Evolution spread over ranks: the same lineage, genomes and trained weights as one process;
# killed after a generation and resumed on another rank count, still the same.
mkdir -p "$out/ev"
sed -n '/^python3 - "\$out"/,/^TOML$/p' "$here/evolve.sh" > "$out/ev/setup.sh"
(out="$out/ev"; python3() { "$py" "$@"; }; . "$out/setup.sh")
ev=(evolve "$out/ev/evolve.toml" --threads 1 --no-progress)
"$exe" "${ev[@]}" --out "$out/ev/one" > /dev/null
mpi -np 3 "$exe" "${ev[@]}" --out "$out/ev/three" > "$out/ev/three.txt"
grep -q "on each of 3 ranks" "$out/ev/three.txt"
same "$out/ev/one" "$out/ev/three" evolution.h5
mpi -np 2 "$exe" "${ev[@]}" --out "$out/ev/killed" > "$out/ev/killed.txt" 2>&1 &
job=$!
for _ in $(seq 600); do grep -q "^generation 1 " "$out/ev/killed.txt" 2>/dev/null && break; sleep 0.05; done
pkill -9 -f -n "synaptogen evolve .*$out/ev/killed" || true
wait $job || true
test -e "$out/ev/killed/evolution.h5"
mpi -np 3 "$exe" "${ev[@]}" --out "$out/ev/killed" --resume > "$out/ev/resumed.txt"
grep -qE "resumed .* after generation [0-4] " "$out/ev/resumed.txt"
same "$out/ev/one" "$out/ev/killed" evolution.h5
echo "mpi: all checks passed"
