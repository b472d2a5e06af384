#!/usr/bin/env python3
"""Generate tiny Hugging Face style encoder checkpoints (BERT, ViT) plus PyTorch reference outputs.

Companion of make_hf_fixtures.py (decoder LLMs), whose hand-written safetensors reader and
writer it reuses (extended here with I64 for BERT's legacy position_ids buffer). No network
and no `transformers`/`safetensors` packages: the reference forward passes below follow
Hugging Face's modeling_bert.py / modeling_vit.py (eager attention, no attention mask since
every token is real, dropout off, "gelu" = exact erf GELU) in float32. For each case it writes

  DIR/<case>/config.json                HF config (keys sorted, as save_pretrained writes them)
  DIR/<case>/model.safetensors          HF tensor names in HF's state_dict order

  bert_tiny (BertModel, F32, names without a prefix):
    input_ids.npy                       int64 [10] ids in [1, 120)
    token_type_ids.npy                  int64 [10] 0 0 0 0 0 0 1 1 1 1
    last_hidden_state.npy               float32 [10, 64]
    pooler_output.npy                   float32 [1, 64] tanh(pooler.dense(last_hidden_state[0]))
    short_input_ids.npy                 int64 [4] a second, shorter sequence, same model
    short_token_type_ids.npy            int64 [4] all zeros
    short_last_hidden_state.npy         float32 [4, 64]
    short_pooler_output.npy             float32 [1, 64]
  bert_cls (BertForSequenceClassification, F16, "bert." prefix, 3 labels; also carries the
            legacy I64 buffer bert.embeddings.position_ids [1, 64] = 0..63, to be ignored):
    input_ids.npy, token_type_ids.npy   as bert_tiny (other values)
    logits.npy                          float32 [1, 3]
    short_input_ids.npy, short_token_type_ids.npy, short_logits.npy (float32 [1, 3])
    lora/adapter_config.json + adapter_model.safetensors   a PEFT LoRA adapter (r 4, alpha 8) on
                                        every layer's attention.self.query and .value
    lora/logits.npy, lora/short_logits.npy   the logits with the adapter (W + alpha / r * B A)
  vit_tiny (ViTForImageClassification, BF16, 32x32 RGB, patch 8 -> 16 patches + CLS, 5 labels):
    pixel_values.npy                    float32 [1, 3, 32, 32] uniform in [-1, 1] (NCHW)
    logits.npy                          float32 [1, 5]

All references are computed in float32 from the weights as stored (rounded to the storage
dtype, then widened back to float32). Each case is read back strictly and re-run
bit-exactly; the attention is cross-checked against torch.nn.MultiheadAttention (and
scaled_dot_product_attention on torch >= 2.0), each whole layer against
torch.nn.TransformerEncoderLayer (post-LN for BERT, norm_first for ViT), and ViT's patch
embedding against an unfold + matmul formulation (all within 1e-5). Deterministic (fixed
seeds); about a second on CPU, most of it importing torch.

Usage:
  /usr/bin/python3 models/hf/make_hf_encoder_fixtures.py --out DIR [--cases a,b,...] [--list]

Importable: bert_forward(weights, config, ids, type_ids) -> (last_hidden_state [S, D],
pooler_output [1, D]), bert_classify(...) -> logits [1, labels], vit_forward(weights,
config, pixel_values) -> logits [1, labels].
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_hf_fixtures as hf  # noqa: E402

# --- safetensors: add I64 to the imported writer/reader --------------------------
# make_hf_fixtures looks its dtype tables up at call time, so registering int64 there
# lets write_safetensors, read_safetensors and load_checkpoint handle "I64" tensors.
hf._ST_DTYPES.setdefault(torch.int64, ("I64", "<i8"))
hf._ST_NAMES.setdefault("I64", (torch.int64, "<i8"))

SEQ_LEN = 10
TYPE0_LEN = 6       # token_type_ids: the first 6 tokens are segment 0, the rest segment 1
SHORT_LEN = 4
FIRST_ID = 1        # id 0 is pad_token_id
ATOL_CROSS = 1e-5   # eager vs torch.nn attention / encoder layers, conv vs unfold patch embedding

_TORCH_DTYPES = {"float32": torch.float32, "float16": torch.float16, "bfloat16": torch.bfloat16}


# --- reference forward (HF semantics, float32) ---------------------------------

def linear(w, name, x):
    """F.linear with `name.weight` [out, in] and `name.bias`."""
    return F.linear(x, w[name + ".weight"], w[name + ".bias"])


def layer_norm(w, name, x, eps):
    return F.layer_norm(x, x.shape[-1:], w[name + ".weight"], w[name + ".bias"], eps)


def self_attention(w, config, prefix, x, impl="eager"):
    """Unmasked multi-head self-attention of x [B, S, D] -> merged context [B, S, D].

    prefix names the module holding query/key/value (BERT: ...attention.self,
    ViT: ...attention.attention). impl="sdpa" uses torch's fused kernel instead of
    HF's eager matmul / sqrt(head_dim) / softmax / matmul, impl="mha" torch.nn.MultiheadAttention
    with the query/key/value weights copied in (both cross-checks only).
    """
    b, s, d = x.shape
    n_heads = config["num_attention_heads"]
    hd = d // n_heads

    def heads(t):  # [B, S, D] -> [B, H, S, hd]; head h uses features h*hd .. (h+1)*hd-1
        return t.view(b, s, n_heads, hd).transpose(1, 2)

    if impl == "mha":  # torch's own projections, head split and softmax; identity out_proj
        mha = torch.nn.MultiheadAttention(d, n_heads, bias=True, batch_first=True).eval()
        with torch.no_grad():
            mha.in_proj_weight.copy_(torch.cat([w[prefix + "." + n + ".weight"] for n in ("query", "key", "value")]))
            mha.in_proj_bias.copy_(torch.cat([w[prefix + "." + n + ".bias"] for n in ("query", "key", "value")]))
            mha.out_proj.weight.copy_(torch.eye(d))
            mha.out_proj.bias.zero_()
            return mha(x, x, x, need_weights=False)[0]
    q = heads(linear(w, prefix + ".query", x))
    k = heads(linear(w, prefix + ".key", x))
    v = heads(linear(w, prefix + ".value", x))
    if impl == "eager":
        scores = torch.matmul(q, k.transpose(-1, -2)) / hd ** 0.5
        probs = torch.softmax(scores, dim=-1)
        ctx = torch.matmul(probs, v)
    elif impl == "sdpa":  # torch >= 2.0 only
        ctx = F.scaled_dot_product_attention(q, k, v)
    else:
        raise ValueError(impl)
    return ctx.transpose(1, 2).reshape(b, s, d)


def torch_encoder_layer(w, config, prefix, vit):
    """torch.nn.TransformerEncoderLayer holding one HF layer's weights (cross-check only).

    BERT's layer is the post-LN form (norm_first=False), ViT's the pre-LN form.
    """
    d = config["hidden_size"]
    layer = torch.nn.TransformerEncoderLayer(
        d, config["num_attention_heads"], config["intermediate_size"], dropout=0.0, activation="gelu",
        layer_norm_eps=config["layer_norm_eps"], batch_first=True, norm_first=vit).eval()
    qkv = prefix + ("attention.attention." if vit else "attention.self.")
    names = {
        "self_attn.out_proj": "attention.output.dense",
        "linear1": "intermediate.dense",
        "linear2": "output.dense",
        "norm1": "layernorm_before" if vit else "attention.output.LayerNorm",
        "norm2": "layernorm_after" if vit else "output.LayerNorm",
    }
    with torch.no_grad():
        layer.self_attn.in_proj_weight.copy_(torch.cat([w[qkv + n + ".weight"] for n in ("query", "key", "value")]))
        layer.self_attn.in_proj_bias.copy_(torch.cat([w[qkv + n + ".bias"] for n in ("query", "key", "value")]))
        for mod, hf_name in names.items():
            m = layer.get_submodule(mod)
            m.weight.copy_(w[prefix + hf_name + ".weight"])
            m.bias.copy_(w[prefix + hf_name + ".bias"])
    return layer


def _float_weights(weights):
    """Widen the float tensors to float32; integer buffers (position_ids) are left out."""
    return {k: v.float() for k, v in weights.items() if v.is_floating_point()}


def _check_bert_config(config):
    if config["hidden_act"] != "gelu" or config.get("position_embedding_type", "absolute") != "absolute":
        raise NotImplementedError("only hidden_act gelu and absolute position embeddings")


def bert_forward(weights, config, ids, type_ids, prefix="", attn="eager"):
    """(last_hidden_state [S, D], pooler_output [1, D]) in float32 for ids/type_ids [S].

    prefix: "" for BertModel checkpoints, "bert." for BertFor* heads. Positions are 0..S-1.
    """
    _check_bert_config(config)
    w = _float_weights(weights)
    eps = config["layer_norm_eps"]
    p = prefix
    s = ids.shape[0]
    # BertEmbeddings: inputs_embeds + token_type_embeddings, += position_embeddings, LayerNorm
    x = w[p + "embeddings.word_embeddings.weight"][ids] + w[p + "embeddings.token_type_embeddings.weight"][type_ids]
    x = x + w[p + "embeddings.position_embeddings.weight"][torch.arange(s)]
    h = layer_norm(w, p + "embeddings.LayerNorm", x, eps)[None]  # [1, S, D]
    for i in range(config["num_hidden_layers"]):
        lp = p + "encoder.layer.%d." % i
        if attn == "layer":
            h = torch_encoder_layer(w, config, lp, vit=False)(h)
            continue
        ctx = self_attention(w, config, lp + "attention.self", h, attn)
        a = layer_norm(w, lp + "attention.output.LayerNorm", linear(w, lp + "attention.output.dense", ctx) + h, eps)
        inter = F.gelu(linear(w, lp + "intermediate.dense", a))
        h = layer_norm(w, lp + "output.LayerNorm", linear(w, lp + "output.dense", inter) + a, eps)
    pooled = torch.tanh(linear(w, p + "pooler.dense", h[:, 0]))  # BertPooler: first token
    return h[0], pooled


def bert_classify(weights, config, ids, type_ids, attn="eager"):
    """BertForSequenceClassification logits [1, num_labels] (float32)."""
    _, pooled = bert_forward(weights, config, ids, type_ids, prefix="bert.", attn=attn)
    return linear(_float_weights(weights), "classifier", pooled)


def patch_embed_conv(w, config, pixels):
    """ViTPatchEmbeddings: Conv2d(kernel = stride = patch) -> [B, num_patches, D], row-major patches."""
    ps = config["patch_size"]
    y = F.conv2d(pixels, w["vit.embeddings.patch_embeddings.projection.weight"],
                 w["vit.embeddings.patch_embeddings.projection.bias"], stride=ps)
    return y.flatten(2).transpose(1, 2)


def patch_embed_unfold(w, config, pixels):
    """The same as a matmul over unfolded [C * p * p] patch vectors (cross-check only)."""
    ps = config["patch_size"]
    weight = w["vit.embeddings.patch_embeddings.projection.weight"]
    cols = F.unfold(pixels, kernel_size=ps, stride=ps).transpose(1, 2)  # [B, L, C*p*p]
    return cols @ weight.reshape(weight.shape[0], -1).t() + w["vit.embeddings.patch_embeddings.projection.bias"]


def vit_forward(weights, config, pixels, attn="eager", patch="conv"):
    """ViTForImageClassification logits [1, num_labels] (float32) for pixels [1, C, H, W]."""
    if config["hidden_act"] != "gelu":
        raise NotImplementedError("only hidden_act gelu")
    w = _float_weights(weights)
    eps = config["layer_norm_eps"]
    patches = (patch_embed_conv if patch == "conv" else patch_embed_unfold)(w, config, pixels)
    cls = w["vit.embeddings.cls_token"].expand(pixels.shape[0], -1, -1)
    x = torch.cat((cls, patches), dim=1) + w["vit.embeddings.position_embeddings"]
    for i in range(config["num_hidden_layers"]):
        lp = "vit.encoder.layer.%d." % i
        if attn == "layer":
            x = torch_encoder_layer(w, config, lp, vit=True)(x)
            continue
        ctx = self_attention(w, config, lp + "attention.attention", layer_norm(w, lp + "layernorm_before", x, eps), attn)
        x = linear(w, lp + "attention.output.dense", ctx) + x
        inter = F.gelu(linear(w, lp + "intermediate.dense", layer_norm(w, lp + "layernorm_after", x, eps)))
        x = linear(w, lp + "output.dense", inter) + x
    seq = layer_norm(w, "vit.layernorm", x, eps)
    return linear(w, "classifier", seq[:, 0])  # CLS row of the final LayerNorm


# --- configs -------------------------------------------------------------------

def labels(names):
    return {"id2label": {str(i): n for i, n in enumerate(names)},
            "label2id": {n: i for i, n in enumerate(names)}}


def bert_config(**over):
    cfg = {
        "architectures": ["BertModel"],
        "attention_probs_dropout_prob": 0.1,
        "classifier_dropout": None,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "hidden_size": 64,
        "initializer_range": 0.02,
        "intermediate_size": 128,
        "layer_norm_eps": 1e-12,
        "max_position_embeddings": 64,
        "model_type": "bert",
        "num_attention_heads": 4,
        "num_hidden_layers": 2,
        "pad_token_id": 0,
        "position_embedding_type": "absolute",
        "torch_dtype": "float32",
        "type_vocab_size": 2,
        "use_cache": True,
        "vocab_size": 120,
    }
    cfg.update(over)
    return cfg


def vit_config(**over):
    cfg = {
        "architectures": ["ViTForImageClassification"],
        "attention_probs_dropout_prob": 0.0,
        "encoder_stride": 8,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "hidden_size": 64,
        "image_size": 32,
        "initializer_range": 0.02,
        "intermediate_size": 128,
        "layer_norm_eps": 1e-12,
        "model_type": "vit",
        "num_attention_heads": 4,
        "num_channels": 3,
        "num_hidden_layers": 2,
        "patch_size": 8,
        "qkv_bias": True,
        "torch_dtype": "bfloat16",
    }
    cfg.update(labels(["class_%d" % i for i in range(5)]))
    cfg.update(over)
    return cfg


# name -> (config, seed)
CASES = {
    "bert_tiny": (bert_config(), 21),
    "bert_cls": (bert_config(architectures=["BertForSequenceClassification"], torch_dtype="float16",
                             problem_type="single_label_classification",
                             **labels(["negative", "neutral", "positive"])), 22),
    "vit_tiny": (vit_config(), 23),
}

# Init scales: HF's initializer_range 0.02 would leave a 64-wide model near-identity.
MATRIX_STD = 0.15   # linear / conv weights
HEAD_STD = 0.3      # classifier weights: logits of order 1 from the tanh-pooled / normed features
EMBED_STD = 0.2     # word / position / token-type embeddings, cls_token
BIAS_STD = 0.05
NORM_STD = 0.1      # LayerNorm weights are 1 + NORM_STD * N(0, 1)


class _Init:
    def __init__(self, seed):
        self.g = torch.Generator().manual_seed(seed)

    def normal(self, shape, std, mean=0.0):
        return torch.randn(*shape, generator=self.g) * std + mean

    def linear(self, w, name, out_dim, in_dim, std=MATRIX_STD):
        w[name + ".weight"] = self.normal((out_dim, in_dim), std)
        w[name + ".bias"] = self.normal((out_dim,), BIAS_STD)

    def layer_norm(self, w, name, dim):
        w[name + ".weight"] = self.normal((dim,), NORM_STD, 1.0)
        w[name + ".bias"] = self.normal((dim,), BIAS_STD)


def make_bert_weights(config, seed, prefix="", position_ids=False, num_labels=0):
    """HF-named BERT weights (float32; position_ids int64) in BertModel's state_dict order."""
    init, w, p = _Init(seed), {}, prefix
    d, inter = config["hidden_size"], config["intermediate_size"]
    if position_ids:  # a buffer of BertEmbeddings itself: state_dict puts it before the children
        w[p + "embeddings.position_ids"] = torch.arange(config["max_position_embeddings"], dtype=torch.int64)[None]
    w[p + "embeddings.word_embeddings.weight"] = init.normal((config["vocab_size"], d), EMBED_STD)
    w[p + "embeddings.position_embeddings.weight"] = init.normal((config["max_position_embeddings"], d), EMBED_STD)
    w[p + "embeddings.token_type_embeddings.weight"] = init.normal((config["type_vocab_size"], d), EMBED_STD)
    init.layer_norm(w, p + "embeddings.LayerNorm", d)
    for i in range(config["num_hidden_layers"]):
        lp = p + "encoder.layer.%d." % i
        for proj in ("query", "key", "value"):
            init.linear(w, lp + "attention.self." + proj, d, d)
        init.linear(w, lp + "attention.output.dense", d, d)
        init.layer_norm(w, lp + "attention.output.LayerNorm", d)
        init.linear(w, lp + "intermediate.dense", inter, d)
        init.linear(w, lp + "output.dense", d, inter)
        init.layer_norm(w, lp + "output.LayerNorm", d)
    init.linear(w, p + "pooler.dense", d, d)
    if num_labels:
        init.linear(w, "classifier", num_labels, d, HEAD_STD)
    return w


def make_vit_weights(config, seed):
    """HF-named ViTForImageClassification weights (float32) in its state_dict order."""
    init, w = _Init(seed), {}
    d, inter, c, ps = config["hidden_size"], config["intermediate_size"], config["num_channels"], config["patch_size"]
    num_patches = (config["image_size"] // ps) ** 2
    w["vit.embeddings.cls_token"] = init.normal((1, 1, d), EMBED_STD)
    w["vit.embeddings.position_embeddings"] = init.normal((1, num_patches + 1, d), EMBED_STD)
    w["vit.embeddings.patch_embeddings.projection.weight"] = init.normal((d, c, ps, ps), MATRIX_STD)
    w["vit.embeddings.patch_embeddings.projection.bias"] = init.normal((d,), BIAS_STD)
    for i in range(config["num_hidden_layers"]):
        lp = "vit.encoder.layer.%d." % i
        for proj in ("query", "key", "value"):
            init.linear(w, lp + "attention.attention." + proj, d, d)
        init.linear(w, lp + "attention.output.dense", d, d)
        init.linear(w, lp + "intermediate.dense", inter, d)
        init.linear(w, lp + "output.dense", d, inter)
        init.layer_norm(w, lp + "layernorm_before", d)
        init.layer_norm(w, lp + "layernorm_after", d)
    init.layer_norm(w, "vit.layernorm", d)
    init.linear(w, "classifier", len(config["id2label"]), d, HEAD_STD)
    return w


# --- cases ---------------------------------------------------------------------

def bert_inputs(config, seed):
    """{file stem: int64 tensor}: the long sequence (two segments) and the short one."""
    g = torch.Generator().manual_seed(1000 + seed)
    return {
        "input_ids": torch.randint(FIRST_ID, config["vocab_size"], (SEQ_LEN,), generator=g),
        "token_type_ids": (torch.arange(SEQ_LEN) >= TYPE0_LEN).to(torch.int64),
        "short_input_ids": torch.randint(FIRST_ID, config["vocab_size"], (SHORT_LEN,), generator=g),
        "short_token_type_ids": torch.zeros(SHORT_LEN, dtype=torch.int64),
    }


def vit_inputs(config, seed):
    g = torch.Generator().manual_seed(1000 + seed)
    size, c = config["image_size"], config["num_channels"]
    return {"pixel_values": torch.rand(1, c, size, size, generator=g) * 2 - 1}


def run_case(name, weights, inputs, attn="eager", patch="conv"):
    """{file stem: float32 output} for a case's inputs."""
    config = CASES[name][0]
    with torch.no_grad():
        if name == "bert_tiny":
            out = {}
            for pre in ("", "short_"):
                hidden, pooled = bert_forward(weights, config, inputs[pre + "input_ids"],
                                              inputs[pre + "token_type_ids"], attn=attn)
                out[pre + "last_hidden_state"], out[pre + "pooler_output"] = hidden, pooled
            return out
        if name == "bert_cls":
            return {pre + "logits": bert_classify(weights, config, inputs[pre + "input_ids"],
                                                  inputs[pre + "token_type_ids"], attn=attn)
                    for pre in ("", "short_")}
        return {"logits": vit_forward(weights, config, inputs["pixel_values"], attn=attn, patch=patch)}


def make_weights(name):
    config, seed = CASES[name]
    if name == "bert_tiny":
        return make_bert_weights(config, seed)
    if name == "bert_cls":
        return make_bert_weights(config, seed, prefix="bert.", position_ids=True,
                                 num_labels=len(config["id2label"]))
    return make_vit_weights(config, seed)


LORA_RANK, LORA_ALPHA = 4, 8.0


def write_lora(out, config, stored, inputs, seed):
    """bert_cls: a PEFT adapter on query and value of every layer, and the logits with it merged."""
    g = torch.Generator().manual_seed(seed)
    lora, merged = {}, {k: (v.float() if v.is_floating_point() else v) for k, v in stored.items()}
    for i in range(config["num_hidden_layers"]):
        for target in ("query", "value"):
            name = "bert.encoder.layer.%d.attention.self.%s" % (i, target)
            w = merged[name + ".weight"]
            a = torch.randn(LORA_RANK, w.shape[1], generator=g) / w.shape[1] ** 0.5
            b = torch.randn(w.shape[0], LORA_RANK, generator=g) * (0.5 / LORA_RANK ** 0.5)
            lora["base_model.model.%s.lora_A.weight" % name] = a
            lora["base_model.model.%s.lora_B.weight" % name] = b
            merged[name + ".weight"] = w + (LORA_ALPHA / LORA_RANK) * (b @ a)
    d = os.path.join(out, "lora")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "adapter_config.json"), "w") as f:
        json.dump({"peft_type": "LORA", "r": LORA_RANK, "lora_alpha": LORA_ALPHA,
                   "target_modules": ["query", "value"], "bias": "none", "fan_in_fan_out": False,
                   "use_rslora": False, "modules_to_save": None, "task_type": "SEQ_CLS"}, f, indent=2)
        f.write("\n")
    hf.write_safetensors(os.path.join(d, "adapter_model.safetensors"), lora)
    with torch.no_grad():
        for pre in ("", "short_"):
            logits = bert_classify(merged, config, inputs[pre + "input_ids"], inputs[pre + "token_type_ids"])
            np.save(os.path.join(d, pre + "logits.npy"), logits.numpy().astype(np.float32))


def write_case(name, out_root):
    config, seed = CASES[name]
    out = os.path.join(out_root, name)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2, sort_keys=True)
        f.write("\n")

    dtype = _TORCH_DTYPES[config["torch_dtype"]]
    stored = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in make_weights(name).items()}
    hf.write_safetensors(os.path.join(out, "model.safetensors"), stored)

    inputs = (vit_inputs if config["model_type"] == "vit" else bert_inputs)(config, seed)
    outputs = run_case(name, stored, inputs)
    for stem, t in inputs.items():
        np.save(os.path.join(out, stem + ".npy"),
                t.numpy().astype(np.float32 if t.is_floating_point() else np.int64))
    for stem, t in outputs.items():
        np.save(os.path.join(out, stem + ".npy"), t.numpy().astype(np.float32))

    info = check_case(name, out, stored, inputs, outputs)
    info["tensors"] = len(stored)
    if name == "bert_cls":
        write_lora(out, config, stored, inputs, 31)
    return info


# --- self-checks ---------------------------------------------------------------

def check_case(name, out, stored, inputs, outputs):
    """Read the case back and re-derive it; raise on any mismatch. Returns summary stats."""
    config, loaded = hf.load_checkpoint(out, strict=True)
    if config != CASES[name][0]:
        raise AssertionError("%s: config.json differs after read-back" % out)
    if list(loaded) != list(stored):
        raise AssertionError("%s: tensor names or order differ after read-back" % out)
    for k, t in stored.items():
        if loaded[k].dtype != t.dtype or not torch.equal(loaded[k], t):
            raise AssertionError("%s: %s differs after read-back" % (out, k))
    files = {}
    for stem in list(inputs) + list(outputs):
        files[stem] = torch.from_numpy(np.load(os.path.join(out, stem + ".npy")))
    for stem, t in inputs.items():
        if not torch.equal(files[stem], t):
            raise AssertionError("%s: %s.npy differs after read-back" % (out, stem))
    again = run_case(name, loaded, {k: files[k] for k in inputs})
    for stem, t in outputs.items():
        if files[stem].dtype != torch.float32 or not torch.equal(files[stem], t) or not torch.equal(again[stem], t):
            raise AssertionError("%s: %s not reproducible bit-exactly" % (out, stem))

    # Independent cross-checks: torch's MultiheadAttention (and fused SDPA where torch has it),
    # whole layers as torch.nn.TransformerEncoderLayer, and (ViT) the unfold patch embedding.
    info = {"max_abs": {stem: float(t.abs().max()) for stem, t in outputs.items()}, "attn_diff": 0.0}
    impls = ("mha", "layer") + (("sdpa",) if hasattr(F, "scaled_dot_product_attention") else ())
    for impl in impls:
        other = run_case(name, loaded, inputs, attn=impl)
        diff = max(float((other[k] - outputs[k]).abs().max()) for k in outputs)
        if diff > ATOL_CROSS:
            raise AssertionError("%s: eager vs %s attention differ by %g" % (out, impl, diff))
        info["attn_diff"] = max(info["attn_diff"], diff)
    if config["model_type"] == "vit":
        w = _float_weights(loaded)
        conv = patch_embed_conv(w, config, inputs["pixel_values"])
        unfold = patch_embed_unfold(w, config, inputs["pixel_values"])
        n_patches = (config["image_size"] // config["patch_size"]) ** 2
        if conv.shape != (1, n_patches, config["hidden_size"]):
            raise AssertionError("%s: patch embedding shape %s" % (out, tuple(conv.shape)))
        info["patch_diff"] = float((conv - unfold).abs().max())
        unfold_logits = run_case(name, loaded, inputs, patch="unfold")["logits"]
        info["patch_diff"] = max(info["patch_diff"], float((unfold_logits - outputs["logits"]).abs().max()))
        if info["patch_diff"] > ATOL_CROSS:
            raise AssertionError("%s: conv vs unfold patch embedding differ by %g" % (out, info["patch_diff"]))
    for stem, t in outputs.items():
        if "logits" in stem and float(t.abs().max()) < 0.2:
            raise AssertionError("%s: %s near zero (max %g)" % (out, stem, float(t.abs().max())))
        if "logits" in stem and float(t.max() - t.min()) < 0.1:
            raise AssertionError("%s: %s nearly constant" % (out, stem))
    if name == "bert_tiny" and torch.allclose(outputs["last_hidden_state"][:SHORT_LEN],
                                              outputs["short_last_hidden_state"], atol=1e-3):
        raise AssertionError("%s: the two sequences give the same states" % out)
    return info


def describe(name, info):
    extra = "  conv-vs-unfold %.1e" % info["patch_diff"] if "patch_diff" in info else ""
    return "%-10s %-9s %2d tensors  max|.| %s  vs-torch.nn %.1e%s" % (
        name, CASES[name][0]["torch_dtype"], info["tensors"],
        " ".join("%s %.3f" % kv for kv in info["max_abs"].items()), info["attn_diff"], extra)


if __name__ == "__main__":
    hf.run_cases(__doc__, CASES, write_case, describe)
