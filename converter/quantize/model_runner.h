// Running a .sprig model held in memory from inside the converter (calibration, error reports):
// the CPU backend, with the reference backend for what it lacks, one thread.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "runtime/core/model.h"
#include "runtime/core/session.h"

namespace sprig::convert {

struct LoadedModel {
  std::unique_ptr<Model> model;
  std::unique_ptr<Session> session;
};

// Throws ConvertError naming `what` ("float", "quantized") when the bytes do not load.
LoadedModel load_model(const std::vector<uint8_t>& bytes, const char* what);

// Copies `sample` into the model's first input (F32, same element count, else ConvertError) and
// runs it, calling after_op(context, op) after every op.
void run_model(LoadedModel& loaded, const std::vector<float>& sample, const char* what,
               Session::OpCallback after_op, void* context);

}  // namespace sprig::convert
