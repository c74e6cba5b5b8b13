#!/usr/bin/env python3
"""The PyTorch side of dev.eve.bench.gpu.GpuReport: the same cases, the same shapes, in the same run.

    python3 torch_gpu.py --spec SPEC.json [--device cuda|cpu] [--only attention,moe,masked_loss,train]

SPEC.json is written by GpuReport (shapes, key-padding lengths, warm-up and run counts, where the
original EVE checkout is). Prints one JSON object per line for every case:
    {"key": ..., "ms": median, "runs_ms": [...], "impl": ..., "note": ...}
or {"key": ..., "error": "..."} when a case cannot run. Lines that do not start with "{" are logs.

Timing: on CUDA every run is bracketed by CUDA events and followed by torch.cuda.synchronize();
on the CPU by time.perf_counter(). The median of the runs is reported.

torch 1.13 (this repository's CPU machine) has no scaled_dot_product_attention: the attention case
then runs the explicit composition (scores, masked_fill, softmax, @ v) and says so in "impl".
The MoE peer is written here from the GShard paper's einsum formulation (the algorithm of the
original's sharded_moe.py, experts batched with bmm); the training step imports the ORIGINAL EVE
model code from the checkout named in the spec (none of it is copied here).
"""
import argparse
import json
import math
import statistics
import sys
import time
import traceback
import types

import torch
import torch.nn.functional as F

p = argparse.ArgumentParser()
p.add_argument("--spec", required=True)
p.add_argument("--device", default=None, help="overrides the spec's device")
p.add_argument("--only", default=None, help="comma list of sections: attention,moe,masked_loss,train")
a = p.parse_args()
spec = json.load(open(a.spec))
device = torch.device(a.device or spec["device"])
only = set(a.only.split(",")) if a.only else None
WARMUP, RUNS = int(spec["warmup"]), int(spec["runs"])
if device.type == "cpu" and spec.get("threads"):
    torch.set_num_threads(int(spec["threads"]))
TORCH = "torch " + torch.__version__.split("+")[0]
HAS_SDPA = hasattr(F, "scaled_dot_product_attention")
DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def log(*x):
    print(*x, file=sys.stderr, flush=True)


def emit(obj):
    print(json.dumps(obj), flush=True)


def sync():
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timeit(fn, warmup=None, runs=None):
    """Median milliseconds of fn() after warm-up; CUDA events on the GPU, perf_counter on the CPU."""
    warmup = WARMUP if warmup is None else warmup
    runs = RUNS if runs is None else runs
    for _ in range(warmup):
        fn()
    sync()
    samples = []
    for _ in range(runs):
        if device.type == "cuda":
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            start.record()
            fn()
            end.record()
            torch.cuda.synchronize(device)
            samples.append(start.elapsed_time(end))
        else:
            t0 = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples), samples


def report(key, ms_runs, impl, note=None, **extra):
    ms, runs = ms_runs
    obj = {"key": key, "ms": round(ms, 4), "runs_ms": [round(r, 4) for r in runs], "impl": impl}
    if note:
        obj["note"] = note
    obj.update(extra)
    emit(obj)


def guarded(key, fn):
    try:
        fn()
    except Exception as e:  # one failing case must not hide the others
        log(traceback.format_exc())
        emit({"key": key, "error": (type(e).__name__ + ": " + str(e)).splitlines()[0][:300]})
    finally:
        if device.type == "cuda":
            torch.cuda.empty_cache()


# ------------------------------------------------------------------------------------------ attention

def manual_attention(q, k, v, keep):
    """What EVE's PyTorch code runs: scaled scores, key-padding mask, softmax, weighted sum."""
    s = (q * q.shape[-1] ** -0.5) @ k.transpose(-2, -1)
    s = s.masked_fill(~keep[:, None, None, :], float("-inf"))
    return s.softmax(-1) @ v


def sdpa(q, k, v, keep):
    return F.scaled_dot_product_attention(q, k, v, attn_mask=keep[:, None, None, :])


def attention_case(c):
    B, H, N, D = c["batch"], c["heads"], c["tokens"], c["head_dim"]
    dt = DTYPES[c["dtype"]]
    g = torch.Generator().manual_seed(2)
    q, k, v, go = (torch.randn(B, H, N, D, generator=g).to(device=device, dtype=dt) for _ in range(4))
    lengths = torch.tensor(c["lengths"])
    keep = (torch.arange(N)[None, :] < lengths[:, None]).to(device)
    fn = sdpa if HAS_SDPA else manual_attention
    impl = TORCH + (" F.scaled_dot_product_attention" if HAS_SDPA else " manual attention (no SDPA in this torch)")
    if c["pass"] == "forward":
        with torch.no_grad():
            report(c["key"], timeit(lambda: fn(q, k, v, keep)), impl)
    else:
        def fwd_bwd():
            ql, kl, vl = (t.detach().requires_grad_(True) for t in (q, k, v))
            fn(ql, kl, vl, keep).backward(go)
        report(c["key"], timeit(fwd_bwd), impl)


# ------------------------------------------------------------------------------------------ MoE

def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


ACTS = {"quick_gelu": quick_gelu, "gelu": F.gelu, "relu": F.relu}


def gshard_moe(x, wg, vis, txt, w1, b1, w2, b2, c, training=True):
    """Top-2 GShard MoE with dense (S, E, C) dispatch/combine tensors and einsums, modality shift first."""
    B, T, M = x.shape
    nv = min(c["vision_tokens"], T)
    shifted = torch.cat([x[:, :nv] + vis, x[:, nv:] + txt], dim=1) if c["type_route"] else x
    s = shifted.reshape(-1, M)
    logits = s.float() @ wg.t()
    gates = logits.softmax(1)
    S, E = gates.shape
    cap = max(int(math.ceil(S / E * 2 * c["capacity_factor"])), c["min_capacity"])
    i1 = gates.argmax(1)
    m1 = F.one_hot(i1, E)
    noisy = logits
    if training:
        u = torch.rand(logits.shape, device=logits.device).clamp_min(1e-20)
        noisy = logits - torch.log(-torch.log(u))
    i2 = noisy.masked_fill(m1.bool(), float("-inf")).argmax(1)
    m2 = F.one_hot(i2, E)
    loc1 = m1.cumsum(0) - 1
    loc2 = m2.cumsum(0) - 1 + m1.sum(0, keepdim=True)
    l_aux = (gates.mean(0) * m1.float().mean(0)).mean() * E * E
    m1 = m1 * (loc1 < cap)
    m2 = m2 * (loc2 < cap)
    l1, l2 = (loc1 * m1).sum(1), (loc2 * m2).sum(1)
    g1, g2 = (gates * m1).sum(1), (gates * m2).sum(1)
    den = (g1 + g2).clamp_min(torch.finfo(gates.dtype).eps)
    g1, g2 = g1 / den, g2 / den
    combine = (torch.einsum("s,se,sc->sec", g1, m1.float(), F.one_hot(l1, cap).float())
               + torch.einsum("s,se,sc->sec", g2, m2.float(), F.one_hot(l2, cap).float()))
    dispatch = combine.bool().to(s.dtype)
    din = torch.einsum("sec,sm->ecm", dispatch, s)
    h = ACTS[c["activation"]](torch.baddbmm(b1[:, None, :], din, w1))
    out = torch.baddbmm(b2[:, None, :], h, w2)
    y = torch.einsum("sec,ecm->sm", combine.to(s.dtype), out)
    return y.reshape(B, T, M), l_aux


def moe_case(c):
    B, T, M, Hd, E = c["batch"], c["tokens"], c["dim"], c["hidden"], c["experts"]
    g = torch.Generator().manual_seed(4)

    def param(*shape, std=0.02):
        return (torch.randn(*shape, generator=g) * std).to(device).requires_grad_(True)

    wg, vis, txt = param(E, M), param(M), param(M)
    w1, b1, w2, b2 = param(E, M, Hd), param(E, Hd), param(E, Hd, M), param(E, M)
    x = torch.randn(B, T, M, generator=g).to(device)
    go = torch.randn(B, T, M, generator=g).to(device)
    params = [wg, vis, txt, w1, b1, w2, b2]

    def fwd_bwd():
        for t in params:
            t.grad = None
        xl = x.detach().requires_grad_(True)
        y, l_aux = gshard_moe(xl, wg, vis, txt, w1, b1, w2, b2, c)
        ((y * go).sum() + 0.001 * l_aux).backward()

    cap = max(int(math.ceil(B * T / E * 2 * c["capacity_factor"])), c["min_capacity"])
    report(c["key"], timeit(fwd_bwd), TORCH + " GShard einsum MoE (dense S x E x C dispatch, bmm experts)",
           capacity=cap)


# ------------------------------------------------------------------------------------------ masked loss

def masked_loss_case(c):
    n, Hs, V = c["rows"], c["hidden"], c["vocab"]
    g = torch.Generator().manual_seed(3)
    hidden = torch.randn(n, Hs, generator=g).to(device)
    weight = (torch.randn(V, Hs, generator=g) * 0.02).to(device)
    bias = torch.zeros(V).to(device)
    targets = torch.full((n,), c["ignore_index"], dtype=torch.long)
    valid = torch.tensor(c["valid_rows"], dtype=torch.long)
    targets[valid] = torch.randint(0, V, (len(valid),), generator=g)
    targets = targets.to(device)

    def fwd_bwd():
        h, w, b = (t.detach().requires_grad_(True) for t in (hidden, weight, bias))
        keep = targets != c["ignore_index"]
        F.cross_entropy(F.linear(h[keep], w, b), targets[keep]).backward()

    report(c["key"], timeit(fwd_bwd), TORCH + " cross_entropy(linear(hidden[masked])) f32",
           tf32=bool(device.type == "cuda" and torch.backends.cuda.matmul.allow_tf32))


# ------------------------------------------------------------------------------------------ EVE training step

class _DropPath(torch.nn.Module):  # timm's, as a stub: the benchmark runs with drop_path_rate 0
    def __init__(self, p=0.0):
        super().__init__()

    def forward(self, x):
        return x


JIT_NOTES = []


def import_original(eve):
    """Imports models.multiway_transformer from the checkout with its unused third-party imports stubbed."""
    stubs = {
        "timm": {}, "timm.models": {},
        "timm.models.layers": {"DropPath": _DropPath,
                               "trunc_normal_": lambda t, mean=0., std=1., a=-2., b=2.: torch.nn.init.trunc_normal_(t, mean, std, a, b)},
        "timm.models.vision_transformer": {"_cfg": lambda **k: {}, "PatchEmbed": object},
        "timm.models.registry": {"register_model": lambda f: f},
        "transformers": {}, "transformers.activations": {"ACT2FN": {"quick_gelu": quick_gelu, "gelu": F.gelu}},
        "transformers.modeling_outputs": {"BaseModelOutput": object, "BaseModelOutputWithPooling": object},
        "transformers.models": {}, "transformers.models.bert": {},
        "transformers.models.bert.modeling_bert": {"BertConfig": object, "BertEmbeddings": object,
                                                   "BertPredictionHeadTransform": object},
        "transformers.utils": {"logging": types.SimpleNamespace(get_logger=lambda *x: None)},
        "regex": {"E": 0}, "scipy": {"interpolate": None}, "utils": {}, "utils.torch_io": {},
    }
    for name, attrs in stubs.items():
        if name == "scipy" and name in sys.modules:
            continue  # the real one, already imported (by torch): it has interpolate
        m = types.ModuleType(name)
        for k, v in attrs.items():
            setattr(m, k, v)
        sys.modules[name] = m
    pkg = types.ModuleType("models")
    pkg.__path__ = [eve + "/models"]
    sys.modules["models"] = pkg
    sys.path.insert(0, eve)
    if device.type == "cpu":
        torch.Tensor.cuda = lambda self, *x, **k: self  # the original moves masks with .cuda()
    # The original scripts three small helpers with torch.jit.script (deprecated in recent torch): if a
    # torch refuses one, it runs eagerly (same numbers) and the result says so.
    scripted = torch.jit.script

    def script_or_eager(fn=None, *args, **kwargs):
        try:
            return scripted(fn, *args, **kwargs)
        except Exception as e:
            JIT_NOTES.append("torch.jit.script(%s) failed (%s): eager" % (getattr(fn, "__name__", fn), type(e).__name__))
            return fn

    torch.jit.script = script_or_eager
    import importlib
    try:
        return importlib.import_module("models.multiway_transformer")
    finally:
        torch.jit.script = scripted


def train_case(c):
    if not c.get("eve"):
        raise RuntimeError("no original EVE checkout: pass GpuReport --eve PATH or set EVE_CHECKOUT")
    mw = import_original(c["eve"])
    cfg = json.load(open(c["config"]))
    torch.manual_seed(1)
    model = mw.MultiwayTransformer(
        image_size=c["image_res"], patch_size=cfg["patch_size"], hidden_size=cfg["vision_width"],
        hidden_act=cfg["hidden_act"], num_attention_heads=cfg["num_attention_heads"],
        intermediate_size=cfg["intermediate_size"], num_hidden_layers=cfg["num_hidden_layers"],
        vocab_size=cfg["vocab_size"], relative_position_embed=False, drop_path_rate=0.0,
        config={"pairs": {"max_tokens": c["text_len"]}}, ffn_type=cfg["ffn_type"],
        ffn_layers=cfg["moeffn_layers"] if cfg["ffn_type"] == "moe" else cfg["vlffn_layers"],
        ffn_param=cfg["moe_param"], single_ffn={"type": "vl"}).to(device)
    model.train()
    nparams = sum(t.numel() for t in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=c["lr"], weight_decay=c["weight_decay"])
    g = torch.Generator().manual_seed(1)
    B, R, T = c["batch"], c["image_res"], c["text_len"]
    image = torch.randn(B, 3, R, R, generator=g).to(device)
    ids = torch.randint(0, cfg["vocab_size"], (B, T), generator=g).to(device)
    atts = torch.ones(B, T, dtype=torch.long).to(device)
    layers = list(model.modules())

    def step(autocast):
        opt.zero_grad(set_to_none=True)
        with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=autocast):
            hidden = model(image, None, ids, atts, "vl")
            aux, n = 0.0, 0
            for layer in layers:
                if hasattr(layer, "aux_loss_vl") and getattr(layer, "aux_loss_vl_i", 0):
                    aux = aux + layer.aux_loss_vl / layer.aux_loss_vl_i
                    n += 1
                    layer.aux_loss_vl = 0
                    layer.aux_loss_vl_i = 0
            loss = hidden.float().pow(2).mean() + c["aux_weight"] * (aux / max(n, 1))
        loss.backward()
        opt.step()

    modes = [("f32", False)] + ([("bf16-autocast", True)] if c.get("autocast_too") and device.type == "cuda" else [])
    for name, autocast in modes:
        ms_runs = timeit(lambda: step(autocast), warmup=c["warmup"], runs=c["runs"])
        report(c["key"] + ("" if name == "f32" else "|" + name), ms_runs,
               "original EVE (" + c["eve_label"] + "), " + TORCH + " eager, AdamW, " + name,
               note="; ".join(JIT_NOTES) or None, images_per_s=round(B / (ms_runs[0] / 1e3), 2), parameters=nparams)


SECTIONS = {"attention": attention_case, "moe": moe_case, "masked_loss": masked_loss_case, "train": train_case}

log("peer: " + TORCH + " on " + str(device) + ("" if HAS_SDPA else " (no scaled_dot_product_attention: manual attention)"))
if device.type == "cuda":
    log("peer: " + torch.cuda.get_device_name(device) + ", cuda " + str(torch.version.cuda))
for section, fn in SECTIONS.items():
    if only is not None and section not in only:
        continue
    for case in spec.get(section, []):
        guarded(case["key"], lambda: fn(case))
