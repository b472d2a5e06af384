// sprig generate: streams a model's continuation of a prompt and reports prefill and decode speed.
#include <cstdio>
#include <memory>

#include "runtime/cli/commands.h"
#include "runtime/cli/text_model.h"

namespace sprig::cli {
namespace {

bool print_text(void*, const char* text, size_t size) {
  std::fwrite(text, 1, size, stdout);
  std::fflush(stdout);
  return true;
}

}  // namespace

int generate_command(const GenerateCommandOptions& options) {
  TextModel text;
  if (!load_text_model(options.common, options.generate, &text)) return 1;

  llm::GenerationStats stats;
  std::fputs(options.prompt.c_str(), stdout);
  const Status status = text.generator->generate(options.prompt, options.parse_special, print_text, nullptr, &stats);
  std::fputs("\n", stdout);
  std::fflush(stdout);
  if (!status.ok()) return fail(status);
  std::fprintf(stderr,
               "prefill: %d tokens in %.1f ms (%.1f tokens/s, %d per run)\n"
               "decode: %d tokens in %.1f ms (%.1f tokens/s)\n"
               "stopped: %s\n",
               stats.prompt_tokens, stats.prefill_ms, tokens_per_second(stats.prompt_tokens, stats.prefill_ms),
               text.generator->tokens_per_run(), stats.generated_tokens, stats.decode_ms,
               tokens_per_second(stats.generated_tokens, stats.decode_ms), llm::stop_reason_name(stats.reason));
  return 0;
}

}  // namespace sprig::cli
