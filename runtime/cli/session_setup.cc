#include "runtime/cli/session_setup.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "runtime/capi/backend_registry.h"
#include "runtime/cli/image.h"
#include "runtime/cli/npy.h"

namespace sprig::cli {

int fail(const std::string& message) {
  std::fprintf(stderr, "sprig: error: %s\n", message.c_str());
  return 1;
}

int fail(const Status& status) {
  return fail(std::string(code_name(status.code())) + ": " + status.message());
}

std::string shape_text(const Shape& shape) {
  char buf[160];
  return shape.format(buf, sizeof(buf));
}

std::string npy_descr(DType dtype) {
  switch (dtype) {
    case DType::F32:
      return "<f4";
    case DType::F16:
      return "<f2";
    case DType::I8:
      return "|i1";
    case DType::U8:
      return "|u1";
    case DType::I32:
      return "<i4";
    case DType::I64:
      return "<i8";
    default:
      return "";
  }
}

bool load(const CommonOptions& common, bool with_session, Loaded* out) {
  auto model = Model::load(common.model.c_str());
  if (!model.ok()) {
    fail(model.status());
    return false;
  }
  out->model = std::move(model.value());
  if (!with_session) return true;
  std::vector<Backend*> backends;
  if (common.backends.empty()) {
    Backend* const* all = nullptr;
    const int count = registered_backends(&all);
    backends.assign(all, all + count);
  }
  for (const std::string& name : common.backends) {
    Backend* backend = find_backend(name.c_str());
    if (backend == nullptr) {
      fail("backend '" + name + "' is not compiled into this build");
      return false;
    }
    backends.push_back(backend);
  }
  // The reference backend runs every op, so a listed backend never leaves one unrun.
  Backend* reference = find_backend("reference");
  if (std::find(backends.begin(), backends.end(), reference) == backends.end())
    backends.push_back(reference);
  SessionOptions options;
  options.backends = backends.data();
  options.num_backends = static_cast<int>(backends.size());
  options.num_threads = common.threads;
  auto session = Session::create(*out->model, options);
  if (!session.ok()) {
    fail(session.status());
    return false;
  }
  out->session = std::move(session.value());
  for (const std::string& spec : common.loras) {
    const size_t eq = spec.find('=');
    const size_t colon = spec.rfind(':');
    const bool has_scale = colon != std::string::npos && colon > eq;
    const std::string name = eq == std::string::npos ? spec : spec.substr(0, eq);
    const std::string path = spec.substr(eq == std::string::npos ? 0 : eq + 1,
                                         has_scale ? colon - eq - 1 : std::string::npos);
    char* end = nullptr;
    const float scale = has_scale ? std::strtof(spec.c_str() + colon + 1, &end) : 1.0f;
    if (eq == std::string::npos || path.empty() || (has_scale && (end == spec.c_str() + colon + 1 || *end != '\0'))) {
      fail("--lora wants NAME=FILE[:SCALE], got '" + spec + "'");
      return false;
    }
    auto adapter = Adapter::load(path.c_str());
    Status status = adapter.ok() ? out->session->bind_adapter(**adapter, scale) : adapter.status();
    if (!status.ok()) {
      fail("--lora " + name + " ('" + path + "'): " + status.message());
      return false;
    }
    out->adapters.push_back(std::move(adapter.value()));
  }
  return true;
}

bool is_npy(const std::string& path) {
  return path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0;
}

bool feed_input(Session& session, int index, const std::string& path, const InputOptions& options,
                std::string* error) {
  const TensorView& input = session.input(index);
  const char* name = session.model().tensor_name(session.model().input_tensor(index));
  std::vector<float> values;
  if (is_npy(path)) {
    NpyArray array;
    if (!read_npy(path, &array, error)) return false;
    if (input.dim0_symbol != 0 && array.shape.size() == static_cast<size_t>(input.shape.rank) &&
        array.shape[0] >= 1 && array.shape[0] <= session.max_rows(index)) {
      const Status status = session.set_rows(index, array.shape[0]);
      if (!status.ok()) {
        *error = status.message();
        return false;
      }
    }
    if (array.numel() != input.shape.numel()) {
      Shape shape;
      shape.rank = static_cast<int>(std::min<size_t>(array.shape.size(), kMaxRank));
      for (int d = 0; d < shape.rank; ++d) shape[d] = array.shape[static_cast<size_t>(d)];
      *error = "input '" + std::string(name) + "' has shape " + shape_text(input.shape) + ", '" +
               path + "' has shape " + shape_text(shape);
      return false;
    }
    if (input.dtype == DType::I32 && array.descr == "<i8") {
      int32_t* out = input.as<int32_t>();
      for (int64_t i = 0; i < array.numel(); ++i) {
        int64_t v;
        std::memcpy(&v, array.data.data() + i * sizeof(v), sizeof(v));
        if (v < INT32_MIN || v > INT32_MAX) {
          *error = "'" + path + "' holds " + std::to_string(v) + ", outside input '" + name + "''s int32";
          return false;
        }
        out[i] = static_cast<int32_t>(v);
      }
      return true;
    }
    if (input.dtype != DType::F32) {
      if (array.descr != npy_descr(input.dtype)) {
        *error = "input '" + std::string(name) + "' is " + dtype_name(input.dtype) + ", '" + path +
                 "' is " + array.descr;
        return false;
      }
      std::memcpy(input.data, array.data.data(), input.bytes());
      return true;
    }
    if (!npy_to_f32(array, &values, error)) return false;
  } else {
    if (input.dtype != DType::F32 || input.shape.rank != 4 || input.shape[0] != 1) {
      *error = "image input needs a float32 [1, C, H, W] model input; '" + std::string(name) +
               "' is " + dtype_name(input.dtype) + " " + shape_text(input.shape);
      return false;
    }
    ImagePreprocess preprocess;
    preprocess.channels = static_cast<int>(input.shape[1]);
    preprocess.height = static_cast<int>(input.shape[2]);
    preprocess.width = static_cast<int>(input.shape[3]);
    if (!options.size.empty()) {
      const int h = options.size[0],
                w = options.size.size() > 1 ? options.size[1] : options.size[0];
      if (h != preprocess.height || w != preprocess.width) {
        *error = "--size " + std::to_string(h) + "x" + std::to_string(w) +
                 " does not match input '" + name + "' " + shape_text(input.shape);
        return false;
      }
    }
    preprocess.mean = options.mean;
    preprocess.std = options.std;
    if (!load_image(path, preprocess, &values, error)) return false;
  }
  std::memcpy(input.data, values.data(), input.bytes());
  return true;
}

}  // namespace sprig::cli
