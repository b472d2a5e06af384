#include "backends/reference/kernels/matmul.h"

#include "backends/reference/kernels/nd_index.h"
#include "backends/reference/kernels/shape_text.h"

namespace sprig::reference {
namespace {

struct MatmulGeometry {
  int64_t m = 1, k = 1, n = 1;
  int batch_rank = 0;
  int64_t batch[kMaxRank] = {0};
  int64_t a_strides[kMaxRank] = {0};
  int64_t b_strides[kMaxRank] = {0};
};

bool matmul_geometry(const Shape& a, const Shape& b, const Shape& y, MatmulGeometry* g) {
  if (a.rank < 1 || b.rank < 1) return false;
  g->m = a.rank >= 2 ? a[a.rank - 2] : 1;
  g->k = a[a.rank - 1];
  g->n = b.rank >= 2 ? b[b.rank - 1] : 1;
  const int64_t kb = b.rank >= 2 ? b[b.rank - 2] : b[0];
  if (kb != g->k) return false;
  const int a_batch = a.rank > 2 ? a.rank - 2 : 0;
  const int b_batch = b.rank > 2 ? b.rank - 2 : 0;
  g->batch_rank = a_batch > b_batch ? a_batch : b_batch;
  const int expected_rank = g->batch_rank + (a.rank >= 2) + (b.rank >= 2);
  if (y.rank != expected_rank) return false;
  for (int d = 0; d < g->batch_rank; ++d) g->batch[d] = y[d];
  if (a.rank >= 2 && y[g->batch_rank] != g->m) return false;
  if (b.rank >= 2 && y[y.rank - 1] != g->n) return false;
  return broadcast_strides(a.dims, a_batch, g->m * g->k, g->batch, g->batch_rank, g->a_strides) &&
         broadcast_strides(b.dims, b_batch, g->k * g->n, g->batch, g->batch_rank, g->b_strides);
}

}  // namespace

Status f32_matmul__ref(const TensorView& a, const TensorView& b, const TensorView& y) {
  MatmulGeometry g;
  if (!matmul_geometry(a.shape, b.shape, y.shape, &g))
    return Status::error(Code::kInvalidArgument,
                         "f32_matmul__ref: a %s, b %s, output %s do not fit",
                         ShapeText(a.shape).text, ShapeText(b.shape).text, ShapeText(y.shape).text);
  if (y.shape.numel() == 0) return Status::ok_status();
  const float* a_data = a.f32();
  const float* b_data = b.f32();
  float* out = y.f32();
  OffsetWalker<2> walker(g.batch, g.batch_rank);
  walker.set_strides(0, g.a_strides);
  walker.set_strides(1, g.b_strides);
  do {
    const float* a_mat = a_data + walker.offset(0);
    const float* b_mat = b_data + walker.offset(1);
    for (int64_t i = 0; i < g.m; ++i) {
      for (int64_t j = 0; j < g.n; ++j) {
        float acc = 0.0f;
        for (int64_t p = 0; p < g.k; ++p) acc += a_mat[i * g.k + p] * b_mat[p * g.n + j];
        out[i * g.n + j] = acc;
      }
    }
    out += g.m * g.n;
  } while (walker.next());
  return Status::ok_status();
}

}  // namespace sprig::reference
