#!/usr/bin/env python3
"""Pure-Python reference for the subset of Hugging Face `tokenizer.json` used by the fixtures.

Follows the `tokenizers` library's semantics for the two BPE flavours of decoder LLMs:

  * SentencePiece-style BPE (Llama 2, "legacy"): normalizer Sequence[Prepend "▁",
    Replace " " -> "▁"], no pre-tokenizer, BPE with byte_fallback (<0xNN> pieces) and
    fuse_unk; decoder Sequence[Replace "▁" -> " ", ByteFallback, Fuse, Strip(" ", 1, 0)].
  * Byte-level BPE (GPT-2 / Llama 3 / Qwen2): pre-tokenizer Sequence[Split(regex,
    Isolated), ByteLevel(use_regex=false)], BPE with ignore_merges; decoder ByteLevel.

Encoding: added tokens are split out of the raw text first (leftmost, then longest
match), every other segment is normalized, pre-tokenized and run through the BPE model
(merges applied lowest rank first, ties to the leftmost pair, as `tokenizers`' word.rs
does). `add_special_tokens=True` applies a TemplateProcessing post-processor.
Anything outside this subset raises NotImplementedError.

Usage as a tool (one line per input line, ids space-separated):
  /usr/bin/python3 models/text/tokenizer_json_ref.py TOKENIZER_JSON < lines.txt
"""
import argparse
import heapq
import json
import sys


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable character map (as in its encoder.py)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) \
        + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_TO_CHAR = bytes_to_unicode()
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def _pattern(spec):
    """(is_regex, pattern) from a tokenizers Pattern {"String": s} / {"Regex": r}."""
    if "Regex" in spec:
        import regex  # Debian: python3-regex (needed for \\p{L} / \\p{N})
        return regex.compile(spec["Regex"])
    return spec["String"]


def _find_all(pattern, text):
    """(start, end) of the non-overlapping matches of a String or compiled Regex pattern."""
    if isinstance(pattern, str):
        out, i = [], text.find(pattern)
        while pattern and i >= 0:
            out.append((i, i + len(pattern)))
            i = text.find(pattern, i + len(pattern))
        return out
    return [m.span() for m in pattern.finditer(text) if m.end() > m.start()]


# --- normalizers and pre-tokenizers ----------------------------------------------------------

def normalize(spec, text):
    if spec is None or not text:
        return text
    kind = spec["type"]
    if kind == "Sequence":
        for sub in spec["normalizers"]:
            text = normalize(sub, text)
        return text
    if kind == "Prepend":
        return spec["prepend"] + text
    if kind == "Replace":
        pattern, out, last = _pattern(spec["pattern"]), [], 0
        for start, end in _find_all(pattern, text):
            out += [text[last:start], spec["content"]]
            last = end
        return "".join(out) + text[last:]
    if kind == "NFC":
        import unicodedata
        return unicodedata.normalize("NFC", text)
    raise NotImplementedError("normalizer %s" % kind)


def pre_tokenize(spec, pieces):
    """Apply a pre-tokenizer to a list of strings; returns the refined list."""
    if spec is None:
        return pieces
    kind = spec["type"]
    if kind == "Sequence":
        for sub in spec["pretokenizers"]:
            pieces = pre_tokenize(sub, pieces)
        return pieces
    if kind == "Split":
        if spec["behavior"] != "Isolated" or spec.get("invert"):
            raise NotImplementedError("Split behavior %s invert %s" % (spec["behavior"], spec.get("invert")))
        pattern = _pattern(spec["pattern"])
        out = []
        for piece in pieces:
            last = 0
            for start, end in _find_all(pattern, piece):
                out += [piece[last:start], piece[start:end]]
                last = end
            out.append(piece[last:])
        return [p for p in out if p]
    if kind == "ByteLevel":
        if spec.get("use_regex", True) or spec.get("add_prefix_space"):
            raise NotImplementedError("ByteLevel pre-tokenizer with use_regex/add_prefix_space")
        return ["".join(BYTE_TO_CHAR[b] for b in p.encode("utf-8")) for p in pieces]
    raise NotImplementedError("pre_tokenizer %s" % kind)


# --- BPE model -------------------------------------------------------------------------------------

class Bpe:
    """tokenizers' BPE model: vocab, ranked merges, byte_fallback, fuse_unk, ignore_merges."""

    def __init__(self, spec):
        if spec["type"] != "BPE" or spec.get("dropout") or spec.get("continuing_subword_prefix") \
                or spec.get("end_of_word_suffix"):
            raise NotImplementedError("model %s" % {k: v for k, v in spec.items() if k not in ("vocab", "merges")})
        self.vocab = spec["vocab"]
        self.byte_fallback = spec.get("byte_fallback", False)
        self.fuse_unk = spec.get("fuse_unk", False)
        self.ignore_merges = spec.get("ignore_merges", False)
        self.unk = self.vocab[spec["unk_token"]] if spec.get("unk_token") is not None else None
        self.merges = {}  # (left id, right id) -> (rank, merged id)
        for rank, merge in enumerate(spec["merges"]):
            left, right = merge.split(" ", 1) if isinstance(merge, str) else merge
            self.merges[(self.vocab[left], self.vocab[right])] = (rank, self.vocab[left + right])

    def _symbols(self, word):
        """Initial symbol ids: characters, else <0xNN> bytes (byte_fallback), else unk."""
        ids = []
        for ch in word:
            if ch in self.vocab:
                ids.append(self.vocab[ch])
                continue
            byte_ids = [self.vocab.get("<0x%02X>" % b) for b in ch.encode("utf-8")]
            if self.byte_fallback and None not in byte_ids:
                ids.extend(byte_ids)
            elif self.unk is None:
                raise KeyError("%r not in vocab and no unk_token" % ch)
            elif not (self.fuse_unk and ids and ids[-1] == self.unk):
                ids.append(self.unk)
        return ids

    def _merge_all(self, ids):
        """word.rs merge_all: pop the lowest (rank, position), skip stale entries."""
        sym = list(ids)
        nxt = list(range(1, len(sym))) + [-1]
        prv = list(range(-1, len(sym) - 1))
        alive = [True] * len(sym)
        heap = []
        for i in range(len(sym) - 1):
            m = self.merges.get((sym[i], sym[i + 1]))
            if m:
                heap.append((m[0], i, m[1]))
        heapq.heapify(heap)
        while heap:
            _, pos, new_id = heapq.heappop(heap)
            if not alive[pos] or nxt[pos] == -1:
                continue
            right = nxt[pos]
            m = self.merges.get((sym[pos], sym[right]))
            if m is None or m[1] != new_id:
                continue
            sym[pos] = new_id
            alive[right] = False
            nxt[pos] = nxt[right]
            if nxt[pos] != -1:
                prv[nxt[pos]] = pos
            for left, r in ((prv[pos], pos), (pos, nxt[pos])):
                if left != -1 and r != -1:
                    m = self.merges.get((sym[left], sym[r]))
                    if m:
                        heapq.heappush(heap, (m[0], left, m[1]))
        return [s for s, a in zip(sym, alive) if a]

    def tokenize(self, word):
        if self.ignore_merges and word in self.vocab:
            return [self.vocab[word]]
        return self._merge_all(self._symbols(word))


# --- decoders ------------------------------------------------------------------------------------------

def _byte_fallback(tokens):
    out, pending = [], []

    def flush():
        if pending:
            try:
                out.append(bytes(pending).decode("utf-8"))
            except UnicodeDecodeError:
                out.extend("\ufffd" for _ in pending)
            pending.clear()

    for tok in tokens:
        if len(tok) == 6 and tok.startswith("<0x") and tok.endswith(">") \
                and all(c in "0123456789abcdefABCDEF" for c in tok[3:5]):
            pending.append(int(tok[3:5], 16))
            continue
        flush()
        out.append(tok)
    flush()
    return out


def _strip(spec, tok):
    content, start, stop = spec["content"], spec["start"], spec["stop"]
    for _ in range(start):
        if tok.startswith(content):
            tok = tok[len(content):]
    for _ in range(stop):
        if tok.endswith(content):
            tok = tok[:-len(content)]
    return tok


def decode_tokens(spec, tokens):
    """Apply a decoder to a token list; returns a token list (joined by the caller)."""
    if spec is None:
        return [" ".join(tokens)]
    kind = spec["type"]
    if kind == "Sequence":
        for sub in spec["decoders"]:
            tokens = decode_tokens(sub, tokens)
        return tokens
    if kind == "Replace":
        pattern = spec["pattern"]["String"]
        return [t.replace(pattern, spec["content"]) for t in tokens]
    if kind == "ByteFallback":
        return _byte_fallback(tokens)
    if kind == "Fuse":
        return ["".join(tokens)]
    if kind == "Strip":
        return [_strip(spec, t) for t in tokens]
    if kind == "ByteLevel":  # a token with a character outside the map keeps its UTF-8 bytes
        data = b"".join(bytes(CHAR_TO_BYTE[c] for c in t) if all(c in CHAR_TO_BYTE for c in t)
                        else t.encode("utf-8") for t in tokens)
        return [data.decode("utf-8", errors="replace")]
    raise NotImplementedError("decoder %s" % kind)


# --- tokenizer -----------------------------------------------------------------------------------------

class Tokenizer:
    def __init__(self, spec):
        self.spec = spec
        self.model = Bpe(spec["model"])
        self.added = {t["content"]: t["id"] for t in spec.get("added_tokens", [])}
        self.special_ids = {t["id"] for t in spec.get("added_tokens", []) if t.get("special")}
        for t in spec.get("added_tokens", []):
            if t.get("normalized") or t.get("lstrip") or t.get("rstrip") or t.get("single_word"):
                raise NotImplementedError("added token options %r" % t)
        self.id_to_token = {i: tok for tok, i in self.model.vocab.items()}
        self.id_to_token.update((i, tok) for tok, i in self.added.items())

    @classmethod
    def from_file(cls, path):
        with open(path, encoding="utf-8") as f:
            return cls(json.load(f))

    def split_added(self, text):
        """[(segment, added id or None)]: leftmost match, longest on ties."""
        out, i, last = [], 0, 0
        while i < len(text):
            best = max((t for t in self.added if text.startswith(t, i)), key=len, default=None)
            if best is None:
                i += 1
                continue
            if last < i:
                out.append((text[last:i], None))
            out.append((best, self.added[best]))
            i = last = i + len(best)
        if last < len(text):
            out.append((text[last:], None))
        return out

    def encode(self, text, add_special_tokens=False):
        ids = []
        for segment, added_id in self.split_added(text):
            if added_id is not None:
                ids.append(added_id)
                continue
            words = pre_tokenize(self.spec.get("pre_tokenizer"), [normalize(self.spec.get("normalizer"), segment)])
            for word in words:
                if word:
                    ids.extend(self.model.tokenize(word))
        if add_special_tokens:
            ids = self.post_process(ids)
        return ids

    def post_process(self, ids):
        spec = self.spec.get("post_processor")
        steps = spec["processors"] if spec and spec["type"] == "Sequence" else [spec] if spec else []
        for step in steps:
            if step["type"] == "TemplateProcessing":
                out = []
                for item in step["single"]:
                    if "Sequence" in item:
                        out.extend(ids)
                    else:
                        out.extend(step["special_tokens"][item["SpecialToken"]["id"]]["ids"])
                ids = out
            elif step["type"] != "ByteLevel":
                raise NotImplementedError("post_processor %s" % step["type"])
        return ids

    def tokens(self, ids):
        return [self.id_to_token[i] for i in ids]

    def decode(self, ids, skip_special_tokens=False):
        toks = [self.id_to_token[i] for i in ids if not (skip_special_tokens and i in self.special_ids)]
        return "".join(decode_tokens(self.spec.get("decoder"), toks))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("tokenizer_json")
    ap.add_argument("--add-special-tokens", action="store_true", help="apply the post-processor")
    args = ap.parse_args()
    tok = Tokenizer.from_file(args.tokenizer_json)
    text = sys.stdin.buffer.read().decode("utf-8")
    for line in (text[:-1] if text.endswith("\n") else text).split("\n") if text else []:
        print(" ".join(map(str, tok.encode(line, args.add_special_tokens))))


if __name__ == "__main__":
    main()
