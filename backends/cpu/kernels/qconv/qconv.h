// int8 convolution as an indirect GEMM (full-integer int8, runtime/core/int8_arith.h):
//   y[m, n] = requantize(bias[n] + sum over taps t, channels c of a_t(m)[c] * w[n, t, c])
// where a_t(m) points at the input pixel tap t of output pixel m reads, widened to int16 with the
// input zero point subtracted (a zero row for padding), so the sum is the reference's exactly.
//
// Weights are packed once per op in panels of kQConvNr output channels:
//   panel p: [taps][channel pairs][kQConvNr][2] int16 (channels padded to even with 0, output
//   channels past N padded with 0), then kQConvNr int32 biases and kQConvNr float multipliers.
// The microkernel computes up to kQConvMr rows of one panel. Thread-safe for disjoint outputs;
// no allocation.
#pragma once

#include <cstddef>
#include <cstdint>

#include "backends/cpu/cpu_features.h"
#include "runtime/core/int8_arith.h"

namespace sprig::cpu {

constexpr size_t kQConvMr = 4;
constexpr size_t kQConvNr = 16;

// Bytes of one packed panel for `taps` taps of `channels` channels.
size_t qconv_panel_bytes(size_t taps, size_t channels);

// Packs weights w [N][taps][channels] (int8, per output channel scales folded into
// `multipliers` [N]) with bias [N] (null: 0) into ceil(N / kQConvNr) panels at `packed`.
void qconv_pack_weights(const int8_t* w, const int32_t* bias, const float* multipliers, size_t n,
                        size_t taps, size_t channels, void* packed);
// The same for int16 weights (Winograd-transformed ones) with no bias or multipliers, for
// QGemmI32Fn.
void qconv_pack_weights(const int16_t* w, size_t n, size_t taps, size_t channels, void* packed);

// Widens `pixels` pixels of `channels` int8 values to int16 minus `zero_point`, each row padded
// with 0 to the even `padded_channels`.
using QConvWidenFn = void (*)(const int8_t* x, size_t pixels, size_t channels,
                              size_t padded_channels, int32_t zero_point, int16_t* out);

struct QConvOutput {
  int32_t zero_point = 0;
  Int8Range range;
};

// rows <= kQConvMr output rows, columns <= kQConvNr of one panel; a[t * kQConvMr + r]: the int16
// row (padded_channels values) tap t of output row r reads (rows past `rows` may repeat a valid
// pointer). y: row r at y + r * y_stride, `columns` bytes written per row.
using QConvKernelFn = void (*)(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                               const int16_t* const* a, const void* panel, int8_t* y,
                               size_t y_stride, const QConvOutput& output);

// The same sums (bias included) for rows <= kQConvMr rows of one tap (a[r], padded_channels values)
// stored as int32: c[r * c_stride + j] for j < columns.
using QGemmI32Fn = void (*)(size_t rows, size_t columns, size_t padded_channels,
                            const int16_t* const* a, const void* panel, int32_t* c,
                            size_t c_stride);

// The dot-product form (4 byte products summed into an int32 lane: Arm's sdot, x86's vpdpbusd):
// activations plus the kernel's offset (0 for sdot's int8; 128 for vpdpbusd's uint8, stored as
// the same bytes), rows of channels padded to a multiple of 4, padding taps reading a row of
// zero point + offset; weights packed per panel as [taps][channels / 4][kQConvNr][4] int8, then
// kQConvNr int32 biases less (zero point + offset) x (the column's weight sum), then kQConvNr float
// multipliers; so the sums equal the int16 form's.
size_t qconv_dot_panel_bytes(size_t taps, size_t channels);
// x_zero: the input zero point plus the kernel's offset.
void qconv_dot_pack_weights(const int8_t* w, const int32_t* bias, const float* multipliers,
                            int32_t x_zero, size_t n, size_t taps, size_t channels, void* packed);
using QConvDotFn = void (*)(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                            const int8_t* const* a, const void* panel, int8_t* y,
                            size_t y_stride, const QConvOutput& output);

struct QConvKernels {
  QConvWidenFn widen;
  QConvKernelFn gemm;
  QGemmI32Fn gemm_i32;
  const char* name;
  QConvDotFn dot = nullptr;  // the dot-product form, where the CPU has it
  int32_t dot_offset = 0;    // what dot's rows add to the activations (0 or 128)
};

QConvKernels select_qconv_kernels(const CpuFeatures& features);

void qconv_widen__scalar(const int8_t* x, size_t pixels, size_t channels, size_t padded_channels,
                         int32_t zero_point, int16_t* out);
void qconv_4x16__scalar(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                        const int16_t* const* a, const void* panel, int8_t* y, size_t y_stride,
                        const QConvOutput& output);
void qgemm_4x16_i32__scalar(size_t rows, size_t columns, size_t padded_channels,
                            const int16_t* const* a, const void* panel, int32_t* c,
                            size_t c_stride);
void qgemm_4x16_i32__avx2_fma(size_t rows, size_t columns, size_t padded_channels,
                              const int16_t* const* a, const void* panel, int32_t* c,
                              size_t c_stride);
void qconv_widen__avx2_fma(const int8_t* x, size_t pixels, size_t channels,
                           size_t padded_channels, int32_t zero_point, int16_t* out);
void qconv_4x16__avx2_fma(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                          const int16_t* const* a, const void* panel, int8_t* y, size_t y_stride,
                          const QConvOutput& output);

void qconv_4x16__avx512vnni(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                            const int16_t* const* a, const void* panel, int8_t* y,
                            size_t y_stride, const QConvOutput& output);
void qgemm_4x16_i32__avx512vnni(size_t rows, size_t columns, size_t padded_channels,
                                const int16_t* const* a, const void* panel, int32_t* c,
                                size_t c_stride);
void qconv_dot_4x16__scalar(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                            const int8_t* const* a, const void* panel, int8_t* y, size_t y_stride,
                            const QConvOutput& output);
void qconv_dot_4x16__avx512vnni(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                                const int8_t* const* a, const void* panel, int8_t* y,
                                size_t y_stride, const QConvOutput& output);
void qconv_dot_4x16__neondot(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                             const int8_t* const* a, const void* panel, int8_t* y,
                             size_t y_stride, const QConvOutput& output);
void qconv_widen__neon(const int8_t* x, size_t pixels, size_t channels, size_t padded_channels,
                       int32_t zero_point, int16_t* out);
void qconv_4x16__neon(size_t rows, size_t columns, size_t taps, size_t padded_channels,
                      const int16_t* const* a, const void* panel, int8_t* y, size_t y_stride,
                      const QConvOutput& output);
void qgemm_4x16_i32__neon(size_t rows, size_t columns, size_t padded_channels,
                          const int16_t* const* a, const void* panel, int32_t* c,
                          size_t c_stride);

}  // namespace sprig::cpu
