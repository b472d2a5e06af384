#!/usr/bin/env python3
"""Writes Hugging Face Llama checkpoints with random weights in the two shapes the LLM speed
figures are quoted for (bench/README.md), for sprig-convert and `sprig bench --llm`:

  110m   dim 768, 12 layers, 12 heads (12 KV heads), FFN 2048, vocab 32000
  1.1b   TinyLlama: dim 2048, 22 layers, 32 heads, 4 KV heads, FFN 5632, vocab 32000

Weights are bfloat16 (as TinyLlama ships), seeded; config.json in HF's field names.
Speed does not depend on the values, so no tokenizer is written.

usage: make_llama_shapes.py --out DIR [--shapes 110m,1.1b]
"""
import argparse
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "models", "hf"))
import make_hf_fixtures as hf  # noqa: E402

SHAPES = {
    "110m": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, num_key_value_heads=12,
                 intermediate_size=2048, head_dim=64),
    "1.1b": dict(hidden_size=2048, num_hidden_layers=22, num_attention_heads=32, num_key_value_heads=4,
                 intermediate_size=5632, head_dim=64),
}


def write_shape(name, out_root):
    config = hf.llama_config(vocab_size=32000, max_position_embeddings=2048, torch_dtype="bfloat16",
                             **SHAPES[name])
    out = os.path.join(out_root, "llama_" + name.replace(".", "_"))
    os.makedirs(out, exist_ok=True)
    weights = {k: v.to(torch.bfloat16) for k, v in hf.make_weights(config, seed=5).items()}
    params = sum(v.numel() for v in weights.values())
    hf.write_safetensors(os.path.join(out, "model.safetensors"), weights)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    print(f"{name}: {params / 1e6:.1f}M parameters -> {out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--shapes", default="110m,1.1b")
    args = ap.parse_args()
    torch.manual_seed(0)
    for name in args.shapes.split(","):
        if name not in SHAPES:
            sys.exit(f"unknown shape '{name}' (have {', '.join(SHAPES)})")
        write_shape(name, args.out)


if __name__ == "__main__":
    main()
