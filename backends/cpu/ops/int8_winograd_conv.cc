// int8 Conv2D 3x3, stride 1, dilation 1, one group by Winograd F(4x4, 3x3) or F(2x2, 3x3)
// (kernels/qwinograd), exact, so its bytes are the direct convolution's. F(4x4) (2.25 multiplies
// an output against F(2x2)'s 4) where its sums stay exact for these weights and enough tiles share
// its transformed weights (36/9 of the weights' size, int16); else F(2x2). As the fp32 Winograd op (conv2d.cc): the
// output's tiles are cut into blocks, and a task takes one block and one range of output channels:
// input transform of its tiles, one int16 GEMM per position into int32, output transform with
// bias and requantization. Tasks of one parallel call write disjoint parts of the scratch.
#include <algorithm>
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/kernels/qconv/qconv.h"
#include "backends/cpu/kernels/qwinograd/qwinograd.h"
#include "backends/cpu/ops/conv_geometry.h"
#include "backends/cpu/ops/int8_conv_io.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/quantization.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

constexpr size_t kBlockBudget = size_t{1} << 20;    // V and M bytes of one task
constexpr size_t kScratchBudget = size_t{4} << 20;  // scratch bytes of one parallel call
constexpr size_t kMinRange = 64;                    // output channels per task, at least
constexpr size_t kMinChannels = 8;                  // input and output channels, at least

size_t divide_up(size_t x, size_t q) { return (x + q - 1) / q; }

class Int8WinogradConvOp final : public CpuOp {
 public:
  Status init(const OpSignature& op, const CpuOpContext& context, QWinogradTile tile) {
    g_ = conv_geometry(op);
    shape_ = qwinograd_shape(tile);
    io_ = int8_conv_io(op);
    gemm_ = select_qconv_kernels(context.features).gemm_i32;
    transforms_ = select_qwinograd_kernels(context.features, tile);
    padded_ = round_up(g_.in_c, 2);

    const size_t o = g_.out_c;
    if (!bias_.allocate(o * sizeof(int32_t)) || !int8_conv_multipliers(op, &multipliers_))
      return Status(Code::kOutOfMemory, "cpu: no memory for int8 Winograd parameters");
    for (size_t c = 0; c < o; ++c) bias_.as<int32_t>()[c] = io_.bias ? io_.bias[c] : 0;
    panel_bytes_ = qconv_panel_bytes(1, padded_);
    position_bytes_ = divide_up(o, kQConvNr) * panel_bytes_;
    AlignedBuffer u;
    if (!packed_.allocate(shape_.positions * position_bytes_) ||
        !u.allocate(shape_.positions * o * padded_ * sizeof(int16_t)))
      return Status(Code::kOutOfMemory, "cpu: no memory for int8 Winograd weights");
    qwinograd_transform_weights(tile, io_.w, o, g_.in_c, u.as<int16_t>());
    for (size_t xi = 0; xi < shape_.positions; ++xi)
      qconv_pack_weights(u.as<int16_t>() + xi * o * padded_, o, 1, padded_,
                         packed_.as<uint8_t>() + xi * position_bytes_);

    tiles_h_ = divide_up(g_.out_h, shape_.output_tile);
    tiles_w_ = divide_up(g_.out_w, shape_.output_tile);
    total_tiles_ = g_.batch * tiles_h_ * tiles_w_;
    // Blocks as large as kBlockBudget allows, but small enough for about four tasks per thread;
    // then output-channel ranges (whole panels, at least kMinRange) if blocks alone are too few.
    const size_t threads = context.num_threads > 1 ? static_cast<size_t>(context.num_threads) : 1;
    const size_t wanted = threads > 1 ? 4 * threads : 1;
    range_ = round_up(o, kQConvNr);
    size_t block = kBlockBudget / tile_bytes(range_) / kQConvMr * kQConvMr;
    block = std::max(block, kQConvMr);
    if (threads > 1) block = std::min(block, round_up(divide_up(total_tiles_, wanted), kQConvMr));
    block_tiles_ = std::min(block, round_up(total_tiles_, kQConvMr));
    blocks_ = divide_up(total_tiles_, block_tiles_);
    if (blocks_ < wanted) {
      const size_t split = divide_up(wanted, blocks_);
      range_ = std::max(round_up(divide_up(o, split), kQConvNr), round_up(kMinRange, kQConvNr));
      range_ = std::min(range_, round_up(o, kQConvNr));
    }
    ranges_ = divide_up(o, range_);
    const size_t chunk = kScratchBudget / task_bytes();
    chunk_blocks_ = std::clamp<size_t>(chunk / ranges_, 1, blocks_);
    return Status::ok_status();
  }

  size_t scratch_bytes() const override { return chunk_blocks_ * ranges_ * task_bytes(); }

  void run(void* scratch, pthreadpool_t pool) override {
    scratch_ = static_cast<uint8_t*>(scratch);
    for (size_t b0 = 0; b0 < blocks_; b0 += chunk_blocks_) {
      chunk_first_block_ = b0;
      pthreadpool_parallelize_2d(pool, &Int8WinogradConvOp::task, this,
                                 std::min(chunk_blocks_, blocks_ - b0), ranges_, kParallelFlags);
    }
  }

 private:
  size_t tile_bytes(size_t range) const {
    return shape_.positions * (padded_ * sizeof(int16_t) + range * sizeof(int32_t));
  }
  size_t task_bytes() const { return round_up(block_tiles_ * tile_bytes(range_), 64); }

  static void task(void* context, size_t i, size_t j) {
    static_cast<Int8WinogradConvOp*>(context)->compute(i, j);
  }

  // Block chunk_first_block_ + i, output channels [j * range_, (j + 1) * range_).
  void compute(size_t i, size_t j) const {
    const size_t t0 = (chunk_first_block_ + i) * block_tiles_;
    const size_t count = std::min(block_tiles_, total_tiles_ - t0);
    const size_t o0 = j * range_;
    const size_t channels = std::min(range_, g_.out_c - o0);
    int16_t* v = reinterpret_cast<int16_t*>(scratch_ + (i * ranges_ + j) * task_bytes());
    int32_t* m = reinterpret_cast<int32_t*>(v + shape_.positions * block_tiles_ * padded_);
    const ptrdiff_t side = static_cast<ptrdiff_t>(shape_.output_tile);
    const size_t v_stride = block_tiles_ * padded_, m_stride = block_tiles_ * range_;
    const size_t image = g_.in_h * g_.in_w * g_.in_c;
    for (size_t t = 0; t < count; ++t) {
      size_t n, th, tw;
      tile_position(t0 + t, &n, &th, &tw);
      transforms_.input(io_.x + n * image, g_.in_h, g_.in_w, g_.in_c, io_.x_zero,
                        side * static_cast<ptrdiff_t>(th) - static_cast<ptrdiff_t>(g_.pad_top),
                        side * static_cast<ptrdiff_t>(tw) - static_cast<ptrdiff_t>(g_.pad_left),
                        v + t * padded_, v_stride);
    }
    const int16_t* a[kQConvMr];
    for (size_t xi = 0; xi < shape_.positions; ++xi) {
      const uint8_t* position = packed_.as<uint8_t>() + xi * position_bytes_;
      for (size_t c = 0; c < channels; c += kQConvNr) {
        const void* panel = position + (o0 + c) / kQConvNr * panel_bytes_;
        const size_t columns = std::min(kQConvNr, channels - c);
        for (size_t t = 0; t < count; t += kQConvMr) {
          const size_t rows = std::min(kQConvMr, count - t);
          for (size_t r = 0; r < kQConvMr; ++r)
            a[r] = v + xi * v_stride + (t + std::min(r, rows - 1)) * padded_;
          gemm_(rows, columns, padded_, a, panel, m + xi * m_stride + t * range_ + c, range_);
        }
      }
    }
    for (size_t t = 0; t < count; ++t) {
      size_t n, th, tw;
      tile_position(t0 + t, &n, &th, &tw);
      const size_t oh0 = shape_.output_tile * th, ow0 = shape_.output_tile * tw;
      transforms_.output(m + t * range_, m_stride, channels, bias_.as<int32_t>() + o0,
                         multipliers_.as<float>() + o0, io_.output,
                         io_.y + ((n * g_.out_h + oh0) * g_.out_w + ow0) * g_.out_c + o0,
                         g_.out_w * g_.out_c, g_.out_c,
                         std::min(shape_.output_tile, g_.out_h - oh0),
                         std::min(shape_.output_tile, g_.out_w - ow0));
    }
  }

  // Tile t -> image n and tile row/column.
  void tile_position(size_t t, size_t* n, size_t* th, size_t* tw) const {
    *tw = t % tiles_w_;
    *th = (t / tiles_w_) % tiles_h_;
    *n = t / (tiles_w_ * tiles_h_);
  }

  ConvGeometry g_;
  QWinogradShape shape_{};
  QGemmI32Fn gemm_ = nullptr;
  QWinogradKernels transforms_{};
  Int8ConvIo io_;
  size_t padded_ = 0, panel_bytes_ = 0, position_bytes_ = 0;
  AlignedBuffer packed_, bias_, multipliers_;
  size_t tiles_h_ = 0, tiles_w_ = 0, total_tiles_ = 0;
  size_t block_tiles_ = 0, blocks_ = 0, range_ = 0, ranges_ = 0, chunk_blocks_ = 0;
  // Per run() chunk state, read by the parallel tasks.
  uint8_t* scratch_ = nullptr;
  size_t chunk_first_block_ = 0;
};

}  // namespace

bool int8_winograd_conv_supported(const OpSignature& op) {
  if (op.op->type() != fb::OpType::Conv2D) return false;
  const ConvGeometry g = conv_geometry(op);
  return g.kernel_h == 3 && g.kernel_w == 3 && g.stride_h == 1 && g.stride_w == 1 &&
         g.dilation_h == 1 && g.dilation_w == 1 && g.groups == 1 && g.in_c >= kMinChannels &&
         g.out_c >= kMinChannels && qwinograd_exact(g.in_c);
}

QWinogradTile int8_winograd_tile_for(const OpSignature& op) {
  const ConvGeometry g = conv_geometry(op);
  // As the f32 Winograd (conv2d.cc): F(4x4)'s larger transformed weights pay when they are small
  // or shared by enough tiles.
  const size_t f4_tiles = g.batch * divide_up(g.out_h, 4) * divide_up(g.out_w, 4);
  const bool shared = g.in_c * g.out_c <= 128 * 128 || f4_tiles >= 16;
  return shared && qwinograd_f4x4_exact(op.inputs[1]->as<const int8_t>(), g.out_c, g.in_c)
             ? QWinogradTile::kF4x4
             : QWinogradTile::kF2x2;
}

Result<std::unique_ptr<CpuOp>> create_int8_winograd_conv_op(const OpSignature& op,
                                                            const CpuOpContext& context,
                                                            QWinogradTile tile) {
  std::unique_ptr<Int8WinogradConvOp> result(new (std::nothrow) Int8WinogradConvOp());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  SPRIG_RETURN_IF_ERROR(result->init(op, context, tile));
  return std::unique_ptr<CpuOp>(result.release());
}

}  // namespace sprig::cpu
