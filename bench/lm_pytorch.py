#!/usr/bin/python3
"""PyTorch reference of Synaptogen's byte-level feed-forward language model.

The model, exactly (the C++ trainer must match it):

  input     the K = 16 bytes before the predicted position, each one-hot over 256 values:
            a 4096-vector x; slot k (0..15) holds the byte k+1 positions back (slot 0 = the
            previous byte), at entries k*256 .. k*256+255. A position before the start of the
            text is absent: its slot is all zero. Contexts never reach outside the file that
            is being trained on or evaluated.
  layers    h1 = relu(W1 x + b1)   (256)      W1: 4096 -> 256
            h2 = relu(W2 h1 + b2)  (256)      W2: 256 -> 256
            logits = W3 h2 + b3    (256)      W3: 256 -> 256
            loss = softmax cross-entropy on the next byte, mean over the batch.
  init      PyTorch nn.Linear's default: every weight and bias ~ U(-1/sqrt(fan_in),
            +1/sqrt(fan_in)), fan_in = 4096, 256, 256 (the dense in_features, also when masked).
            Drawn from torch.manual_seed(seed) in the order W1, b1, W2, b2, W3, b3. W1 is kept
            as a (4096, 256) "in x out" table (row k*256+b = the column of nn.Linear's weight
            for that input) so that both first-layer implementations below use it as is.
  masks     --density D: per weight tensor (W1, W2, W3; never the biases) a fixed 0/1 mask with
            exactly floor(D*numel + 0.5) ones at positions drawn uniformly without replacement
            (torch.randperm of a generator seeded with seed*1000003 + 7). The forward pass uses
            W*mask (the paper's way: dense tensors times masks), so masked entries get a zero
            gradient, Adam leaves them as they are, and they never reach the output.
            D = 1: no mask at all (plain dense).
  optimiser torch.optim.Adam(lr, betas=(0.9, 0.95), eps=1e-8, weight_decay=0). With
            --weight-decay WD: torch.optim.AdamW with decay WD on W1, W2, W3 and none on the
            biases. Per step: clip_grad_norm_(all parameters, 1.0), i.e. every gradient times
            min(1, 1.0/(||g||_2 + 1e-6)), ||g|| over all six tensors together; then Adam:
              m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2   (t = step+1)
              p -= lr_t/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
            (AdamW first multiplies p by 1 - lr_t*WD.)
  schedule  total = tokens // 64 steps (step = 0 .. total-1); warmup = (total + 10) // 20
            (= 0.05*total rounded half up, in integers); lr_t = lr*(step+1)/warmup for
            step < warmup, else lr*(total-step)/(total-warmup); lr = 2e-3.
  data      positions 0..L-1 of the training file (every byte is a target). Epoch e
            (0, 1, ...) is torch.randperm(L) of a generator seeded with seed*1000003 + e; the
            epochs are concatenated into one stream and each batch takes the next 64 positions
            of it (a batch may straddle two epochs). Tokens = predicted positions = 64*steps.
  eval      bits per byte = (sum of cross-entropy in nats over every position of the held-out
            file, or its first --eval-bytes bytes) / count / ln 2, in eval mode without
            gradients, in batches of 1024 positions, contexts within the held-out text
            (its first 16 positions have absent slots).

First layer: `--first-layer embedding_bag` sums the 16 (fewer at the start of the text) active
rows of the masked W1 with F.embedding_bag(mode='sum'); `--first-layer onehot` builds the dense
64x4096 one-hot matrix and multiplies (addmm). They compute the same function; `--first-layer
auto` (the default) uses embedding_bag, which measured faster (see `--help`).
"""

import argparse
import json
import math
import os
import platform
import resource
import statistics
import sys
import time

K = 16          # context bytes
V = 256         # byte values
IN = K * V      # 4096
H = 256         # hidden width
BATCH = 64
EVAL_BATCH = 1024

FAIR_RUN = """\
How to run it fairly against the C++ trainer:
  * Use /usr/bin/python3 (Debian's python3-torch 1.13.1, which gets its BLAS through the
    libblas.so.3 alternative: install libopenblas0-openmp so that it is OpenBLAS with OpenMP
    threads and not the reference BLAS). The script prints the BLAS that was loaded.
  * Same threads on both sides (--threads, default 2 = this machine's cores) and an otherwise
    idle machine: on 2 cores any other busy process halves the rate or worse. The JSON records
    the load average and the process's CPU seconds, so a busy run shows.
  * Set glibc's malloc thresholds so that the 1-4 MB tensors freed every step are not returned
    to the kernel and page-faulted back in the next step:
      MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 /usr/bin/python3 ...
  * Time the same token budget on the same files; the training time here excludes the
    evaluations (--eval-every) and start-up (reading files, building the model, the masks).
  * Several seeds, interleaved across densities: bench/run_lm_pytorch.sh TOKENS does 3 seeds x
    densities 1.0, 0.26, 0.10 and prints mean +- s.e. of tokens/s and bpb per density.
Example (the reference comparison):
  MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=1073741824 \\
  /usr/bin/python3 bench/lm_pytorch.py --train out/corpus/austen_inner.txt \\
      --valid out/corpus/austen_validation.txt --eval-bytes 100000 --tokens 373000 \\
      --density 0.26 --seed 1 --threads 2 --json /tmp/lm_d0.26_s1.json
"""


def round_half_up(x):
    return int(math.floor(x + 0.5))


def warmup_steps(total):
    return (total + 10) // 20


def lr_at(step, total, warmup, lr):
    if step < warmup:
        return lr * (step + 1) / warmup
    return lr * (total - step) / (total - warmup)


def malloc_env():
    return {k: os.environ.get(k) for k in ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_",
                                           "MALLOC_ARENA_MAX", "OMP_NUM_THREADS", "OMP_WAIT_POLICY")}


def blas_info(torch):
    """What torch was built against and which BLAS libraries are mapped into this process."""
    cfg = torch.__config__.show()
    build = {}
    for item in cfg.replace("\n", " ").split(","):
        item = item.strip()
        for key in ("BLAS_INFO", "LAPACK_INFO", "USE_MKLDNN", "USE_OPENMP"):
            if item.startswith(key + "="):
                build[key] = item.split("=", 1)[1].strip()
    # Make sure a BLAS call happened so that lazily loaded libraries are mapped.
    a = torch.randn(64, 64)
    (a @ a).sum().item()
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6:
                path = parts[-1]
                base = os.path.basename(path).lower()
                if any(s in base for s in ("blas", "lapack", "mkl", "gomp", "iomp", "dnnl")):
                    libs.add(path)
    resolved = sorted({os.path.realpath(p) for p in libs})
    kind = "unknown"
    joined = " ".join(resolved).lower()
    if "openblas" in joined:
        kind = "OpenBLAS (" + ("openmp" if "openblas-openmp" in joined else
                               "pthread" if "openblas-pthread" in joined else
                               "serial" if "openblas-serial" in joined else "?") + ")"
    elif "mkl" in joined:
        kind = "MKL"
    elif "blas/libblas" in joined:
        kind = "reference BLAS (netlib) -- slow: install libopenblas0-openmp"
    return {"kind": kind, "build": build, "mapped": resolved}


def read_bytes(path, limit=None):
    with open(path, "rb") as f:
        data = f.read() if limit is None else f.read(limit)
    return data


class Model:
    """Parameters, masks and the forward pass."""

    def __init__(self, torch, seed, density, first_layer):
        self.torch = torch
        F = torch.nn.functional
        self.F = F
        torch.manual_seed(seed)
        def u(shape, fan_in):
            b = 1.0 / math.sqrt(fan_in)
            return torch.empty(*shape).uniform_(-b, b).requires_grad_()
        self.W1 = u((IN, H), IN)       # in x out (transpose of nn.Linear(4096, 256).weight)
        self.b1 = u((H,), IN)
        self.W2 = u((H, H), H)         # out x in, as nn.Linear
        self.b2 = u((H,), H)
        self.W3 = u((V, H), H)
        self.b3 = u((V,), H)
        self.params = [self.W1, self.b1, self.W2, self.b2, self.W3, self.b3]
        self.density = density
        self.masks = None
        if density < 1.0:
            g = torch.Generator().manual_seed(seed * 1000003 + 7)
            self.masks = []
            for w in (self.W1, self.W2, self.W3):
                n = w.numel()
                ones = round_half_up(density * n)
                m = torch.zeros(n)
                m[torch.randperm(n, generator=g)[:ones]] = 1.0
                self.masks.append(m.view_as(w))
        self.first_layer = first_layer
        self.slot = torch.arange(K, dtype=torch.long)          # k
        self.slot_base = self.slot * V                         # k*256

    def n_active(self):
        if self.masks is None:
            return sum(p.numel() for p in self.params)
        return int(sum(m.sum().item() for m in self.masks)) + H + H + V

    def contexts(self, data, pos):
        """data: int64 bytes of the text; pos: int64 positions. Returns (idx [B,16], valid [B,16])."""
        q = pos.unsqueeze(1) - 1 - self.slot                   # position k+1 back
        valid = q >= 0
        idx = self.slot_base + data[q.clamp_(min=0)]
        return idx, valid

    def forward(self, idx, valid):
        torch, F = self.torch, self.F
        if self.masks is None:
            W1, W2, W3 = self.W1, self.W2, self.W3
        else:
            W1 = self.W1 * self.masks[0]
            W2 = self.W2 * self.masks[1]
            W3 = self.W3 * self.masks[2]
        B = idx.shape[0]
        if self.first_layer == "embedding_bag":
            if bool(valid.all()):
                pre1 = F.embedding_bag(idx, W1, mode="sum")
            else:
                counts = valid.sum(1)
                offsets = torch.zeros(B, dtype=torch.long)
                offsets[1:] = counts.cumsum(0)[:-1]
                pre1 = F.embedding_bag(idx[valid], W1, offsets, mode="sum")
            pre1 = pre1 + self.b1
        else:  # dense one-hot matmul
            x = torch.zeros(B, IN)
            x.scatter_(1, idx, valid.to(torch.float32))        # one entry per 256-block
            pre1 = torch.addmm(self.b1, x, W1)
        h1 = torch.relu(pre1)
        h2 = torch.relu(F.linear(h1, W2, self.b2))
        return F.linear(h2, W3, self.b3)


def evaluate(torch, model, data):
    """Bits per byte over every position of data (int64 tensor)."""
    F = torch.nn.functional
    total = 0.0
    n = data.numel()
    with torch.no_grad():
        for s in range(0, n, EVAL_BATCH):
            pos = torch.arange(s, min(s + EVAL_BATCH, n), dtype=torch.long)
            idx, valid = model.contexts(data, pos)
            logits = model.forward(idx, valid)
            total += float(F.cross_entropy(logits, data[pos], reduction="sum").double())
    return total / n / math.log(2.0)


def train(args):
    import torch
    torch.set_num_threads(args.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    F = torch.nn.functional
    blas = blas_info(torch)
    env = malloc_env()
    log = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    log(f"torch {torch.__version__}, threads {torch.get_num_threads()}, BLAS: {blas['kind']}")
    log("  mapped: " + ", ".join(blas["mapped"]))
    if not env["MALLOC_MMAP_THRESHOLD_"] or not env["MALLOC_TRIM_THRESHOLD_"]:
        print("hint: for timing, run with MALLOC_MMAP_THRESHOLD_=1073741824 "
              "MALLOC_TRIM_THRESHOLD_=1073741824 in the environment: without them glibc hands "
              "the multi-MB tensors back to the kernel and page-faults them in again every step "
              "(see --help)", file=sys.stderr, flush=True)

    train_bytes = read_bytes(args.train)
    valid_bytes = read_bytes(args.valid, args.eval_bytes)
    train_data = torch.frombuffer(bytearray(train_bytes), dtype=torch.uint8).long()
    valid_data = torch.frombuffer(bytearray(valid_bytes), dtype=torch.uint8).long()
    L = train_data.numel()
    if L == 0 or valid_data.numel() == 0:
        sys.exit("empty training or held-out text")

    first_layer = "embedding_bag" if args.first_layer == "auto" else args.first_layer
    model = Model(torch, args.seed, args.density, first_layer)
    total = args.tokens // BATCH
    if total < 1:
        sys.exit(f"--tokens must be at least {BATCH}")
    warmup = warmup_steps(total)
    if warmup >= total:
        warmup = total - 1
    weights = [model.W1, model.W2, model.W3]
    biases = [model.b1, model.b2, model.b3]
    if args.weight_decay > 0:
        opt = torch.optim.AdamW([{"params": weights, "weight_decay": args.weight_decay},
                                 {"params": biases, "weight_decay": 0.0}],
                                lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    else:
        opt = torch.optim.Adam(model.params, lr=args.lr, betas=(0.9, 0.95), eps=1e-8,
                               weight_decay=0.0)

    log(f"train {args.train}: {L} bytes; held-out {args.valid}: {valid_data.numel()} bytes; "
        f"{total} steps x {BATCH} = {total * BATCH} tokens, warmup {warmup}; density "
        f"{args.density} ({'W*mask in the forward pass' if model.masks is not None else 'dense, no mask'}), "
        f"{model.n_active()} active parameters; first layer {first_layer}; seed {args.seed}")

    curve = []
    loss_curve = []
    def do_eval(tokens_done, train_loss_bits):
        t0 = time.perf_counter()
        bpb = evaluate(torch, model, valid_data)
        dt = time.perf_counter() - t0
        curve.append({"tokens": tokens_done, "bpb": bpb, "train_bpb": train_loss_bits,
                      "train_seconds": train_seconds, "eval_seconds": dt})
        log(f"  tokens {tokens_done:>10d}  held-out {bpb:.4f} bpb"
            + (f"  train {train_loss_bits:.4f} bpb" if train_loss_bits is not None else "")
            + f"  ({train_seconds:.1f} s training, eval {dt:.1f} s)")
        return bpb

    train_seconds = 0.0
    cpu_seconds = 0.0
    next_eval = args.eval_every if args.eval_every > 0 else None
    if args.eval_every > 0:
        do_eval(0, None)

    load_start = os.getloadavg()
    epoch = 0
    perm = None
    cursor = L            # forces a new epoch at the first batch
    loss_acc = torch.zeros((), dtype=torch.float64)
    loss_n = 0
    all_loss = torch.zeros((), dtype=torch.float64)
    faults = 0
    faults_start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    t_start = time.perf_counter()
    c_start = time.process_time()
    for step in range(total):
        # next 64 positions of the stream of epoch permutations
        if cursor + BATCH <= L:
            pos = perm[cursor:cursor + BATCH]
            cursor += BATCH
        else:
            parts = [] if perm is None else [perm[cursor:]]
            need = BATCH - (0 if perm is None else L - cursor)
            while need > 0:
                g = torch.Generator().manual_seed(args.seed * 1000003 + epoch)
                perm = torch.randperm(L, generator=g)
                epoch += 1
                take = min(need, L)
                parts.append(perm[:take])
                cursor = take
                need -= take
            pos = torch.cat(parts)
        idx, valid = model.contexts(train_data, pos)
        target = train_data[pos]

        lr_t = lr_at(step, total, warmup, args.lr)
        for group in opt.param_groups:
            group["lr"] = lr_t
        logits = model.forward(idx, valid)
        loss = F.cross_entropy(logits, target)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.params, 1.0)
        opt.step()
        ld = loss.detach()
        loss_acc += ld
        all_loss += ld
        loss_n += 1

        tokens_done = (step + 1) * BATCH
        if next_eval is not None and (tokens_done >= next_eval) and step + 1 < total:
            train_seconds += time.perf_counter() - t_start
            cpu_seconds += time.process_time() - c_start
            faults += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_start
            do_eval(tokens_done, float(loss_acc) / loss_n / math.log(2.0))
            loss_acc.zero_()
            loss_n = 0
            while next_eval <= tokens_done:
                next_eval += args.eval_every
            faults_start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            t_start = time.perf_counter()
            c_start = time.process_time()
    train_seconds += time.perf_counter() - t_start
    cpu_seconds += time.process_time() - c_start
    load_end = os.getloadavg()
    faults += resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults_start

    tokens_done = total * BATCH
    last_train = float(loss_acc) / loss_n / math.log(2.0) if loss_n else None
    final_bpb = do_eval(tokens_done, last_train)
    rate = tokens_done / train_seconds
    log(f"trained {tokens_done} tokens in {train_seconds:.2f} s = {rate:.0f} tokens/s "
        f"(process CPU {cpu_seconds:.1f} s = {cpu_seconds / train_seconds:.2f} cores); "
        f"{faults / total:.0f} minor page faults/step; held-out {final_bpb:.4f} bpb; "
        f"load average {load_start[0]:.2f} -> {load_end[0]:.2f}")

    result = {
        "tokens": tokens_done,
        "steps": total,
        "warmup_steps": warmup,
        "epochs_started": epoch,
        "train_seconds": train_seconds,
        "tokens_per_second": rate,
        "cpu_seconds": cpu_seconds,
        "minor_faults_per_step": faults / total,
        "final_bpb": final_bpb,
        "mean_train_bpb": float(all_loss) / total / math.log(2.0),
        "eval_curve": curve,
        "density": args.density,
        "mask_method": "W*mask in the forward pass (dense tensors)" if model.masks is not None else "none (dense)",
        "active_parameters": model.n_active(),
        "first_layer": first_layer,
        "seed": args.seed,
        "threads": torch.get_num_threads(),
        "lr": args.lr,
        "weight_decay": args.weight_decay,
        "optimizer": "AdamW" if args.weight_decay > 0 else "Adam",
        "train_file": os.path.abspath(args.train),
        "train_bytes": L,
        "valid_file": os.path.abspath(args.valid),
        "eval_bytes": valid_data.numel(),
        "torch_version": torch.__version__,
        "python": sys.executable + " " + platform.python_version(),
        "blas": blas,
        "env": env,
        "loadavg_start": load_start,
        "loadavg_end": load_end,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
    }
    if args.json:
        d = os.path.dirname(os.path.abspath(args.json))
        os.makedirs(d, exist_ok=True)
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
    print(json.dumps({k: result[k] for k in ("tokens", "train_seconds", "tokens_per_second",
                                             "final_bpb", "density", "seed", "threads",
                                             "first_layer")}))


def mean_se(xs):
    m = statistics.fmean(xs)
    se = statistics.stdev(xs) / math.sqrt(len(xs)) if len(xs) > 1 else float("nan")
    return m, se


def summarize(files):
    rows = {}
    for path in files:
        with open(path) as f:
            r = json.load(f)
        rows.setdefault(r["density"], []).append(r)
    print(f"| density | runs | tokens | tokens/s (mean ± s.e.) | held-out bpb (mean ± s.e.) | train s | threads |")
    print("|---|---|---|---|---|---|---|")
    for d in sorted(rows, reverse=True):
        rs = rows[d]
        tps = mean_se([r["tokens_per_second"] for r in rs])
        bpb = mean_se([r["final_bpb"] for r in rs])
        ts = statistics.fmean(r["train_seconds"] for r in rs)
        toks = sorted({r["tokens"] for r in rs})
        thr = sorted({r["threads"] for r in rs})
        print(f"| {d:g} | {len(rs)} | {','.join(map(str, toks))} | {tps[0]:,.0f} ± {tps[1]:,.0f} "
              f"| {bpb[0]:.4f} ± {bpb[1]:.4f} | {ts:.1f} | {','.join(map(str, thr))} |")
    first = json.load(open(files[0]))
    print(f"\ntorch {first['torch_version']}, BLAS {first['blas']['kind']}, first layer "
          f"{first['first_layer']}, malloc env {first['env'].get('MALLOC_MMAP_THRESHOLD_')}/"
          f"{first['env'].get('MALLOC_TRIM_THRESHOLD_')}, seeds "
          + ",".join(sorted({str(json.load(open(p))['seed']) for p in files})))


def main():
    p = argparse.ArgumentParser(
        description="PyTorch reference of the byte-level feed-forward language model "
                    "(16 bytes one-hot -> 256 -> 256 -> 256, Adam, optional fixed random masks).",
        epilog=FAIR_RUN, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--train", help="training text (bytes)")
    p.add_argument("--valid", help="held-out text (bytes)")
    p.add_argument("--tokens", type=int, default=373000,
                   help="token budget = predicted positions; steps = tokens // 64 (default 373000)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--density", type=float, default=1.0,
                   help="fraction of each weight tensor kept by a fixed random mask, in (0, 1]")
    p.add_argument("--eval-bytes", type=int, default=None,
                   help="evaluate on the first N bytes of --valid only (default: all)")
    p.add_argument("--eval-every", type=int, default=0,
                   help="also evaluate every N tokens (not counted in the training time)")
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--weight-decay", type=float, default=0.0,
                   help="AdamW decoupled weight decay on W1..W3 (default 0: plain Adam)")
    p.add_argument("--first-layer", choices=("auto", "embedding_bag", "onehot"), default="auto",
                   help="first-layer implementation (auto = embedding_bag, the faster here)")
    p.add_argument("--json", help="write the results to this file")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("--summarize", nargs="+", metavar="JSON",
                   help="only print a table (mean ± s.e. per density) of earlier --json results")
    args = p.parse_args()
    if args.summarize:
        summarize(args.summarize)
        return
    if not args.train or not args.valid:
        p.error("--train and --valid are required")
    if not (0.0 < args.density <= 1.0):
        p.error("--density must be in (0, 1]")
    train(args)


if __name__ == "__main__":
    main()
