#include "runtime/cli/commands.h"

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>

#include "runtime/capi/backend_registry.h"
#include "runtime/cli/image.h"
#include "runtime/cli/npy.h"
#include "runtime/core/session.h"
#include "runtime/ops/op_check.h"

namespace sprig::cli {
namespace {

std::string json_string(const char* text) {
  std::string out = "\"";
  for (const char* p = text; *p; ++p) {
    if (*p == '"' || *p == '\\') out += '\\';
    if (static_cast<unsigned char>(*p) < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof(escaped), "\\u%04x", *p);
      out += escaped;
    } else {
      out += *p;
    }
  }
  return out + "\"";
}

bool write_output(const Session& session, int index, const std::string& path, std::string* error) {
  const TensorView& output = session.output(index);
  NpyArray array;
  array.descr = npy_descr(output.dtype);
  if (array.descr.empty()) {
    *error = std::string("cannot write dtype ") + dtype_name(output.dtype) + " to .npy";
    return false;
  }
  array.shape.assign(output.shape.dims, output.shape.dims + output.shape.rank);
  const uint8_t* bytes = static_cast<const uint8_t*>(output.data);
  array.data.assign(bytes, bytes + output.bytes());
  return write_npy(path, array, error);
}

void print_top_k(const TensorView& output, int k) {
  if (output.dtype != DType::F32 || output.shape.numel() == 0) return;
  const int64_t classes = output.shape[output.shape.rank - 1];
  const float* logits = output.f32();
  std::vector<int64_t> order(static_cast<size_t>(classes));
  std::iota(order.begin(), order.end(), 0);
  const float max_logit = *std::max_element(logits, logits + classes);
  double sum = 0;
  for (int64_t c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(logits[c] - max_logit));
  const int top = static_cast<int>(std::min<int64_t>(k, classes));
  std::partial_sort(order.begin(), order.begin() + top, order.end(),
                    [&](int64_t a, int64_t b) { return logits[a] > logits[b]; });
  std::printf("top-%d of %" PRId64 " classes (softmax over the first output):\n", top, classes);
  for (int i = 0; i < top; ++i) {
    const int64_t c = order[static_cast<size_t>(i)];
    std::printf("  class %" PRId64 ": score %.4f, probability %.4f\n", c, logits[c],
                std::exp(static_cast<double>(logits[c] - max_logit)) / sum);
  }
}

// Times every op over `runs` profiled runs and prints the ops by mean time, slowest first.
int print_profile(Session& session, int runs) {
  const Model& model = session.model();
  std::vector<double> op_ms(static_cast<size_t>(model.num_ops()), 0.0);
  for (int i = 0; i < runs; ++i) {
    const Status status = session.run_profiled(op_ms.data());
    if (!status.ok()) return fail(status);
  }
  std::vector<const char*> backend_of(op_ms.size(), "");
  for (const Partition& part : session.partitions())
    for (int i = 0; i < part.num_ops; ++i)
      backend_of[static_cast<size_t>(part.first_op + i)] = part.backend->name();
  std::vector<size_t> order(op_ms.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return op_ms[a] > op_ms[b]; });
  double total = 0;
  for (double ms : op_ms) total += ms / runs;
  std::printf("per op (mean over %d profiled runs, %.3f ms in all):\n", runs, total);
  std::printf("  %9s %6s  %-12s %-18s %s\n", "ms", "share", "backend", "op", "output shape, name");
  for (size_t index : order) {
    const fb::Op& op = model.op(static_cast<int>(index));
    const double ms = op_ms[index] / runs;
    const TensorView& out = model.tensor(op.outputs()->Get(0));
    std::string shape = "[";
    for (int d = 0; d < out.shape.rank; ++d)
      shape += (d ? "," : "") + std::to_string(out.shape.dims[d]);
    shape += "]";
    std::printf("  %9.3f %5.1f%%  %-12s %-18s %s %s\n", ms, total > 0 ? 100.0 * ms / total : 0.0,
                backend_of[index], op_display_name(op), shape.c_str(),
                op.name() ? op.name()->c_str() : "");
  }
  return 0;
}

}  // namespace

int inspect_command(const InspectOptions& options) {
  Loaded loaded;
  if (!load(options.common, false, &loaded)) return 1;
  const Model& model = *loaded.model;
  std::map<std::string, int> op_counts;
  for (int i = 0; i < model.num_ops(); ++i) ++op_counts[op_display_name(model.op(i))];
  std::map<std::string, uint64_t> weight_bytes;
  uint64_t parameters = 0;
  for (int i = 0; i < model.num_tensors(); ++i) {
    if (!model.is_constant(i)) continue;
    parameters += static_cast<uint64_t>(model.tensor(i).shape.numel());
    weight_bytes[dtype_name(model.tensor(i).dtype)] += model.tensor(i).bytes();
  }
  const fb::Metadata* metadata = model.flatbuffer().metadata();
  auto meta = [&](const flatbuffers::String* s) { return s ? s->c_str() : ""; };
  if (options.json) {
    std::printf("{\"file_bytes\": %zu, \"inputs\": [", model.file_size());
    for (int i = 0; i < model.num_inputs(); ++i) {
      const int t = model.input_tensor(i);
      std::printf("%s{\"name\": %s, \"dtype\": \"%s\", \"shape\": %s}", i ? ", " : "",
                  json_string(model.tensor_name(t)).c_str(), dtype_name(model.tensor(t).dtype),
                  shape_text(model.tensor(t).shape).c_str());
    }
    std::printf("], \"outputs\": [");
    for (int i = 0; i < model.num_outputs(); ++i) {
      const int t = model.output_tensor(i);
      std::printf("%s{\"name\": %s, \"dtype\": \"%s\", \"shape\": %s}", i ? ", " : "",
                  json_string(model.tensor_name(t)).c_str(), dtype_name(model.tensor(t).dtype),
                  shape_text(model.tensor(t).shape).c_str());
    }
    std::printf("], \"ops\": {");
    bool first = true;
    for (const auto& [name, count] : op_counts) {
      std::printf("%s%s: %d", first ? "" : ", ", json_string(name.c_str()).c_str(), count);
      first = false;
    }
    std::printf("}, \"parameters\": %" PRIu64 ", \"weight_bytes\": {", parameters);
    first = true;
    for (const auto& [name, bytes] : weight_bytes) {
      std::printf("%s\"%s\": %" PRIu64, first ? "" : ", ", name.c_str(), bytes);
      first = false;
    }
    std::printf("}, \"arena_bytes\": %" PRIu64 ", \"naive_activation_bytes\": %" PRIu64
                ", \"producer\": %s, \"source_hash\": %s, \"content_hash\": %s}\n",
                model.arena_size(), model.naive_arena_size(),
                json_string(metadata ? meta(metadata->producer()) : "").c_str(),
                json_string(metadata ? meta(metadata->source_hash()) : "").c_str(),
                json_string(model.content_hash()).c_str());
    return 0;
  }
  std::printf("model: %s (%zu bytes)\n", options.common.model.c_str(), model.file_size());
  if (metadata)
    std::printf("producer: %s %s, from %s\n", meta(metadata->producer()),
                meta(metadata->producer_version()), meta(metadata->source_file()));
  std::printf("inputs:\n");
  for (int i = 0; i < model.num_inputs(); ++i) {
    const int t = model.input_tensor(i);
    std::printf("  %s: %s %s\n", model.tensor_name(t), dtype_name(model.tensor(t).dtype),
                shape_text(model.tensor(t).shape).c_str());
  }
  std::printf("outputs:\n");
  for (int i = 0; i < model.num_outputs(); ++i) {
    const int t = model.output_tensor(i);
    std::printf("  %s: %s %s\n", model.tensor_name(t), dtype_name(model.tensor(t).dtype),
                shape_text(model.tensor(t).shape).c_str());
  }
  std::printf("ops (%d):\n", model.num_ops());
  for (const auto& [name, count] : op_counts) std::printf("  %-20s %d\n", name.c_str(), count);
  std::printf("parameters: %" PRIu64 "\n", parameters);
  std::printf("weight bytes:\n");
  for (const auto& [name, bytes] : weight_bytes)
    std::printf("  %-6s %" PRIu64 "\n", name.c_str(), bytes);
  const double saved =
      model.naive_arena_size()
          ? 100.0 * (1.0 - double(model.arena_size()) / double(model.naive_arena_size()))
          : 0.0;
  std::printf("arena: %" PRIu64 " bytes (naive sum of activations %" PRIu64
              " bytes, %.1f%% saved)\n",
              model.arena_size(), model.naive_arena_size(), saved);
  std::printf("content hash: %s\n", model.content_hash());
  return 0;
}

int run_command(const RunOptions& options) {
  Loaded loaded;
  if (!load(options.common, true, &loaded)) return 1;
  Session& session = *loaded.session;
  std::vector<char> fed(static_cast<size_t>(session.num_inputs()), 0);
  std::vector<int64_t> fed_rows(static_cast<size_t>(session.num_inputs()), 0);
  int next_positional = 0;
  for (const std::string& spec : options.inputs) {
    const size_t eq = spec.find('=');
    int index;
    std::string path = spec;
    if (eq != std::string::npos && session.find_input(spec.substr(0, eq).c_str()) >= 0) {
      index = session.find_input(spec.substr(0, eq).c_str());
      path = spec.substr(eq + 1);
    } else {
      index = next_positional++;
      if (index >= session.num_inputs())
        return fail("more inputs given than the model has (" +
                    std::to_string(session.num_inputs()) + ")");
    }
    std::string error;
    if (!feed_input(session, index, path, options.images, &error)) return fail(error);
    fed[static_cast<size_t>(index)] = 1;
    fed_rows[static_cast<size_t>(index)] = session.input(index).shape[0];
  }
  for (int i = 0; i < session.num_inputs(); ++i)
    if (fed[static_cast<size_t>(i)] && session.input(i).shape[0] != fed_rows[static_cast<size_t>(i)])
      return fail(std::string("input '") + session.model().tensor_name(session.model().input_tensor(i)) +
                  "' was given " + std::to_string(fed_rows[static_cast<size_t>(i)]) +
                  " rows, but a later input sharing its leading dimension was given " +
                  std::to_string(session.input(i).shape[0]));
  for (int i = 0; i < session.num_inputs(); ++i)
    if (!fed[static_cast<size_t>(i)])
      return fail(std::string("no value given for input '") +
                  session.model().tensor_name(session.model().input_tensor(i)) + "'");
  const Status status = session.run();
  if (!status.ok()) return fail(status);
  std::string error;
  if (!options.output.empty()) {
    if (session.num_outputs() != 1)
      return fail("the model has " + std::to_string(session.num_outputs()) +
                  " outputs: use --output-dir");
    if (!write_output(session, 0, options.output, &error)) return fail(error);
  }
  if (!options.output_dir.empty()) {
    for (int i = 0; i < session.num_outputs(); ++i) {
      std::string name = session.model().tensor_name(session.model().output_tensor(i));
      std::replace(name.begin(), name.end(), '/', '_');
      if (!write_output(session, i, options.output_dir + "/" + name + ".npy", &error))
        return fail(error);
    }
  }
  for (int i = 0; i < session.num_outputs(); ++i) {
    const TensorView& output = session.output(i);
    std::printf("output %s: %s %s\n", session.model().tensor_name(session.model().output_tensor(i)),
                dtype_name(output.dtype), shape_text(output.shape).c_str());
  }
  if (options.top_k > 0) print_top_k(session.output(0), options.top_k);
  return 0;
}

int bench_command(const BenchOptions& options) {
  Loaded loaded;
  if (!load(options.common, true, &loaded)) return 1;
  Session& session = *loaded.session;
  for (int i = 0; i < session.num_inputs(); ++i) {
    const TensorView& input = session.input(i);
    if (input.dtype == DType::F32)
      for (int64_t j = 0; j < input.shape.numel(); ++j)
        input.f32()[j] = static_cast<float>((j % 17) - 8) / 8.f;
  }
  for (int i = 0; i < options.warmup; ++i) {
    const Status status = session.run();
    if (!status.ok()) return fail(status);
  }
  std::vector<double> ms;
  for (int i = 0; i < options.runs; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const Status status = session.run();
    const auto end = std::chrono::steady_clock::now();
    if (!status.ok()) return fail(status);
    ms.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::sort(ms.begin(), ms.end());
  const double median =
      ms.size() % 2 ? ms[ms.size() / 2] : 0.5 * (ms[ms.size() / 2 - 1] + ms[ms.size() / 2]);
  const double p90 =
      ms[std::min(ms.size() - 1, static_cast<size_t>(std::ceil(0.9 * ms.size())) - 1)];
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  const long peak_kib = usage.ru_maxrss;
  // Ops per backend, in order of first use: "cpu 62, reference 1".
  std::vector<std::pair<std::string, int>> ops_per_backend;
  for (const Partition& part : session.partitions()) {
    auto it = std::find_if(ops_per_backend.begin(), ops_per_backend.end(),
                           [&](const auto& entry) { return entry.first == part.backend->name(); });
    if (it == ops_per_backend.end())
      ops_per_backend.emplace_back(part.backend->name(), part.num_ops);
    else
      it->second += part.num_ops;
  }
  std::string backends;
  for (const auto& [name, ops] : ops_per_backend)
    backends += (backends.empty() ? "" : ", ") + name + " " + std::to_string(ops);
  if (options.json) {
    std::printf(
        "{\"model\": %s, \"ops_per_backend\": \"%s\", \"threads\": %d, \"runs\": %d, "
        "\"min_ms\": %.4f, \"median_ms\": %.4f, "
        "\"p90_ms\": %.4f, \"arena_bytes\": %zu, \"peak_rss_kib\": %ld}\n",
        json_string(options.common.model.c_str()).c_str(), backends.c_str(), session.num_threads(),
        options.runs, ms.front(), median, p90, session.arena_bytes(), peak_kib);
  } else {
    std::printf("%s: ops per backend %s; %d thread%s; %d runs after %d warm-up\n",
                options.common.model.c_str(), backends.c_str(), session.num_threads(),
                session.num_threads() == 1 ? "" : "s", options.runs, options.warmup);
    std::printf("latency: min %.3f ms, median %.3f ms, p90 %.3f ms\n", ms.front(), median, p90);
    if (session.num_threads() > 1)
      std::printf("threads: %lld of %d runs on the calling thread alone (workers slower)\n",
                  static_cast<long long>(session.serial_runs()), options.runs + options.warmup);
    std::printf("memory: arena %zu bytes, peak resident %ld KiB\n", session.arena_bytes(),
                peak_kib);
  }
  if (options.profile) return print_profile(session, options.runs);
  return 0;
}

}  // namespace sprig::cli
