#include "backends/reference/kernels/transformer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {
namespace {

int64_t last_dim(const Shape& s) { return s.rank > 0 ? s[s.rank - 1] : 1; }

Status misfit(const char* kernel, const Shape& a, const Shape& b) {
  return Status::error(Code::kInvalidArgument, "%s: shapes %s and %s do not fit", kernel,
                       ShapeText(a).text, ShapeText(b).text);
}

// Element i of an F32 or F16 cache, and writing one.
float cache_at(const TensorView& cache, int64_t i) {
  return cache.dtype == DType::F16 ? f16_to_f32(cache.as<const uint16_t>()[i]) : cache.f32()[i];
}

void cache_put(const TensorView& cache, int64_t i, float x) {
  if (cache.dtype == DType::F16)
    cache.as<uint16_t>()[i] = f32_to_f16(x);
  else
    cache.f32()[i] = x;
}

}  // namespace

Status f32_gather__ref(const TensorView& table, const TensorView& indices, const TensorView& y) {
  const int64_t rows = table.shape[0], d = table.shape[1];
  const int64_t n = indices.shape.numel();
  if (table.shape.rank != 2 || y.shape.numel() != n * d) return misfit("f32_gather__ref", table.shape, y.shape);
  const int32_t* index = indices.as<const int32_t>();
  for (int64_t i = 0; i < n; ++i) {
    if (index[i] < 0 || index[i] >= rows)
      return Status::error(Code::kInvalidArgument, "f32_gather__ref: index %d at %lld is outside [0, %lld)",
                           index[i], static_cast<long long>(i), static_cast<long long>(rows));
    std::memcpy(y.f32() + i * d, table.f32() + index[i] * d, static_cast<size_t>(d) * sizeof(float));
  }
  return Status::ok_status();
}

Status f32_rms_norm__ref(const TensorView& x, const TensorView& weight,
                         const fb::RmsNormOptions& options, const TensorView& y) {
  const int64_t d = last_dim(x.shape);
  if (weight.shape.numel() != d || y.shape != x.shape) return misfit("f32_rms_norm__ref", x.shape, weight.shape);
  const int64_t rows = d > 0 ? x.shape.numel() / d : 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x.f32() + r * d;
    double sum = 0.0;
    for (int64_t i = 0; i < d; ++i) sum += double(in[i]) * in[i];
    const double inv = 1.0 / std::sqrt(sum / double(d) + options.epsilon());
    for (int64_t i = 0; i < d; ++i)
      y.f32()[r * d + i] = static_cast<float>(in[i] * inv * weight.f32()[i]);
  }
  return Status::ok_status();
}

Status f32_layer_norm__ref(const TensorView& x, const TensorView& weight, const TensorView* bias,
                           const fb::LayerNormOptions& options, const TensorView& y) {
  const int64_t d = last_dim(x.shape);
  if (weight.shape.numel() != d || (bias && bias->shape.numel() != d) || y.shape != x.shape)
    return misfit("f32_layer_norm__ref", x.shape, weight.shape);
  const int64_t rows = d > 0 ? x.shape.numel() / d : 0;
  for (int64_t r = 0; r < rows; ++r) {
    const float* in = x.f32() + r * d;
    double mean = 0.0, var = 0.0;
    for (int64_t i = 0; i < d; ++i) mean += in[i];
    mean /= double(d);
    for (int64_t i = 0; i < d; ++i) var += (in[i] - mean) * (in[i] - mean);
    const double inv = 1.0 / std::sqrt(var / double(d) + options.epsilon());
    for (int64_t i = 0; i < d; ++i)
      y.f32()[r * d + i] =
          static_cast<float>((in[i] - mean) * inv * weight.f32()[i] + (bias ? bias->f32()[i] : 0.0f));
  }
  return Status::ok_status();
}

Status f32_rope__ref(const TensorView& x, const TensorView& positions, const TensorView& inv_freq,
                     const fb::RopeOptions& options, const TensorView& y) {
  const int64_t t_len = x.shape[0], heads = x.shape[1], d = x.shape[2];
  const int64_t half = inv_freq.shape[0];
  if (x.shape.rank != 3 || y.shape != x.shape || positions.shape.numel() != t_len || 2 * half > d)
    return misfit("f32_rope__ref", x.shape, inv_freq.shape);
  if (x.data != y.data) std::memcpy(y.data, x.data, x.bytes());
  for (int64_t t = 0; t < t_len; ++t) {
    const double position = positions.as<const int32_t>()[t];
    for (int64_t h = 0; h < heads; ++h) {
      float* row = y.f32() + (t * heads + h) * d;
      for (int64_t i = 0; i < half; ++i) {
        const double angle = position * double(inv_freq.f32()[i]);
        const double c = std::cos(angle), s = std::sin(angle);
        const int64_t a = options.interleaved() ? 2 * i : i;
        const int64_t b = options.interleaved() ? 2 * i + 1 : i + half;
        const double x1 = row[a], x2 = row[b];
        row[a] = static_cast<float>(x1 * c - x2 * s);
        row[b] = static_cast<float>(x2 * c + x1 * s);
      }
    }
  }
  return Status::ok_status();
}

Status f32_attention__ref(const TensorView& q, const TensorView& k, const TensorView& v,
                          const TensorView* k_cache, const TensorView* v_cache,
                          const TensorView* positions, const fb::AttentionOptions& options,
                          const TensorView& y) {
  const int64_t t_len = q.shape[0], heads = q.shape[1], d = q.shape[2];
  const int64_t kv_heads = k.shape[1];
  if (q.shape.rank != 3 || k.shape.rank != 3 || y.shape != q.shape || kv_heads < 1 ||
      heads % kv_heads != 0 || k.shape[2] != d)
    return misfit("f32_attention__ref", q.shape, k.shape);
  const bool cached = k_cache != nullptr;
  int64_t key_rows = k.shape[0];
  const int64_t row = kv_heads * d;
  if (cached) {
    const int32_t* pos = positions->as<const int32_t>();
    const int64_t capacity = k_cache->shape[0];
    int64_t last = 0;
    for (int64_t t = 0; t < t_len; ++t) {
      if (pos[t] < 0 || pos[t] >= capacity)
        return Status::error(Code::kInvalidArgument,
                             "f32_attention__ref: position %d is outside the %lld-row cache",
                             pos[t], static_cast<long long>(capacity));
      for (int64_t i = 0; i < row; ++i) {
        cache_put(*k_cache, pos[t] * row + i, k.f32()[t * row + i]);
        cache_put(*v_cache, pos[t] * row + i, v.f32()[t * row + i]);
      }
      last = std::max<int64_t>(last, pos[t]);
    }
    key_rows = last + 1;
  }
  const TensorView& keys = cached ? *k_cache : k;
  const TensorView& values = cached ? *v_cache : v;
  const double scale = options.scale() != 0.0f ? options.scale() : 1.0 / std::sqrt(double(d));
  for (int64_t t = 0; t < t_len; ++t) {
    int64_t visible = key_rows;
    if (options.causal())
      visible = cached ? positions->as<const int32_t>()[t] + 1 : t + key_rows - t_len + 1;
    visible = std::clamp<int64_t>(visible, 0, key_rows);
    for (int64_t h = 0; h < heads; ++h) {
      const int64_t g = h / (heads / kv_heads);
      const float* query = q.f32() + (t * heads + h) * d;
      auto score = [&](int64_t s) {
        double dot = 0.0;
        for (int64_t i = 0; i < d; ++i) dot += double(query[i]) * cache_at(keys, s * row + g * d + i);
        return dot * scale;
      };
      double max = -INFINITY, sum = 0.0;
      for (int64_t s = 0; s < visible; ++s) max = std::max(max, score(s));
      for (int64_t s = 0; s < visible; ++s) sum += std::exp(score(s) - max);
      float* out = y.f32() + (t * heads + h) * d;
      std::fill(out, out + d, 0.0f);
      for (int64_t s = 0; s < visible; ++s) {
        const double weight = std::exp(score(s) - max) / sum;
        for (int64_t i = 0; i < d; ++i)
          out[i] += static_cast<float>(weight * cache_at(values, s * row + g * d + i));
      }
    }
  }
  return Status::ok_status();
}

}  // namespace sprig::reference
