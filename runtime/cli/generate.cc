// sprig generate: streams a model's continuation of a prompt and reports prefill and decode speed.
#include <cstdio>
#include <memory>

#include "runtime/cli/commands.h"
#include "runtime/llm/generator.h"

namespace sprig::cli {
namespace {

bool print_text(void*, const char* text, size_t size) {
  std::fwrite(text, 1, size, stdout);
  std::fflush(stdout);
  return true;
}

double per_second(int tokens, double ms) { return ms > 0 ? tokens * 1000.0 / ms : 0.0; }

}  // namespace

int generate_command(const GenerateCommandOptions& options) {
  Loaded loaded;
  if (!load(options.common, true, &loaded)) return 1;
  const fb::Tokenizer* table = loaded.model->tokenizer();
  if (!table) return fail("the model has no tokenizer (convert a checkpoint with tokenizer.json or tokenizer.model)");
  auto tokenizer = llm::Tokenizer::create(*table);
  if (!tokenizer.ok()) return fail(tokenizer.status());
  auto generator = llm::Generator::create(*loaded.session, **tokenizer, options.generate);
  if (!generator.ok()) return fail(generator.status());

  llm::GenerationStats stats;
  std::fputs(options.prompt.c_str(), stdout);
  const Status status = (*generator)->generate(options.prompt, options.parse_special, print_text, nullptr, &stats);
  std::fputs("\n", stdout);
  std::fflush(stdout);
  if (!status.ok()) return fail(status);
  std::fprintf(stderr,
               "prefill: %d tokens in %.1f ms (%.1f tokens/s, %d per run)\n"
               "decode: %d tokens in %.1f ms (%.1f tokens/s)\n"
               "stopped: %s\n",
               stats.prompt_tokens, stats.prefill_ms, per_second(stats.prompt_tokens, stats.prefill_ms),
               (*generator)->tokens_per_run(), stats.generated_tokens, stats.decode_ms,
               per_second(stats.generated_tokens, stats.decode_ms), llm::stop_reason_name(stats.reason));
  return 0;
}

}  // namespace sprig::cli
