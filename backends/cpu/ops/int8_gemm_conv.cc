// int8 Conv2D (one group) and FullyConnected on the indirect int8 GEMM (kernels/qconv): the input
// made into GEMM rows once per run (int16 minus the zero point in channel pairs for the
// multiply-add kernels, or int8 as it is in channel quads for the Arm dot product), then output
// rows x panels of 16 output channels split over the thread pool. With few input channels (a network's first layer) each tile
// of output rows is first gathered into rows of all taps' channels (im2col, on the stack), so the
// GEMM runs over taps x channels at once instead of a few channels per tap.
#include <algorithm>
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/kernels/qconv/qconv.h"
#include "backends/cpu/ops/conv_geometry.h"
#include "backends/cpu/ops/int8_conv_io.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/quantization.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

constexpr size_t kMaxTaps = 64;
constexpr size_t kRowTile = 32;  // output rows per task
constexpr size_t kIm2colMaxChannels = 7;
constexpr size_t kIm2colMaxDepth = 512;  // taps x channels, padded

// The multiply-add form: int16 rows minus the zero point, channels in pairs, 0 for padding.
struct WideRows {
  using Row = int16_t;
  static constexpr size_t kGroup = 2;
  static Row padding(const QConvKernels&, int32_t) { return 0; }
  static void make_rows(const QConvKernels& k, const int8_t* x, size_t pixels, size_t channels,
                        size_t stride, int32_t zero_point, Row* out) {
    k.widen(x, pixels, channels, stride, zero_point, out);
  }
  static size_t panel_bytes(size_t taps, size_t channels) {
    return qconv_panel_bytes(taps, channels);
  }
  static void pack(const QConvKernels&, const Int8ConvIo& io, const float* multipliers, size_t n,
                   size_t taps, size_t channels, void* packed) {
    qconv_pack_weights(io.w, io.bias, multipliers, n, taps, channels, packed);
  }
  static void gemm(const QConvKernels& k, size_t rows, size_t columns, size_t taps, size_t depth,
                   const Row* const* a, const void* panel, int8_t* y, size_t y_stride,
                   const QConvOutput& output) {
    k.gemm(rows, columns, taps, depth, a, panel, y, y_stride, output);
  }
};

// The dot-product form: rows of the activations plus the kernel's offset (as bytes), channels in
// quads, zero point + offset for padding (its products are taken out again through the packed
// bias). Without a dot kernel (tests) the scalar one runs, with offset 0.
struct DotRows {
  using Row = int8_t;
  static constexpr size_t kGroup = 4;
  static int32_t offset(const QConvKernels& k) { return k.dot ? k.dot_offset : 0; }
  static Row byte(int32_t value) { return static_cast<Row>(static_cast<uint8_t>(value)); }
  static Row padding(const QConvKernels& k, int32_t zero_point) {
    return byte(zero_point + offset(k));
  }
  static void make_rows(const QConvKernels& k, const int8_t* x, size_t pixels, size_t channels,
                        size_t stride, int32_t zero_point, Row* out) {
    const int32_t add = offset(k);
    for (size_t p = 0; p < pixels; ++p) {
      const int8_t* in = x + p * channels;
      Row* row = out + p * stride;
      for (size_t c = 0; c < channels; ++c) row[c] = byte(in[c] + add);
      std::fill(row + channels, row + stride, padding(k, zero_point));
    }
  }
  static size_t panel_bytes(size_t taps, size_t channels) {
    return qconv_dot_panel_bytes(taps, channels);
  }
  static void pack(const QConvKernels& k, const Int8ConvIo& io, const float* multipliers,
                   size_t n, size_t taps, size_t channels, void* packed) {
    qconv_dot_pack_weights(io.w, io.bias, multipliers, io.x_zero + offset(k), n, taps, channels,
                           packed);
  }
  static void gemm(const QConvKernels& k, size_t rows, size_t columns, size_t taps, size_t depth,
                   const Row* const* a, const void* panel, int8_t* y, size_t y_stride,
                   const QConvOutput& output) {
    (k.dot ? k.dot : qconv_dot_4x16__scalar)(rows, columns, taps, depth, a, panel, y, y_stride,
                                             output);
  }
};

template <typename Form>
class Int8GemmConvOp final : public CpuOp {
 public:
  using Row = typename Form::Row;

  Status init(const OpSignature& op, const CpuOpContext& context) {
    io_ = int8_conv_io(op);
    kernels_ = select_qconv_kernels(context.features);
    n_ = io_.out_channels;
    if (op.op->type() == fb::OpType::Conv2D) {
      g_ = conv_geometry(op);
      channels_ = g_.in_c;
    } else {
      channels_ = static_cast<size_t>(op.inputs[1]->shape[1]);
      g_.batch = channels_ ? static_cast<size_t>(op.inputs[0]->shape.numel()) / channels_ : 0;
      g_.in_h = g_.in_w = g_.out_h = g_.out_w = 1;
    }
    taps_ = g_.kernel_h * g_.kernel_w;
    padded_ = round_up(channels_, Form::kGroup);
    im2col_ = int8_gemm_conv_gathers_taps(op);
    depth_ = im2col_ ? round_up(taps_ * channels_, Form::kGroup) : padded_;
    stride_ = im2col_ ? channels_ : padded_;
    direct_rows_ = taps_ == 1 && g_.stride_h == 1 && g_.stride_w == 1 && g_.pad_top == 0 &&
                   g_.pad_left == 0 && g_.out_h == g_.in_h && g_.out_w == g_.in_w;
    rows_ = g_.batch * g_.out_h * g_.out_w;
    rows_outer_ = direct_rows_ && rows_ >= 8 * kRowTile;
    in_pixels_ = g_.batch * g_.in_h * g_.in_w;
    AlignedBuffer multipliers;
    if (!int8_conv_multipliers(op, &multipliers))
      return Status(Code::kOutOfMemory, "cpu: no memory for int8 multipliers");
    panels_ = (n_ + kQConvNr - 1) / kQConvNr;
    const size_t gemm_taps = im2col_ ? 1 : taps_;
    const size_t gemm_channels = im2col_ ? taps_ * channels_ : channels_;
    panel_bytes_ = Form::panel_bytes(gemm_taps, gemm_channels);
    if (!packed_.allocate(panels_ * panel_bytes_))
      return Status(Code::kOutOfMemory, "cpu: no memory for packed int8 weights");
    Form::pack(kernels_, io_, multipliers.as<float>(), n_, gemm_taps, gemm_channels,
               packed_.data());
    return Status::ok_status();
  }

  // The input's GEMM rows, then one row for padding taps.
  size_t scratch_bytes() const override { return (in_pixels_ + 1) * stride_ * sizeof(Row); }

  void run(void* scratch, pthreadpool_t pool) override {
    rows_base_ = static_cast<Row*>(scratch);
    std::fill(padding_row(), padding_row() + stride_, Form::padding(kernels_, io_.x_zero));
    pthreadpool_parallelize_1d_tile_1d(pool_for(pool, in_pixels_ * channels_),
                                       &Int8GemmConvOp::make_rows, this, in_pixels_,
                                       std::max<size_t>(1, kStreamTile / std::max<size_t>(1, channels_)),
                                       kParallelFlags);
    const size_t work = rows_ * n_ * taps_ * channels_ / 64;
    if (im2col_) {
      pthreadpool_parallelize_1d_tile_1d(pool_for(pool, work), &Int8GemmConvOp::im2col_tile, this,
                                         rows_, kRowTile, kParallelFlags);
    } else if (rows_outer_) {
      pthreadpool_parallelize_1d_tile_1d(pool_for(pool, work), &Int8GemmConvOp::row_tile, this,
                                         rows_, kRowTile, kParallelFlags);
    } else {
      pthreadpool_parallelize_2d_tile_1d(pool_for(pool, work), &Int8GemmConvOp::tile, this,
                                         panels_, rows_, kRowTile, kParallelFlags);
    }
  }

 private:
  static void make_rows(void* context, size_t start, size_t count) {
    const auto* self = static_cast<const Int8GemmConvOp*>(context);
    Form::make_rows(self->kernels_, self->io_.x + start * self->channels_, count, self->channels_,
                    self->stride_, self->io_.x_zero, self->rows_base_ + start * self->stride_);
  }

  Row* padding_row() const { return rows_base_ + in_pixels_ * stride_; }

  // The row tap t of output row m reads.
  const Row* tap_row(size_t m, size_t t) const {
    const size_t ow = m % g_.out_w, oh = (m / g_.out_w) % g_.out_h, n = m / (g_.out_w * g_.out_h);
    const size_t ih = oh * g_.stride_h + (t / g_.kernel_w) * g_.dilation_h;
    const size_t iw = ow * g_.stride_w + (t % g_.kernel_w) * g_.dilation_w;
    if (ih < g_.pad_top || iw < g_.pad_left || ih - g_.pad_top >= g_.in_h ||
        iw - g_.pad_left >= g_.in_w)
      return padding_row();
    return rows_base_ + ((n * g_.in_h + ih - g_.pad_top) * g_.in_w + iw - g_.pad_left) * stride_;
  }

  static void tile(void* context, size_t panel, size_t row_start, size_t row_count) {
    const auto* self = static_cast<const Int8GemmConvOp*>(context);
    const void* weights = static_cast<const uint8_t*>(self->packed_.data()) + panel * self->panel_bytes_;
    const size_t column = panel * kQConvNr;
    const size_t columns = std::min(kQConvNr, self->n_ - column);
    const Row* a[kMaxTaps * kQConvMr];
    for (size_t m = row_start; m < row_start + row_count; m += kQConvMr) {
      const size_t rows = std::min(kQConvMr, row_start + row_count - m);
      if (self->direct_rows_) {
        for (size_t r = 0; r < kQConvMr; ++r)
          a[r] = self->rows_base_ + (m + std::min(r, rows - 1)) * self->stride_;
      } else {
        for (size_t t = 0; t < self->taps_; ++t)
          for (size_t r = 0; r < kQConvMr; ++r)
            a[t * kQConvMr + r] = self->tap_row(m + std::min(r, rows - 1), t);
      }
      Form::gemm(self->kernels_, rows, columns, self->taps_, self->padded_, a, weights,
                 self->io_.y + m * self->n_ + column, self->n_, self->io_.output);
    }
  }

  // Every panel of one tile of rows, so the rows stay in L1 from panel to panel.
  static void row_tile(void* context, size_t row_start, size_t row_count) {
    const auto* self = static_cast<const Int8GemmConvOp*>(context);
    for (size_t panel = 0; panel < self->panels_; ++panel) tile(context, panel, row_start, row_count);
  }

  // Gathers output row m's taps into depth_ values at `row` (kernel row by kernel row: the
  // kernel_w taps of one kernel row are adjacent input pixels when the dilation is 1).
  void gather(size_t m, Row* row) const {
    for (size_t t = 0; t < taps_; t += g_.kernel_w) {
      const Row* first = tap_row(m, t);
      const Row* last = tap_row(m, t + g_.kernel_w - 1);
      const bool adjacent = first != padding_row() && last != padding_row() &&
                            last == first + (g_.kernel_w - 1) * stride_;
      if (adjacent) {
        std::copy(first, first + g_.kernel_w * channels_, row + t * channels_);
        continue;
      }
      for (size_t k = 0; k < g_.kernel_w; ++k)
        std::copy_n(tap_row(m, t + k), channels_, row + (t + k) * channels_);
    }
    std::fill(row + taps_ * channels_, row + depth_, Row{0});
  }

  static void im2col_tile(void* context, size_t row_start, size_t row_count) {
    const auto* self = static_cast<const Int8GemmConvOp*>(context);
    alignas(32) Row rows[kRowTile * kIm2colMaxDepth];
    for (size_t r = 0; r < row_count; ++r) self->gather(row_start + r, rows + r * self->depth_);
    const Row* a[kQConvMr];
    for (size_t panel = 0; panel < self->panels_; ++panel) {
      const void* weights =
          static_cast<const uint8_t*>(self->packed_.data()) + panel * self->panel_bytes_;
      const size_t column = panel * kQConvNr;
      const size_t columns = std::min(kQConvNr, self->n_ - column);
      for (size_t m = 0; m < row_count; m += kQConvMr) {
        const size_t count = std::min(kQConvMr, row_count - m);
        for (size_t r = 0; r < kQConvMr; ++r) a[r] = rows + (m + std::min(r, count - 1)) * self->depth_;
        Form::gemm(self->kernels_, count, columns, 1, self->depth_, a, weights,
                   self->io_.y + (row_start + m) * self->n_ + column, self->n_, self->io_.output);
      }
    }
  }

  QConvKernels kernels_{};
  ConvGeometry g_;
  Int8ConvIo io_;
  size_t n_ = 0, channels_ = 0, padded_ = 0, taps_ = 1, rows_ = 0, in_pixels_ = 0;
  size_t panels_ = 0, panel_bytes_ = 0;
  bool im2col_ = false;
  bool direct_rows_ = false;  // output row m reads widened row m alone (1x1, stride 1, no padding)
  bool rows_outer_ = false;   // tasks take row tiles across all panels (pointwise, many rows)
  size_t depth_ = 0;   // values per GEMM row and tap: padded_, or taps x channels padded
  size_t stride_ = 0;  // values per input row: padded_, or channels_ for im2col
  AlignedBuffer packed_;
  Row* rows_base_ = nullptr;
};

}  // namespace

bool int8_gemm_conv_supported(const OpSignature& op) {
  if (op.op->type() == fb::OpType::FullyConnected) return true;
  const auto* o = op.op->options_as_Conv2DOptions();
  return o->groups() == 1 &&
         static_cast<size_t>(op.inputs[1]->shape[1] * op.inputs[1]->shape[2]) <= kMaxTaps;
}

bool int8_gemm_conv_gathers_taps(const OpSignature& op) {
  if (op.op->type() != fb::OpType::Conv2D || !int8_gemm_conv_supported(op)) return false;
  const ConvGeometry g = conv_geometry(op);
  const size_t taps = g.kernel_h * g.kernel_w;
  return taps > 1 && g.in_c <= kIm2colMaxChannels && taps * g.in_c <= kIm2colMaxDepth;
}

namespace {

template <typename Form>
Result<std::unique_ptr<CpuOp>> make_gemm_conv(const OpSignature& op, const CpuOpContext& context) {
  std::unique_ptr<Int8GemmConvOp<Form>> result(new (std::nothrow) Int8GemmConvOp<Form>());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  SPRIG_RETURN_IF_ERROR(result->init(op, context));
  return std::unique_ptr<CpuOp>(result.release());
}

}  // namespace

Result<std::unique_ptr<CpuOp>> create_int8_gemm_conv_op(const OpSignature& op,
                                                        const CpuOpContext& context,
                                                        Int8GemmForm form) {
  if (form == Int8GemmForm::kAuto)
    form = select_qconv_kernels(context.features).dot ? Int8GemmForm::kDot
                                                      : Int8GemmForm::kMultiplyAdd;
  return form == Int8GemmForm::kDot ? make_gemm_conv<DotRows>(op, context)
                                    : make_gemm_conv<WideRows>(op, context);
}

}  // namespace sprig::cpu
