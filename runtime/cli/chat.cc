// sprig chat: a conversation on stdin and stdout through the model's chat template.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "runtime/cli/commands.h"
#include "runtime/llm/chat_template.h"
#include "runtime/cli/text_model.h"

namespace sprig::cli {
namespace {

struct Reply {
  std::string text;
};

bool stream_reply(void* context, const char* text, size_t size) {
  static_cast<Reply*>(context)->text.append(text, size);
  std::fwrite(text, 1, size, stdout);
  std::fflush(stdout);
  return true;
}

}  // namespace

int chat_command(const ChatCommandOptions& options) {
  TextModel text;
  if (!load_text_model(options.common, options.generate, &text)) return 1;
  const llm::Tokenizer& t = *text.tokenizer;
  if (t.chat_template().empty()) return fail("the model has no chat template (tokenizer_config.json chat_template)");

  llm::ChatTemplateInputs conversation;
  if (t.bos_id() >= 0) conversation.bos_token = std::string(t.token_bytes(t.bos_id()));
  if (!t.eos_ids().empty()) conversation.eos_token = std::string(t.token_bytes(t.eos_ids()[0]));
  if (!options.system.empty()) conversation.messages.push_back({"system", options.system});
  const bool interactive = isatty(STDIN_FILENO);
  for (std::string line;;) {
    if (interactive) std::fputs("> ", stdout), std::fflush(stdout);
    if (!std::getline(std::cin, line)) break;
    if (line.empty()) continue;
    conversation.messages.push_back({"user", line});
    auto prompt = llm::render_chat_template(t.chat_template(), conversation);
    if (!prompt.ok()) return fail(prompt.status());
    std::vector<int32_t> ids;
    llm::EncodeOptions encode;
    encode.add_bos = false;  // the template writes BOS where the model wants it
    encode.parse_special = true;
    const Status encoded = t.encode(*prompt, encode, &ids);
    if (!encoded.ok()) return fail(encoded);
    Reply reply;
    llm::GenerationStats stats;
    const Status status = text.generator->generate_after(ids, stream_reply, &reply, &stats);
    std::fputs("\n", stdout);
    std::fflush(stdout);
    if (!status.ok()) return fail(status);
    std::fprintf(stderr, "[%d new prompt tokens at %.1f tokens/s, %d generated at %.1f tokens/s; %s]\n",
                 stats.prompt_tokens, tokens_per_second(stats.prompt_tokens, stats.prefill_ms), stats.generated_tokens,
                 tokens_per_second(stats.generated_tokens, stats.decode_ms),
                 llm::stop_reason_name(stats.reason));
    conversation.messages.push_back({"assistant", reply.text});
    if (stats.reason == llm::StopReason::kContextFull) return fail("the context is full");
  }
  return 0;
}

}  // namespace sprig::cli
