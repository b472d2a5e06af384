#include "models/recipes/llama_family.h"

#include <string>
#include <utility>
#include <vector>

#include "converter/ir/error.h"

namespace sprig::convert {
namespace {

class DecoderBuilder {
 public:
  DecoderBuilder(const HfConfig& config, const SafetensorsCheckpoint& checkpoint,
                 const DecoderShape& shape)
      : c_(config), checkpoint_(checkpoint), t_(shape.tokens), context_(shape.context) {}

  Graph build() {
    g_.name = c_.architecture;
    tokens_ = g_.add_value("tokens", fb::DType::I32, {t_});
    positions_ = g_.add_value("positions", fb::DType::I32, {t_});
    const int logit_rows = g_.add_value("logit_rows", fb::DType::I32, {t_});
    g_.values[static_cast<size_t>(tokens_)].dim0_symbol = kTokens;
    g_.values[static_cast<size_t>(positions_)].dim0_symbol = kTokens;
    g_.values[static_cast<size_t>(logit_rows)].dim0_symbol = kLogitRows;
    g_.inputs = {tokens_, positions_, logit_rows};
    inv_freq_ = g_.add_constant("rope.inv_freq", {c_.head_dim / 2}, rope_inv_freq(c_));
    const int embed = weight("model.embed_tokens.weight", {c_.vocab_size, c_.hidden_size});
    int x = op(fb::OpType::Gather, "model.embed_tokens", {embed, tokens_}, {t_, c_.hidden_size},
               gather_options());
    for (int64_t layer = 0; layer < c_.num_layers; ++layer) x = decoder_layer(layer, x);
    rows_symbol_ = kLogitRows;
    const int picked = op(fb::OpType::Gather, "logit_rows.pick", {x, logit_rows},
                          {t_, c_.hidden_size}, gather_options());
    const int normed = rms_norm("model.norm", picked);
    const int head = c_.tie_word_embeddings
                         ? embed
                         : weight("lm_head.weight", {c_.vocab_size, c_.hidden_size});
    const int logits = linear("lm_head", normed, head, -1, c_.vocab_size);
    g_.values[static_cast<size_t>(logits)].name = g_.unique_name("logits");
    g_.outputs = {logits};
    return std::move(g_);
  }

 private:
  int decoder_layer(int64_t layer, int x) {
    const std::string p = "model.layers." + std::to_string(layer) + ".";
    const int64_t hq = c_.num_heads, hkv = c_.num_kv_heads, d = c_.head_dim;
    const int h = rms_norm(p + "input_layernorm", x);
    const int q = projection(p + "self_attn.q_proj", h, hq * d, c_.attention_bias);
    const int k = projection(p + "self_attn.k_proj", h, hkv * d, c_.attention_bias);
    const int v = projection(p + "self_attn.v_proj", h, hkv * d, c_.attention_bias);
    const int q_heads = rope(p + "self_attn.q_rope", reshape(p + "self_attn.q_heads", q, {t_, hq, d}));
    const int k_heads = rope(p + "self_attn.k_rope", reshape(p + "self_attn.k_heads", k, {t_, hkv, d}));
    const int v_heads = reshape(p + "self_attn.v_heads", v, {t_, hkv, d});
    const int k_cache = state(p + "self_attn.k_cache", {context_, hkv, d});
    const int v_cache = state(p + "self_attn.v_cache", {context_, hkv, d});
    fb::AttentionOptionsT attention;
    attention.causal = true;
    fb::OpOptionsUnion options;
    options.Set(std::move(attention));
    const int attended = op(fb::OpType::Attention, p + "self_attn",
                            {q_heads, k_heads, v_heads, k_cache, v_cache, positions_},
                            {t_, hq, d}, std::move(options));
    const bool o_bias = c_.attention_bias && c_.architecture == "LlamaForCausalLM";
    const int o = projection(p + "self_attn.o_proj",
                             reshape(p + "self_attn.merge_heads", attended, {t_, hq * d}),
                             c_.hidden_size, o_bias);
    x = add(p + "attn_residual", x, o);
    const int h2 = rms_norm(p + "post_attention_layernorm", x);
    const int gate = projection(p + "mlp.gate_proj", h2, c_.intermediate_size, false,
                                fb::ActivationKind::Silu);
    const int up = projection(p + "mlp.up_proj", h2, c_.intermediate_size, false);
    const int gated = binary(fb::OpType::Mul, p + "mlp.gated", gate, up);
    const int down = projection(p + "mlp.down_proj", gated, c_.hidden_size, false);
    return add(p + "mlp_residual", x, down);
  }

  // A checkpoint tensor with the expected shape, as an F32 constant of the same name.
  int weight(const std::string& name, const std::vector<int64_t>& shape) {
    const SafeTensor& t = checkpoint_.at(name);
    if (t.shape != shape) {
      std::string want, got;
      for (int64_t s : shape) want += (want.empty() ? "" : ",") + std::to_string(s);
      for (int64_t s : t.shape) got += (got.empty() ? "" : ",") + std::to_string(s);
      fail(Code::kInvalidModel, "tensor '" + name + "' has shape [" + got + "], config.json implies [" +
                                    want + "]");
    }
    return g_.add_constant(name, shape, checkpoint_.to_f32(t));
  }

  int projection(const std::string& module, int x, int64_t out, bool with_bias,
                 fb::ActivationKind activation = fb::ActivationKind::None) {
    const int64_t in = g_.values[static_cast<size_t>(x)].shape.back();
    const int w = weight(module + ".weight", {out, in});
    const int b = with_bias ? weight(module + ".bias", {out}) : -1;
    return linear(module, x, w, b, out, activation);
  }

  int linear(const std::string& name, int x, int w, int b, int64_t out,
             fb::ActivationKind activation = fb::ActivationKind::None) {
    fb::FullyConnectedOptionsT fc;
    if (activation != fb::ActivationKind::None) {
      fc.fused = std::make_unique<fb::ActivationT>();
      fc.fused->kind = activation;
    }
    fb::OpOptionsUnion options;
    options.Set(std::move(fc));
    std::vector<int> inputs = {x, w};
    if (b >= 0) inputs.push_back(b);
    return op(fb::OpType::FullyConnected, name, inputs, {t_, out}, std::move(options));
  }

  int rms_norm(const std::string& module, int x) {
    const int w = weight(module + ".weight", {c_.hidden_size});
    fb::RmsNormOptionsT norm;
    norm.epsilon = static_cast<float>(c_.rms_norm_eps);
    fb::OpOptionsUnion options;
    options.Set(std::move(norm));
    return op(fb::OpType::RmsNorm, module, {x, w}, g_.values[static_cast<size_t>(x)].shape,
              std::move(options));
  }

  int rope(const std::string& name, int x) {
    fb::OpOptionsUnion options;
    options.Set(fb::RopeOptionsT());
    return op(fb::OpType::Rope, name, {x, positions_, inv_freq_},
              g_.values[static_cast<size_t>(x)].shape, std::move(options));
  }

  int reshape(const std::string& name, int x, std::vector<int64_t> shape) {
    fb::OpOptionsUnion options;
    options.Set(fb::ReshapeOptionsT());
    return op(fb::OpType::Reshape, name, {x}, std::move(shape), std::move(options));
  }

  int binary(fb::OpType type, const std::string& name, int a, int b) {
    fb::OpOptionsUnion options;
    options.Set(fb::BinaryOptionsT());
    return op(type, name, {a, b}, g_.values[static_cast<size_t>(a)].shape, std::move(options));
  }
  int add(const std::string& name, int a, int b) { return binary(fb::OpType::Add, name, a, b); }

  int state(const std::string& name, std::vector<int64_t> shape) {
    const int v = g_.add_value(name, fb::DType::F32, std::move(shape));
    g_.values[static_cast<size_t>(v)].is_state = true;
    return v;
  }

  static fb::OpOptionsUnion gather_options() {
    fb::OpOptionsUnion options;
    options.Set(fb::GatherOptionsT());
    return options;
  }

  int op(fb::OpType type, const std::string& name, std::vector<int> inputs,
         std::vector<int64_t> out_shape, fb::OpOptionsUnion options) {
    const int out = g_.add_value(name + ".out", fb::DType::F32, std::move(out_shape));
    g_.values[static_cast<size_t>(out)].dim0_symbol = rows_symbol_;
    Node node;
    node.type = type;
    node.name = name;
    node.inputs = std::move(inputs);
    node.outputs = {out};
    node.options = std::move(options);
    g_.add_node(std::move(node));
    return out;
  }

  // The run-time leading dimensions (Tensor.dim0_symbol): tokens per run, and logit rows.
  static constexpr int kTokens = 1, kLogitRows = 2;

  const HfConfig& c_;
  const SafetensorsCheckpoint& checkpoint_;
  const int64_t t_, context_;
  Graph g_;
  int tokens_ = -1, positions_ = -1, inv_freq_ = -1;
  int rows_symbol_ = kTokens;  // the leading dimension of the ops' outputs
};

}  // namespace

Graph build_llama_family(const HfConfig& config, const SafetensorsCheckpoint& checkpoint,
                         const DecoderShape& shape) {
  if (shape.tokens < 1 || shape.context < shape.tokens)
    fail(Code::kInvalidArgument, "the decoder needs 1 <= tokens per run <= context, got " +
                                     std::to_string(shape.tokens) + " and " +
                                     std::to_string(shape.context));
  if (config.sliding_window > 0 && config.sliding_window < shape.context)
    fail(Code::kUnsupported, "config.json: sliding_window " + std::to_string(config.sliding_window) +
                                 " is shorter than the context " + std::to_string(shape.context) +
                                 "; convert with a context of at most the window");
  return DecoderBuilder(config, checkpoint, shape).build();
}

}  // namespace sprig::convert
