// Renders a Hugging Face chat template: the Jinja text a checkpoint's tokenizer_config.json carries
// (embedded verbatim in the .sprig) that turns a conversation into the prompt the model was tuned on.
//
// The Jinja subset chat templates use: text, {{ expressions }}, {% if / elif / else / endif %},
// {% for x in list %} with loop.index0 / index / first / last / length, {% set name = ... %},
// {# comments #} and "-" whitespace control; expressions with strings, integers, true/false/none,
// lists, .attribute and [index] access, slices, + - * / % ~, comparisons, in / not in,
// and / or / not, `is defined / none / string / number` tests, the filters trim, length, upper,
// lower, first, last, the ternary `a if c else b`, and raise_exception(message).
// Anything else is reported (kUnsupported, naming it) rather than rendered wrongly.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "runtime/core/status.h"

namespace sprig::llm {

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

struct ChatTemplateInputs {
  std::vector<ChatMessage> messages;
  bool add_generation_prompt = true;  // end with the opening of the assistant's turn
  std::string bos_token;
  std::string eos_token;
};

// The rendered prompt; kInvalidArgument carries a raise_exception() message from the template,
// kUnsupported a construct outside the subset, kInvalidModel a template that does not parse.
Result<std::string> render_chat_template(std::string_view source, const ChatTemplateInputs& inputs);

}  // namespace sprig::llm
