// Splitting a quantized GEMV's rows of x into blocks of four and fewer, for kernels templated on
// the row count (internal to the qgemv/ kernel files; each includes it, so nothing is shared
// between files compiled for different instruction sets).
#pragma once

#include <cstddef>

#include "backends/cpu/kernels/qgemv/qgemv.h"

namespace sprig::cpu {
namespace {

using QGemvRowsFn = void (*)(const QuantizedMatrix& w, const QGemvArgs& args, size_t m0, size_t n0,
                             size_t n1);

// Rows [0, args.rows) in blocks of four with kFour, the last one to three with the others.
template <QGemvRowsFn kOne, QGemvRowsFn kTwo, QGemvRowsFn kThree, QGemvRowsFn kFour>
void by_row_blocks(const QuantizedMatrix& w, const QGemvArgs& args, size_t n0, size_t n1) {
  size_t m = 0;
  for (; m + kQGemvRows <= args.rows; m += kQGemvRows) kFour(w, args, m, n0, n1);
  switch (args.rows - m) {
    case 3:
      return kThree(w, args, m, n0, n1);
    case 2:
      return kTwo(w, args, m, n0, n1);
    case 1:
      return kOne(w, args, m, n0, n1);
    default:
      return;
  }
}

inline float clamp(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

}  // namespace
}  // namespace sprig::cpu
