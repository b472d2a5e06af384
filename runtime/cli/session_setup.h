// What the sprig tool's commands share: error printing, loading a model into a session on the
// chosen backends, and filling an input from a .npy file or an image.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/core/model.h"
#include "runtime/core/session.h"

namespace sprig::cli {

struct CommonOptions {
  std::string model;
  std::vector<std::string> backends;  // preference order; empty = every compiled backend
  int threads = 0;
  std::vector<std::string> loras;  // NAME=FILE[:SCALE], bound in order
};

// How an image becomes a model input.
struct InputOptions {
  std::vector<float> mean{0.f}, std{1.f};
  std::vector<int> size;  // image resize target: [S] or [H, W]; must match the model's input
};

// Prints "sprig: error: MESSAGE" to stderr; returns 1 (the exit code).
int fail(const std::string& message);
int fail(const Status& status);

std::string shape_text(const Shape& shape);
// The .npy descr of a dtype ("<f4", ...), empty when .npy has none.
std::string npy_descr(DType dtype);

struct Loaded {
  std::unique_ptr<Model> model;
  std::vector<std::unique_ptr<Adapter>> adapters;  // bound to session
  std::unique_ptr<Session> session;
};

// Loads common.model and, when with_session, a session on common.backends (every compiled backend
// when empty; reference always appended) with the adapters of common.loras bound. Prints the error
// and returns false on failure.
bool load(const CommonOptions& common, bool with_session, Loaded* out);

bool is_npy(const std::string& path);

// Fills input `index` from a .npy file (same element count; F32 or the input's own dtype) or an
// image (float32 [1, C, H, W] inputs: decoded, resized, normalized by options).
bool feed_input(Session& session, int index, const std::string& path, const InputOptions& options,
                std::string* error);

}  // namespace sprig::cli
