#!/usr/bin/python3
"""Side-by-side language-model benchmark (docs/performance.md, docs/language.md).

Trains the feed-forward reference (examples/lm_austen.toml: 16 x 256 one-hot -> 256 relu ->
256 relu -> 256 logits, batch 64, Adam 2e-3, betas (0.9, 0.95), clip 1.0, 5% warm-up then
linear decay) with Synaptogen at densities 100%, 26% and 10% of every weight tensor's edges
(fixed_total_number without multapses: exactly round(D * rows * columns) edges, drawn per
seed), and optionally the same in PyTorch (bench/lm_pytorch.py, dense and masked), for
several seeds; prints tokens/s and held-out bits per byte as mean +- s.e. and writes JSON.

  bench/run_lm.py --tokens 373000 --seeds 1 2 3 [--pytorch] [--json out/bench/lm.json]
"""
import argparse, json, math, os, subprocess, sys, tempfile

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def config(density, tokens, seed, corpus, eval_bytes, train):
    def projection(src, tgt, n_src, n_tgt):
        if density >= 1.0:
            rule = 'rule = "all_to_all"'
        else:
            rule = f'rule = "fixed_total_number"\nnumber = {round(density * n_src * n_tgt)}\nmultapses = false'
        return f'[[projection]]\nsource = "{src}"\ntarget = "{tgt}"\n{rule}\nsynapse = "rate"\nweight = 1.0\n'
    pops = "".join(f'[[population]]\nname = "{n}"\nsize = {s}\nmodel = "rate_relu"\n'
                   for n, s in [("context", 4096), ("hidden1", 256), ("hidden2", 256), ("next_byte", 256)])
    return (f"[simulation]\nseed = {seed}\n" + pops + projection("context", "hidden1", 4096, 256) +
            projection("hidden1", "hidden2", 256, 256) + projection("hidden2", "next_byte", 256, 256) +
            f'[lm]\ninput = "context"\noutput = "next_byte"\ncontext = 16\n'
            f'[lm.training]\ntrain = "{corpus}/{train}"\nvalidation = "{corpus}/austen_validation.txt"\n'
            f"tokens = {tokens}\nbatch = 64\nlearning_rate = 2e-3\nbetas = [0.9, 0.95]\nclip = 1.0\nwarmup = 0.05\n"
            f"eval_bytes = {eval_bytes}\n")


def mean_se(xs):
    m = sum(xs) / len(xs)
    if len(xs) < 2:
        return m, float("nan")
    return m, math.sqrt(sum((x - m) ** 2 for x in xs) / (len(xs) - 1) / len(xs))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=373000)
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--densities", type=float, nargs="+", default=[1.0, 0.26, 0.10])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-bytes", type=int, default=100000)
    ap.add_argument("--corpus", default=os.path.join(root, "out", "corpus"))
    ap.add_argument("--train", default="austen_inner.txt", help="training file in --corpus")
    ap.add_argument("--build-dir", default=os.path.join(root, "build"))
    ap.add_argument("--pytorch", action="store_true", help="also run bench/lm_pytorch.py with the same settings")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    exe = os.path.join(a.build_dir, "apps", "synaptogen")
    results = []
    # glibc would hand PyTorch's large tensors back to the kernel every step (page faults):
    # keep them, as bench/lm_pytorch.py --help recommends for a fair measurement.
    torch_env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="1073741824", MALLOC_TRIM_THRESHOLD_="1073741824")
    with tempfile.TemporaryDirectory() as tmp:
        for d in a.densities:
            for seed in a.seeds:
                path = os.path.join(tmp, f"lm_{d}_{seed}.toml")
                open(path, "w").write(config(d, a.tokens, seed, os.path.abspath(a.corpus), a.eval_bytes, a.train))
                out = os.path.join(tmp, f"out_{d}_{seed}")
                subprocess.run([exe, "lm", "train", path, "--threads", str(a.threads), "--out", out, "--no-progress"],
                               check=True, stdout=subprocess.DEVNULL)
                j = json.load(open(os.path.join(out, "train.json")))
                results.append({"tool": "synaptogen", "density": d, "seed": seed, "tokens_per_second": j["tokens_per_second"],
                                "bits_per_byte": j["held_out_bits_per_byte"], "edges": j["edges"]})
                print(f"synaptogen density {d:.2f} seed {seed}: {j['tokens_per_second']:.0f} tokens/s, "
                      f"{j['held_out_bits_per_byte']:.4f} bits/byte", flush=True)
                if a.pytorch:
                    pj = os.path.join(tmp, f"torch_{d}_{seed}.json")
                    subprocess.run(["/usr/bin/python3", os.path.join(root, "bench", "lm_pytorch.py"),
                                    "--train", os.path.join(a.corpus, a.train),
                                    "--valid", os.path.join(a.corpus, "austen_validation.txt"),
                                    "--tokens", str(a.tokens), "--seed", str(seed), "--threads", str(a.threads),
                                    "--density", str(d), "--eval-bytes", str(a.eval_bytes), "--json", pj],
                                   check=True, stdout=subprocess.DEVNULL, env=torch_env)
                    t = json.load(open(pj))
                    tps = t.get("tokens_per_second", t.get("tokens_per_s"))
                    bpb = t.get("held_out_bits_per_byte", t.get("final_bpb", t.get("bpb")))
                    results.append({"tool": "pytorch", "density": d, "seed": seed, "tokens_per_second": tps,
                                    "bits_per_byte": bpb})
                    print(f"pytorch    density {d:.2f} seed {seed}: {tps:.0f} tokens/s, {bpb:.4f} bits/byte", flush=True)
    print(f"\n{a.tokens} tokens, {a.threads} threads, held-out: first {a.eval_bytes} bytes of Northanger Abbey")
    print(f"{'tool':<11} {'density':>7} {'tokens/s':>18} {'bits/byte':>18}")
    for tool in ("synaptogen", "pytorch"):
        for d in a.densities:
            rs = [r for r in results if r["tool"] == tool and r["density"] == d]
            if not rs:
                continue
            t, ts = mean_se([r["tokens_per_second"] for r in rs])
            b, bs = mean_se([r["bits_per_byte"] for r in rs])
            print(f"{tool:<11} {d:>7.2f} {t:>10.0f} +- {ts:<5.0f} {b:>10.4f} +- {bs:.4f}")
    if a.json:
        os.makedirs(os.path.dirname(os.path.abspath(a.json)), exist_ok=True)
        json.dump({"tokens": a.tokens, "threads": a.threads, "results": results}, open(a.json, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
