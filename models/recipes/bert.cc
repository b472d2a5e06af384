#include "models/recipes/bert.h"

#include <string>
#include <utility>

#include "converter/ir/error.h"
#include "models/recipes/recipe_builder.h"

namespace sprig::convert {
namespace {

constexpr int kTokens = 1;  // the run-time leading dimension (Tensor.dim0_symbol)

class BertBuilder {
 public:
  BertBuilder(const EncoderConfig& config, const SafetensorsCheckpoint& checkpoint, int64_t tokens)
      : c_(config), b_(checkpoint, config.architecture), s_(tokens) {
    prefix_ = b_.has("bert.embeddings.word_embeddings.weight") ? "bert." : "";
  }

  Graph build() {
    const int64_t d = c_.hidden_size;
    const int ids = b_.input("input_ids", fb::DType::I32, {s_}, kTokens);
    const int types = b_.input("token_type_ids", fb::DType::I32, {s_}, kTokens);
    const int positions = b_.input("position_ids", fb::DType::I32, {s_}, kTokens);
    const std::string e = prefix_ + "embeddings.";
    b_.set_rows_symbol(kTokens);
    const int words = b_.gather(e + "word_embeddings", b_.weight(e + "word_embeddings.weight", {c_.vocab_size, d}), ids);
    const int placed = b_.gather(e + "position_embeddings",
                                 b_.weight(e + "position_embeddings.weight", {c_.max_position_embeddings, d}),
                                 positions);
    const int typed = b_.gather(e + "token_type_embeddings",
                                b_.weight(e + "token_type_embeddings.weight", {c_.type_vocab_size, d}), types);
    int h = b_.layer_norm(e + "LayerNorm", b_.add(e + "sum", b_.add(e + "sum_positions", words, placed), typed),
                          c_.layer_norm_eps);
    for (int64_t layer = 0; layer < c_.num_layers; ++layer) h = encoder_layer(layer, h);
    if (c_.architecture == "BertModel") b_.output(h, "last_hidden_state");
    b_.set_rows_symbol(0);
    const int first = b_.gather(prefix_ + "pooler.first_token", h, b_.indices(prefix_ + "pooler.first_index", {0}));
    const int pooled = b_.projection(prefix_ + "pooler.dense", first, d, true, fb::ActivationKind::Tanh);
    if (c_.architecture == "BertModel") {
      b_.output(pooled, "pooler_output");
    } else {
      b_.output(b_.projection("classifier", pooled, c_.num_labels, true), "logits");
    }
    return std::move(b_.graph());
  }

 private:
  int encoder_layer(int64_t layer, int h) {
    const std::string p = prefix_ + "encoder.layer." + std::to_string(layer) + ".";
    const int64_t d = c_.hidden_size, heads = c_.num_heads, head_dim = d / heads;
    int qkv[3];
    const char* const names[3] = {"query", "key", "value"};
    for (int i = 0; i < 3; ++i) {
      const std::string module = p + "attention.self." + names[i];
      qkv[i] = b_.reshape(module + ".heads", b_.projection(module, h, d, true), {s_, heads, head_dim});
    }
    const int attended = b_.attention(p + "attention.self", {qkv[0], qkv[1], qkv[2]}, /*causal=*/false);
    const int merged = b_.reshape(p + "attention.self.merge_heads", attended, {s_, d});
    const int o = b_.projection(p + "attention.output.dense", merged, d, true);
    const int a = b_.layer_norm(p + "attention.output.LayerNorm", b_.add(p + "attention.residual", o, h),
                                c_.layer_norm_eps);
    const int i = b_.projection(p + "intermediate.dense", a, c_.intermediate_size, true, c_.activation);
    const int out = b_.projection(p + "output.dense", i, d, true);
    return b_.layer_norm(p + "output.LayerNorm", b_.add(p + "output.residual", out, a), c_.layer_norm_eps);
  }

  const EncoderConfig& c_;
  RecipeBuilder b_;
  const int64_t s_;
  std::string prefix_;
};

}  // namespace

Graph build_bert(const EncoderConfig& config, const SafetensorsCheckpoint& checkpoint, int64_t max_tokens) {
  if (max_tokens < 1 || max_tokens > config.max_position_embeddings)
    fail(Code::kInvalidArgument, "BERT: the longest sequence must be 1 to max_position_embeddings (" +
                                     std::to_string(config.max_position_embeddings) + "), got " +
                                     std::to_string(max_tokens));
  return BertBuilder(config, checkpoint, max_tokens).build();
}

}  // namespace sprig::convert
