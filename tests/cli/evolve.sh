#!/usr/bin/env bash
# synaptogen evolve: a generational-pruning run with progress, killed with SIGKILL and
# resumed (on another thread count) to the same genomes and fitness bit for bit; report
# (tables and plots), controls, compare; one clear error per bad setting.
set -eu
exe=$1 out=$2
rm -rf "$out"; mkdir -p "$out"
python3 - "$out" <<'PY'
import sys, random
out = sys.argv[1]
random.seed(11)
words = "the cat sat on a mat and she said that it was fine to go home now".split()
def text(n):
    s = []
    while sum(map(len, s)) < n:
        s.append(" ".join(random.choice(words) for _ in range(8)) + ".\n")
    return "".join(s)[:n]
open(f"{out}/train.txt", "w").write(text(20000))
open(f"{out}/valid.txt", "w").write(text(3000))
PY
cat > "$out/evolve.toml" <<'TOML'
[simulation]
seed = 2
[[population]]
name = "context"
size = 768
model = "rate_relu"
[[population]]
name = "hidden"
size = 24
model = "rate_relu"
[[population]]
name = "next"
size = 256
model = "rate_relu"
[[projection]]
source = "context"
target = "hidden"
rule = "fixed_probability"
p = 0.5
synapse = "rate"
weight = 1.0
[[projection]]
source = "hidden"
target = "next"
rule = "all_to_all"
synapse = "rate"
weight = 1.0
[lm]
input = "context"
output = "next"
context = 3
[lm.training]
train = "train.txt"
validation = "valid.txt"
tokens = 16000
batch = 32
learning_rate = 5e-3
[evolution]
generations = 4
population = 3
selection = "tournament"
tournament = 2
elite = 1
crossover = 0.5
[evolution.pruning]
fraction = 0.2
[evolution.mutation]
add = 2
rewire_target = 1
[evolution.fitness]
kind = "language"
TOML
# An uninterrupted run.
"$exe" evolve "$out/evolve.toml" --threads 2 --out "$out/straight" 2> "$out/straight.err" | tee "$out/straight.txt"
grep -qE "generation [0-9]+/4 .*evaluations/s .*ETA" "$out/straight.err"
grep -q "^generation 4 " "$out/straight.txt"
python3 -c "
import json; j = json.load(open('$out/straight/summary.json'))
assert j['evaluations'] == 3 + 4 * 2, j
b = [g['best'] for g in j['generations']]
assert all(b[i + 1] <= b[i] for i in range(len(b) - 1)), b  # elitism keeps the best
"
# Killed with SIGKILL once generation 1 is checkpointed, resumed on one thread: the same bits.
"$exe" evolve "$out/evolve.toml" --threads 2 --out "$out/killed" --no-progress > "$out/killed.txt" 2>&1 &
pid=$!
for _ in $(seq 600); do grep -q "^generation 1 " "$out/killed.txt" 2>/dev/null && break; sleep 0.05; done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
test -e "$out/killed/evolution.h5"
"$exe" evolve "$out/evolve.toml" --threads 1 --out "$out/killed" --resume --no-progress | tee "$out/resumed.txt"
grep -qE "resumed .* after generation [0-3] " "$out/resumed.txt"  # it was killed before the end
for d in /evolution/lineage/fitness /evolution/lineage/edges /evolution/lineage/parent_a /evolution/population/0/genome/0/target \
         /evolution/population/0/genome/0/weight /evolution/population/2/genome/1/target /evolution/population/0/trained/1/weight; do
  h5diff "$out/straight/evolution.h5" "$out/killed/evolution.h5" "$d" "$d"
done
# The report: lineage, tables and (with matplotlib) plots.
"$exe" evolve report "$out/straight" | tee "$out/report.txt"
grep -q "ancestry of the final population.s best" "$out/report.txt"
test "$(wc -l < "$out/straight/report/lineage.csv")" -eq 12
if /usr/bin/python3 -c "import matplotlib" 2>/dev/null || python3 -c "import matplotlib" 2>/dev/null; then
  for p in fitness edges degrees; do test -s "$out/straight/report/$p.png"; done
fi
# Controls of the evolved genome, each a genome file that runs like a network.
"$exe" evolve controls "$out/evolve.toml" --genome "$out/straight/evolution.h5" --out "$out/controls" | tee "$out/controls.txt"
grep -qE "degree_preserving .* double-edge swaps made" "$out/controls.txt"
for c in connectome random degree_preserving sign_shuffled dense; do test -s "$out/controls/$c.h5"; done
"$exe" inspect "$out/controls/random.h5" --json > "$out/random.json"
python3 -c "
import json
r = json.load(open('$out/random.json'))
" 
"$exe" evolve compare "$out/evolve.toml" --genome "$out/straight/evolution.h5" --seeds 2 --points 0,0.5,1 \
    --controls connectome,random,dense --out "$out/compare" | tee "$out/compare.txt"
python3 -c "
import json; j = json.load(open('$out/compare/compare.json'))
assert len(j['runs']) == 6, j
for r in j['runs']:
    assert len(r['bits_per_byte']) == 3 and r['bits_per_byte'][2] < r['bits_per_byte'][0], r
e = {r['control']: r['edges'] for r in j['runs']}
assert e['connectome'] == e['random'] and e['dense'] == 768 * 24 + 24 * 256 and e['connectome'] < e['dense'], e
"
# Bad settings: one clear error each, non-zero exit.
expect_error() {  # pattern, then the command
  local pattern=$1; shift
  if "$@" > "$out/err.out" 2> "$out/err.txt"; then echo "expected failure: $*"; exit 1; fi
  [ "$(grep -c . "$out/err.txt")" -eq 1 ] || { echo "expected one line:"; cat "$out/err.txt"; exit 1; }
  grep -qE -- "$pattern" "$out/err.txt" || { echo "message does not match /$pattern/:"; cat "$out/err.txt"; exit 1; }
}
sed 's/^elite = 1$/elite = 3/' "$out/evolve.toml" > "$out/elite.toml"
expect_error "elite.toml:[0-9]+: evolution.elite: expected fewer elite than the population" "$exe" evolve "$out/elite.toml" --out "$out/e1"
sed 's/^generations = 4$/generation = 4/' "$out/evolve.toml" > "$out/typo.toml"
expect_error "typo.toml:[0-9]+: evolution.generation: unknown key 'generation'.*generations" "$exe" evolve "$out/typo.toml" --out "$out/e2"
sed 's/^seed = 2$/seed = 9/' "$out/evolve.toml" > "$out/other.toml"
expect_error "started from another description or seed" "$exe" evolve "$out/other.toml" --out "$out/straight" --resume
sed '/^\[evolution\]/,$d' "$out/evolve.toml" > "$out/plain.toml"
expect_error "plain.toml:.*no \[evolution\] table" "$exe" evolve "$out/plain.toml" --out "$out/e3"
expect_error "not an evolution checkpoint" "$exe" evolve report "$out/evolve.toml"
echo "evolve cli: ok"
