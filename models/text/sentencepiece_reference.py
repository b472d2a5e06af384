#!/usr/bin/env python3
"""Writes the sentencepiece library's tokens for each line of a text file: the reference the
runtime's tokenizer is tested against (tests/e2e/tokenizer_reference_test.cc).

One JSON object per line: {"ids": sp.encode(line) without BOS, "decoded": sp.decode(ids)}.

usage: sentencepiece_reference.py --model tokenizer.model --lines LINES.txt --out OUT.jsonl
"""
import argparse
import json
import os

import sentencepiece as spm


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", required=True, help="SentencePiece tokenizer.model")
    ap.add_argument("--lines", required=True, help="UTF-8 text, one case per line")
    ap.add_argument("--out", required=True, help="output .jsonl")
    args = ap.parse_args()

    sp = spm.SentencePieceProcessor(model_file=args.model)
    with open(args.lines, encoding="utf-8", newline="\n") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    tmp = args.out + ".tmp"
    with open(tmp, "w", encoding="utf-8") as out:
        for line in lines:
            ids = sp.encode(line)
            out.write(json.dumps({"ids": ids, "decoded": sp.decode(ids)}, ensure_ascii=False) + "\n")
    os.replace(tmp, args.out)
    print(f"{len(lines)} lines -> {args.out}")


if __name__ == "__main__":
    main()
