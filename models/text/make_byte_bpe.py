#!/usr/bin/env python3
"""Train a small GPT-2 / Llama-3 / Qwen2 style byte-level BPE tokenizer and its references.

Pre-tokenizes corpus/train.txt line by line with Llama 3's split regex, maps every byte
to GPT-2's printable stand-in (bytes_to_unicode) and learns MERGES merges over the 256
byte symbols (most frequent adjacent pair first, ties to the smaller pair). Writes OUT/

  tokenizer.json          Hugging Face form: Split(regex, Isolated) + ByteLevel(use_regex
                          false) pre-tokenizer, BPE (ignore_merges, no byte_fallback, merges
                          as "left right" strings), ByteLevel decoder, Llama 3 special
                          tokens right after the vocab
  tokenizer_config.json   bos/eos and a Llama 3 style chat template
  expected_byte_bpe.jsonl {"ids", "decoded"} for the first 2,000 lines of tokenizer_test.txt
                          (no BOS), from the pure-Python reference (tokenizer_json_ref.py)
  byte_bpe_vectors.json   short strings with their tokens and ids, each checked by hand
                          against the merge list (the reasoning is in VECTORS below)

Checks: every one of the 10,000 test lines decodes back to itself; the hand-written
expectations match the reference encoder; re-running gives identical files.
Needs the `regex` module (Debian: python3-regex). A few seconds.

Usage:
  /usr/bin/python3 models/text/make_byte_bpe.py [--corpus models/text/corpus]
      [--out models/text/byte_bpe] [--merges 300]
"""
import argparse
import collections
import json
import os
import time

import regex

from tokenizer_json_ref import BYTE_TO_CHAR, Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
SPLIT_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
               r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIAL_TOKENS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>",
                  "<|start_header_id|>", "<|end_header_id|>"]
BOS, EOS = "<|begin_of_text|>", "<|eot_id|>"
EXPECTED_LINES = 2000

CHAT_TEMPLATE = (
    "{{ bos_token }}"
    "{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
)

# --- training --------------------------------------------------------------------------------

def word_counts(lines):
    """{byte-level word (tuple of symbols): count} over the regex pre-tokens of all lines."""
    split = regex.compile(SPLIT_REGEX)
    counts = collections.Counter(m.group() for line in lines for m in split.finditer(line))
    words = collections.Counter()
    for piece, n in counts.items():
        words[tuple(BYTE_TO_CHAR[b] for b in piece.encode("utf-8"))] += n
    return words


def pairs_of(word):
    return list(zip(word, word[1:]))


def merge_word(word, a, b):
    out, i = [], 0
    while i < len(word):
        if i + 1 < len(word) and word[i] == a and word[i + 1] == b:
            out.append(a + b)
            i += 2
        else:
            out.append(word[i])
            i += 1
    return tuple(out)


def train_bpe(words, num_merges):
    """Greedy BPE: [(left, right)] in merge order."""
    words = [list(w) for w in sorted(words.items())]  # [[symbols, count]], sorted for determinism
    pair_count = collections.Counter()
    where = collections.defaultdict(set)
    for idx, (word, n) in enumerate(words):
        for p in pairs_of(word):
            pair_count[p] += n
            where[p].add(idx)
    merges = []
    while len(merges) < num_merges and pair_count:
        best = min(pair_count.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        for idx in sorted(where.pop(best)):
            word, n = words[idx]
            for p in pairs_of(word):
                pair_count[p] -= n
                if pair_count[p] <= 0:
                    del pair_count[p]
            word = merge_word(word, *best)
            words[idx][0] = word
            for p in pairs_of(word):
                pair_count[p] += n
                where[p].add(idx)
    return merges


# --- Hugging Face files ------------------------------------------------------------------------

def tokenizer_json(merges):
    vocab = {BYTE_TO_CHAR[b]: i for i, b in enumerate(BYTE_TO_CHAR)}
    for a, b in merges:
        vocab[a + b] = len(vocab)
    added = [{"id": len(vocab) + i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for i, t in enumerate(SPECIAL_TOKENS)]
    bos_id = len(vocab) + SPECIAL_TOKENS.index(BOS)
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Split", "pattern": {"Regex": SPLIT_REGEX}, "behavior": "Isolated", "invert": False},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
        "post_processor": {"type": "Sequence", "processors": [
            {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
            {"type": "TemplateProcessing",
             "single": [{"SpecialToken": {"id": BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
             "pair": [{"SpecialToken": {"id": BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                      {"SpecialToken": {"id": BOS, "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
             "special_tokens": {BOS: {"id": BOS, "ids": [bos_id], "tokens": [BOS]}}}]},
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": None,
            "end_of_word_suffix": None,
            "fuse_unk": False,
            "byte_fallback": False,
            "ignore_merges": True,
            "vocab": vocab,
            "merges": ["%s %s" % m for m in merges]},
    }


def tokenizer_config(spec, max_length):
    return {
        "added_tokens_decoder": {str(t["id"]): {k: v for k, v in t.items() if k != "id"}
                                 for t in spec["added_tokens"]},
        "bos_token": BOS,
        "chat_template": CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": True,
        "eos_token": EOS,
        "model_input_names": ["input_ids", "attention_mask"],
        "model_max_length": max_length,
        "tokenizer_class": "PreTrainedTokenizerFast",
    }


def write_json(path, obj, indent=2):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=indent, ensure_ascii=False)
        f.write("\n")


def read_lines(path):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    assert text.endswith("\n"), path
    return text[:-1].split("\n")


# --- hand-checked vectors -------------------------------------------------------------------------

# (text, expected tokens, expected ids, why). Worked out by hand from the split regex, the
# byte map and the merge list of the default run (--merges 300 on the default corpus):
# "rank r" is line r (0-based) of "merges" in tokenizer.json and the merged token's id
# is 256 + r. Base ids follow bytes_to_unicode's order: bytes 33..126 are ids 0..93
# (id = byte - 33), 161..172 are 94..105, 174..255 are 106..187, and the rest (0..32,
# 127..160, 173) are 188..255 with stand-ins U+0100.. (space -> "Ġ" 220, tab -> "ĉ" 197,
# newline -> "Ċ" 198). Special tokens follow the 556-entry vocab: <|begin_of_text|> 556,
# <|end_of_text|> 557, <|eot_id|> 558, <|start_header_id|> 559, <|end_header_id|> 560.
VECTORS = [
    ("Hello world", ["H", "el", "lo", "Ġw", "or", "l", "d"], [39, 483, 338, 277, 265, 75, 67],
     "regex pieces 'Hello' (letters) and ' world' (one optional non-letter + letters). 'Hello': "
     "of the pairs H-e, e-l, l-l, l-o only 'l o' (rank 82) and 'e l' (rank 227) exist, lowest rank first. "
     "' world' = Ġ w o r l d: 'o r' (9) then 'Ġ w' (21); no merge joins Ġw+or, or+l or l+d."),
    ("don't", ["d", "on", "'t"], [67, 261, 470],
     "pieces 'don' (letters stop at the apostrophe) and the contraction \"'t\". 'don': 'o n' (5); "
     "no 'd o' / 'd on'. \"'t\" is itself a vocab token (\"' t\", rank 214)."),
    ("DON'T", ["D", "O", "N", "'", "T"], [35, 46, 45, 6, 51],
     "(?i:...) makes \"'T\" a contraction piece too: pieces 'DON' and \"'T\"; no merge uses capitals "
     "D/O/N or \"' T\", so every byte stays a token."),
    ("  two  spaces", ["Ġ", "Ġt", "w", "o", "Ġ", "Ġsp", "a", "c", "es"], [220, 256, 86, 78, 220, 469, 64, 66, 274],
     "\\s+(?!\\S) leaves the last space of a run to the next word: pieces ' ', ' two', ' ', ' spaces'. "
     "' two': 'Ġ t' (0), nothing joins Ġt/w/o. ' spaces': 'Ġ s' (7), 'e s' (18), then 'Ġs p' (213); "
     "'c e' (55) is stale once e belongs to 'es'."),
    ("tab\there", ["t", "a", "b", "ĉ", "he", "re"], [83, 64, 65, 197, 259, 260],
     "the tab is the optional non-letter before letters, so the pieces are 'tab' and '\\there'. 'tab': "
     "no merge (no 't a', 'a b'). 'ĉhere': 'h e' (3), 'r e' (4); 'he r' (119) is stale because r is "
     "already in 're', and no 'he re' exists."),
    ("line\n\nbreak", ["l", "ine", "Ċ", "Ċ", "b", "re", "a", "k"], [75, 389, 198, 198, 65, 260, 64, 74],
     "pieces 'line', '\\n\\n' (\\s*[\\r\\n]+), 'break'. 'line': 'i n' (2) then 'in e' (133); 'l ine' is "
     "not a merge (only 'Ġl ine'). Newlines never merge. 'break': 'r e' (4); no 'b r', 'b re', 're a', 'a k'."),
    ("123456", ["1", "2", "3", "4", "5", "6"], [16, 17, 18, 19, 20, 21],
     "\\p{N}{1,3} splits the digits into '123' and '456'; the merge list has no digit pairs."),
    ("héllo", ["h", "Ã", "©", "l", "lo"], [71, 127, 102, 75, 338],
     "one letter piece; é is bytes C3 A9, stand-ins 'Ã' (id 106 + 0xC3 - 174 = 127) and '©' "
     "(94 + 0xA9 - 161 = 102). Only 'l o' (82) applies."),
    ("日本語", ["æ", "Ĺ", "¥", "æ", "ľ", "¬", "è", "ª", "ŀ"], [162, 245, 98, 162, 250, 105, 164, 103, 252],
     "one letter piece of 9 UTF-8 bytes E6 97 A5 E6 9C AC E8 AA 9E; 0x97/0x9C/0x9E are in the "
     "remapped range (ids 188 + 33 + byte - 127 = 245/250/252); no merge involves these bytes."),
    ("🙂 ok", ["ð", "Ł", "Ļ", "Ĥ", "Ġo", "k"], [172, 253, 247, 224, 271, 74],
     "the emoji (F0 9F 99 82) is a ' ?[^\\s\\p{L}\\p{N}]+' piece, then ' ok'. No merge on the emoji "
     "bytes; ' ok': 'Ġ o' (15), no 'Ġo k' / 'o k'."),
    ("<|begin_of_text|>hi<|eot_id|>", ["<|begin_of_text|>", "h", "i", "<|eot_id|>"], [556, 71, 72, 558],
     "special tokens are split out before the regex; 'hi' has no 'h i' merge."),
    ("x  ", ["x", "ĠĠ"], [87, 392],
     "trailing spaces: \\s+(?!\\S) takes both at the end of the text; 'ĠĠ' is a vocab token ('Ġ Ġ', rank 136)."),
    ("f(x).", ["f", "(", "x", ")."], [69, 7, 87, 467],
     "pieces 'f', '(x' (the '(' is the optional non-letter before letters) and ').' (punctuation run); "
     "no '( x' merge; ') .' is rank 211."),
    ("Return the file", ["Return", "Ġthe", "Ġfile"], [397, 262, 348],
     "multi-step merges. 'Return': 'e t' (34), 'u r' (39), 'ur n' (64), 'R et' (140), 'Ret urn' (141) "
     "('t urn' is never reachable: t is already in 'et'). ' the': 'Ġ t' (0), 'h e' (3), 'Ġt he' (6) "
     "('Ġt h' (41) goes stale). ' file': 'Ġ f' (13), 'l e' (14), 'i le' (63), 'Ġf ile' (92)."),
]

# ignore_merges never changes the output of the trained tokenizer above: a greedy BPE
# trainer only creates tokens that its own merges reach. This hand-made tokenizer shows
# the difference: "abc" is a vocab token, but by merge rank 'b c' (0) fires first and no
# 'a bc' merge exists, so plain BPE gives a + bc; with ignore_merges the whole pre-token
# "abc" is looked up first. "abcabc" is not in the vocab, so BPE runs either way.
IGNORE_MERGES_DEMO = {
    "vocab": {"a": 0, "b": 1, "c": 2, "bc": 3, "ab": 4, "abc": 5},
    "merges": ["b c", "a b", "ab c"],
    "cases": [{"text": "abc", "ignore_merges": [5], "bpe": [0, 3]},
              {"text": "abcabc", "ignore_merges": [0, 3, 0, 3], "bpe": [0, 3, 0, 3]}],
}


def demo_tokenizer(ignore_merges):
    spec = tokenizer_json([])
    spec["model"].update(vocab=IGNORE_MERGES_DEMO["vocab"], merges=IGNORE_MERGES_DEMO["merges"],
                         ignore_merges=ignore_merges)
    spec["added_tokens"] = []
    spec["post_processor"] = None
    return spec


def check_ignore_merges_demo():
    for flag, key in ((True, "ignore_merges"), (False, "bpe")):
        tok = Tokenizer(demo_tokenizer(flag))
        for case in IGNORE_MERGES_DEMO["cases"]:
            if tok.encode(case["text"]) != case[key]:
                raise SystemExit("ignore_merges demo %r (%s) gives %s" % (case["text"], key, tok.encode(case["text"])))
    return dict(IGNORE_MERGES_DEMO, tokenizer_json=demo_tokenizer(True))


def check_vectors(tok, vectors):
    out = []
    for text, tokens, ids, why in vectors:
        got = tok.encode(text)
        if tok.tokens(got) != tokens or got != ids:
            raise SystemExit("vector %r: expected %s %s, reference gives %s %s" % (
                text, tokens, ids, tok.tokens(got), got))
        assert tok.decode(got) == text
        pieces = [p for seg, added in tok.split_added(text) for p in
                  ([seg] if added is not None else [m.group() for m in regex.finditer(SPLIT_REGEX, seg)])]
        out.append({"text": text, "pre_tokens": pieces, "tokens": tokens, "ids": ids, "why": why})
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=os.path.join(HERE, "corpus"), help="directory of make_corpus.py's output")
    ap.add_argument("--out", default=os.path.join(HERE, "byte_bpe"), help="output directory")
    ap.add_argument("--merges", type=int, default=300, help="number of merges over the 256 byte symbols")
    ap.add_argument("--max-length", type=int, default=128, help="model_max_length in tokenizer_config.json")
    args = ap.parse_args()

    t0 = time.time()
    merges = train_bpe(word_counts(read_lines(os.path.join(args.corpus, "train.txt"))), args.merges)
    spec = tokenizer_json(merges)
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "tokenizer.json"), spec)
    write_json(os.path.join(args.out, "tokenizer_config.json"), tokenizer_config(spec, args.max_length))

    tok = Tokenizer.from_file(os.path.join(args.out, "tokenizer.json"))
    test_lines = read_lines(os.path.join(args.corpus, "tokenizer_test.txt"))
    n_tokens = n_bytes = 0
    with open(os.path.join(args.out, "expected_byte_bpe.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for i, line in enumerate(test_lines):
            ids = tok.encode(line)
            decoded = tok.decode(ids)
            if decoded != line:
                raise SystemExit("line %d does not round-trip: %r -> %r" % (i, line, decoded))
            n_tokens += len(ids)
            n_bytes += len(line.encode("utf-8"))
            if i < EXPECTED_LINES:
                f.write(json.dumps({"ids": ids, "decoded": decoded}, ensure_ascii=False, separators=(",", ":")) + "\n")
    default_run = args.merges == 300 and args.corpus == os.path.join(HERE, "corpus")
    vectors = check_vectors(tok, VECTORS) if default_run else []
    if vectors:
        write_json(os.path.join(args.out, "byte_bpe_vectors.json"),
                   {"vectors": vectors, "ignore_merges_demo": check_ignore_merges_demo()})
    print("vocab %d + %d special tokens, %d merges; %d test lines round-trip, %.2f bytes/token" % (
        len(spec["model"]["vocab"]), len(SPECIAL_TOKENS), len(merges), len(test_lines), n_bytes / n_tokens))
    print("%d hand-checked vectors; written to %s in %.1f s" % (len(vectors), args.out, time.time() - t0))


if __name__ == "__main__":
    main()
