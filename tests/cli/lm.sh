#!/usr/bin/env bash
# synaptogen lm: train with progress and checkpoints, kill -9 and resume bit for bit, eval,
# generate, inspect and export the trained graph, and one clear error per bad config.
set -eu
exe=$1 out=$2
rm -rf "$out"; mkdir -p "$out"
python3 - "$out" <<'PY'
import sys, random
out = sys.argv[1]
random.seed(7)
words = "the cat sat on a mat and she said that it was fine to go home now".split()
def text(n):
    s = []
    while sum(map(len, s)) < n:
        s.append(" ".join(random.choice(words) for _ in range(8)) + ".\n")
    return "".join(s)[:n]
open(f"{out}/train.txt", "w").write(text(30000))
open(f"{out}/valid.txt", "w").write(text(5000))
open(f"{out}/empty.txt", "w").write("")
open(f"{out}/short.txt", "w").write(text(100))
PY
cat > "$out/model.toml" <<'TOML'
[simulation]
seed = 4
[[population]]
name = "context"
size = 1024
model = "rate_relu"
[[population]]
name = "hidden"
size = 32
model = "rate_relu"
[[population]]
name = "next"
size = 256
model = "rate_relu"
[[projection]]
source = "context"
target = "hidden"
rule = "fixed_probability"
p = 0.26
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
context = 4
[lm.training]
train = "train.txt"
validation = "valid.txt"
tokens = 64000
batch = 32
learning_rate = 5e-3
eval_every = 32000
TOML
# An uninterrupted run.
"$exe" lm train "$out/model.toml" --threads 2 --out "$out/straight" 2> "$out/straight.err" | tee "$out/straight.txt"
grep -q "tokens/s" "$out/straight.err"
grep -qE "held-out +[0-9.]+ bits per byte over 5000 bytes" "$out/straight.txt"
python3 -c "import json,sys; j=json.load(open('$out/straight/train.json')); assert j['held_out_bits_per_byte'] < 4.5, j; assert len(j['curve']) == 3, j"
# Killed with SIGKILL after its first checkpoint, then resumed: the same parameters, bit for bit.
"$exe" lm train "$out/model.toml" --threads 2 --out "$out/killed" --checkpoint-every 3200 --no-progress > /dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do [ -e "$out/killed/checkpoint.h5" ] && break; sleep 0.05; done
kill -9 "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
test -e "$out/killed/checkpoint.h5"
cp "$out/killed/checkpoint.h5" "$out/resume_from.h5"
"$exe" lm train "$out/model.toml" --threads 1 --out "$out/killed" --resume "$out/resume_from.h5" --no-progress | tee "$out/resumed.txt"
grep -q "resumed" "$out/resumed.txt"
h5diff "$out/straight/checkpoint.h5" "$out/killed/checkpoint.h5" /lm/parameters /lm/parameters
h5diff "$out/straight/checkpoint.h5" "$out/killed/checkpoint.h5" /lm/adam_v /lm/adam_v
# eval and generate on the checkpoint
"$exe" lm eval "$out/straight/checkpoint.h5" --text "$out/valid.txt" | tee "$out/eval.txt"
grep -qE "^[0-9.]+ bits per byte over 5000 bytes" "$out/eval.txt"
# the held-out figure of train and of eval agree
python3 -c "import json; j=json.load(open('$out/straight/train.json')); e=float(open('$out/eval.txt').read().split()[0]); assert abs(e - j['held_out_bits_per_byte']) < 1e-3, (e, j['held_out_bits_per_byte'])"
"$exe" lm generate "$out/straight/checkpoint.h5" --prompt "the cat " --bytes 60 --seed 3 > "$out/gen1.txt"
"$exe" lm generate "$out/straight/checkpoint.h5" --prompt "the cat " --bytes 60 --seed 3 > "$out/gen2.txt"
cmp "$out/gen1.txt" "$out/gen2.txt"
[ "$(head -c 8 "$out/gen1.txt")" = "the cat " ]
[ "$(wc -c < "$out/gen1.txt")" -eq 69 ]
# The trained graph is a graph like the others.
"$exe" inspect "$out/straight/checkpoint.h5" --json > "$out/inspect.json"
python3 -c "import json; j=json.load(open('$out/inspect.json')); print(j.keys())" > /dev/null
"$exe" export graphml "$out/straight/checkpoint.h5" -o "$out/trained.graphml"
grep -q "<edge" "$out/trained.graphml"
"$exe" export sonata "$out/straight/checkpoint.h5" -o "$out/sonata"
test -s "$out/sonata/network.toml"
# Bad configs: one clear error each, non-zero exit.
expect_error() {  # pattern, then the command
  local pattern=$1; shift
  if "$@" > "$out/err.out" 2> "$out/err.txt"; then echo "expected failure: $*"; exit 1; fi
  [ "$(grep -c . "$out/err.txt")" -eq 1 ] || { echo "expected one line:"; cat "$out/err.txt"; exit 1; }
  grep -qE -- "$pattern" "$out/err.txt" || { echo "message does not match /$pattern/:"; cat "$out/err.txt"; exit 1; }
}
sed 's/^context = 4$/context = 200/; s/^size = 1024$/size = 51200/; s/^train = "train.txt"$/train = "short.txt"/' "$out/model.toml" > "$out/long_context.toml"
expect_error "long_context.toml:[0-9]+: lm.context: a context of 200 bytes is longer than the training text" "$exe" lm train "$out/long_context.toml" --out "$out/e1"
sed 's/^train = "train.txt"$/train = "empty.txt"/' "$out/model.toml" > "$out/empty.toml"
expect_error "empty.toml:[0-9]+: lm.training.train: .*is empty" "$exe" lm train "$out/empty.toml" --out "$out/e2"
sed 's/^train = "train.txt"$/train = "missing.txt"/' "$out/model.toml" > "$out/missing.toml"
expect_error "missing.toml:[0-9]+: lm.training.train: cannot open" "$exe" lm train "$out/missing.toml" --out "$out/e3"
sed 's/^seed = 4$/seed = 5/' "$out/model.toml" > "$out/other.toml"
expect_error "trained from another description or seed" "$exe" lm train "$out/other.toml" --resume "$out/straight/checkpoint.h5" --out "$out/e4"
expect_error "not a language-model checkpoint" "$exe" lm eval "$out/valid.txt" --text "$out/valid.txt"
echo "lm cli: ok"
