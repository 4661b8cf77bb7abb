#!/usr/bin/env bash
# Runs the PyTorch reference language model (bench/lm_pytorch.py) at densities 1.0, 0.26, 0.10
# x seeds 1, 2, 3 (interleaved: seed by seed, every density in turn, so that a change in the
# machine's load hits all densities alike) and prints mean ± s.e. of tokens/s and held-out bpb
# per density.
#
#   bench/run_lm_pytorch.sh [TOKENS [OUTDIR]]        (defaults: 373000, out/lm/pytorch_ref)
#
# Environment overrides: DENSITIES ("1.0 0.26 0.10"), SEEDS ("1 2 3"), THREADS (2),
# TRAIN (out/corpus/austen_inner.txt), VALID (out/corpus/austen_validation.txt),
# EVAL_BYTES (100000; "all" = the whole file), PYTHON (/usr/bin/python3), EXTRA (more options).
# MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_ are set to 1 GiB unless already set (see
# `bench/lm_pytorch.py --help`). Run it on an otherwise idle machine: each run uses THREADS
# cores. Each run's full results are in OUTDIR/lm_d<density>_s<seed>.json.
set -euo pipefail
cd "$(dirname "$0")/.."

TOKENS=${1:-373000}
OUTDIR=${2:-out/lm/pytorch_ref}
DENSITIES=${DENSITIES:-"1.0 0.26 0.10"}
SEEDS=${SEEDS:-"1 2 3"}
THREADS=${THREADS:-2}
TRAIN=${TRAIN:-out/corpus/austen_inner.txt}
VALID=${VALID:-out/corpus/austen_validation.txt}
EVAL_BYTES=${EVAL_BYTES:-100000}
PYTHON=${PYTHON:-/usr/bin/python3}
EXTRA=${EXTRA:-}
export MALLOC_MMAP_THRESHOLD_=${MALLOC_MMAP_THRESHOLD_:-1073741824}
export MALLOC_TRIM_THRESHOLD_=${MALLOC_TRIM_THRESHOLD_:-1073741824}

for f in "$TRAIN" "$VALID"; do
    [[ -f $f ]] || { echo "missing $f (scripts/corpus makes it)" >&2; exit 1; }
done
eval_opt=()
[[ $EVAL_BYTES != all ]] && eval_opt=(--eval-bytes "$EVAL_BYTES")

mkdir -p "$OUTDIR"
files=()
for seed in $SEEDS; do
    for d in $DENSITIES; do
        out="$OUTDIR/lm_d${d}_s${seed}.json"
        echo "== density $d seed $seed ($TOKENS tokens, $THREADS threads; load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
        # shellcheck disable=SC2086
        "$PYTHON" bench/lm_pytorch.py --train "$TRAIN" --valid "$VALID" "${eval_opt[@]}" \
            --tokens "$TOKENS" --density "$d" --seed "$seed" --threads "$THREADS" \
            --quiet --json "$out" $EXTRA
        files+=("$out")
    done
done
echo
echo "PyTorch reference: $TRAIN -> $VALID (eval bytes $EVAL_BYTES), $TOKENS tokens, $THREADS threads"
"$PYTHON" bench/lm_pytorch.py --summarize "${files[@]}"
