#!/usr/bin/env bash
# Runs the README's first command, `./eve demo`, as a fresh user would, and checks the bars the
# demo promises: pre-training loss down by more than 30%, retrieval R@1 at least 3x chance, VQA
# clearly above the majority answer, NLVR2 at least 0.6, and one line of JSON with fractions.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

start=$SECONDS
"$ROOT/eve" demo --out "$OUT/demo" | tee "$OUT/stdout.txt"
echo "demo wall time: $((SECONDS - start)) s"

python3 - "$OUT/demo/result.json" "$OUT/stdout.txt" <<'PY'
import json, sys
result = json.load(open(sys.argv[1]))
last = [l for l in open(sys.argv[2]).read().splitlines() if l.strip()][-1]
assert json.loads(last) == result, "the demo's last line is not its result.json"
for k in ["itr_tr_r1", "itr_ir_r1", "itr_chance_r1", "vqa_acc", "vqa_majority_acc", "nlvr_acc"]:
    assert 0 <= result[k] <= 1, f"{k} = {result[k]} is not a fraction"
checks = {
    "pre-training loss falls by more than 30%": result["pretrain_loss_last"] < 0.7 * result["pretrain_loss_first"],
    "text retrieval R@1 >= 3x chance": result["itr_tr_r1"] >= 3 * result["itr_chance_r1"],
    "image retrieval R@1 >= 3x chance": result["itr_ir_r1"] >= 3 * result["itr_chance_r1"],
    "VQA clearly above the majority answer": result["vqa_acc"] >= 2 * result["vqa_majority_acc"],
    "NLVR2 >= 0.6": result["nlvr_acc"] >= 0.6,
}
for name, ok in checks.items():
    print(("ok    " if ok else "FAIL  ") + name)
sys.exit(0 if all(checks.values()) else 1)
PY
