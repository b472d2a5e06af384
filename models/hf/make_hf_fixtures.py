#!/usr/bin/env python3
"""Generate tiny Hugging Face style decoder-LLM checkpoints plus PyTorch reference outputs.

No network and no `transformers`/`safetensors` packages: the safetensors files are
written by hand and the reference forward pass below follows Hugging Face's
modeling_llama.py / modeling_qwen2.py / modeling_mistral.py (eager attention) in
float32. For each case it writes

  DIR/<case>/config.json              HF config for the architecture
  DIR/<case>/model.safetensors        HF tensor names, F32/F16/BF16 storage
      (llama_sharded instead: model-0000{1,2}-of-00002.safetensors and
       model.safetensors.index.json)
  DIR/<case>/tokens.npy               int64 [12] prompt ids in [3, vocab)
  DIR/<case>/logits.npy               float32 [12, vocab] causal logits of the prompt
  DIR/<case>/greedy.npy               int64 [64] greedy continuation (argmax, no EOS stop)
  DIR/<case>/generated_logits.npy     float32 [64, vocab] logits that chose each greedy token
                                      (row 0 == logits.npy[-1])
  DIR/<case>/lora/adapter_config.json + adapter_model.safetensors
                                      (llama_tiny, qwen2_tiny) a PEFT LoRA adapter, r 4, alpha
                                      8, on q_proj, v_proj, gate_proj and down_proj
  DIR/<case>/lora/logits.npy          float32 [12, vocab] prompt logits with the adapter
                                      (W + alpha / r * B A)

All references are computed in float32 from the weights as stored (rounded to the
storage dtype, then widened back to float32). Greedy decoding uses a KV cache and
is checked against full recomputation; the written files are read back and compared
bit-exactly. Deterministic (fixed seeds); about a second on CPU.

Usage:
  /usr/bin/python3 models/hf/make_hf_fixtures.py --out DIR [--cases a,b,...] [--list]

Importable: forward(weights, config, ids) -> logits [T, vocab], load_checkpoint(dir),
read_safetensors(path), write_safetensors(path, tensors).
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

PROMPT_LEN = 12
DECODE_STEPS = 64
FIRST_TOKEN = 3  # ids 0..2 are reserved (pad/bos/eos)

# --- safetensors -------------------------------------------------------------

_ST_DTYPES = {  # torch dtype -> (safetensors name, little-endian numpy dtype of the raw bytes)
    torch.float32: ("F32", "<f4"),
    torch.float16: ("F16", "<f2"),
    torch.bfloat16: ("BF16", "<i2"),  # numpy has no bfloat16: move the raw 16-bit patterns
}
_ST_NAMES = {v[0]: (k, v[1]) for k, v in _ST_DTYPES.items()}


def _tensor_bytes(t):
    _, np_dtype = _ST_DTYPES[t.dtype]
    t = t.contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().astype(np_dtype, copy=False).tobytes()


def write_safetensors(path, tensors):
    """Write {name: tensor} (insertion order kept) in the safetensors format."""
    header = {"__metadata__": {"format": "pt"}}
    blobs, offset = [], 0
    for name, t in tensors.items():
        data = _tensor_bytes(t)
        header[name] = {"dtype": _ST_DTYPES[t.dtype][0], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(len(head).to_bytes(8, "little"))
        f.write(head)
        for data in blobs:
            f.write(data)
    return offset


def read_safetensors(path, strict=False):
    """Read a safetensors file into {name: tensor} in its stored dtype.

    strict=True also checks what this script's writer guarantees: header length a
    multiple of 8, tensors packed contiguously in header order, no trailing bytes.
    """
    with open(path, "rb") as f:
        raw = f.read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    data = raw[8 + n:]
    header.pop("__metadata__", None)
    tensors, expect = {}, 0
    for name, info in header.items():
        dtype, np_dtype = _ST_NAMES[info["dtype"]]
        begin, end = info["data_offsets"]
        count = int(np.prod(info["shape"], dtype=np.int64))
        if end - begin != count * np.dtype(np_dtype).itemsize or end > len(data):
            raise ValueError("%s: bad data_offsets for %s" % (path, name))
        if strict and begin != expect:
            raise ValueError("%s: %s not packed contiguously" % (path, name))
        expect = end
        arr = np.frombuffer(data[begin:end], dtype=np_dtype).astype(np_dtype[1:]).reshape(info["shape"])
        t = torch.from_numpy(arr.copy())
        tensors[name] = t.view(torch.bfloat16) if dtype == torch.bfloat16 else t
    if strict and (n % 8 or expect != len(data)):
        raise ValueError("%s: header not 8-aligned or trailing bytes" % path)
    return tensors


def write_sharded(out_dir, tensors, num_shards):
    """Split tensors (in order) over num_shards files plus model.safetensors.index.json."""
    names = list(tensors)
    per = -(-len(names) // num_shards)
    weight_map, total = {}, 0
    for s in range(num_shards):
        fname = "model-%05d-of-%05d.safetensors" % (s + 1, num_shards)
        chunk = {k: tensors[k] for k in names[s * per:(s + 1) * per]}
        total += write_safetensors(os.path.join(out_dir, fname), chunk)
        weight_map.update((k, fname) for k in chunk)
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
        json.dump(index, f, indent=2)
        f.write("\n")
    return sorted(set(weight_map.values()))


def load_checkpoint(model_dir, strict=False):
    """(config dict, {name: tensor}) from an HF directory, single file or sharded."""
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    index_path = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index_path):
        with open(index_path) as f:
            files = sorted(set(json.load(f)["weight_map"].values()))
    else:
        files = ["model.safetensors"]
    weights = {}
    for fname in files:
        weights.update(read_safetensors(os.path.join(model_dir, fname), strict))
    return config, weights


# --- reference forward (HF semantics, float32) ---------------------------------

def head_dim(config):
    return config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"]


def rope_inv_freq(config):
    """HF _compute_default_rope_parameters, plus _compute_llama3_parameters for llama3."""
    dim = head_dim(config)
    inv_freq = 1.0 / (config["rope_theta"] ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim))
    scaling = config.get("rope_scaling")
    rope_type = (scaling or {}).get("rope_type", (scaling or {}).get("type", "default"))
    if rope_type == "default":
        return inv_freq
    if rope_type != "llama3":
        raise NotImplementedError("rope_type %r" % rope_type)
    factor = scaling["factor"]
    low_freq_factor = scaling["low_freq_factor"]
    high_freq_factor = scaling["high_freq_factor"]
    old_context_len = scaling["original_max_position_embeddings"]
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    wavelen = 2 * math.pi / inv_freq
    inv_freq_llama = torch.where(wavelen > low_freq_wavelen, inv_freq / factor, inv_freq)
    smooth_factor = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
    smoothed_inv_freq = (1 - smooth_factor) * inv_freq_llama / factor + smooth_factor * inv_freq_llama
    is_medium_freq = ~(wavelen < high_freq_wavelen) * ~(wavelen > low_freq_wavelen)
    return torch.where(is_medium_freq, smoothed_inv_freq, inv_freq_llama)


def rope_cos_sin(config, positions):
    """cos, sin [T, head_dim] for integer positions [T] (HF: emb = cat(freqs, freqs))."""
    freqs = positions.float()[:, None] * rope_inv_freq(config)[None, :]
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1, x2 = x[..., :x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def rms_norm(x, weight, eps):
    x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps)
    return weight * x


def linear(w, name, x):
    """F.linear with `name.weight` [out, in] and optional `name.bias`."""
    return F.linear(x, w[name + ".weight"], w.get(name + ".bias"))


def attention(w, config, prefix, x, positions, kv):
    """Causal self-attention of x [T, hidden]; kv is this layer's [k, v] cache (updated)."""
    n_heads, n_kv, d = config["num_attention_heads"], config["num_key_value_heads"], head_dim(config)
    t = x.shape[0]
    q = linear(w, prefix + ".q_proj", x).view(t, n_heads, d).transpose(0, 1)  # [H, T, d]
    k = linear(w, prefix + ".k_proj", x).view(t, n_kv, d).transpose(0, 1)     # [KV, T, d]
    v = linear(w, prefix + ".v_proj", x).view(t, n_kv, d).transpose(0, 1)
    cos, sin = rope_cos_sin(config, positions)
    q = q * cos + rotate_half(q) * sin
    k = k * cos + rotate_half(k) * sin
    if kv:
        k, v = torch.cat((kv[0], k), dim=1), torch.cat((kv[1], v), dim=1)
    kv[:] = [k, v]
    k = k.repeat_interleave(n_heads // n_kv, dim=0)  # HF repeat_kv
    v = v.repeat_interleave(n_heads // n_kv, dim=0)
    scores = torch.matmul(q, k.transpose(1, 2)) * d ** -0.5  # [H, T, S]
    key_pos = torch.arange(k.shape[1])
    scores = scores.masked_fill(key_pos[None, :] > positions[:, None], float("-inf"))
    probs = torch.softmax(scores, dim=-1, dtype=torch.float32)
    out = torch.matmul(probs, v).transpose(0, 1).reshape(t, n_heads * d)
    return linear(w, prefix + ".o_proj", out)


def mlp(w, prefix, x):
    gate = F.silu(linear(w, prefix + ".gate_proj", x))
    return linear(w, prefix + ".down_proj", gate * linear(w, prefix + ".up_proj", x))


def forward(weights, config, ids, cache=None):
    """Logits [T, vocab] (float32) for token ids [T].

    weights: {HF name: tensor} in any float dtype (widened to float32);
    config: the HF config.json dict. With cache (a list, initially []), ids are
    positions len(past)..len(past)+T-1 and the per-layer K/V are appended to it.
    """
    w = {k: v.float() for k, v in weights.items()}
    eps = config["rms_norm_eps"]
    n_layers = config["num_hidden_layers"]
    if cache is None:
        cache = []
    while len(cache) < n_layers:
        cache.append([])
    past = cache[0][0].shape[1] if cache and cache[0] else 0
    positions = torch.arange(past, past + ids.shape[0])
    x = w["model.embed_tokens.weight"][ids]
    for i in range(n_layers):
        p = "model.layers.%d" % i
        h = rms_norm(x, w[p + ".input_layernorm.weight"], eps)
        x = x + attention(w, config, p + ".self_attn", h, positions, cache[i])
        h = rms_norm(x, w[p + ".post_attention_layernorm.weight"], eps)
        x = x + mlp(w, p + ".mlp", h)
    x = rms_norm(x, w["model.norm.weight"], eps)
    head = w["model.embed_tokens.weight"] if config.get("tie_word_embeddings") else w["lm_head.weight"]
    return F.linear(x, head)


def greedy_decode(weights, config, ids, steps, use_cache=True):
    """(tokens [steps] int64, logits [steps, vocab]) by argmax, never stopping at EOS."""
    seq = ids.clone()
    cache = [] if use_cache else None
    tokens, step_logits = [], []
    for step in range(steps):
        feed = seq[-1:] if use_cache and step else seq
        last = forward(weights, config, feed, cache)[-1]
        tokens.append(int(torch.argmax(last)))
        step_logits.append(last)
        seq = torch.cat((seq, torch.tensor(tokens[-1:])))
    return torch.tensor(tokens, dtype=torch.int64), torch.stack(step_logits)


# --- cases -------------------------------------------------------------------

def llama_config(**over):
    cfg = {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "head_dim": 16,
        "hidden_act": "silu",
        "hidden_size": 64,
        "initializer_range": 0.02,
        "intermediate_size": 160,
        "max_position_embeddings": 128,
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "pretraining_tp": 1,
        "rms_norm_eps": 1e-05,
        "rope_scaling": None,
        "rope_theta": 10000.0,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": 256,
    }
    cfg.update(over)
    return dict(sorted(cfg.items()))


def qwen2_config(**over):
    cfg = {
        "architectures": ["Qwen2ForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "hidden_act": "silu",
        "hidden_size": 64,
        "initializer_range": 0.02,
        "intermediate_size": 128,
        "max_position_embeddings": 128,
        "max_window_layers": 2,
        "model_type": "qwen2",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "num_key_value_heads": 1,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "rope_theta": 1000000.0,
        "sliding_window": 128,  # ignored: use_sliding_window is false (as in released Qwen2.5 configs)
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "use_cache": True,
        "use_sliding_window": False,
        "vocab_size": 256,
    }
    cfg.update(over)
    return dict(sorted(cfg.items()))


def mistral_config(**over):
    cfg = {
        "architectures": ["MistralForCausalLM"],
        "attention_dropout": 0.0,
        "bos_token_id": 1,
        "eos_token_id": 2,
        "head_dim": 8,
        "hidden_act": "silu",
        "hidden_size": 64,
        "initializer_range": 0.02,
        "intermediate_size": 160,
        "max_position_embeddings": 128,
        "model_type": "mistral",
        "num_attention_heads": 8,
        "num_hidden_layers": 2,
        "num_key_value_heads": 2,
        "rms_norm_eps": 1e-05,
        "rope_scaling": None,
        "rope_theta": 1000000.0,
        "sliding_window": None,
        "tie_word_embeddings": False,
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": 256,
    }
    cfg.update(over)
    return dict(sorted(cfg.items()))


LLAMA3_SCALING = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                  "high_freq_factor": 4.0, "original_max_position_embeddings": 64}
# (With head_dim 16 and theta 5e5 the wavelengths are 6.3, 32.4, 167, ...: an original
# context of 64 puts 32.4 in the smoothed band, so all three llama3 branches are used.)

# name -> (config, seed, shards)
CASES = {
    "llama_tiny": (llama_config(), 1, 1),
    "llama_tied_bf16": (llama_config(num_hidden_layers=3, tie_word_embeddings=True, torch_dtype="bfloat16",
                                     rope_theta=500000.0, rope_scaling=LLAMA3_SCALING), 2, 1),
    "llama_sharded": (llama_config(torch_dtype="float16"), 3, 2),
    "qwen2_tiny": (qwen2_config(), 4, 1),
    "mistral_tiny": (mistral_config(), 5, 1),
}

_TORCH_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}

# Init scales. Projections use std LINEAR_GAIN / sqrt(in_features) rather than HF's
# initializer_range 0.02: at hidden size 64, 0.02 leaves every block near-identity
# (layers move the logits by ~3%, RoPE by <0.05%, so a broken RoPE would pass) and
# tied-embedding models greedily repeat their last token forever.
EMBED_STD = 0.5     # embeddings / lm_head: large enough that logits are well separated
LINEAR_GAIN = 1.5   # q/k/v/o/gate/up/down weights: std = LINEAR_GAIN / sqrt(in_features)
BIAS_STD = 0.1      # Qwen2 q/k/v biases
NORM_STD = 0.1      # norm weights are 1 + NORM_STD * N(0, 1)


def make_weights(config, seed):
    """Random HF-named weights in float32, in HF's module order."""
    g = torch.Generator().manual_seed(seed)

    def normal(shape, std, mean=0.0):
        return torch.randn(*shape, generator=g) * std + mean

    def projection(out_dim, in_dim):
        return normal((out_dim, in_dim), LINEAR_GAIN / in_dim ** 0.5)

    hid, inter, vocab = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    q_dim = config["num_attention_heads"] * head_dim(config)
    kv_dim = config["num_key_value_heads"] * head_dim(config)
    qkv_bias = config["model_type"] == "qwen2" or config.get("attention_bias", False)
    w = {"model.embed_tokens.weight": normal((vocab, hid), EMBED_STD)}
    for i in range(config["num_hidden_layers"]):
        p = "model.layers.%d." % i
        for proj, out_dim in (("q_proj", q_dim), ("k_proj", kv_dim), ("v_proj", kv_dim)):
            w[p + "self_attn.%s.weight" % proj] = projection(out_dim, hid)
            if qkv_bias:
                w[p + "self_attn.%s.bias" % proj] = normal((out_dim,), BIAS_STD)
        w[p + "self_attn.o_proj.weight"] = projection(hid, q_dim)
        w[p + "mlp.gate_proj.weight"] = projection(inter, hid)
        w[p + "mlp.up_proj.weight"] = projection(inter, hid)
        w[p + "mlp.down_proj.weight"] = projection(hid, inter)
        w[p + "input_layernorm.weight"] = normal((hid,), NORM_STD, 1.0)
        w[p + "post_attention_layernorm.weight"] = normal((hid,), NORM_STD, 1.0)
    w["model.norm.weight"] = normal((hid,), NORM_STD, 1.0)
    if not config["tie_word_embeddings"]:
        w["lm_head.weight"] = normal((vocab, hid), EMBED_STD)
    return w


LORA_CASES = {"llama_tiny": 11, "qwen2_tiny": 12}  # name -> seed
LORA_RANK, LORA_ALPHA = 4, 8.0
LORA_TARGETS = ("self_attn.q_proj", "self_attn.v_proj", "mlp.gate_proj", "mlp.down_proj")


def write_lora(out, config, stored, ids, seed):
    """A PEFT adapter on LORA_TARGETS of every layer, and the prompt's logits with it merged."""
    g = torch.Generator().manual_seed(seed)
    lora, merged = {}, dict(stored)
    for i in range(config["num_hidden_layers"]):
        for target in LORA_TARGETS:
            name = "model.layers.%d.%s" % (i, target)
            w = stored[name + ".weight"].float()
            a = torch.randn(LORA_RANK, w.shape[1], generator=g) / w.shape[1] ** 0.5
            b = torch.randn(w.shape[0], LORA_RANK, generator=g) * (0.5 / LORA_RANK ** 0.5)
            lora["base_model.model.%s.lora_A.weight" % name] = a
            lora["base_model.model.%s.lora_B.weight" % name] = b
            merged[name + ".weight"] = w + (LORA_ALPHA / LORA_RANK) * (b @ a)
    d = os.path.join(out, "lora")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "LORA", "r": LORA_RANK, "lora_alpha": LORA_ALPHA,
                   "target_modules": [t.split(".")[1] for t in LORA_TARGETS], "lora_dropout": 0.0,
                   "bias": "none", "fan_in_fan_out": False, "use_rslora": False,
                   "modules_to_save": None, "task_type": "CAUSAL_LM"}, f, indent=2)
        f.write("\n")
    write_safetensors(os.path.join(d, "adapter_model.safetensors"), lora)
    with torch.no_grad():
        logits = forward(merged, config, ids)
    np.save(os.path.join(d, "logits.npy"), logits.numpy().astype(np.float32))
    return float(logits.abs().max())


def write_case(name, out_root):
    config, seed, shards = CASES[name]
    out = os.path.join(out_root, name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")

    dtype = _TORCH_DTYPES[config["torch_dtype"]]
    stored = {k: v.to(dtype) for k, v in make_weights(config, seed).items()}
    if shards > 1:
        files = write_sharded(out, stored, shards)
    else:
        write_safetensors(os.path.join(out, "model.safetensors"), stored)
        files = ["model.safetensors"]

    g = torch.Generator().manual_seed(1000 + seed)
    ids = torch.randint(FIRST_TOKEN, config["vocab_size"], (PROMPT_LEN,), generator=g)
    with torch.no_grad():
        logits = forward(stored, config, ids)
        tokens, gen_logits = greedy_decode(stored, config, ids, DECODE_STEPS)
    np.save(os.path.join(out, "tokens.npy"), ids.numpy().astype(np.int64))
    np.save(os.path.join(out, "logits.npy"), logits.numpy().astype(np.float32))
    np.save(os.path.join(out, "greedy.npy"), tokens.numpy().astype(np.int64))
    np.save(os.path.join(out, "generated_logits.npy"), gen_logits.numpy().astype(np.float32))

    info = check_case(out, stored, ids, logits, tokens, gen_logits)
    info["files"] = files
    if name in LORA_CASES:
        write_lora(out, config, stored, ids, LORA_CASES[name])
    return info


# --- self-checks ---------------------------------------------------------------

def check_case(out, stored, ids, logits, tokens, gen_logits):
    """Read the case back and re-derive it; raise on any mismatch. Returns summary stats."""
    config, loaded = load_checkpoint(out, strict=True)
    if sorted(loaded) != sorted(stored):
        raise AssertionError("%s: tensor names differ after read-back" % out)
    for k, t in stored.items():
        if loaded[k].dtype != t.dtype or not torch.equal(loaded[k], t):
            raise AssertionError("%s: %s differs after read-back" % (out, k))
    with torch.no_grad():
        full_tokens, full_logits = greedy_decode(loaded, config, ids, DECODE_STEPS, use_cache=False)
        prompt_logits = forward(loaded, config, ids)
    if not torch.equal(full_tokens, tokens):
        raise AssertionError("%s: KV-cached greedy tokens differ from full recomputation" % out)
    if not torch.equal(prompt_logits, logits):
        raise AssertionError("%s: prompt logits not reproducible" % out)
    top2 = torch.topk(gen_logits, 2, dim=-1).values
    return {
        "max_abs_logit": float(torch.cat((logits, gen_logits)).abs().max()),
        "kv_vs_full": float((full_logits - gen_logits).abs().max()),
        "min_margin": float((top2[:, 0] - top2[:, 1]).min()),
        "distinct": len(set(tokens.tolist())),
        "tokens": tokens.tolist(),
    }


def run_cases(doc, cases, write_case, describe):
    """The command line both fixture scripts share: --out DIR [--cases a,b] [--list]; writes each
    case with write_case(name, out) and prints describe(name, info)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--out", required=True, help="output directory (one subdirectory per case)")
    ap.add_argument("--cases", default="", help="comma-separated subset of cases (default: all)")
    ap.add_argument("--list", action="store_true", help="list case names and exit")
    args = ap.parse_args()
    if args.list:
        print("\n".join(cases))
        return

    torch.set_num_threads(1)
    t0 = time.time()
    names = [c.strip() for c in args.cases.split(",") if c.strip()] or list(cases)
    unknown = [c for c in names if c not in cases]
    if unknown:
        raise SystemExit("unknown case(s): %s (see --list)" % ", ".join(unknown))
    for name in names:
        print(describe(name, write_case(name, args.out)))
    print("%d cases written to %s in %.1f s" % (len(names), args.out, time.time() - t0))


def describe(name, info):
    return ("%-16s %-9s %-2d file(s)  max|logit| %6.2f  kv-vs-full %.1e  min top-2 margin %.3f  "
            "greedy %d distinct: %s ..." % (
                name, CASES[name][0]["torch_dtype"], len(info["files"]), info["max_abs_logit"],
                info["kv_vs_full"], info["min_margin"], info["distinct"],
                " ".join(map(str, info["tokens"][:10]))))


if __name__ == "__main__":
    run_cases(__doc__, CASES, write_case, describe)
