// im2col for NHWC convolutions: gathers each output pixel's receptive field into one GEMM row.
#pragma once

#include <cstddef>

namespace sprig::cpu {

struct ConvGeometry {
  size_t batch = 1, in_h = 0, in_w = 0, in_c = 0;  // x [batch, in_h, in_w, in_c]
  size_t out_h = 0, out_w = 0, out_c = 0;          // y [batch, out_h, out_w, out_c]
  size_t kernel_h = 1, kernel_w = 1;
  size_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  size_t pad_top = 0, pad_left = 0;
  size_t groups = 1;
};

// Writes rows [m0, m1) of the im2col matrix of x (row m is output pixel m = (n*out_h + oh)*out_w
// + ow) to rows + (m - m0) * row_stride. A row holds, group by group, the kernel_h * kernel_w
// taps (kh-major) of in_c / groups channels each, zeros where a tap falls in the padding:
// group g's GEMM operand A_g starts at column g * kernel_h * kernel_w * (in_c / groups).
void f32_im2col_nhwc__scalar(const ConvGeometry& geometry, const float* x, size_t m0, size_t m1,
                             float* rows, size_t row_stride);

}  // namespace sprig::cpu
