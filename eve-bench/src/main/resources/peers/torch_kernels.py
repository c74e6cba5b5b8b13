#!/usr/bin/env python3
"""PyTorch (CPU) timings of the kernels eve-bench measures, at the same EVE-Base shapes.

Prints one JSON object per line: {"peer": "torch", "benchmark": ..., "param": ..., "ms": ...}.
Run by dev.eve.bench.PeerReport with the same thread count as the Java side; usable alone too:
    python3 torch_kernels.py --threads 2
"""
import argparse
import json
import statistics
import time

import torch

B, N_VL, N_V, H, HEADS, D, VOCAB, TEXT = 8, 237, 197, 768, 12, 64, 64010, 40


def timeit(fn, warmup, repeats, min_time=1.0):
    for _ in range(warmup):
        fn()
    samples = []
    start = time.perf_counter()
    while len(samples) < repeats or time.perf_counter() - start < min_time:
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
        if len(samples) > 1000:
            break
    return statistics.median(samples) * 1e3


def row_kernels(warmup, repeats):
    out = []
    shapes = {
        "softmax_scores": (B * HEADS * N_VL, N_VL),
        "log_softmax_vocab": (B * TEXT, VOCAB),
        "layer_norm": (B * N_VL, H),
    }
    for name, shape in shapes.items():
        g = torch.Generator().manual_seed(1)
        x = torch.randn(*shape, generator=g)
        grad = torch.randn(*shape, generator=g)
        w, b = torch.randn(shape[1], generator=g), torch.randn(shape[1], generator=g)
        if name == "softmax_scores":
            f = lambda t: torch.softmax(t, -1)
        elif name == "log_softmax_vocab":
            f = lambda t: torch.log_softmax(t, -1)
        else:
            f = lambda t: torch.nn.functional.layer_norm(t, (shape[1],), w, b, 1e-5)
        with torch.no_grad():
            fwd = timeit(lambda: f(x), warmup, repeats)
        xl = x.clone().requires_grad_(True)
        y = f(xl)
        bwd = timeit(lambda: torch.autograd.grad(y, xl, grad, retain_graph=True), warmup, repeats)
        out.append({"benchmark": "RowKernelsBenchmark.forwardPass", "param": name, "ms": fwd})
        out.append({"benchmark": "RowKernelsBenchmark.backwardPass", "param": name, "ms": bwd})
    return out


def attention(q, k, v, mask):
    # What EVE's PyTorch code runs: scores, key-padding mask, softmax, weighted sum.
    s = (q * D ** -0.5) @ k.transpose(-2, -1)
    s = s.masked_fill(mask[:, None, None, :] == 0, float("-inf"))
    return s.softmax(-1) @ v


def attention_benchmarks(warmup, repeats):
    out = []
    for n in (N_VL, N_V):
        g = torch.Generator().manual_seed(2)
        q, k, v, grad = (torch.randn(B, HEADS, n, D, generator=g) for _ in range(4))
        mask = torch.tensor([[1 if j < n - 3 * b else 0 for j in range(n)] for b in range(B)])
        with torch.no_grad():
            fwd = timeit(lambda: attention(q, k, v, mask), warmup, repeats)

        def fwd_bwd():
            ql, kl, vl = (t.detach().requires_grad_(True) for t in (q, k, v))
            attention(ql, kl, vl, mask).backward(grad)

        both = timeit(fwd_bwd, warmup, repeats)
        out.append({"benchmark": "AttentionBenchmark.forward", "param": str(n), "ms": fwd})
        out.append({"benchmark": "AttentionBenchmark.forwardBackward", "param": str(n), "ms": both})
    return out


def gemm_benchmarks(warmup, repeats):
    out = []
    for shape in ("1896x768x3072", "1896x3072x768", "1896x768x2304", "2048x2048x2048"):
        m, k, n = (int(s) for s in shape.split("x"))
        g = torch.Generator().manual_seed(3)
        a = torch.rand(m, k, generator=g) * 2 - 1
        b = torch.rand(k, n, generator=g) * 2 - 1
        bt = b.t().contiguous()
        with torch.no_grad():
            nn_ms = timeit(lambda: a @ b, warmup, repeats)
            nt_ms = timeit(lambda: a @ bt.t(), warmup, repeats)
        out.append({"benchmark": "GemmBenchmark", "param": shape + ":NN", "ms": nn_ms, "gflops": 2 * m * n * k / nn_ms / 1e6})
        out.append({"benchmark": "GemmBenchmark", "param": shape + ":NT", "ms": nt_ms, "gflops": 2 * m * n * k / nt_ms / 1e6})
    return out


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=torch.get_num_threads())
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--repeats", type=int, default=10)
    p.add_argument("--only", choices=["rows", "attention", "gemm"], action="append")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    only = set(args.only or ["rows", "attention", "gemm"])
    results = []
    if "rows" in only:
        results += row_kernels(args.warmup, args.repeats)
    if "attention" in only:
        results += attention_benchmarks(args.warmup, args.repeats)
    if "gemm" in only:
        results += gemm_benchmarks(args.warmup, args.repeats)
    for r in results:
        r.update({"peer": "torch " + torch.__version__, "threads": args.threads})
        print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
