#include "backends/cpu/ops/gemm_weights.h"

#include "backends/cpu/kernels/gemm/gemm.h"

namespace sprig::cpu {

bool weight_dtype_ok(DType dtype) {
  return dtype == DType::F32 || dtype == DType::F16 || dtype == DType::BF16;
}

const TensorView* bias_of(const OpSignature& op) {
  return op.num_inputs > 2 && op.inputs[2] != nullptr && op.inputs[2]->data != nullptr
             ? op.inputs[2]
             : nullptr;
}

Status pack_gemm_weights(const TensorView& w, const TensorView* bias, size_t groups, size_t nr,
                         const char* op_name, GemmWeights* out) {
  const size_t og = static_cast<size_t>(w.shape[0]) / groups;
  size_t k = 1;
  for (int i = 1; i < w.shape.rank; ++i) k *= static_cast<size_t>(w.shape[i]);
  out->group_stride = f32_gemm_packed_b_size(k, og, nr);
  out->bias_stride = (og + nr - 1) / nr * nr;
  if (!out->packed.allocate(groups * out->group_stride * sizeof(float)))
    return Status::error(Code::kOutOfMemory, "cpu: no memory for %s weights", op_name);
  const size_t elem = static_cast<size_t>(dtype_bits(w.dtype) / 8);
  for (size_t g = 0; g < groups; ++g)
    f32_gemm_pack_b_nk(k, og, nr, w.dtype, static_cast<const char*>(w.data) + g * og * k * elem, k,
                       out->packed.as<float>() + g * out->group_stride);
  if (bias == nullptr) return Status::ok_status();
  return pack_bias(*bias, groups, og, out->bias_stride, op_name, &out->bias);
}

Status pack_bias(const TensorView& bias, size_t groups, size_t group_size, size_t stride,
                 const char* op_name, AlignedBuffer* out) {
  if (!out->allocate(groups * stride * sizeof(float)))
    return Status::error(Code::kOutOfMemory, "cpu: no memory for %s bias", op_name);
  float* dst = out->as<float>();
  for (size_t g = 0; g < groups; ++g)
    for (size_t j = 0; j < stride; ++j)
      dst[g * stride + j] =
          j < group_size ? f32_weight_at(bias.dtype, bias.data, g * group_size + j) : 0.0f;
  return Status::ok_status();
}

}  // namespace sprig::cpu
