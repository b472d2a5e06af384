#include "models/recipes/llama_family.h"

#include <string>
#include <utility>
#include <vector>

#include "converter/ir/error.h"
#include "models/recipes/recipe_builder.h"

namespace sprig::convert {
namespace {

// The run-time leading dimensions (Tensor.dim0_symbol): tokens per run, and logit rows.
constexpr int kTokens = 1, kLogitRows = 2;

class DecoderBuilder {
 public:
  DecoderBuilder(const HfConfig& config, const SafetensorsCheckpoint& checkpoint,
                 const DecoderShape& shape)
      : c_(config),
        b_(checkpoint, config.architecture),
        t_(shape.tokens),
        context_(shape.context),
        cache_dtype_(shape.cache_dtype) {}

  Graph build() {
    tokens_ = b_.input("tokens", fb::DType::I32, {t_}, kTokens);
    positions_ = b_.input("positions", fb::DType::I32, {t_}, kTokens);
    const int logit_rows = b_.input("logit_rows", fb::DType::I32, {t_}, kLogitRows);
    inv_freq_ = b_.graph().add_constant("rope.inv_freq", {c_.head_dim / 2}, rope_inv_freq(c_));
    const int embed = b_.weight("model.embed_tokens.weight", {c_.vocab_size, c_.hidden_size});
    b_.set_rows_symbol(kTokens);
    int x = b_.gather("model.embed_tokens", embed, tokens_);
    for (int64_t layer = 0; layer < c_.num_layers; ++layer) x = decoder_layer(layer, x);
    b_.set_rows_symbol(kLogitRows);
    const int picked = b_.gather("logit_rows.pick", x, logit_rows);
    const int normed = b_.rms_norm("model.norm", picked, c_.rms_norm_eps);
    const int head = c_.tie_word_embeddings
                         ? embed
                         : b_.weight("lm_head.weight", {c_.vocab_size, c_.hidden_size});
    b_.output(b_.linear("lm_head", normed, head, -1), "logits");
    return std::move(b_.graph());
  }

 private:
  int decoder_layer(int64_t layer, int x) {
    const std::string p = "model.layers." + std::to_string(layer) + ".";
    const int64_t hq = c_.num_heads, hkv = c_.num_kv_heads, d = c_.head_dim;
    const int h = b_.rms_norm(p + "input_layernorm", x, c_.rms_norm_eps);
    const int q = b_.projection(p + "self_attn.q_proj", h, hq * d, c_.attention_bias);
    const int k = b_.projection(p + "self_attn.k_proj", h, hkv * d, c_.attention_bias);
    const int v = b_.projection(p + "self_attn.v_proj", h, hkv * d, c_.attention_bias);
    const int q_heads = rope(p + "self_attn.q_rope", b_.reshape(p + "self_attn.q_heads", q, {t_, hq, d}));
    const int k_heads = rope(p + "self_attn.k_rope", b_.reshape(p + "self_attn.k_heads", k, {t_, hkv, d}));
    const int v_heads = b_.reshape(p + "self_attn.v_heads", v, {t_, hkv, d});
    const int k_cache = state(p + "self_attn.k_cache", {context_, hkv, d});
    const int v_cache = state(p + "self_attn.v_cache", {context_, hkv, d});
    const int attended = b_.attention(p + "self_attn", {q_heads, k_heads, v_heads, k_cache, v_cache, positions_},
                                      /*causal=*/true);
    const bool o_bias = c_.attention_bias && c_.architecture == "LlamaForCausalLM";
    const int o = b_.projection(p + "self_attn.o_proj",
                                b_.reshape(p + "self_attn.merge_heads", attended, {t_, hq * d}),
                                c_.hidden_size, o_bias);
    x = b_.add(p + "attn_residual", x, o);
    const int h2 = b_.rms_norm(p + "post_attention_layernorm", x, c_.rms_norm_eps);
    const int gate = b_.projection(p + "mlp.gate_proj", h2, c_.intermediate_size, false,
                                   fb::ActivationKind::Silu);
    const int up = b_.projection(p + "mlp.up_proj", h2, c_.intermediate_size, false);
    const int gated = b_.binary(fb::OpType::Mul, p + "mlp.gated", gate, up);
    const int down = b_.projection(p + "mlp.down_proj", gated, c_.hidden_size, false);
    return b_.add(p + "mlp_residual", x, down);
  }

  int rope(const std::string& name, int x) {
    fb::OpOptionsUnion options;
    options.Set(fb::RopeOptionsT());
    return b_.op(fb::OpType::Rope, name, {x, positions_, inv_freq_}, b_.shape(x), std::move(options));
  }

  int state(const std::string& name, std::vector<int64_t> shape) {
    Graph& g = b_.graph();
    const int v = g.add_value(name, cache_dtype_, std::move(shape));
    g.values[static_cast<size_t>(v)].is_state = true;
    return v;
  }

  const HfConfig& c_;
  RecipeBuilder b_;
  const int64_t t_, context_;
  const fb::DType cache_dtype_;
  int tokens_ = -1, positions_ = -1, inv_freq_ = -1;
};

}  // namespace

Graph build_llama_family(const HfConfig& config, const SafetensorsCheckpoint& checkpoint,
                         const DecoderShape& shape) {
  if (shape.tokens < 1 || shape.context < shape.tokens)
    fail(Code::kInvalidArgument, "the decoder needs 1 <= tokens per run <= context, got " +
                                     std::to_string(shape.tokens) + " and " +
                                     std::to_string(shape.context));
  if (shape.cache_dtype != fb::DType::F32 && shape.cache_dtype != fb::DType::F16)
    fail(Code::kInvalidArgument, "the KV cache is F32 or F16");
  if (config.sliding_window > 0 && config.sliding_window < shape.context)
    fail(Code::kUnsupported, "config.json: sliding_window " + std::to_string(config.sliding_window) +
                                 " is shorter than the context " + std::to_string(shape.context) +
                                 "; convert with a context of at most the window");
  return DecoderBuilder(config, checkpoint, shape).build();
}

}  // namespace sprig::convert
