#include "backends/reference/kernels/fully_connected.h"

#include "backends/reference/kernels/activation.h"
#include "backends/reference/kernels/nd_index.h"
#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {

namespace {

float element(const TensorView& t, int64_t i) {
  return t.dtype == DType::F16 ? f16_to_f32(t.as<const uint16_t>()[i]) : t.f32()[i];
}

// The LoRA term of output n for the row x.
double lora_term(const LoraBranch* lora, int count, const float* x, int64_t k_size, int64_t n) {
  double sum = 0.0;
  for (int i = 0; i < count; ++i) {
    const int64_t rank = lora[i].a->shape[0];
    double branch = 0.0;
    for (int64_t j = 0; j < rank; ++j) {
      double ax = 0.0;
      for (int64_t k = 0; k < k_size; ++k) ax += double(element(*lora[i].a, j * k_size + k)) * x[k];
      branch += double(element(*lora[i].b, n * rank + j)) * ax;
    }
    sum += lora[i].scaling * branch;
  }
  return sum;
}

}  // namespace

Status f32_fully_connected__ref(const TensorView& x, const TensorView& w, const TensorView* bias,
                                const fb::FullyConnectedOptions& options, const TensorView& y,
                                const LoraBranch* lora, int lora_count) {
  const Shape& xs = x.shape;
  const Shape& ws = w.shape;
  const Shape& ys = y.shape;
  bool ok = xs.rank >= 1 && ws.rank == 2 && ys.rank == xs.rank && ws[1] == xs[xs.rank - 1] &&
            ys[ys.rank - 1] == ws[0] && (!bias || bias->shape.numel() == ws[0]);
  for (int d = 0; ok && d + 1 < xs.rank; ++d) ok = xs[d] == ys[d];
  for (int i = 0; ok && i < lora_count; ++i)
    ok = lora[i].a->shape.rank == 2 && lora[i].b->shape.rank == 2 && lora[i].a->shape[1] == ws[1] &&
         lora[i].b->shape[0] == ws[0] && lora[i].b->shape[1] == lora[i].a->shape[0];
  if (!ok)
    return Status::error(Code::kInvalidArgument,
                         "f32_fully_connected__ref: input %s, weights %s, output %s (or LoRA) do not fit",
                         ShapeText(xs).text, ShapeText(ws).text, ShapeText(ys).text);
  const int64_t k_size = ws[1];
  const int64_t n_size = ws[0];
  const int64_t rows = dims_product(xs.dims, 0, xs.rank - 1);
  const float* in = x.f32();
  const float* weights = w.f32();
  const float* b = bias ? bias->f32() : nullptr;
  float* out = y.f32();
  for (int64_t r = 0; r < rows; ++r) {
    const float* in_row = in + r * k_size;
    for (int64_t n = 0; n < n_size; ++n) {
      const float* w_row = weights + n * k_size;
      float acc = b ? b[n] : 0.0f;
      for (int64_t k = 0; k < k_size; ++k) acc += in_row[k] * w_row[k];
      if (lora_count > 0) acc += static_cast<float>(lora_term(lora, lora_count, in_row, k_size, n));
      out[r * n_size + n] = apply_activation(options.fused(), acc);
    }
  }
  return Status::ok_status();
}

}  // namespace sprig::reference
