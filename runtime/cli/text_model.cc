#include "runtime/cli/text_model.h"

namespace sprig::cli {

bool load_text_model(const CommonOptions& common, const llm::GenerateOptions& options, TextModel* out) {
  if (!load(common, true, &out->loaded)) return false;
  const fb::Tokenizer* table = out->loaded.model->tokenizer();
  if (!table) {
    fail("the model has no tokenizer (convert a checkpoint with tokenizer.json or tokenizer.model)");
    return false;
  }
  auto tokenizer = llm::Tokenizer::create(*table);
  if (!tokenizer.ok()) return fail(tokenizer.status()) == 0;
  out->tokenizer = std::move(*tokenizer);
  auto generator = llm::Generator::create(*out->loaded.session, *out->tokenizer, options);
  if (!generator.ok()) return fail(generator.status()) == 0;
  out->generator = std::move(*generator);
  return true;
}

}  // namespace sprig::cli
