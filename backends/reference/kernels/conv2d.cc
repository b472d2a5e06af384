#include "backends/reference/kernels/conv2d.h"

#include "backends/reference/kernels/activation.h"
#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {
namespace {

Status check_conv2d_shapes(const Shape& x, const Shape& w, const TensorView* bias,
                           const fb::Conv2DOptions& o, const Shape& y) {
  const int64_t groups = o.groups();
  const bool ok = x.rank == 4 && w.rank == 4 && y.rank == 4 && groups >= 1 && x[3] % groups == 0 &&
                  w[3] == x[3] / groups && w[0] % groups == 0 && y[0] == x[0] && y[3] == w[0] &&
                  o.stride_h() >= 1 && o.stride_w() >= 1 && o.dilation_h() >= 1 &&
                  o.dilation_w() >= 1 && (!bias || bias->shape.numel() == w[0]);
  if (ok) return Status::ok_status();
  return Status::error(
      Code::kInvalidArgument,
      "f32_conv2d_nhwc__ref: input %s, weights %s, output %s, groups %d do not fit",
      ShapeText(x).text, ShapeText(w).text, ShapeText(y).text, o.groups());
}

}  // namespace

Status f32_conv2d_nhwc__ref(const TensorView& x, const TensorView& w, const TensorView* bias,
                            const fb::Conv2DOptions& options, const TensorView& y) {
  SPRIG_RETURN_IF_ERROR(check_conv2d_shapes(x.shape, w.shape, bias, options, y.shape));
  const int64_t batch = x.shape[0], in_h = x.shape[1], in_w = x.shape[2], in_c = x.shape[3];
  const int64_t out_h = y.shape[1], out_w = y.shape[2], out_c = y.shape[3];
  const int64_t kernel_h = w.shape[1], kernel_w = w.shape[2];
  const int64_t group_in_c = w.shape[3];
  const int64_t group_out_c = out_c / options.groups();
  const int64_t stride_h = options.stride_h(), stride_w = options.stride_w();
  const int64_t dilation_h = options.dilation_h(), dilation_w = options.dilation_w();
  const float* in = x.f32();
  const float* weights = w.f32();
  const float* b = bias ? bias->f32() : nullptr;
  float* out = y.f32();
  const fb::Activation* fused = options.fused();

  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const int64_t h0 = oh * stride_h - options.pad_top();
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const int64_t w0 = ow * stride_w - options.pad_left();
        float* out_pixel = out + ((n * out_h + oh) * out_w + ow) * out_c;
        for (int64_t o = 0; o < out_c; ++o) {
          const int64_t c0 = (o / group_out_c) * group_in_c;
          float acc = b ? b[o] : 0.0f;
          for (int64_t kh = 0; kh < kernel_h; ++kh) {
            const int64_t ih = h0 + kh * dilation_h;
            if (ih < 0 || ih >= in_h) continue;
            for (int64_t kw = 0; kw < kernel_w; ++kw) {
              const int64_t iw = w0 + kw * dilation_w;
              if (iw < 0 || iw >= in_w) continue;
              const float* in_tap = in + ((n * in_h + ih) * in_w + iw) * in_c + c0;
              const float* w_tap = weights + ((o * kernel_h + kh) * kernel_w + kw) * group_in_c;
              for (int64_t c = 0; c < group_in_c; ++c) acc += in_tap[c] * w_tap[c];
            }
          }
          out_pixel[o] = apply_activation(fused, acc);
        }
      }
    }
  }
  return Status::ok_status();
}

}  // namespace sprig::reference
