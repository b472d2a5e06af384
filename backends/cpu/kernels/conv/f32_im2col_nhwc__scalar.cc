// im2col for NHWC (memcpy of contiguous channel runs; vectorized by the C library).
#include <cstring>

#include "backends/cpu/kernels/conv/im2col.h"

namespace sprig::cpu {

void f32_im2col_nhwc__scalar(const ConvGeometry& g, const float* x, size_t m0, size_t m1,
                             float* rows, size_t row_stride) {
  const size_t cg = g.in_c / g.groups;
  const size_t taps = g.kernel_h * g.kernel_w;
  const size_t group_width = taps * cg;
  for (size_t m = m0; m < m1; ++m) {
    float* row = rows + (m - m0) * row_stride;
    const size_t ow = m % g.out_w;
    const size_t oh = (m / g.out_w) % g.out_h;
    const size_t n = m / (g.out_w * g.out_h);
    const float* image = x + n * g.in_h * g.in_w * g.in_c;
    for (size_t kh = 0; kh < g.kernel_h; ++kh) {
      // Unsigned wrap-around makes taps above/left of the image compare >= in_h/in_w.
      const size_t ih = oh * g.stride_h + kh * g.dilation_h - g.pad_top;
      for (size_t kw = 0; kw < g.kernel_w; ++kw) {
        const size_t iw = ow * g.stride_w + kw * g.dilation_w - g.pad_left;
        float* out = row + (kh * g.kernel_w + kw) * cg;
        if (ih < g.in_h && iw < g.in_w) {
          const float* in = image + (ih * g.in_w + iw) * g.in_c;
          if (g.groups == 1) {
            std::memcpy(out, in, cg * sizeof(float));
          } else {
            for (size_t gi = 0; gi < g.groups; ++gi)
              std::memcpy(out + gi * group_width, in + gi * cg, cg * sizeof(float));
          }
        } else {
          for (size_t gi = 0; gi < g.groups; ++gi)
            std::memset(out + gi * group_width, 0, cg * sizeof(float));
        }
      }
    }
  }
}

}  // namespace sprig::cpu
