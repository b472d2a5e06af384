#!/usr/bin/env python3
"""Build a deterministic plain-text corpus for the tokenizer and tiny-LLM fixtures.

No downloads: the natural-language text is the docstrings and comments of the Python
standard library that ships with the interpreter (/usr/lib/python3.11/*.py on Debian 12),
read in sorted file order and split into one sentence per line. A few hundred seeded
synthetic lines are mixed in to exercise Unicode and whitespace handling: accented
Latin, combining marks, Greek, Cyrillic, CJK, emoji (4-byte, skin-tone modifiers, ZWJ
sequences, flags), digit runs, runs of spaces, tabs, leading and trailing spaces.

Every line is UTF-8 text without control characters other than TAB, so splitting a file
on '\\n' gives back the lines exactly. Writes

  OUT/train.txt            training lines (about 95%)
  OUT/heldout.txt          held-out lines: every 20th block of 50 consecutive lines
  OUT/tokenizer_test.txt   exactly 10,000 lines in seeded order: all synthetic lines plus a
                           seeded sample of the other lines of at most 160 characters
                           (train and held-out alike)
  OUT/manifest.json        source directory, interpreter version, counts and SHA-256s

The output depends only on the contents of the source directory (the same Debian
python3.11 package gives the same corpus). About five seconds.

Usage:
  /usr/bin/python3 models/text/make_corpus.py [--out models/text/corpus] [--src /usr/lib/python3.11]
"""
import argparse
import ast
import glob
import hashlib
import io
import json
import os
import random
import re
import sys
import time
import tokenize
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 1234
TEST_LINES = 10000
TEST_MAX_CHARS = 160        # tokenizer_test.txt samples corpus lines up to this length
HELDOUT_BLOCK = 50          # held-out lines come in blocks of this many consecutive lines
HELDOUT_EVERY = 20          # ... one block in this many (5%)
MIN_CHARS, MAX_CHARS, MIN_WORDS = 24, 400, 4
MIN_TEXT_RATIO = 0.8        # letters + spaces over all characters, for extracted lines
# Lines containing these would be split differently by tokenizers that match special
# tokens inside text (Hugging Face added tokens), so the corpus leaves them out.
RESERVED = ("<s>", "</s>", "<unk>", "<|")

# --- extraction from Python sources -------------------------------------------------

def docstrings(tree):
    """(line, text) for every module/class/function docstring."""
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    out = []
    for node in ast.walk(tree):
        if isinstance(node, kinds):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                out.append((node.body[0].lineno, doc))
    return out


def comments(source):
    """(line, text) for every block of comments on consecutive lines."""
    blocks, last = [], -2
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type != tokenize.COMMENT:
            continue
        text = tok.string.lstrip("#").strip()
        line = tok.start[0]
        if blocks and line == last + 1:
            blocks[-1][1].append(text)
        else:
            blocks.append((line, [text]))
        last = line
    return [(line, "\n".join(texts)) for line, texts in blocks]


def paragraphs(text):
    """Paragraphs of a docstring/comment as single-spaced strings; code-like lines dropped."""
    out, cur = [], []
    for raw in text.split("\n") + [""]:
        line = raw.strip()
        code_like = raw.startswith(("    ", "\t")) or line.startswith((">>>", "...", "$ "))
        if not line or code_like:
            if cur:
                out.append(" ".join(cur))
            cur = []
        else:
            cur.append(line)
    return out


SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(])")


def sentences(paragraph):
    return [s.strip() for s in SENTENCE_END.split(paragraph)]


def is_natural(line):
    if not MIN_CHARS <= len(line) <= MAX_CHARS or len(line.split()) < MIN_WORDS:
        return False
    text = sum(ch.isalpha() or ch == " " for ch in line)
    return text >= MIN_TEXT_RATIO * len(line)


def extract_file(path):
    """Natural-language lines of one source file, in source order."""
    with open(path, "rb") as f:
        source = f.read().decode("utf-8")
    try:
        items = docstrings(ast.parse(source)) + comments(source)
    except (SyntaxError, tokenize.TokenError):
        return []
    lines = []
    for _, text in sorted(items):
        for para in paragraphs(text):
            lines.extend(s for s in sentences(para) if is_natural(s))
    return lines


# --- synthetic Unicode lines -----------------------------------------------------------

POOLS = {
    "english": "the quick brown fox jumps over lazy dog data model value returns list string "
               "file number token text line byte space word".split(),
    "latin": "café naïve über señor façade crème brûlée Zürich año São Paulo smörgåsbord Ångström "
             "résumé Dvořák Łódź Straße jalapeño piñata élan Müller Björk garçon Ærøskøbing".split(),
    "combining": ["e\u0301te\u0301", "n\u0303o", "a\u0308rger", "o\u0302te"],
    "greek": "Καλημέρα κόσμε αλφάβητο Ελλάδα φιλοσοφία λόγος θάλασσα ψυχή ωραίο Ωμέγα".split(),
    "cyrillic": "Привет мир съешь же ещё этих мягких французских булок Москва язык ёлка".split(),
    "cjk": "日本語 東京 漢字 中文 你好 世界 学习 한국어 안녕하세요 ひらがな カタカナ 汉字测试".split(),
    "emoji": ["🙂", "😀", "🚀", "👍", "👍🏽", "❤️", "🇯🇵", "👨\u200d👩\u200d👧", "🐍", "✨", "☕",
              "🎉", "🤖", "🌍", "⚡", "🔥", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "𐍈"],
    "symbols": ["€", "£", "¥", "©", "°C", "±", "→", "≤", "∑", "√", "∞", "“quoted”", "«guillemets»",
                "—", "…", "½", "µs", "×"],
}
SEPARATORS = [" "] * 6 + ["  ", "   ", "\t", " \t ", ", ", " - "]

HANDMADE = [
    " ", "   ", "\t", "a", "1", "é", "日", "🙂", "<0x41> is not a byte token", "<0xFF><0x00>",
    "▁ marks a word start ▁▁", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "a                b", "don't can't won't it's we're they've I'm you'll he'd",
    "DON'T SHOUT, it'S fine", "HELLO World hElLo", "12345678901234567890",
    "3.14159 2.71828 1.41421", "1,234,567.89 and 0.000001", "x=1; y=2; z=x+y",
    "https://example.com/path?q=1&r=2#frag", "name@example.com wrote:",
    "tabs\tand\tmore\t\ttabs", "\tleading tab", "trailing tab\t", "  two leading spaces",
    "two trailing spaces  ", "   mixed \t whitespace \t ", "line with\u00a0no-break\u00a0spaces",
    "Ünïcödé ïs fün", "ελληνικά και English", "Русский текст with English",
    "日本語とEnglishの混在テキスト", "emoji🙂inside🚀words", "🙂🙂🙂🙂🙂", "👨\u200d👩\u200d👧 family",
    "flags 🇯🇵🇫🇷🇧🇷", "(((nested))) [[brackets]] {{braces}}", "--- *** ___ ...",
]


def digit_run(rng):
    kind = rng.randrange(4)
    if kind == 0:
        return "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 20)))
    if kind == 1:
        return "%d.%0*d" % (rng.randrange(1000), rng.randint(1, 6), rng.randrange(10 ** 6) % 10 ** 6)
    if kind == 2:
        return "%04d-%02d-%02d" % (rng.randint(1900, 2099), rng.randint(1, 12), rng.randint(1, 28))
    return "{:,}".format(rng.randrange(10 ** rng.randint(4, 10)))


def synthetic_line(rng):
    pools = list(POOLS) + ["digits"]
    focus = rng.sample(pools, rng.randint(1, 3))
    words = []
    for _ in range(rng.randint(3, 12)):
        pool = rng.choice(focus)
        words.append(digit_run(rng) if pool == "digits" else rng.choice(POOLS[pool]))
    line = words[0]
    for w in words[1:]:
        line += rng.choice(SEPARATORS) + w
    if rng.random() < 0.15:
        line = rng.choice([" ", "  ", "\t", "    "]) + line
    if rng.random() < 0.15:
        line += rng.choice([" ", "  ", "\t", " \t"])
    return line


def synthetic_lines(count, seed):
    rng = random.Random(seed)
    lines = list(HANDMADE)
    while len(lines) < len(HANDMADE) + count:
        lines.append(synthetic_line(rng))
    return lines


# --- assembly -------------------------------------------------------------------------------

def clean(line):
    """Drop control characters (all but TAB) and Unicode line/paragraph separators."""
    return "".join(ch for ch in line if ch == "\t" or unicodedata.category(ch) not in ("Cc", "Zl", "Zp"))


def dedupe(lines):
    seen, out = set(), []
    for line in lines:
        if line and line not in seen and not any(r in line for r in RESERVED):
            seen.add(line)
            out.append(line)
    return out


def interleave(base, extra):
    """Spread `extra` evenly through `base` (deterministic)."""
    out, positions = [], {}
    for i, line in enumerate(extra):
        positions.setdefault((2 * i + 1) * len(base) // (2 * len(extra)), []).append(line)
    for i, line in enumerate(base):
        out.extend(positions.pop(i, []))
        out.append(line)
    for rest in positions.values():
        out.extend(rest)
    return out


def split_heldout(lines):
    train, heldout = [], []
    for i, line in enumerate(lines):
        block = i // HELDOUT_BLOCK
        (heldout if block % HELDOUT_EVERY == HELDOUT_EVERY // 2 else train).append(line)
    return train, heldout


def tokenizer_test(lines, synthetic, seed):
    """TEST_LINES lines: every synthetic line plus a seeded sample of short corpus lines."""
    synth = set(synthetic)
    pool = [l for l in lines if l not in synth and len(l) <= TEST_MAX_CHARS]
    rng = random.Random(seed + 1)
    chosen = [l for l in lines if l in synth] + rng.sample(pool, TEST_LINES - len(synth))
    rng.shuffle(chosen)
    return chosen


def write_lines(path, lines):
    data = "".join(l + "\n" for l in lines).encode("utf-8")
    with open(path, "wb") as f:
        f.write(data)
    return hashlib.sha256(data).hexdigest(), len(data)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"), help="output directory")
    ap.add_argument("--src", default="/usr/lib/python3.11", help="directory of *.py sources")
    ap.add_argument("--synthetic", type=int, default=300, help="number of random synthetic lines")
    args = ap.parse_args()

    t0 = time.time()
    files = sorted(glob.glob(os.path.join(args.src, "*.py")))
    if not files:
        raise SystemExit("no *.py files in %s" % args.src)
    extracted = dedupe(clean(l) for path in files for l in extract_file(path))
    synthetic = dedupe(clean(l) for l in synthetic_lines(args.synthetic, SEED))
    synthetic_set = set(synthetic)
    extracted = [l for l in extracted if l not in synthetic_set]
    lines = interleave(extracted, synthetic)
    for line in lines:
        assert "\n" not in line and line.splitlines() == [line], repr(line)
    train, heldout = split_heldout(lines)
    test = tokenizer_test(lines, synthetic, SEED)

    os.makedirs(args.out, exist_ok=True)
    manifest = {"source": args.src, "source_files": len(files), "python": sys.version.split()[0],
                "extracted_lines": len(extracted), "synthetic_lines": len(synthetic), "files": {}}
    for name, part in (("train.txt", train), ("heldout.txt", heldout), ("tokenizer_test.txt", test)):
        digest, size = write_lines(os.path.join(args.out, name), part)
        manifest["files"][name] = {"lines": len(part), "bytes": size, "sha256": digest}
        print("%-20s %7d lines %9d bytes" % (name, len(part), size))
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    print("%d source files -> %d extracted + %d synthetic lines in %.1f s" % (
        len(files), len(extracted), len(synthetic), time.time() - t0))


if __name__ == "__main__":
    main()
