// How far a quantized model's layers drift from the float model's: both run on the same inputs,
// every op's output compared with the float model's output of the same name.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sprig::convert {

struct OutputAgreement {
  std::string op;       // op name (the source node's)
  std::string op_type;  // Conv2D, ...
  std::string tensor;   // its output's name
  double cosine = 1.0;  // cosine similarity of the outputs over all samples
  double snr_db = 0.0;  // 10 log10(sum a^2 / sum (a - b)^2); +inf when identical
};

// Runs `float_model` and `quantized_model` (.sprig bytes) on the CPU backend (reference for what
// it lacks) over `samples`, each the floats of the models' first input, and compares the F32
// (I8 dequantized) outputs of ops with the same name in both (or, unnamed, the same first output
// name), in the float model's op order.
// Throws ConvertError when a model does not load or run, or a sample has the wrong size.
std::vector<OutputAgreement> compare_op_outputs(const std::vector<uint8_t>& float_model,
                                                const std::vector<uint8_t>& quantized_model,
                                                const std::vector<std::vector<float>>& samples);

// Input samples for the comparison: from a .npy file (the first input's shape with the batch
// dimension holding any number of samples, or a stack of such) or an .npz archive (its array named
// `input_name`, or its only array), or, when path is empty, `count` samples drawn from N(0, 1)
// with a fixed seed. `input_elements`: floats per sample.
std::vector<std::vector<float>> load_samples(const std::string& path,
                                             const std::string& input_name, size_t input_elements,
                                             int count);

}  // namespace sprig::convert
