// What sprig generate and sprig chat share: a text model loaded with its tokenizer and a generator.
#pragma once

#include <memory>

#include "runtime/cli/session_setup.h"
#include "runtime/llm/generator.h"

namespace sprig::cli {

struct TextModel {
  Loaded loaded;
  std::unique_ptr<llm::Tokenizer> tokenizer;
  std::unique_ptr<llm::Generator> generator;
};

// Loads common.model, its embedded tokenizer and a generator; prints the error and returns false
// on failure (a model without a tokenizer included).
bool load_text_model(const CommonOptions& common, const llm::GenerateOptions& options, TextModel* out);

inline double tokens_per_second(int tokens, double ms) { return ms > 0 ? tokens * 1000.0 / ms : 0.0; }

}  // namespace sprig::cli
