#!/usr/bin/env python3
"""Train a tiny LlamaForCausalLM on the corpus and write it as a Hugging Face checkpoint.

Plain PyTorch on CPU. The model is the Llama of ../hf/make_hf_fixtures.py (its config
helper, reference `forward` and safetensors writer are imported from there): hidden 128,
4 layers, 4 heads / 2 KV heads (head_dim 32), SwiGLU FFN 352, RMSNorm eps 1e-5, RoPE theta
1e4, untied embeddings, vocab 512 from the SentencePiece tokenizer (make_sentencepiece.py).
Training uses a batched forward with the same math, checked against the reference
`forward` to 1e-5 before training and on the trained weights.

Data: every train.txt line encoded as [<s>] + ids, concatenated; batches of random
129-token windows (seeded), 16 per step. AdamW, warm-up then cosine decay, gradient
clipping, two torch threads. The step count bounds training (500 steps, about 1M tokens:
~4 minutes on two idle cores, longer on a busy machine), so re-runs give bit-identical
weights on the same machine (the embedding gradient is computed as a matmul because
indexing's backward accumulates in a run-dependent order). Another thread count, CPU or
BLAS build changes the last bits (one thread: perplexity equal to 3 decimals, different
bytes). --time-limit only guards against very slow machines; when it cuts training
short the result is not reproducible (the script says so).

Writes into OUT (next to the tokenizer files written by make_sentencepiece.py):
  config.json, generation_config.json   HF LlamaConfig fields, torch_dtype float16
  model.safetensors                      float16 weights, HF tensor names
  heldout_tokens.npy                     int32: heldout.txt lines as [<s>] + ids,
                                         concatenated, first 4097 tokens
  heldout_perplexity.json                float32 perplexity of the float16 weights on
                                         those tokens (windowing defined in the file),
                                         per-window NLL sums, unigram baseline

Usage:
  /usr/bin/python3 models/text/train_tiny_llama.py [--corpus models/text/corpus]
      [--out models/text/tiny_llama] [--steps 500] [--time-limit 1800]
"""
import argparse
import collections
import json
import math
import os
import shutil
import sys
import time

import numpy as np
import sentencepiece as spm
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hf"))
import make_hf_fixtures as hf  # noqa: E402

SEED = 1234
CONTEXT = 128
HELDOUT_TOKENS = 32 * CONTEXT + 1   # 32 windows of 128 targets
BOS, EOS = 1, 2
TOKENIZER_FILES = ("tokenizer.model", "tokenizer.json", "tokenizer_config.json")


def model_config(vocab_size):
    return hf.llama_config(
        hidden_size=128, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
        head_dim=32, intermediate_size=352, max_position_embeddings=CONTEXT, rms_norm_eps=1e-05,
        rope_theta=10000.0, tie_word_embeddings=False, vocab_size=vocab_size, torch_dtype="float16",
        bos_token_id=BOS, eos_token_id=EOS)


def init_weights(config, seed):
    """Float32 HF-named weights: N(0, 0.02), residual outputs scaled by 1/sqrt(2 layers), norms 1."""
    g = torch.Generator().manual_seed(seed)
    hid, inter, vocab = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    d = hf.head_dim(config)
    q_dim, kv_dim = config["num_attention_heads"] * d, config["num_key_value_heads"] * d
    std, resid_std = 0.02, 0.02 / math.sqrt(2 * config["num_hidden_layers"])

    def normal(*shape, s=std):
        return torch.randn(*shape, generator=g) * s

    w = {"model.embed_tokens.weight": normal(vocab, hid)}
    for i in range(config["num_hidden_layers"]):
        p = "model.layers.%d." % i
        w[p + "self_attn.q_proj.weight"] = normal(q_dim, hid)
        w[p + "self_attn.k_proj.weight"] = normal(kv_dim, hid)
        w[p + "self_attn.v_proj.weight"] = normal(kv_dim, hid)
        w[p + "self_attn.o_proj.weight"] = normal(hid, q_dim, s=resid_std)
        w[p + "mlp.gate_proj.weight"] = normal(inter, hid)
        w[p + "mlp.up_proj.weight"] = normal(inter, hid)
        w[p + "mlp.down_proj.weight"] = normal(hid, inter, s=resid_std)
        w[p + "input_layernorm.weight"] = torch.ones(hid)
        w[p + "post_attention_layernorm.weight"] = torch.ones(hid)
    w["model.norm.weight"] = torch.ones(hid)
    w["lm_head.weight"] = normal(vocab, hid)
    return w


# --- batched training forward (same math as hf.forward) ----------------------------------------------

def attention_batch(w, config, prefix, x, cos, sin, mask):
    """Causal self-attention of x [B, T, hidden] with HF's GQA, RoPE and eager softmax."""
    n_heads, n_kv, d = config["num_attention_heads"], config["num_key_value_heads"], hf.head_dim(config)
    b, t, _ = x.shape
    q = hf.linear(w, prefix + ".q_proj", x).view(b, t, n_heads, d).transpose(1, 2)  # [B, H, T, d]
    k = hf.linear(w, prefix + ".k_proj", x).view(b, t, n_kv, d).transpose(1, 2)
    v = hf.linear(w, prefix + ".v_proj", x).view(b, t, n_kv, d).transpose(1, 2)
    q = q * cos + hf.rotate_half(q) * sin
    k = k * cos + hf.rotate_half(k) * sin
    k = k.repeat_interleave(n_heads // n_kv, dim=1)
    v = v.repeat_interleave(n_heads // n_kv, dim=1)
    scores = torch.matmul(q, k.transpose(2, 3)) * d ** -0.5
    probs = torch.softmax(scores.masked_fill(mask, float("-inf")), dim=-1)
    out = torch.matmul(probs, v).transpose(1, 2).reshape(b, t, n_heads * d)
    return hf.linear(w, prefix + ".o_proj", out)


def forward_batch(w, config, ids):
    """Logits [B, T, vocab] for ids [B, T] (positions 0..T-1), differentiable."""
    t = ids.shape[1]
    eps = config["rms_norm_eps"]
    cos, sin = hf.rope_cos_sin(config, torch.arange(t))
    mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
    # Embedding lookup as a one-hot product: the same values as indexing, but its gradient
    # is a matmul, whereas indexing's backward accumulates in a thread-dependent order.
    embed = w["model.embed_tokens.weight"]
    x = torch.matmul(F.one_hot(ids, embed.shape[0]).to(embed.dtype), embed)
    for i in range(config["num_hidden_layers"]):
        p = "model.layers.%d" % i
        h = hf.rms_norm(x, w[p + ".input_layernorm.weight"], eps)
        x = x + attention_batch(w, config, p + ".self_attn", h, cos, sin, mask)
        h = hf.rms_norm(x, w[p + ".post_attention_layernorm.weight"], eps)
        x = x + hf.mlp(w, p + ".mlp", h)
    x = hf.rms_norm(x, w["model.norm.weight"], eps)
    return F.linear(x, w["lm_head.weight"])


def check_forward(w, config, ids, tol=1e-5):
    """Max |batched - reference| over the logits of a few sequences; raises above tol."""
    with torch.no_grad():
        batched = forward_batch(w, config, ids)
        diff = max(float((batched[i] - hf.forward(w, config, ids[i])).abs().max()) for i in range(ids.shape[0]))
    if diff > tol:
        raise SystemExit("training forward differs from make_hf_fixtures.forward by %.2e" % diff)
    return diff


# --- data ------------------------------------------------------------------------------------------------

def read_lines(path):
    with open(path, encoding="utf-8", newline="") as f:
        text = f.read()
    return text[:-1].split("\n")


def token_stream(sp, lines):
    out = []
    for ids in sp.encode(lines):
        out.append(BOS)
        out.extend(ids)
    return torch.tensor(out, dtype=torch.int64)


def batches(stream, batch, gen):
    """Endless random windows [batch, CONTEXT + 1] of the token stream."""
    while True:
        starts = torch.randint(0, len(stream) - CONTEXT - 1, (batch,), generator=gen)
        yield torch.stack([stream[s:s + CONTEXT + 1] for s in starts.tolist()])


# --- training ------------------------------------------------------------------------------------------

def lr_at(step, steps, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = (step - warmup) / max(1, steps - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train(w, config, stream, args):
    """Trains w in place; returns (steps done, loss history [(step, mean loss)], stopped by time)."""
    params = list(w.values())
    for p in params:
        p.requires_grad_(True)
    decay = [p for p in params if p.dim() == 2]
    no_decay = [p for p in params if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    data = batches(stream, args.batch, torch.Generator().manual_seed(SEED))
    history, window, t0 = [], [], time.time()
    step = 0
    for step in range(args.steps):
        if args.time_limit and time.time() - t0 > args.time_limit:
            return step, history, True
        for group in opt.param_groups:
            group["lr"] = lr_at(step, args.steps, args.lr, args.warmup)
        chunk = next(data)
        logits = forward_batch(w, config, chunk[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), chunk[:, 1:].reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        window.append(float(loss))
        if (step + 1) % args.log_every == 0 or step + 1 == args.steps:
            history.append((step + 1, sum(window) / len(window)))
            print("step %5d  loss %.4f  lr %.2e  %.0f s" % (step + 1, history[-1][1], opt.param_groups[0]["lr"],
                                                          time.time() - t0), flush=True)
            window = []
    for p in params:
        p.requires_grad_(False)
    return args.steps, history, False


# --- evaluation -------------------------------------------------------------------------------------------

def window_nll(weights, config, tokens):
    """Per-window NLL sums with hf.forward: windows start at 0, CONTEXT, 2*CONTEXT, ..."""
    out = []
    with torch.no_grad():
        for s in range(0, len(tokens) - 1, CONTEXT):
            inp = tokens[s:s + CONTEXT]
            tgt = tokens[s + 1:s + CONTEXT + 1]
            logits = hf.forward(weights, config, inp[:len(tgt)])
            out.append(float(F.cross_entropy(logits, tgt, reduction="sum")))
    return out


def unigram_nll(stream, tokens, vocab):
    """Mean NLL of tokens[1:] under the add-one smoothed unigram distribution of stream."""
    counts = collections.Counter(stream.tolist())
    total = len(stream) + vocab
    return -sum(math.log((counts[t] + 1) / total) for t in tokens[1:].tolist()) / (len(tokens) - 1)


def greedy_text(sp, weights, config, prompt, steps=24):
    ids = [BOS] + sp.encode(prompt)
    tokens, _ = hf.greedy_decode(weights, config, torch.tensor(ids), steps)
    return sp.decode(ids[1:] + tokens.tolist())


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=os.path.join(HERE, "corpus"), help="directory of make_corpus.py's output")
    ap.add_argument("--out", default=os.path.join(HERE, "tiny_llama"), help="checkpoint directory")
    ap.add_argument("--tokenizer", default=None, help="directory with tokenizer.model/json/config (default: OUT)")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--time-limit", type=float, default=1800, help="seconds; 0 = none (see the module doc)")
    ap.add_argument("--log-every", type=int, default=50)
    args = ap.parse_args()

    torch.set_num_threads(2)
    torch.manual_seed(SEED)
    t0 = time.time()
    tok_dir = args.tokenizer or args.out
    os.makedirs(args.out, exist_ok=True)
    if os.path.abspath(tok_dir) != os.path.abspath(args.out):
        for name in TOKENIZER_FILES:
            shutil.copyfile(os.path.join(tok_dir, name), os.path.join(args.out, name))
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.out, "tokenizer.model"))
    config = model_config(sp.get_piece_size())
    stream = token_stream(sp, read_lines(os.path.join(args.corpus, "train.txt")))
    heldout = token_stream(sp, read_lines(os.path.join(args.corpus, "heldout.txt")))[:HELDOUT_TOKENS]
    assert len(heldout) == HELDOUT_TOKENS, "heldout.txt is too short"
    print("train stream %d tokens, heldout %d tokens" % (len(stream), len(heldout)))

    w = init_weights(config, SEED)
    diff_init = check_forward(w, config, stream[:3 * CONTEXT].view(3, CONTEXT))
    steps, history, cut = train(w, config, stream, args)
    diff_trained = check_forward(w, config, heldout[:2 * CONTEXT].view(2, CONTEXT))
    print("batched vs reference forward: %.1e (init), %.1e (trained)" % (diff_init, diff_trained))

    stored = {k: v.detach().to(torch.float16) for k, v in w.items()}
    hf.write_safetensors(os.path.join(args.out, "model.safetensors"), stored)
    write_json(os.path.join(args.out, "config.json"), config)
    write_json(os.path.join(args.out, "generation_config.json"), {"bos_token_id": BOS, "eos_token_id": EOS})
    np.save(os.path.join(args.out, "heldout_tokens.npy"), heldout.numpy().astype(np.int32))

    loaded_config, loaded = hf.load_checkpoint(args.out, strict=True)
    assert all(torch.equal(loaded[k], stored[k]) for k in stored) and loaded_config == config
    nll16 = window_nll(loaded, config, heldout)
    nll32 = window_nll(w, config, heldout)
    n_targets = len(heldout) - 1
    uni = unigram_nll(stream, heldout, config["vocab_size"])
    report = {
        "tokens_file": "heldout_tokens.npy",
        "tokens": "corpus/heldout.txt lines in order, each encoded as [<s>=1] + tokenizer.model ids (no EOS), "
                  "concatenated, first %d tokens" % len(heldout),
        "windowing": "non-overlapping windows of %d: for s = 0, %d, %d, ... (s < N - 1), input ids[s : s + %d], "
                     "targets ids[s + 1 : s + %d] (the last window may be shorter); each window is a fresh "
                     "context at positions 0.., so every token but the first is a target exactly once"
                     % (CONTEXT, CONTEXT, 2 * CONTEXT, CONTEXT, CONTEXT + 1),
        "weights": "model.safetensors (float16) widened to float32; float32 PyTorch forward "
                   "(models/hf/make_hf_fixtures.py forward)",
        "num_tokens": len(heldout),
        "num_windows": len(nll16),
        "num_targets": n_targets,
        "mean_nll": sum(nll16) / n_targets,
        "perplexity": math.exp(sum(nll16) / n_targets),
        "window_nll_sum": nll16,
        "perplexity_float32_weights": math.exp(sum(nll32) / n_targets),
        "unigram_perplexity": math.exp(uni),
        "unigram": "add-one smoothed unigram over the train.txt token stream (same encoding), same targets",
        "training": {"steps": steps, "batch": args.batch, "context": CONTEXT, "lr": args.lr,
                     "train_tokens": len(stream), "loss_history": [[s, round(l, 4)] for s, l in history]},
    }
    write_json(os.path.join(args.out, "heldout_perplexity.json"), report)
    print("held-out perplexity %.3f (float16 weights; %.3f before rounding), unigram baseline %.3f" % (
        report["perplexity"], report["perplexity_float32_weights"], report["unigram_perplexity"]))
    for prompt in ("Return the", "This module"):
        print("greedy: %r" % greedy_text(sp, loaded, config, prompt))
    if cut:
        print("WARNING: --time-limit stopped training after %d of %d steps; the result is not reproducible"
              % (steps, args.steps))
    print("written to %s in %.0f s" % (args.out, time.time() - t0))


if __name__ == "__main__":
    main()
