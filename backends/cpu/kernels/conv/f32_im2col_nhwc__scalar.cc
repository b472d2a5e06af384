// im2col for NHWC (memcpy of contiguous channel runs; vectorized by the C library).
#include <cstring>

#include "backends/cpu/kernels/conv/im2col.h"

namespace sprig::cpu {

void f32_im2col_nhwc__scalar(const ConvGeometry& g, const float* x, size_t m0, size_t m1,
                             float* rows, size_t row_stride) {
  const size_t cg = g.in_c / g.groups;
  const size_t taps = g.kernel_h * g.kernel_w;
  const size_t group_width = taps * cg;
  // With one group and dilation 1, a kernel row's taps are one contiguous run of kernel_w * C
  // floats in x and in the im2col row: copy the part inside the image at once.
  const bool runs = g.groups == 1 && g.dilation_w == 1;
  for (size_t m = m0; m < m1; ++m) {
    float* row = rows + (m - m0) * row_stride;
    const size_t ow = m % g.out_w;
    const size_t oh = (m / g.out_w) % g.out_h;
    const size_t n = m / (g.out_w * g.out_h);
    const float* image = x + n * g.in_h * g.in_w * g.in_c;
    for (size_t kh = 0; kh < g.kernel_h; ++kh) {
      // Unsigned wrap-around makes taps above/left of the image compare >= in_h/in_w.
      const size_t ih = oh * g.stride_h + kh * g.dilation_h - g.pad_top;
      float* out_row = row + kh * g.kernel_w * cg;
      if (runs) {
        if (ih >= g.in_h) {
          std::memset(out_row, 0, g.kernel_w * cg * sizeof(float));
          continue;
        }
        // Taps kw in [first, last) fall inside the image.
        const ptrdiff_t iw0 =
            static_cast<ptrdiff_t>(ow * g.stride_w) - static_cast<ptrdiff_t>(g.pad_left);
        const ptrdiff_t kw_count = static_cast<ptrdiff_t>(g.kernel_w);
        const ptrdiff_t first = iw0 < 0 ? (-iw0 < kw_count ? -iw0 : kw_count) : 0;
        ptrdiff_t last = static_cast<ptrdiff_t>(g.in_w) - iw0;
        if (last > kw_count) last = kw_count;
        if (last < first) last = first;
        if (first > 0) std::memset(out_row, 0, static_cast<size_t>(first) * cg * sizeof(float));
        if (last > first)
          std::memcpy(out_row + static_cast<size_t>(first) * cg,
                      image + (ih * g.in_w + static_cast<size_t>(iw0 + first)) * g.in_c,
                      static_cast<size_t>(last - first) * cg * sizeof(float));
        if (last < kw_count)
          std::memset(out_row + static_cast<size_t>(last) * cg, 0,
                      static_cast<size_t>(kw_count - last) * cg * sizeof(float));
        continue;
      }
      for (size_t kw = 0; kw < g.kernel_w; ++kw) {
        const size_t iw = ow * g.stride_w + kw * g.dilation_w - g.pad_left;
        float* out = out_row + kw * cg;
        if (ih < g.in_h && iw < g.in_w) {
          const float* in = image + (ih * g.in_w + iw) * g.in_c;
          for (size_t gi = 0; gi < g.groups; ++gi)
            std::memcpy(out + gi * group_width, in + gi * cg, cg * sizeof(float));
        } else {
          for (size_t gi = 0; gi < g.groups; ++gi)
            std::memset(out + gi * group_width, 0, cg * sizeof(float));
        }
      }
    }
  }
}

}  // namespace sprig::cpu
