#!/usr/bin/env python3
"""Writes PyTorch's greedy continuations of a few prompts for the trained tiny Llama
(models/text/tiny_llama): the reference for the runtime's generation loop
(tests/e2e/generation_test.cc).

Each prompt is encoded with the sentencepiece library (BOS first, as the model's
tokenizer_config.json asks), then continued for --steps tokens by argmax with the
reference forward pass of models/hf/make_hf_fixtures.py (never stopping at EOS).
Output JSON: {"cases": [{"prompt", "prompt_ids", "greedy_ids"}]}.

usage: reference_generation.py --out OUT.json [--model-dir DIR] [--steps N]
"""
import argparse
import json
import os
import sys

import sentencepiece as spm
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hf"))
import make_hf_fixtures as hf  # noqa: E402

PROMPTS = [
    "Return the number of",
    "This module provides",
    "If the file does not exist,",
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model-dir", default=os.path.join(HERE, "tiny_llama"))
    ap.add_argument("--steps", type=int, default=48)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    torch.set_num_threads(2)
    config, weights = hf.load_checkpoint(args.model_dir)
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.model_dir, "tokenizer.model"))
    cases = []
    for prompt in PROMPTS:
        ids = [sp.bos_id()] + sp.encode(prompt)
        with torch.no_grad():
            tokens, _ = hf.greedy_decode(weights, config, torch.tensor(ids), args.steps)
        cases.append({"prompt": prompt, "prompt_ids": ids, "greedy_ids": tokens.tolist()})
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False, indent=1)
    print(f"{len(cases)} prompts x {args.steps} greedy tokens -> {args.out}")


if __name__ == "__main__":
    main()
