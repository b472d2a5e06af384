// A CpuOp made of two run one after the other (an op, then the activation it could not fuse).
#pragma once

#include <algorithm>
#include <memory>
#include <utility>

#include "backends/cpu/cpu_op.h"

namespace sprig::cpu {

class SequenceOp final : public CpuOp {
 public:
  SequenceOp(std::unique_ptr<CpuOp> first, std::unique_ptr<CpuOp> second)
      : first_(std::move(first)), second_(std::move(second)) {}
  size_t scratch_bytes() const override {
    return std::max(first_->scratch_bytes(), second_->scratch_bytes());
  }
  void run(void* scratch, pthreadpool_t pool) override {
    first_->run(scratch, pool);
    second_->run(scratch, pool);
  }
  // The second op reads what the first writes, so only the first's inputs can be checked ahead.
  Status check_inputs() const override { return first_->check_inputs(); }
  // LoRA branches join the first op's output, before the activation the second applies.
  Status set_lora(const LoraBranch* branches, int count) override {
    return first_->set_lora(branches, count);
  }

 private:
  std::unique_ptr<CpuOp> first_;
  std::unique_ptr<CpuOp> second_;
};

}  // namespace sprig::cpu
