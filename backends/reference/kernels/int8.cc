#include "backends/reference/kernels/int8.h"

#include <algorithm>
#include <cstring>

#include "backends/reference/kernels/nd_index.h"
#include "backends/reference/kernels/shape_text.h"
#include "runtime/core/int8_arith.h"
#include "runtime/core/quantization.h"

namespace sprig::reference {
namespace {

Int8Range fused_range(const fb::Activation* fused, Int8Params y) {
  Int8Range range;
  (void)int8_activation_range(fused, y, &range);  // check_op refused what has no int8 form
  return range;
}

// The requantization multiplier of output channel `channel` of a Conv2D / FullyConnected.
float conv_multiplier(const TensorView& x, const TensorView& w, const TensorView& y,
                      int64_t channel) {
  return int8_conv_multiplier(int8_params(x).scale, quantization_scale(w, channel),
                              int8_params(y).scale);
}

}  // namespace

Status int8_quantize__ref(const TensorView& x, const TensorView& y) {
  const Int8Params q = int8_params(y);
  const float inverse = int8_inverse_scale(q.scale);
  const float* in = x.f32();
  int8_t* out = y.as<int8_t>();
  for (int64_t i = 0, n = x.shape.numel(); i < n; ++i)
    out[i] = int8_quantize(in[i], inverse, q.zero_point);
  return Status::ok_status();
}

Status int8_dequantize__ref(const TensorView& x, const TensorView& y) {
  const Int8Params q = int8_params(x);
  const int8_t* in = x.as<const int8_t>();
  float* out = y.f32();
  for (int64_t i = 0, n = x.shape.numel(); i < n; ++i)
    out[i] = int8_dequantize(in[i], q.scale, q.zero_point);
  return Status::ok_status();
}

Status int8_conv2d_nhwc__ref(const TensorView& x, const TensorView& w, const TensorView* bias,
                             const fb::Conv2DOptions& options, const TensorView& y) {
  const int64_t batch = x.shape[0], in_h = x.shape[1], in_w = x.shape[2], in_c = x.shape[3];
  const int64_t out_h = y.shape[1], out_w = y.shape[2], out_c = y.shape[3];
  const int64_t kernel_h = w.shape[1], kernel_w = w.shape[2], group_in_c = w.shape[3];
  const int64_t group_out_c = out_c / options.groups();
  const int32_t x_zero = int8_params(x).zero_point;
  const Int8Params yq = int8_params(y);
  const Int8Range range = fused_range(options.fused(), yq);
  const int8_t* in = x.as<const int8_t>();
  const int8_t* weights = w.as<const int8_t>();
  const int32_t* b = bias ? bias->as<const int32_t>() : nullptr;
  int8_t* out = y.as<int8_t>();
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const int64_t h0 = oh * options.stride_h() - options.pad_top();
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const int64_t w0 = ow * options.stride_w() - options.pad_left();
        int8_t* out_pixel = out + ((n * out_h + oh) * out_w + ow) * out_c;
        for (int64_t o = 0; o < out_c; ++o) {
          const int64_t c0 = (o / group_out_c) * group_in_c;
          int32_t acc = b ? b[o] : 0;
          for (int64_t kh = 0; kh < kernel_h; ++kh) {
            const int64_t ih = h0 + kh * options.dilation_h();
            if (ih < 0 || ih >= in_h) continue;
            for (int64_t kw = 0; kw < kernel_w; ++kw) {
              const int64_t iw = w0 + kw * options.dilation_w();
              if (iw < 0 || iw >= in_w) continue;
              const int8_t* in_tap = in + ((n * in_h + ih) * in_w + iw) * in_c + c0;
              const int8_t* w_tap = weights + ((o * kernel_h + kh) * kernel_w + kw) * group_in_c;
              for (int64_t c = 0; c < group_in_c; ++c)
                acc += (static_cast<int32_t>(in_tap[c]) - x_zero) * w_tap[c];
            }
          }
          out_pixel[o] = int8_requantize(acc, conv_multiplier(x, w, y, o), yq.zero_point, range);
        }
      }
    }
  }
  return Status::ok_status();
}

Status int8_fully_connected__ref(const TensorView& x, const TensorView& w, const TensorView* bias,
                                 const fb::FullyConnectedOptions& options, const TensorView& y) {
  const int64_t k_size = w.shape[1], n_size = w.shape[0];
  const int64_t rows = dims_product(x.shape.dims, 0, x.shape.rank - 1);
  const int32_t x_zero = int8_params(x).zero_point;
  const Int8Params yq = int8_params(y);
  const Int8Range range = fused_range(options.fused(), yq);
  const int8_t* in = x.as<const int8_t>();
  const int8_t* weights = w.as<const int8_t>();
  const int32_t* b = bias ? bias->as<const int32_t>() : nullptr;
  int8_t* out = y.as<int8_t>();
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t n = 0; n < n_size; ++n) {
      int32_t acc = b ? b[n] : 0;
      for (int64_t k = 0; k < k_size; ++k)
        acc += (static_cast<int32_t>(in[r * k_size + k]) - x_zero) * weights[n * k_size + k];
      out[r * n_size + n] = int8_requantize(acc, conv_multiplier(x, w, y, n), yq.zero_point, range);
    }
  }
  return Status::ok_status();
}

Status int8_add__ref(const TensorView& a, const TensorView& b, const fb::Activation* fused,
                     const TensorView& y) {
  const Shape& ys = y.shape;
  int64_t a_strides[kMaxRank];
  int64_t b_strides[kMaxRank];
  if (!broadcast_strides(a.shape.dims, a.shape.rank, 1, ys.dims, ys.rank, a_strides) ||
      !broadcast_strides(b.shape.dims, b.shape.rank, 1, ys.dims, ys.rank, b_strides))
    return Status::error(Code::kInvalidArgument,
                         "int8_add__ref: a %s and b %s do not broadcast to output %s",
                         ShapeText(a.shape).text, ShapeText(b.shape).text, ShapeText(ys).text);
  const Int8Params aq = int8_params(a), bq = int8_params(b), yq = int8_params(y);
  const float a_multiplier = int8_add_multiplier(aq.scale, yq.scale);
  const float b_multiplier = int8_add_multiplier(bq.scale, yq.scale);
  const Int8Range range = fused_range(fused, yq);
  const int8_t* a_data = a.as<const int8_t>();
  const int8_t* b_data = b.as<const int8_t>();
  int8_t* out = y.as<int8_t>();
  auto add = [&](int8_t p, int8_t q) {
    return int8_add(p - aq.zero_point, q - bq.zero_point, a_multiplier, b_multiplier,
                    yq.zero_point, range);
  };
  if (ys.rank == 0) {
    out[0] = add(a_data[0], b_data[0]);
    return Status::ok_status();
  }
  if (ys.numel() == 0) return Status::ok_status();
  const int last = ys.rank - 1;
  OffsetWalker<2> walker(ys.dims, last);
  walker.set_strides(0, a_strides);
  walker.set_strides(1, b_strides);
  do {
    const int8_t* a_row = a_data + walker.offset(0);
    const int8_t* b_row = b_data + walker.offset(1);
    for (int64_t i = 0; i < ys[last]; ++i)
      out[i] = add(a_row[i * a_strides[last]], b_row[i * b_strides[last]]);
    out += ys[last];
  } while (walker.next());
  return Status::ok_status();
}

Status int8_max_pool2d_nhwc__ref(const TensorView& x, const fb::Pool2DOptions& o,
                                 const TensorView& y) {
  const int64_t batch = x.shape[0], in_h = x.shape[1], in_w = x.shape[2], channels = x.shape[3];
  const int64_t out_h = y.shape[1], out_w = y.shape[2];
  const int8_t* in = x.as<const int8_t>();
  int8_t* out = y.as<int8_t>();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t oh = 0; oh < out_h; ++oh)
      for (int64_t ow = 0; ow < out_w; ++ow) {
        int8_t* out_pixel = out + ((n * out_h + oh) * out_w + ow) * channels;
        std::fill(out_pixel, out_pixel + channels, static_cast<int8_t>(-128));
        for (int64_t kh = 0; kh < o.kernel_h(); ++kh) {
          const int64_t ih = oh * o.stride_h() - o.pad_top() + kh * o.dilation_h();
          if (ih < 0 || ih >= in_h) continue;
          for (int64_t kw = 0; kw < o.kernel_w(); ++kw) {
            const int64_t iw = ow * o.stride_w() - o.pad_left() + kw * o.dilation_w();
            if (iw < 0 || iw >= in_w) continue;
            const int8_t* in_pixel = in + ((n * in_h + ih) * in_w + iw) * channels;
            for (int64_t c = 0; c < channels; ++c)
              out_pixel[c] = std::max(out_pixel[c], in_pixel[c]);
          }
        }
      }
  return Status::ok_status();
}

Status int8_global_average_pool_nhwc__ref(const TensorView& x, const TensorView& y) {
  const int64_t batch = x.shape[0], pixels = x.shape[1] * x.shape[2], channels = x.shape[3];
  const Int8Params xq = int8_params(x), yq = int8_params(y);
  const float multiplier = int8_average_multiplier(xq.scale, yq.scale, pixels);
  const int8_t* in = x.as<const int8_t>();
  int8_t* out = y.as<int8_t>();
  for (int64_t n = 0; n < batch; ++n)
    for (int64_t c = 0; c < channels; ++c) {
      int32_t acc = 0;
      for (int64_t p = 0; p < pixels; ++p)
        acc += static_cast<int32_t>(in[(n * pixels + p) * channels + c]) - xq.zero_point;
      out[n * channels + c] = int8_requantize(acc, multiplier, yq.zero_point, Int8Range());
    }
  return Status::ok_status();
}

Status int8_reshape__ref(const TensorView& x, const TensorView& y) {
  const int64_t numel = x.shape.numel();
  if (numel > 0 && x.data != y.data) std::memmove(y.data, x.data, static_cast<size_t>(numel));
  return Status::ok_status();
}

}  // namespace sprig::reference
