// sprig-convert: checkpoint in, .sprig out.
//
//   sprig-convert PEFT_DIR --base BASE.sprig -o ADAPTER.sprig [--dtype f32|f16]
//   sprig-convert merge BASE.sprig ADAPTER.sprig -o MERGED.sprig [--scale S]
//   sprig-convert MODEL.onnx|HF_DIR -o MODEL.sprig [--dtype f32|f16]
//                [--input-shape NAME=1,3,224,224] [--dynamic-dim N] [--no-optimize]
//                [--context N] [--chunk N] [--kv-cache f32|f16]
//                [--quantize f16|int8|int8-weights|int4 [--group-size 32|64|128] [--asymmetric]
//                 [--keep-float NAME...] [--report FILE.json]
//                 [--calibration INPUTS.npy|IMAGE_DIR [--mean M,M,M --std S,S,S]
//                  [--calibration-method minmax|percentile|mse] [--mixed-precision SNR_DB]
//                  | --comparison-samples N]]
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "converter/adapter/merge.h"
#include "converter/adapter/peft_import.h"
#include "converter/convert.h"
#include "converter/quantize/calibration.h"
#include "converter/quantize/image_samples.h"
#include "converter/quantize/mixed_precision.h"
#include "converter/quantize/quantize_int8.h"
#include "converter/quantize/quantize_weights.h"
#include "converter/serialize/serialize.h"

namespace {

std::vector<int64_t> parse_dims(const std::string& text) {
  std::vector<int64_t> dims;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    dims.push_back(std::stoll(part));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return dims;
}

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A Hugging Face directory's hash: SHA-256 over "name:SHA-256\n" of its .json, .safetensors and
// tokenizer.model files in name order.
std::string checkpoint_dir_hash(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && (ends_with(name, ".json") || ends_with(name, ".safetensors") ||
                                     name == "tokenizer.model"))
      names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::string listing;
  for (const std::string& name : names)
    listing += name + ":" + sprig::convert::sha256_file_hex(dir + "/" + name) + "\n";
  return sprig::convert::sha256_hex(listing.data(), listing.size());
}

// PEFT_DIR -> adapter file for `base_path`.
int convert_adapter(const std::string& input, const std::string& base_path, const std::string& output,
                    const std::string& dtype) {
  using namespace sprig::convert;
  if (base_path.empty())
    fail(sprig::Code::kInvalidArgument,
         "'" + input + "' is a PEFT adapter: name the model it adapts with --base BASE.sprig");
  auto base = sprig::Model::load(base_path.c_str());
  if (!base.ok()) fail(base.status().code(), "--base '" + base_path + "': " + base.status().message());
  const std::vector<LoraWeights> targets = import_peft(input);
  const std::string hash = check_adapter_fits(**base, targets);
  SerializeOptions options;
  options.source_file = std::filesystem::path(input).filename().string();
  options.source_hash = checkpoint_dir_hash(input);
  const std::vector<uint8_t> bytes = serialize_adapter(
      targets, hash, dtype == "f16" ? sprig::fb::DType::F16 : sprig::fb::DType::F32, options);
  write_file_atomic(output, bytes);
  std::printf("wrote %s: LoRA adapter, %zu bytes, %zu weights adapted (rank %d, scaling %g) for base "
              "%.12s...\n",
              output.c_str(), bytes.size(), targets.size(), targets.front().rank,
              static_cast<double>(targets.front().scaling), hash.c_str());
  return 0;
}

// sprig-convert merge BASE ADAPTER -o OUT [--scale S]
int merge_main(int argc, char** argv) {
  using namespace sprig::convert;
  CLI::App app{"sprig-convert merge: a model with a LoRA adapter folded into its float weights"};
  std::string base_path, adapter_path, output;
  float scale = 1.0f;
  app.add_option("base", base_path, "the model (.sprig) with F32 or F16 weights")->required();
  app.add_option("adapter", adapter_path, "the LoRA adapter (.sprig) trained for it")->required();
  app.add_option("-o,--output", output, "output .sprig file")->required();
  app.add_option("--scale", scale, "multiplies the adapter's scaling (default 1)");
  CLI11_PARSE(app, argc, argv);
  try {
    auto adapter = sprig::Adapter::load(adapter_path.c_str());
    if (!adapter.ok()) fail(adapter.status().code(), "'" + adapter_path + "': " + adapter.status().message());
    std::ifstream in(base_path, std::ios::binary);
    if (!in) fail(sprig::Code::kIo, "cannot read '" + base_path + "'");
    const std::vector<uint8_t> base((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::vector<uint8_t> merged = merge_adapter(base, **adapter, scale);
    write_file_atomic(output, merged);
    std::printf("wrote %s: %zu bytes, %d weights merged at scale %g\n", output.c_str(), merged.size(),
                (*adapter)->num_targets(), static_cast<double>(scale));
    return 0;
  } catch (const ConvertError& error) {
    std::fprintf(stderr, "sprig-convert: error (%s): %s\n", sprig::code_name(error.code()), error.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "merge") return merge_main(argc - 1, argv + 1);
  using namespace sprig::convert;
  CLI::App app{"sprig-convert: turns a trained checkpoint into a .sprig model"};
  std::string input, output, dtype = "f32";
  std::vector<std::string> input_shapes;
  int64_t dynamic_dim = 1;
  bool no_optimize = false;
  std::string quantize = "none", report_path, calibration, calibration_method = "minmax";
  int comparison_samples = 8;
  WeightQuantOptions quant;
  std::vector<float> mean{0.f}, std_dev{1.f};
  double mixed_precision = 0;
  int64_t context = 0, chunk = 64;
  std::string kv_cache = "f32";
  app.add_option("model", input,
                 "source model: .onnx, or a Hugging Face directory (config.json + safetensors)")
      ->required();
  app.add_option("--context", context,
                 "Hugging Face decoders: KV cache rows, the longest sequence (default: the "
                 "model's max_position_embeddings, at most 4096)")
      ->check(CLI::PositiveNumber);
  app.add_option("--chunk", chunk,
                 "Hugging Face decoders: the most tokens per run, the prompt's chunk (default 64; "
                 "generation runs one token at a time from the same file)")
      ->check(CLI::PositiveNumber);
  app.add_option("--kv-cache", kv_cache,
                 "Hugging Face decoders: KV cache element type (f16 halves its memory)")
      ->check(CLI::IsMember({"f32", "f16"}));
  app.add_option("-o,--output", output, "output .sprig file")->required();
  std::string base_path;
  app.add_option("--base", base_path, "PEFT adapters: the converted model they adapt (.sprig)");
  app.add_option("--dtype", dtype, "storage type of the weights left float (embedding tables included)")->check(CLI::IsMember({"f32", "f16"}));
  app.add_option("--input-shape", input_shapes, "static input shape, NAME=D0,D1,...");
  app.add_option("--dynamic-dim", dynamic_dim, "value for dynamic input dimensions")->check(CLI::PositiveNumber);
  app.add_flag("--no-optimize", no_optimize, "skip the optimization passes");
  app.add_option("--quantize", quantize,
                 "f16 (weights), int8 (full integer, needs --calibration), int8-weights (per "
                 "output channel), int4 (group-wise weights)")
      ->check(CLI::IsMember({"none", "f16", "int8", "int8-weights", "int4"}));
  app.add_option("--group-size", quant.group_size, "int4 group size")
      ->check(CLI::IsMember({32, 64, 128}));
  app.add_flag("--asymmetric", quant.asymmetric, "int4 with a zero point per group");
  app.add_option("--keep-float", quant.keep_float, "layers (node or weight names) left float");
  app.add_option("--report", report_path, "write the per-layer quantization report as JSON");
  app.add_option("--calibration", calibration,
                 "inputs (.npy, or .npz with the array named as the model's input; any number "
                 "along the batch dimension) or a directory of images: "
                 "int8 activation ranges (int8-weights and int4: bias correction) come from "
                 "them, and the quantized layers' outputs are compared with the float model's "
                 "on them");
  auto* mixed_option =
      app.add_option("--mixed-precision", mixed_precision,
                     "int8: keep float the fewest layers needed for the model's outputs to reach "
                     "this SNR (dB) against the float model on the calibration inputs");
  app.add_option("--mean", mean, "calibration images: mean per channel (pixels scaled to 0..1)")
      ->delimiter(',');
  app.add_option("--std", std_dev, "calibration images: std per channel")->delimiter(',');
  app.add_option("--calibration-method", calibration_method,
                 "int8 activation ranges: observed extremes, 99.99th percentiles, or least "
                 "squared error")
      ->check(CLI::IsMember({"minmax", "percentile", "mse"}));
  app.add_option("--comparison-samples", comparison_samples,
                 "without --calibration: N(0,1) inputs for that comparison")
      ->check(CLI::Range(1, 4096));
  CLI11_PARSE(app, argc, argv);

  try {
    if (std::filesystem::is_directory(input) && is_peft_dir(input))
      return convert_adapter(input, base_path, output, dtype);
    if (!base_path.empty()) fail(sprig::Code::kInvalidArgument, "--base goes with a PEFT adapter directory");
    ConvertOptions options;
    if (quantize == "f16") dtype = "f16";
    options.weight_dtype = dtype == "f16" ? sprig::fb::DType::F16 : sprig::fb::DType::F32;
    quant.scheme = quantize == "int8-weights" ? WeightScheme::kInt8PerChannel
                   : quantize == "int4"       ? WeightScheme::kInt4Grouped
                                              : WeightScheme::kNone;
    const bool full_int8 = quantize == "int8";
    const bool quantizing = full_int8 || quant.scheme != WeightScheme::kNone;
    if (!quantizing && (!quant.keep_float.empty() || !report_path.empty()))
      fail(sprig::Code::kInvalidArgument,
           "--keep-float and --report go with --quantize int8, int8-weights or int4");
    if (mixed_option->count() > 0 && !full_int8)
      fail(sprig::Code::kInvalidArgument, "--mixed-precision goes with --quantize int8");
    if (full_int8 && calibration.empty())
      fail(sprig::Code::kInvalidArgument,
           "--quantize int8 needs calibration inputs for its activation ranges: pass "
           "--calibration INPUTS.npy (64 or more representative inputs, preprocessed as the "
           "model expects them) or --calibration IMAGE_DIR with --mean and --std, or use "
           "--quantize int8-weights, which needs none");
    options.dynamic_dim = dynamic_dim;
    options.optimize = !no_optimize;
    for (const std::string& spec : input_shapes) {
      const size_t eq = spec.find('=');
      if (eq == std::string::npos) fail(sprig::Code::kInvalidArgument, "--input-shape wants NAME=D0,D1,...: '" + spec + "'");
      try {
        options.input_shapes[spec.substr(0, eq)] = parse_dims(spec.substr(eq + 1));
      } catch (const std::exception&) {
        fail(sprig::Code::kInvalidArgument, "--input-shape has a dimension that is not a number: '" + spec + "'");
      }
    }
    options.context = context;
    options.tokens_per_run = chunk;
    options.kv_cache_dtype = kv_cache == "f16" ? sprig::fb::DType::F16 : sprig::fb::DType::F32;
    const bool hf_dir = std::filesystem::is_directory(input);
    if (!hf_dir && !ends_with(input, ".onnx"))
      fail(sprig::Code::kUnsupported, "'" + input + "': reads ONNX models (.onnx) and Hugging Face "
                                      "checkpoint directories");
    Graph graph = hf_dir ? import_hf(input, options) : import_onnx(input, options);
    if (options.optimize) optimize_graph(graph, options);
    const std::vector<uint8_t> float_bytes =
        quantizing ? serialize_model(graph, SerializeOptions{}) : std::vector<uint8_t>();
    const std::vector<int64_t>& input_shape =
        graph.values[static_cast<size_t>(graph.inputs.at(0))].shape;
    size_t input_elements = 1;
    for (int64_t d : input_shape) input_elements *= static_cast<size_t>(d);
    // Token-id models (Hugging Face decoders) take no float samples: their weights are quantized
    // without calibration and the layer table shows the weights alone.
    const bool float_input =
        graph.values[static_cast<size_t>(graph.inputs.at(0))].dtype == sprig::fb::DType::F32;
    if (!float_input && (full_int8 || !calibration.empty()))
      fail(sprig::Code::kUnsupported,
           "this model's first input is not F32 (token ids): it takes --quantize f16, "
           "int8-weights or int4, without --calibration");
    std::vector<std::vector<float>> samples;
    const bool sampling = quantizing && float_input;
    if (sampling && !calibration.empty() && std::filesystem::is_directory(calibration))
      samples = load_image_samples(calibration, input_shape, mean, std_dev);
    else if (sampling)
      samples = load_samples(calibration,
                             graph.values[static_cast<size_t>(graph.inputs.at(0))].name,
                             input_elements, comparison_samples);
    std::vector<LayerQuantReport> report;
    if (full_int8) {
      const auto ranges =
          calibrate_ranges(float_bytes, samples, calibration_method_from(calibration_method));
      if (mixed_option->count() > 0) {
        const MixedPrecisionResult mixed =
            quantize_int8_mixed(graph, float_bytes, ranges, samples,
                                Int8QuantOptions{quant.keep_float}, mixed_precision);
        report = mixed.report;
        std::printf("mixed precision: %zu layer(s) kept float for output SNR %.1f dB (target %.1f)\n",
                    mixed.kept_float.size(), mixed.output_snr_db, mixed_precision);
        if (mixed.output_snr_db < mixed_precision)
          std::printf("mixed precision: the target is out of reach with every int8 layer float\n");
      } else {
        report = quantize_int8(graph, ranges, Int8QuantOptions{quant.keep_float});
      }
    } else {
      MeanInputs means;
      if (!calibration.empty()) {
        means = measure_mean_inputs(float_bytes, samples);
        quant.mean_inputs = &means;
      }
      report = quantize_weights(graph, quant);
    }
    SerializeOptions serialize;
    serialize.source_file = input;
    serialize.source_hash = hf_dir ? checkpoint_dir_hash(input) : sha256_file_hex(input);
    serialize.metadata.push_back({"weight_dtype", dtype});
    if (quantizing) {
      std::string recipe = quantize;
      if (full_int8) recipe += " " + calibration_method;
      if (mixed_option->count() > 0) recipe += " mixed " + std::to_string(mixed_precision) + " dB";
      if (quant.scheme == WeightScheme::kInt4Grouped)
        recipe += " g" + std::to_string(quant.group_size) + (quant.asymmetric ? " asym" : "");
      serialize.metadata.push_back({"quantization", recipe});
    }
    const std::vector<uint8_t> bytes = serialize_model(graph, serialize);
    std::vector<OutputAgreement> outputs;
    if (quantizing && !float_input) {
      std::printf("per layer (outputs not compared: the model's inputs are token ids):\n%s",
                  format_quant_report(report, outputs).c_str());
    } else if (quantizing) {
      const std::vector<OutputAgreement> agreement = compare_op_outputs(float_bytes, bytes, samples);
      attach_output_agreement(agreement, &report);
      for (const OutputAgreement& a : agreement)
        for (int v : graph.outputs)
          if (graph.values[static_cast<size_t>(v)].name == a.tensor) outputs.push_back(a);
      std::printf("per layer, outputs compared with the float model's on %zu %s:\n",
                  samples.size(), calibration.empty() ? "N(0,1) inputs" : "calibration inputs");
      std::printf("%s", format_quant_report(report, outputs).c_str());
    }
    write_file_atomic(output, bytes);
    if (!report_path.empty()) {
      const std::string json = quant_report_json(report, outputs);
      write_file_atomic(report_path, std::vector<uint8_t>(json.begin(), json.end()));
    }
    std::printf("wrote %s: %zu bytes, %zu ops, %zu tensors\n", output.c_str(), bytes.size(),
                graph.nodes.size(), graph.values.size());
    return 0;
  } catch (const ConvertError& error) {
    std::fprintf(stderr, "sprig-convert: error (%s): %s\n", sprig::code_name(error.code()), error.what());
    return 1;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sprig-convert: error: %s\n", error.what());
    return 1;
  }
}
