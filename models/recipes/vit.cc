#include "models/recipes/vit.h"

#include <string>
#include <utility>
#include <vector>

#include "models/recipes/recipe_builder.h"

namespace sprig::convert {
namespace {

class VitBuilder {
 public:
  VitBuilder(const EncoderConfig& config, const SafetensorsCheckpoint& checkpoint)
      : c_(config), b_(checkpoint, config.architecture) {
    const int64_t side = c_.image_size / c_.patch_size;
    n_ = side * side + 1;
  }

  Graph build() {
    const int64_t d = c_.hidden_size, c = c_.num_channels, size = c_.image_size, side = size / c_.patch_size;
    const int pixels = b_.input("pixel_values", fb::DType::F32, {1, c, size, size}, 0);
    fb::TransposeOptionsT transpose;
    transpose.perm = {0, 2, 3, 1};
    fb::OpOptionsUnion transpose_options;
    transpose_options.Set(std::move(transpose));
    const int nhwc = b_.op(fb::OpType::Transpose, "vit.embeddings.to_nhwc", {pixels}, {1, size, size, c},
                           std::move(transpose_options));
    const int patches = b_.reshape("vit.embeddings.patches", patch_embedding(nhwc), {side * side, d});
    fb::ConcatOptionsT concat;
    concat.axis = 0;
    fb::OpOptionsUnion concat_options;
    concat_options.Set(std::move(concat));
    const int cls = b_.weight("vit.embeddings.cls_token", {1, 1, d}, {1, d});
    const int tokens = b_.op(fb::OpType::Concat, "vit.embeddings.with_cls", {cls, patches}, {n_, d},
                             std::move(concat_options));
    int x = b_.add("vit.embeddings.placed", tokens,
                   b_.weight("vit.embeddings.position_embeddings", {1, n_, d}, {n_, d}));
    for (int64_t layer = 0; layer < c_.num_layers; ++layer) x = encoder_layer(layer, x);
    const int normed = b_.layer_norm("vit.layernorm", x, c_.layer_norm_eps);
    const int first = b_.gather("vit.cls_token_out", normed, b_.indices("vit.cls_index", {0}));
    b_.output(b_.projection("classifier", first, c_.num_labels, true), "logits");
    return std::move(b_.graph());
  }

 private:
  // Conv2D with kernel and stride the patch size, over NHWC pixels.
  int patch_embedding(int nhwc) {
    const std::string module = "vit.embeddings.patch_embeddings.projection";
    const int64_t d = c_.hidden_size, c = c_.num_channels, p = c_.patch_size, side = c_.image_size / p;
    const std::vector<float> stored = b_.values(module + ".weight", {d, c, p, p});
    std::vector<float> ohwi(stored.size());
    for (int64_t o = 0; o < d; ++o)
      for (int64_t i = 0; i < c; ++i)
        for (int64_t y = 0; y < p; ++y)
          for (int64_t x = 0; x < p; ++x)
            ohwi[static_cast<size_t>(((o * p + y) * p + x) * c + i)] =
                stored[static_cast<size_t>(((o * c + i) * p + y) * p + x)];
    const int w = b_.graph().add_constant(module + ".weight", {d, p, p, c}, ohwi);
    fb::Conv2DOptionsT conv;
    conv.stride_h = conv.stride_w = static_cast<int32_t>(p);
    fb::OpOptionsUnion options;
    options.Set(std::move(conv));
    return b_.op(fb::OpType::Conv2D, module, {nhwc, w, b_.weight(module + ".bias", {d})}, {1, side, side, d},
                 std::move(options));
  }

  int encoder_layer(int64_t layer, int x) {
    const std::string p = "vit.encoder.layer." + std::to_string(layer) + ".";
    const int64_t d = c_.hidden_size, heads = c_.num_heads, head_dim = d / heads;
    const int h = b_.layer_norm(p + "layernorm_before", x, c_.layer_norm_eps);
    int qkv[3];
    const char* const names[3] = {"query", "key", "value"};
    for (int i = 0; i < 3; ++i) {
      const std::string module = p + "attention.attention." + names[i];
      qkv[i] = b_.reshape(module + ".heads", b_.projection(module, h, d, c_.qkv_bias), {n_, heads, head_dim});
    }
    const int attended = b_.attention(p + "attention.attention", {qkv[0], qkv[1], qkv[2]}, /*causal=*/false);
    const int merged = b_.reshape(p + "attention.attention.merge_heads", attended, {n_, d});
    x = b_.add(p + "attention.residual", b_.projection(p + "attention.output.dense", merged, d, true), x);
    const int h2 = b_.layer_norm(p + "layernorm_after", x, c_.layer_norm_eps);
    const int i = b_.projection(p + "intermediate.dense", h2, c_.intermediate_size, true, c_.activation);
    return b_.add(p + "output.residual", b_.projection(p + "output.dense", i, d, true), x);
  }

  const EncoderConfig& c_;
  RecipeBuilder b_;
  int64_t n_ = 0;  // tokens: the patches and the class token
};

}  // namespace

Graph build_vit(const EncoderConfig& config, const SafetensorsCheckpoint& checkpoint) {
  return VitBuilder(config, checkpoint).build();
}

}  // namespace sprig::convert
