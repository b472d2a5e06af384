#include "backends/reference/kernels/pool2d.h"

#include <cmath>
#include <limits>

#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {
namespace {

Status check_pool2d_shapes(const char* kernel, const Shape& x, const fb::Pool2DOptions& o,
                           const Shape& y) {
  const bool ok = x.rank == 4 && y.rank == 4 && y[0] == x[0] && y[3] == x[3] && o.kernel_h() >= 1 &&
                  o.kernel_w() >= 1 && o.stride_h() >= 1 && o.stride_w() >= 1 &&
                  o.dilation_h() >= 1 && o.dilation_w() >= 1;
  if (ok) return Status::ok_status();
  return Status::error(Code::kInvalidArgument, "%s: input %s, output %s, kernel %dx%d do not fit",
                       kernel, ShapeText(x).text, ShapeText(y).text, o.kernel_h(), o.kernel_w());
}

// One axis of a pooling window: the taps that fall inside the input, and how many fall inside the
// input plus its padding.
struct WindowTaps {
  int64_t first = 0;   // first tap (in kernel steps) inside the input
  int64_t end = 0;     // one past the last tap inside the input
  int64_t padded = 0;  // taps inside [-pad_begin, size + pad_end)
};

WindowTaps window_taps(int64_t out_index, int64_t stride, int64_t pad_begin, int64_t pad_end,
                       int64_t kernel, int64_t dilation, int64_t size) {
  WindowTaps taps;
  const int64_t start = out_index * stride - pad_begin;
  taps.first = kernel;
  for (int64_t k = 0; k < kernel; ++k) {
    const int64_t i = start + k * dilation;
    if (i >= 0 && i < size) {
      if (taps.first == kernel) taps.first = k;
      taps.end = k + 1;
    }
    if (i < size + pad_end) ++taps.padded;
  }
  if (taps.first == kernel) taps.first = taps.end = 0;
  return taps;
}

enum class PoolKind { kMax, kAverage };

template <PoolKind kKind>
Status f32_pool2d_nhwc(const char* kernel, const TensorView& x, const fb::Pool2DOptions& o,
                       const TensorView& y) {
  SPRIG_RETURN_IF_ERROR(check_pool2d_shapes(kernel, x.shape, o, y.shape));
  const int64_t batch = x.shape[0], in_h = x.shape[1], in_w = x.shape[2], channels = x.shape[3];
  const int64_t out_h = y.shape[1], out_w = y.shape[2];
  const float* in = x.f32();
  float* out = y.f32();
  for (int64_t n = 0; n < batch; ++n) {
    for (int64_t oh = 0; oh < out_h; ++oh) {
      const WindowTaps th = window_taps(oh, o.stride_h(), o.pad_top(), o.pad_bottom(), o.kernel_h(),
                                        o.dilation_h(), in_h);
      const int64_t h0 = oh * o.stride_h() - o.pad_top();
      for (int64_t ow = 0; ow < out_w; ++ow) {
        const WindowTaps tw = window_taps(ow, o.stride_w(), o.pad_left(), o.pad_right(),
                                          o.kernel_w(), o.dilation_w(), in_w);
        const int64_t w0 = ow * o.stride_w() - o.pad_left();
        float* out_pixel = out + ((n * out_h + oh) * out_w + ow) * channels;
        const float init = kKind == PoolKind::kMax ? -std::numeric_limits<float>::infinity() : 0.0f;
        for (int64_t c = 0; c < channels; ++c) out_pixel[c] = init;
        int64_t inside = 0;
        for (int64_t kh = th.first; kh < th.end; ++kh) {
          const int64_t ih = h0 + kh * o.dilation_h();
          for (int64_t kw = tw.first; kw < tw.end; ++kw) {
            const int64_t iw = w0 + kw * o.dilation_w();
            const float* in_pixel = in + ((n * in_h + ih) * in_w + iw) * channels;
            ++inside;
            for (int64_t c = 0; c < channels; ++c) {
              const float v = in_pixel[c];
              if (kKind == PoolKind::kMax) {
                if (v > out_pixel[c] || std::isnan(v)) out_pixel[c] = v;
              } else {
                out_pixel[c] += v;
              }
            }
          }
        }
        if (kKind == PoolKind::kAverage) {
          const int64_t divisor = o.count_include_pad() ? th.padded * tw.padded : inside;
          if (divisor > 0)
            for (int64_t c = 0; c < channels; ++c) out_pixel[c] /= static_cast<float>(divisor);
        }
      }
    }
  }
  return Status::ok_status();
}

}  // namespace

Status f32_max_pool2d_nhwc__ref(const TensorView& x, const fb::Pool2DOptions& options,
                                const TensorView& y) {
  return f32_pool2d_nhwc<PoolKind::kMax>("f32_max_pool2d_nhwc__ref", x, options, y);
}

Status f32_average_pool2d_nhwc__ref(const TensorView& x, const fb::Pool2DOptions& options,
                                    const TensorView& y) {
  return f32_pool2d_nhwc<PoolKind::kAverage>("f32_average_pool2d_nhwc__ref", x, options, y);
}

}  // namespace sprig::reference
