// Conv2D (groups == 1, or grouped but not depthwise) with our own kernels, three ways:
//   - 1x1, stride 1, no padding: one GEMM per group straight over the NHWC rows (no copy);
//   - 3x3, stride 1, dilation 1, groups 1, at least kWinogradMinChannels in and out channels:
//     Winograd (input transform, one GEMM per tile position, output transform), F(4x4, 3x3) when
//     its transformed weights are small or shared by enough tiles, else F(2x2, 3x3)
//     (winograd_tile_for);
//   - everything else: im2col + GEMM.
// Work that needs scratch goes in chunks of output pixels (im2col) or tiles (Winograd) whose
// buffers stay within kScratchBudget; the parallel tasks of a chunk write disjoint parts of the
// scratch. Every ResNet-18/50 layer fits one chunk, so most convolutions make one parallel call.
//
// Unsupported (kUnsupported): depthwise (groups == C > 1, its own factory), activations or outputs
// other than F32, weights other than F32/F16/BF16, bias other than F32/F16/BF16, tensors that are
// not rank 4.
#include <limits>
#include <new>

#include "backends/cpu/kernels/conv/im2col.h"
#include "backends/cpu/kernels/gemm/gemm.h"
#include "backends/cpu/kernels/winograd/winograd.h"
#include "backends/cpu/ops/conv_geometry.h"
#include "backends/cpu/ops/gemm_op.h"
#include "backends/cpu/ops/gemm_weights.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

// Scratch bytes of one chunk (one parallel call): im2col rows, or Winograd blocks.
constexpr size_t kScratchBudget = size_t{4} << 20;
constexpr size_t kWinogradMinChannels = 8;

size_t round_up(size_t x, size_t q) { return (x + q - 1) / q * q; }
size_t divide_up(size_t x, size_t q) { return (x + q - 1) / q; }

bool is_pointwise(const OpSignature& op) {
  const fb::Conv2DOptions& o = *op.op->options_as_Conv2DOptions();
  const Shape& w = op.inputs[1]->shape;
  return w[1] == 1 && w[2] == 1 && o.stride_h() == 1 && o.stride_w() == 1 && o.pad_top() == 0 &&
         o.pad_left() == 0 && o.pad_bottom() == 0 && o.pad_right() == 0;
}

bool is_winograd_shape(const OpSignature& op) {
  const fb::Conv2DOptions& o = *op.op->options_as_Conv2DOptions();
  const Shape& w = op.inputs[1]->shape;
  return w[1] == 3 && w[2] == 3 && o.stride_h() == 1 && o.stride_w() == 1 && o.dilation_h() == 1 &&
         o.dilation_w() == 1 && o.groups() == 1 &&
         static_cast<size_t>(w[3]) >= kWinogradMinChannels &&
         static_cast<size_t>(w[0]) >= kWinogradMinChannels;
}

size_t winograd_tiles(const ConvGeometry& g, WinogradTile tile) {
  const size_t side = winograd_shape(tile).output_tile;
  return g.batch * divide_up(g.out_h, side) * divide_up(g.out_w, side);
}

// F(4x4, 3x3) when its transformed weights (36*C*O floats) are small or shared by at least 16
// tiles; otherwise F(2x2, 3x3), whose weights are 16*C*O floats and whose tiles are 4x as many
// (7x7x512 -> 512: 16 tiles instead of 4).
WinogradTile winograd_tile_for(const ConvGeometry& g) {
  const bool f4 = g.in_c * g.out_c <= 128 * 128 || winograd_tiles(g, WinogradTile::kF4x4) >= 16;
  return f4 ? WinogradTile::kF4x4 : WinogradTile::kF2x2;
}

// 1x1 stride 1 unpadded: y[m, g*Og + n] = x[m, g*Cg + :] . w[g*Og + n, :], one GEMM per group
// straight over the NHWC rows.
Result<std::unique_ptr<CpuOp>> create_pointwise_conv(const OpSignature& op,
                                                     const OutputClamp& clamp,
                                                     const CpuOpContext& context) {
  const ConvGeometry g = conv_geometry(op);
  const size_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
  F32GemmBatch gemm;
  gemm.kernel = select_f32_gemm_kernel(context.features);
  gemm.batch = g.groups;
  gemm.m = g.batch * g.out_h * g.out_w;
  gemm.n = og;
  gemm.k = cg;
  gemm.a = op.inputs[0]->f32();
  gemm.a_stride = g.in_c;
  gemm.a_batch_stride = cg;
  gemm.c = op.outputs[0]->f32();
  gemm.c_stride = g.out_c;
  gemm.c_batch_stride = og;
  return create_gemm_op(*op.inputs[1], bias_of(op), gemm, clamp, context.num_threads, "Conv2D");
}

// im2col rows for a chunk of output pixels, then one GEMM per group over them.
class Im2colConv final : public CpuOp {
 public:
  Status init(const OpSignature& op, const OutputClamp& clamp, const CpuOpContext& context) {
    geometry_ = conv_geometry(op);
    const ConvGeometry& g = geometry_;
    x_ = op.inputs[0]->f32();
    y_ = op.outputs[0]->f32();
    gemm_.kernel = select_f32_gemm_kernel(context.features);
    SPRIG_RETURN_IF_ERROR(pack_gemm_weights(*op.inputs[1], bias_of(op), g.groups,
                                            static_cast<size_t>(gemm_.kernel.nr), "Conv2D",
                                            &weights_));
    const size_t cg = g.in_c / g.groups, og = g.out_c / g.groups;
    const size_t k = g.kernel_h * g.kernel_w * cg;
    row_stride_ = k * g.groups;
    total_rows_ = g.batch * g.out_h * g.out_w;
    const size_t mr = static_cast<size_t>(gemm_.kernel.mr);
    const size_t budget_rows = kScratchBudget / (row_stride_ * sizeof(float));
    chunk_rows_ = budget_rows < mr ? mr : budget_rows / mr * mr;
    if (chunk_rows_ > round_up(total_rows_, mr)) chunk_rows_ = round_up(total_rows_, mr);
    gemm_.batch = g.groups;
    gemm_.m = chunk_rows_;
    gemm_.n = og;
    gemm_.k = k;
    gemm_.a_stride = row_stride_;
    gemm_.a_batch_stride = k;
    gemm_.packed_b = weights_.packed.as<float>();
    gemm_.b_batch_stride = weights_.group_stride;
    gemm_.bias = weights_.bias.as<float>();
    gemm_.bias_batch_stride = weights_.bias_stride;
    gemm_.c_stride = g.out_c;
    gemm_.c_batch_stride = og;
    gemm_.min = clamp.min;
    gemm_.max = clamp.max;
    f32_gemm_plan(&gemm_, context.num_threads);
    gather_tile_ = context.num_threads > 1 ? 16 : chunk_rows_;
    fused_ = g.groups == 1 && gemm_.tile_n >= og;
    return Status::ok_status();
  }

  size_t scratch_bytes() const override { return chunk_rows_ * row_stride_ * sizeof(float); }

  void run(void* scratch, pthreadpool_t pool) override {
    rows_ = static_cast<float*>(scratch);
    for (size_t m0 = 0; m0 < total_rows_; m0 += chunk_rows_) {
      chunk_begin_ = m0;
      chunk_end_ = m0 + chunk_rows_ < total_rows_ ? m0 + chunk_rows_ : total_rows_;
      if (fused_) {
        // Each task gathers its own rows, then multiplies them by all of B: one barrier.
        pthreadpool_parallelize_1d_tile_1d(pool, gather_and_multiply, this,
                                           chunk_end_ - chunk_begin_, gemm_.tile_m, kParallelFlags);
        continue;
      }
      pthreadpool_parallelize_1d_tile_1d(pool, gather, this, chunk_end_ - chunk_begin_,
                                         gather_tile_, kParallelFlags);
      F32GemmBatch gemm = gemm_;
      gemm.m = chunk_end_ - chunk_begin_;
      gemm.a = rows_;
      gemm.c = y_ + m0 * geometry_.out_c;
      f32_gemm_batch_run(gemm, pool);
    }
  }

 private:
  static void gather(void* context, size_t start, size_t count) {
    auto* self = static_cast<Im2colConv*>(context);
    f32_im2col_nhwc__scalar(self->geometry_, self->x_, self->chunk_begin_ + start,
                            self->chunk_begin_ + start + count,
                            self->rows_ + start * self->row_stride_, self->row_stride_);
  }

  static void gather_and_multiply(void* context, size_t start, size_t count) {
    gather(context, start, count);
    auto* self = static_cast<Im2colConv*>(context);
    const F32GemmBatch& g = self->gemm_;
    f32_gemm_compute(g.kernel, 0, count, 0, g.n, g.k, g.kc, self->rows_ + start * self->row_stride_,
                     g.a_stride, g.packed_b, g.bias,
                     self->y_ + (self->chunk_begin_ + start) * g.c_stride, g.c_stride, g.min,
                     g.max);
  }

  ConvGeometry geometry_;
  const float* x_ = nullptr;
  float* y_ = nullptr;
  GemmWeights weights_;
  F32GemmBatch gemm_;
  size_t row_stride_ = 0, total_rows_ = 0, chunk_rows_ = 0, gather_tile_ = 1;
  bool fused_ = false;
  // Per run() chunk state, read by the parallel tasks.
  float* rows_ = nullptr;
  size_t chunk_begin_ = 0, chunk_end_ = 0;
};

// Winograd F(4x4, 3x3) or F(2x2, 3x3). The output's tiles are cut into blocks, and the output
// channels into ranges when there are too few blocks to share among the threads. One parallel task
// per (block, range) transforms the block's input tiles into V [36][block][C], multiplies V[xi] by
// its columns of U[xi] [C][O] into M [36][block][range] and transforms M back into y (tasks of
// one block repeat its input transform, which costs little beside the GEMMs). Each task has its
// own part of the scratch, so a whole chunk is one parallel call (one barrier: a thread
// descheduled by another process stalls the op once, not once per phase).
class WinogradConv final : public CpuOp {
 public:
  Status init(const OpSignature& op, const OutputClamp& clamp, const CpuOpContext& context,
              WinogradTile tile) {
    geometry_ = conv_geometry(op);
    const ConvGeometry& g = geometry_;
    x_ = op.inputs[0]->f32();
    y_ = op.outputs[0]->f32();
    shape_ = winograd_shape(tile);
    transforms_ = select_f32_winograd_kernels(context.features, tile);
    kernel_ = select_f32_gemm_kernel(context.features);
    const size_t nr = static_cast<size_t>(kernel_.nr);
    const size_t mr = static_cast<size_t>(kernel_.mr);
    position_size_ = f32_gemm_packed_b_size(g.in_c, g.out_c, nr);
    const TensorView& w = *op.inputs[1];
    if (!packed_.allocate(shape_.positions * position_size_ * sizeof(float)))
      return Status(Code::kOutOfMemory, "cpu: no memory for Conv2D Winograd weights");
    f32_winograd_3x3_pack_weights(tile, g.out_c, g.in_c, w.dtype, w.data, nr, packed_.as<float>());
    const TensorView* b = bias_of(op);
    if (b != nullptr) SPRIG_RETURN_IF_ERROR(pack_bias(*b, 1, g.out_c, g.out_c, "Conv2D", &bias_));
    clamp_ = clamp;
    kc_ = f32_gemm_kc(g.in_c);
    tiles_h_ = divide_up(g.out_h, shape_.output_tile);
    tiles_w_ = divide_up(g.out_w, shape_.output_tile);
    total_tiles_ = g.batch * tiles_h_ * tiles_w_;
    // Blocks as large as kBlockBudget allows (each task reads its columns of U once), but small
    // enough for about four tasks per thread when there are threads; then output-channel ranges
    // (multiples of NR, at least kMinRange) if blocks alone cannot make that many tasks.
    const size_t threads = context.num_threads > 1 ? static_cast<size_t>(context.num_threads) : 1;
    const size_t wanted = threads > 1 ? 4 * threads : 1;
    const size_t tile_bytes = shape_.positions * (g.in_c + g.out_c) * sizeof(float);
    size_t block = kBlockBudget / tile_bytes / mr * mr;
    if (block < mr) block = mr;
    if (threads > 1) {
      const size_t share = round_up(divide_up(total_tiles_, wanted), mr);
      if (share < block) block = share;
    }
    if (block > round_up(total_tiles_, mr)) block = round_up(total_tiles_, mr);
    block_tiles_ = block;
    blocks_ = divide_up(total_tiles_, block_tiles_);
    range_ = round_up(g.out_c, nr);
    if (blocks_ < wanted) {
      const size_t split = divide_up(wanted, blocks_);
      const size_t min_range = round_up(kMinRange, nr);
      range_ = round_up(divide_up(g.out_c, split), nr);
      if (range_ < min_range) range_ = min_range;
      if (range_ > round_up(g.out_c, nr)) range_ = round_up(g.out_c, nr);
    }
    ranges_ = divide_up(g.out_c, range_);
    const size_t chunk = kScratchBudget / (task_floats() * sizeof(float));
    chunk_blocks_ =
        chunk / ranges_ < 1 ? 1 : (chunk / ranges_ > blocks_ ? blocks_ : chunk / ranges_);
    return Status::ok_status();
  }

  size_t scratch_bytes() const override {
    return chunk_blocks_ * ranges_ * task_floats() * sizeof(float);
  }

  void run(void* scratch, pthreadpool_t pool) override {
    scratch_ = static_cast<float*>(scratch);
    for (size_t b0 = 0; b0 < blocks_; b0 += chunk_blocks_) {
      chunk_first_block_ = b0;
      const size_t count = blocks_ - b0 < chunk_blocks_ ? blocks_ - b0 : chunk_blocks_;
      pthreadpool_parallelize_2d(pool, task, this, count, ranges_, kParallelFlags);
    }
  }

 private:
  static constexpr size_t kBlockBudget = size_t{2} << 20;  // V and M bytes of one block
  static constexpr size_t kMinRange = 64;                  // output channels per task, at least

  size_t task_floats() const { return shape_.positions * block_tiles_ * (geometry_.in_c + range_); }

  static void task(void* context, size_t i, size_t j) {
    static_cast<WinogradConv*>(context)->compute(i, j);
  }

  // Block chunk_first_block_ + i, output channels [j * range_, (j + 1) * range_).
  void compute(size_t i, size_t j) {
    const ConvGeometry& g = geometry_;
    const size_t t0 = (chunk_first_block_ + i) * block_tiles_;
    const size_t count = total_tiles_ - t0 < block_tiles_ ? total_tiles_ - t0 : block_tiles_;
    const size_t o0 = j * range_;
    const size_t channels = g.out_c - o0 < range_ ? g.out_c - o0 : range_;
    float* v = scratch_ + (i * ranges_ + j) * task_floats();
    float* m = v + shape_.positions * block_tiles_ * g.in_c;
    const size_t side = shape_.output_tile;
    const size_t v_stride = block_tiles_ * g.in_c, m_stride = block_tiles_ * range_;
    for (size_t t = 0; t < count; ++t) {
      size_t n, th, tw;
      tile_position(t0 + t, &n, &th, &tw);
      const ptrdiff_t ih0 = static_cast<ptrdiff_t>(th * side) - static_cast<ptrdiff_t>(g.pad_top);
      const ptrdiff_t iw0 = static_cast<ptrdiff_t>(tw * side) - static_cast<ptrdiff_t>(g.pad_left);
      transforms_.input(x_ + n * g.in_h * g.in_w * g.in_c, g.in_h, g.in_w, g.in_c, ih0, iw0,
                        v + t * g.in_c, v_stride);
    }
    // The range's columns of U[xi] are whole panels: o0 is a multiple of NR.
    const float* u = packed_.as<float>() + o0 * g.in_c;
    constexpr float kInf = std::numeric_limits<float>::infinity();
    for (size_t xi = 0; xi < shape_.positions; ++xi)
      f32_gemm_compute(kernel_, 0, count, 0, channels, g.in_c, kc_, v + xi * v_stride, g.in_c,
                       u + xi * position_size_, nullptr, m + xi * m_stride, range_, -kInf, kInf);
    const float* bias = bias_.data() != nullptr ? bias_.as<float>() + o0 : nullptr;
    for (size_t t = 0; t < count; ++t) {
      size_t n, th, tw;
      tile_position(t0 + t, &n, &th, &tw);
      const size_t oh0 = th * side, ow0 = tw * side;
      const size_t rows = g.out_h - oh0 < side ? g.out_h - oh0 : side;
      const size_t cols = g.out_w - ow0 < side ? g.out_w - ow0 : side;
      transforms_.output(m + t * range_, m_stride, channels, bias,
                         y_ + ((n * g.out_h + oh0) * g.out_w + ow0) * g.out_c + o0,
                         g.out_w * g.out_c, g.out_c, rows, cols, clamp_.min, clamp_.max);
    }
  }

  // Tile t -> image n and tile row/column.
  void tile_position(size_t t, size_t* n, size_t* th, size_t* tw) const {
    *tw = t % tiles_w_;
    *th = (t / tiles_w_) % tiles_h_;
    *n = t / (tiles_w_ * tiles_h_);
  }

  ConvGeometry geometry_;
  const float* x_ = nullptr;
  float* y_ = nullptr;
  WinogradShape shape_{};
  F32WinogradKernels transforms_;
  F32GemmKernel kernel_;
  AlignedBuffer packed_, bias_;
  OutputClamp clamp_;
  size_t position_size_ = 0, kc_ = 0;
  size_t tiles_h_ = 0, tiles_w_ = 0, total_tiles_ = 0;
  size_t block_tiles_ = 0, blocks_ = 0, range_ = 0, ranges_ = 0, chunk_blocks_ = 0;
  // Per run() chunk state, read by the parallel tasks.
  float* scratch_ = nullptr;
  size_t chunk_first_block_ = 0;
};

template <typename Op, typename... Options>
Result<std::unique_ptr<CpuOp>> make_op(const OpSignature& op, const OutputClamp& clamp,
                                       const CpuOpContext& context, Options... options) {
  std::unique_ptr<Op> result(new (std::nothrow) Op());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for a Conv2D op");
  SPRIG_RETURN_IF_ERROR(result->init(op, clamp, context, options...));
  return std::unique_ptr<CpuOp>(std::move(result));
}

Status check_conv2d_op(const OpSignature& op) {
  if (!conv2d_supported(op))
    return Status::error(Code::kUnsupported, "cpu: Conv2D shape or dtypes not supported");
  if (op.inputs[0]->data == nullptr || op.inputs[1]->data == nullptr ||
      op.outputs[0]->data == nullptr)
    return Status::error(Code::kInvalidArgument, "cpu: Conv2D tensors without data");
  return Status::ok_status();
}

}  // namespace

bool conv2d_supported(const OpSignature& op) {
  if (op.op == nullptr || op.op->type() != fb::OpType::Conv2D || op.num_inputs < 2 ||
      op.num_outputs < 1 || op.inputs[0] == nullptr || op.inputs[1] == nullptr ||
      op.outputs[0] == nullptr)
    return false;
  const fb::Conv2DOptions* options = op.op->options_as_Conv2DOptions();
  const TensorView& x = *op.inputs[0];
  const TensorView& w = *op.inputs[1];
  const TensorView& y = *op.outputs[0];
  if (options == nullptr || x.dtype != DType::F32 || y.dtype != DType::F32 ||
      !weight_dtype_ok(w.dtype) || x.shape.rank != 4 || w.shape.rank != 4 || y.shape.rank != 4)
    return false;
  const TensorView* bias = op.num_inputs > 2 ? op.inputs[2] : nullptr;
  if (bias != nullptr && (!weight_dtype_ok(bias->dtype) || bias->shape.numel() != w.shape[0]))
    return false;
  const int64_t groups = options->groups();
  const int64_t channels = x.shape[3];
  if (groups < 1 || channels % groups != 0 || w.shape[0] % groups != 0 ||
      w.shape[3] * groups != channels || y.shape[3] != w.shape[0])
    return false;
  if (groups > 1 && groups == channels) return false;  // depthwise
  return options->stride_h() >= 1 && options->stride_w() >= 1 && options->dilation_h() >= 1 &&
         options->dilation_w() >= 1 && options->pad_top() >= 0 && options->pad_left() >= 0 &&
         options->pad_bottom() >= 0 && options->pad_right() >= 0;
}

bool conv2d_prefers_own(const OpSignature& op, const CpuOpContext& context) {
  if (!conv2d_supported(op) || !is_winograd_shape(op)) return false;
  // Measured against XNNPACK's indirect GEMM (bench/micro/conv2d_bench.cc): Winograd is faster
  // on ResNet's 56x56x64, 28x28x128 and 14x14x256 (F(4x4)) and 7x7x512 (F(2x2)) 3x3 layers when
  // it has enough tiles and channels, and SIMD transforms and GEMM.
  const ConvGeometry g = conv_geometry(op);
  const bool simd = context.features.avx2_fma || context.features.neon_fma;
  return simd && winograd_tiles(g, winograd_tile_for(g)) >= 16 && g.in_c >= 16 && g.out_c >= 16;
}

Result<std::unique_ptr<CpuOp>> create_conv2d_op(const OpSignature& op, const OutputClamp& clamp,
                                                const CpuOpContext& context) {
  SPRIG_RETURN_IF_ERROR(check_conv2d_op(op));
  if (is_pointwise(op)) return create_pointwise_conv(op, clamp, context);
  if (is_winograd_shape(op))
    return make_op<WinogradConv>(op, clamp, context, winograd_tile_for(conv_geometry(op)));
  return make_op<Im2colConv>(op, clamp, context);
}

Result<std::unique_ptr<CpuOp>> create_winograd_conv2d_op(const OpSignature& op,
                                                         const OutputClamp& clamp,
                                                         const CpuOpContext& context,
                                                         WinogradTile tile) {
  SPRIG_RETURN_IF_ERROR(check_conv2d_op(op));
  if (!is_winograd_shape(op))
    return Status::error(Code::kUnsupported, "cpu: Conv2D is not 3x3 stride 1 for Winograd");
  return make_op<WinogradConv>(op, clamp, context, tile);
}

}  // namespace sprig::cpu
