// Depthwise convolution row kernels for simd::Scalar.
#include "backends/cpu/kernels/common/simd_scalar.h"
#include "backends/cpu/kernels/dwconv/dwconv_impl.h"

namespace sprig::cpu {

SPRIG_DEFINE_DWCONV_KERNELS(scalar, simd::Scalar)

// Output channel o reads input channel o / multiplier; weights packed with block 1.
void f32_dwconv_multiplier__scalar(const DwConvRowArgs& a) {
  const size_t taps = static_cast<size_t>(a.kernel_h) * static_cast<size_t>(a.kernel_w);
  const long in_w = static_cast<long>(a.in_w);
  const size_t m = static_cast<size_t>(a.multiplier);
  for (size_t ow = 0; ow < a.out_w; ++ow) {
    const long iw0 = static_cast<long>(ow) * a.stride_w - a.pad_left;
    float* out = a.output + ow * a.out_channels;
    for (size_t o = a.c_begin; o < a.c_end; ++o) {
      const float* w = a.weights + o * (taps + 1);
      const size_t ci = o / m;
      float acc = w[taps];
      for (int kh = 0; kh < a.kernel_h; ++kh) {
        for (int kw = 0; kw < a.kernel_w; ++kw) {
          const long iw = iw0 + static_cast<long>(kw) * a.dilation_w;
          if (iw < 0 || iw >= in_w) continue;
          acc += a.rows[kh][static_cast<size_t>(iw) * a.in_channels + ci] *
                 w[static_cast<size_t>(kh) * a.kernel_w + kw];
        }
      }
      out[o] = simd::Scalar::min_keep_nan(a.max, simd::Scalar::max_keep_nan(a.min, acc));
    }
  }
}

}  // namespace sprig::cpu
