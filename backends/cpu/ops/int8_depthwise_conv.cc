// int8 depthwise Conv2D (groups == input channels == output channels) on kernels/qdwconv: one
// output row per task, the kernel called per output pixel with its taps' input pixels.
#include <algorithm>
#include <new>

#include "backends/cpu/kernels/common/tiling.h"
#include "backends/cpu/kernels/qdwconv/qdwconv.h"
#include "backends/cpu/ops/conv_geometry.h"
#include "backends/cpu/ops/int8_conv_io.h"
#include "backends/cpu/ops/op_factories.h"
#include "runtime/core/aligned_buffer.h"
#include "runtime/core/quantization.h"
#include "runtime/core/thread_pool.h"

namespace sprig::cpu {
namespace {

constexpr size_t kMaxTaps = 64;

class Int8DepthwiseConvOp final : public CpuOp {
 public:
  Status init(const OpSignature& op, const CpuOpContext& context) {
    g_ = conv_geometry(op);
    io_ = int8_conv_io(op);
    kernels_ = select_qdwconv_kernels(context.features);
    const size_t c = g_.out_c, taps = g_.kernel_h * g_.kernel_w;
    AlignedBuffer multipliers;
    if (!int8_conv_multipliers(op, &multipliers) ||
        !packed_.allocate((c + kQDwConvBlock - 1) / kQDwConvBlock * qdwconv_block_bytes(taps)))
      return Status(Code::kOutOfMemory, "cpu: no memory for packed int8 depthwise weights");
    qdwconv_pack(io_.w, io_.bias, multipliers.as<float>(), taps, c, packed_.data());
    return Status::ok_status();
  }

  size_t scratch_bytes() const override { return 0; }

  void run(void*, pthreadpool_t pool) override {
    const size_t rows = g_.batch * g_.out_h;
    const size_t work = rows * g_.out_w * g_.out_c * g_.kernel_h * g_.kernel_w / 16;
    pthreadpool_parallelize_1d(pool_for(pool, work), &Int8DepthwiseConvOp::row, this, rows,
                               kParallelFlags);
  }

 private:
  // Output row `index` (image n = index / out_h, row oh = index % out_h).
  static void row(void* context, size_t index) {
    const auto* self = static_cast<const Int8DepthwiseConvOp*>(context);
    const ConvGeometry& g = self->g_;
    const size_t n = index / g.out_h, oh = index % g.out_h;
    const int8_t* image = self->io_.x + n * g.in_h * g.in_w * g.in_c;
    int8_t* out = self->io_.y + index * g.out_w * g.out_c;
    const int8_t* taps[kMaxTaps];
    for (size_t ow = 0; ow < g.out_w; ++ow) {
      size_t t = 0;
      for (size_t kh = 0; kh < g.kernel_h; ++kh) {
        const size_t ih = oh * g.stride_h + kh * g.dilation_h;
        for (size_t kw = 0; kw < g.kernel_w; ++kw, ++t) {
          const size_t iw = ow * g.stride_w + kw * g.dilation_w;
          const bool inside = ih >= g.pad_top && iw >= g.pad_left && ih - g.pad_top < g.in_h &&
                              iw - g.pad_left < g.in_w;
          taps[t] = inside ? image + ((ih - g.pad_top) * g.in_w + iw - g.pad_left) * g.in_c
                           : nullptr;
        }
      }
      self->kernels_.pixel(taps, t, g.out_c, self->io_.x_zero, self->packed_.data(),
                           out + ow * g.out_c, self->io_.output);
    }
  }

  ConvGeometry g_;
  QDwConvKernels kernels_{};
  Int8ConvIo io_;
  AlignedBuffer packed_;
};

}  // namespace

bool int8_depthwise_conv_supported(const OpSignature& op) {
  if (op.op->type() != fb::OpType::Conv2D) return false;
  const ConvGeometry g = conv_geometry(op);
  return g.groups > 1 && g.groups == g.in_c && g.out_c == g.in_c &&
         g.kernel_h * g.kernel_w <= kMaxTaps;
}

Result<std::unique_ptr<CpuOp>> create_int8_depthwise_conv_op(const OpSignature& op,
                                                             const CpuOpContext& context) {
  std::unique_ptr<Int8DepthwiseConvOp> result(new (std::nothrow) Int8DepthwiseConvOp());
  if (!result) return Status(Code::kOutOfMemory, "cpu: no memory for an op");
  SPRIG_RETURN_IF_ERROR(result->init(op, context));
  return std::unique_ptr<CpuOp>(result.release());
}

}  // namespace sprig::cpu
