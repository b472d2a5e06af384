#!/usr/bin/env python3
"""Train a Llama-2 style SentencePiece BPE tokenizer and write it in both on-disk forms.

Trains with the sentencepiece library on corpus/train.txt (model_type bpe, byte_fallback,
split_digits, identity normalization, dummy prefix, whitespace kept, <unk>/<s>/</s> at
ids 0/1/2, no pad). Character coverage defaults to 0.998 rather than Llama's 0.99995:
with only 512 pieces (256 of them bytes) a higher coverage spends the vocabulary on the
corpus's rare Greek/Cyrillic/CJK/emoji characters and leaves almost no merges; at 0.998
those characters (and a few rare ASCII symbols) are byte-fallback tokens. Writes into
OUT (the tiny Llama checkpoint directory):

  tokenizer.model               the SentencePiece model
  tokenizer.json                the same tokenizer in Hugging Face's Llama ("legacy"
                                LlamaTokenizerFast) form, merges derived from the vocab as
                                transformers' SentencePiece converter does
  tokenizer_config.json         bos/eos/unk, add_bos_token, a small chat template
  expected_sentencepiece.jsonl  one {"ids", "decoded"} per line of tokenizer_test.txt:
                                sp.encode(line) without BOS, sp.decode(ids)

Checks: training twice gives byte-identical models; the pure-Python tokenizer.json
reference (tokenizer_json_ref.py) reproduces the SentencePiece ids and decoded text of
every test line and of 5,000 seeded random strings made of vocab pieces, runs of spaces,
tabs and characters outside the vocab. Deterministic (single thread, fixed seed, whole corpus, no sampling).

Usage:
  /usr/bin/python3 models/text/make_sentencepiece.py [--corpus models/text/corpus]
      [--out models/text/tiny_llama] [--vocab-size 512]
"""
import argparse
import collections
import io
import json
import os
import random
import time

import sentencepiece as spm

from tokenizer_json_ref import Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 1234
SPECIALS = ("<unk>", "<s>", "</s>")  # ids 0, 1, 2
FUZZ_STRINGS = 5000

TRAINER_OPTIONS = dict(
    model_type="bpe",
    byte_fallback=True,
    split_digits=True,
    normalization_rule_name="identity",
    add_dummy_prefix=True,
    remove_extra_whitespaces=False,
    allow_whitespace_only_pieces=True,
    unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
    unk_piece="<unk>", bos_piece="<s>", eos_piece="</s>",
    num_threads=1,
    input_sentence_size=0,          # use every sentence: no sampling
    shuffle_input_sentence=False,
    max_sentence_length=16384,
    minloglevel=2,
)

CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{{ '<|' + message['role'] + '|>\\n' + message['content'] + eos_token + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% endif %}"
)


def read_lines(path):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    assert text.endswith("\n"), path
    return text[:-1].split("\n")


def train(lines, vocab_size, coverage):
    """Serialized SentencePiece model proto (bytes)."""
    spm.set_random_generator_seed(SEED)
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(sentence_iterator=iter(lines), model_writer=out, vocab_size=vocab_size,
                                   character_coverage=coverage, **TRAINER_OPTIONS)
    return out.getvalue()


# --- Hugging Face form ----------------------------------------------------------------------------

def check_layout(sp):
    """Specials at 0..2, <0x00>..<0xFF> next, then normal pieces with strictly falling scores."""
    assert [sp.id_to_piece(i) for i in range(3)] == list(SPECIALS)
    assert sp.is_unknown(0) and sp.is_control(1) and sp.is_control(2)
    for b in range(256):
        assert sp.is_byte(3 + b) and sp.id_to_piece(3 + b) == "<0x%02X>" % b
    scores = [sp.get_score(i) for i in range(259, sp.get_piece_size())]
    assert all(a > b for a, b in zip(scores, scores[1:])), "scores do not fall with the id"
    assert all(" " not in sp.id_to_piece(i) for i in range(sp.get_piece_size()))


def hf_merges(vocab):
    """Merges as transformers' SentencePieceExtractor derives them for BPE models.

    Every piece is split at each position into two pieces that are both in the vocab;
    merges are ordered by the merged piece (its score, which falls with the id, so by
    id), then by (left id, right id). Byte and control pieces never split into two
    vocab pieces, so they contribute no merges.
    """
    merges = []
    for piece, piece_id in sorted(vocab.items(), key=lambda kv: kv[1]):
        local = [(piece[:i], piece[i:]) for i in range(1, len(piece))
                 if piece[:i] in vocab and piece[i:] in vocab]
        merges.extend(sorted(local, key=lambda lr: (vocab[lr[0]], vocab[lr[1]])))
    return ["%s %s" % lr for lr in merges]


def added_token(token_id, content):
    return {"id": token_id, "content": content, "single_word": False, "lstrip": False,
            "rstrip": False, "normalized": False, "special": True}


def tokenizer_json(sp):
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    bos = SPECIALS[1]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added_token(i, s) for i, s in enumerate(SPECIALS)],
        "normalizer": {"type": "Sequence", "normalizers": [
            {"type": "Prepend", "prepend": "▁"},
            {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
        "pre_tokenizer": None,
        "post_processor": {
            "type": "TemplateProcessing",
            "single": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"SpecialToken": {"id": bos, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                     {"SpecialToken": {"id": bos, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
            "special_tokens": {bos: {"id": bos, "ids": [1], "tokens": [bos]}}},
        "decoder": {"type": "Sequence", "decoders": [
            {"type": "Replace", "pattern": {"String": "▁"}, "content": " "},
            {"type": "ByteFallback"},
            {"type": "Fuse"},
            {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": SPECIALS[0],
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": True,
            "byte_fallback": True,
            "ignore_merges": False,
            "vocab": vocab,
            "merges": hf_merges(vocab)},
    }


def tokenizer_config(max_length):
    return {
        "add_bos_token": True,
        "add_eos_token": False,
        "added_tokens_decoder": {str(i): {k: v for k, v in added_token(i, s).items() if k != "id"}
                                 for i, s in enumerate(SPECIALS)},
        "bos_token": SPECIALS[1],
        "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": SPECIALS[2],
        "legacy": True,
        "model_max_length": max_length,
        "pad_token": None,
        "sp_model_kwargs": {},
        "tokenizer_class": "LlamaTokenizer",
        "unk_token": SPECIALS[0],
    }


def write_json(path, obj, indent=2):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=indent, ensure_ascii=False)
        f.write("\n")


# --- references and checks --------------------------------------------------------------------

def write_expected(sp, lines, path):
    """expected_sentencepiece.jsonl; returns the id lists."""
    all_ids = []
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        for line in lines:
            ids = sp.encode(line)
            all_ids.append(ids)
            rec = {"ids": ids, "decoded": sp.decode(ids)}
            f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
    return all_ids


def compare(sp, hf, lines, all_ids):
    """Counts of HF-reference vs SentencePiece disagreements, by kind; prints examples.

    A line holding a literal "▁" does not round-trip through either tokenizer (the
    character is the space marker and decodes to " "); those are counted separately.
    """
    problems = collections.Counter()
    for line, ids in zip(lines, all_ids):
        kinds = []
        if hf.encode(line) != ids:
            kinds.append("ids")
        if hf.decode(ids) != sp.decode(ids):
            kinds.append("decode")
        if sp.decode(ids) != line and "▁" not in line:
            kinds.append("round trip")
        for kind in kinds:
            if problems[kind] < 3:
                print("  %s differ: %r\n    sp %s\n    hf %s" % (
                    kind, line, sp.encode(line, out_type=str), hf.tokens(hf.encode(line))))
            problems[kind] += 1
    return problems


def fuzz(sp, hf, count, seed):
    """Mismatches on random strings built from vocab pieces, spaces, tabs and unseen characters."""
    rng = random.Random(seed)
    alphabet = [sp.id_to_piece(i).replace("▁", " ") for i in range(259, sp.get_piece_size())]
    alphabet += [" ", "  ", "\t", "é", "日", "🙂", "ß", "Ж", "<0x41>"]
    bad = 0
    for _ in range(count):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 24)))
        ids = sp.encode(text)
        bad += hf.encode(text) != ids or hf.decode(ids) != sp.decode(ids)
    return bad


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=os.path.join(HERE, "corpus"), help="directory of make_corpus.py's output")
    ap.add_argument("--out", default=os.path.join(HERE, "tiny_llama"), help="output directory")
    ap.add_argument("--vocab-size", type=int, default=512)
    ap.add_argument("--character-coverage", type=float, default=0.998,
                    help="share of corpus characters given their own piece; the rest fall back to bytes")
    ap.add_argument("--max-length", type=int, default=128, help="model_max_length in tokenizer_config.json")
    args = ap.parse_args()

    t0 = time.time()
    train_lines = read_lines(os.path.join(args.corpus, "train.txt"))
    test_lines = read_lines(os.path.join(args.corpus, "tokenizer_test.txt"))
    model = train(train_lines, args.vocab_size, args.character_coverage)
    if train(train_lines, args.vocab_size, args.character_coverage) != model:
        raise SystemExit("sentencepiece training is not deterministic")
    sp = spm.SentencePieceProcessor(model_proto=model)
    check_layout(sp)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "tokenizer.model"), "wb") as f:
        f.write(model)
    spec = tokenizer_json(sp)
    write_json(os.path.join(args.out, "tokenizer.json"), spec)
    write_json(os.path.join(args.out, "tokenizer_config.json"), tokenizer_config(args.max_length))
    all_ids = write_expected(sp, test_lines, os.path.join(args.out, "expected_sentencepiece.jsonl"))

    hf = Tokenizer.from_file(os.path.join(args.out, "tokenizer.json"))
    problems = compare(sp, hf, test_lines, all_ids)
    problems["random strings"] = fuzz(sp, hf, FUZZ_STRINGS, SEED)
    n_tokens = sum(map(len, all_ids))
    n_bytes = sum(len(l.encode("utf-8")) for l in test_lines)
    byte_tokens = sum(3 <= i < 259 for ids in all_ids for i in ids)
    print("vocab %d (%d merges), test lines %d: %d tokens, %.2f bytes/token, %d byte-fallback tokens" % (
        sp.get_piece_size(), len(spec["model"]["merges"]), len(test_lines), n_tokens, n_bytes / n_tokens,
        byte_tokens))
    print("tokenizer.json reference vs sentencepiece (%d test lines + %d random strings): %s" % (
        len(test_lines), FUZZ_STRINGS, {k: v for k, v in problems.items() if v} or "identical ids and decoding"))
    print("%d test line(s) hold a literal ▁ and decode with a space there (both tokenizers)" % sum(
        "▁" in l for l in test_lines))
    print("written to %s in %.1f s" % (args.out, time.time() - t0))
    if any(problems.values()):
        raise SystemExit("tokenizer.json does not reproduce sentencepiece")


if __name__ == "__main__":
    main()
