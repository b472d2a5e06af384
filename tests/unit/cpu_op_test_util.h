// Helpers shared by the CPU backend's op tests (tests/unit/cpu_*_test.cc): random inputs, tensor
// views over test vectors, one-op fb::Op buffers, the kernel variants this machine can run, and
// running an op on each of them against a wanted output within the conformance bound
// |a - b| <= 2e-5 + 2e-4 |b|.
#pragma once

#include <gtest/gtest.h>
#include <pthreadpool.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "backends/cpu/cpu_features.h"
#include "backends/cpu/cpu_op.h"

namespace sprig::cpu::op_test {

// The kernel variants this machine can run, by name: "scalar" always, then "avx2_fma" (and
// "avx512vnni" on top of it) or "neon" (NEON with FMA, and "neon_dotprod" on top of it) when the
// CPU has them.
std::vector<std::pair<std::string, CpuFeatures>> variants();

// A pool of 3 threads, made on first use and kept for the whole test run.
pthreadpool_t test_pool();

// n values drawn from N(0, stddev^2), the same for the same seed.
std::vector<float> normal(size_t n, uint32_t seed, float stddev = 1.0f);

Shape shape_of(const std::vector<int64_t>& dims);
// A view of `data` (owned by the caller) with this dtype and shape.
TensorView view(DType dtype, const std::vector<int64_t>& dims, const void* data);

// The 16-bit values stored for `values` as weights of dtype F16 or BF16, with `values` rounded in
// place to what those bits hold (so the reference sees exactly the stored weights). For F32,
// `values` stay as they are and the result is zeros.
std::vector<uint16_t> narrow(DType dtype, std::vector<float>* values);

// Fails the current test for each element (the first 10 reported, prefixed by `what` when not
// null) outside |got - want| <= 2e-5 + 2e-4 |want|. NaN matches NaN.
void expect_close(const std::vector<float>& got, const std::vector<float>& want,
                  const char* what = nullptr);

// A one-op fb::Op (no tensor ids) owned by its builder; make_options(fbb) builds the options.
struct OpBuffer {
  template <typename MakeOptions>
  OpBuffer(fb::OpType type, fb::OpOptions options_type, MakeOptions make_options) {
    const auto options = make_options(fbb);
    fbb.Finish(fb::CreateOp(fbb, type, 0, 0, options_type, options.Union()));
    op = flatbuffers::GetRoot<fb::Op>(fbb.GetBufferPointer());
  }
  flatbuffers::FlatBufferBuilder fbb;
  const fb::Op* op = nullptr;
};

// Makes the op with create(sig, context) for every variant (4 threads), then runs it on
// test_pool() and on the caller's thread, comparing *y (sig's output data) with `want` after each
// run. Before each run *y is reset to *y_initial, or filled with -12345 when that is null.
template <typename Create>
void run_variants(const OpSignature& sig, std::vector<float>* y, const std::vector<float>& want,
                  Create create, const std::vector<float>* y_initial = nullptr) {
  ASSERT_TRUE(check_op(sig).ok()) << check_op(sig).message();
  for (const auto& [name, features] : variants()) {
    SCOPED_TRACE(name);
    CpuOpContext context;
    context.features = features;
    context.num_threads = 4;
    auto created = create(sig, context);
    ASSERT_TRUE(created.ok()) << created.status().message();
    std::unique_ptr<CpuOp> op = std::move(created.value());
    std::vector<unsigned char> scratch(op->scratch_bytes() + 64);
    for (pthreadpool_t pool : {test_pool(), static_cast<pthreadpool_t>(nullptr)}) {
      if (y_initial)
        *y = *y_initial;
      else
        std::fill(y->begin(), y->end(), -12345.0f);
      op->run(scratch.data(), pool);
      expect_close(*y, want);
    }
  }
}

}  // namespace sprig::cpu::op_test
