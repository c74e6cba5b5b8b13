#!/usr/bin/env python3
"""Times the ORIGINAL EVE backbone (github ssyze/EVE, imported from a checkout at run time; none of
its code is copied here) in eval mode on a vl batch, with random weights, under PyTorch on the CPU.

    python3 eve_original_forward.py EVE_CHECKOUT --preset base --batch 8 --image-res 224 --text-len 40 --threads 2

Prints one JSON line with median_ms and tokens_per_s, like `eve bench forward`. The original
samples Gumbel noise for the second expert even in eval; that costs nothing measurable.
"""
import argparse
import json
import statistics
import sys
import time
import types

import torch
import torch.nn as nn

p = argparse.ArgumentParser()
p.add_argument("eve")
p.add_argument("--preset", default="base")
p.add_argument("--batch", type=int, default=8)
p.add_argument("--image-res", type=int, default=224)
p.add_argument("--text-len", type=int, default=40)
p.add_argument("--threads", type=int, default=torch.get_num_threads())
p.add_argument("--warmup", type=int, default=2)
p.add_argument("--runs", type=int, default=5)
a = p.parse_args()
torch.set_num_threads(a.threads)


class DropPath(nn.Module):  # timm's, as a stub: identity in eval
    def __init__(self, p=0.0):
        super().__init__()

    def forward(self, x):
        return x


def quick_gelu(x):
    return x * torch.sigmoid(1.702 * x)


stubs = {
    "timm": {}, "timm.models": {},
    "timm.models.layers": {"DropPath": DropPath,
                           "trunc_normal_": lambda t, mean=0., std=1., a=-2., b=2.: nn.init.trunc_normal_(t, mean, std, a, b)},
    "timm.models.vision_transformer": {"_cfg": lambda **k: {}, "PatchEmbed": object},
    "timm.models.registry": {"register_model": lambda f: f},
    "transformers": {}, "transformers.activations": {"ACT2FN": {"quick_gelu": quick_gelu, "gelu": nn.functional.gelu}},
    "transformers.modeling_outputs": {"BaseModelOutput": object, "BaseModelOutputWithPooling": object},
    "transformers.models": {}, "transformers.models.bert": {},
    "transformers.models.bert.modeling_bert": {"BertConfig": object, "BertEmbeddings": object, "BertPredictionHeadTransform": object},
    "transformers.utils": {"logging": types.SimpleNamespace(get_logger=lambda *x: None)},
    "regex": {"E": 0}, "scipy": {"interpolate": None}, "utils": {}, "utils.torch_io": {},
}
for name, attrs in stubs.items():
    m = types.ModuleType(name)
    for k, v in attrs.items():
        setattr(m, k, v)
    sys.modules[name] = m
pkg = types.ModuleType("models")
pkg.__path__ = [a.eve + "/models"]
sys.modules["models"] = pkg
sys.path.insert(0, a.eve)
torch.Tensor.cuda = lambda self, *x, **k: self  # the original moves masks to the GPU

import importlib

mw = importlib.import_module("models.multiway_transformer")
cfg = json.load(open(a.eve + ("/configs/config_vlmoB_base64k.json" if a.preset == "base" else "/configs/config_vlmoL_base64k.json")))
model = mw.MultiwayTransformer(
    image_size=a.image_res, patch_size=cfg["patch_size"], hidden_size=cfg["vision_width"], hidden_act=cfg["hidden_act"],
    num_attention_heads=cfg["num_attention_heads"], intermediate_size=cfg["intermediate_size"],
    num_hidden_layers=cfg["num_hidden_layers"], vocab_size=cfg["vocab_size"], relative_position_embed=False,
    drop_path_rate=0.0, config={"pairs": {"max_tokens": a.text_len}}, ffn_type=cfg["ffn_type"],
    ffn_layers=cfg["moeffn_layers"], ffn_param=cfg["moe_param"], single_ffn={"type": "vl"})
model.eval()
g = torch.Generator().manual_seed(1)
image = torch.randn(a.batch, 3, a.image_res, a.image_res, generator=g)
ids = torch.randint(0, cfg["vocab_size"], (a.batch, a.text_len), generator=g)
atts = torch.ones(a.batch, a.text_len, dtype=torch.long)
times = []
with torch.no_grad():
    for _ in range(a.warmup):
        model(image, None, ids, atts, "vl")
    for _ in range(a.runs):
        t0 = time.perf_counter()
        model(image, None, ids, atts, "vl")
        times.append((time.perf_counter() - t0) * 1e3)
median = statistics.median(times)
tokens = a.batch * ((a.image_res // cfg["patch_size"]) ** 2 + 1 + a.text_len)
print(json.dumps({"impl": "original EVE, torch " + torch.__version__, "preset": a.preset, "batch": a.batch,
                  "image_res": a.image_res, "text_len": a.text_len, "threads": a.threads,
                  "median_ms": round(median, 1), "runs_ms": [round(t, 1) for t in times],
                  "tokens_per_s": round(tokens / (median / 1e3))}), flush=True)
