// Transformer ops: embedding gather, RMS and layer normalization, rotary position embedding and
// scaled dot-product attention with an optional KV cache (sprig.fbs gives each op's formula).
// Sums are taken in double. Each returns kInvalidArgument when the shapes do not fit or an index
// or position falls outside its table or cache.
#pragma once

#include "runtime/core/status.h"
#include "runtime/core/tensor.h"

namespace sprig::reference {

Status f32_gather__ref(const TensorView& table, const TensorView& indices, const TensorView& y);

Status f32_rms_norm__ref(const TensorView& x, const TensorView& weight,
                         const fb::RmsNormOptions& options, const TensorView& y);

// bias may be null.
Status f32_layer_norm__ref(const TensorView& x, const TensorView& weight, const TensorView* bias,
                           const fb::LayerNormOptions& options, const TensorView& y);

Status f32_rope__ref(const TensorView& x, const TensorView& positions, const TensorView& inv_freq,
                     const fb::RopeOptions& options, const TensorView& y);

// k_cache, v_cache and positions are all null (no cache) or all set; the caches (F32, or F16:
// each new row rounded to half on the way in) are written.
Status f32_attention__ref(const TensorView& q, const TensorView& k, const TensorView& v,
                          const TensorView* k_cache, const TensorView* v_cache,
                          const TensorView* positions, const fb::AttentionOptions& options,
                          const TensorView& y);

}  // namespace sprig::reference
