// The chat template renderer against Jinja2 as transformers configures it, on the committed
// tokenizers' templates and templates in the style of the common model families, over several
// conversations (fixtures/text/chat_templates.json from models/text/chat_template_reference.py).
#include "runtime/llm/chat_template.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/common/test_util.h"

namespace sprig::llm {
namespace {

using nlohmann::json;

TEST(ChatTemplate, RendersAsJinja2Does) {
  std::ifstream file(test::fixtures_dir() + "/text/chat_templates.json");
  ASSERT_TRUE(file.good()) << "run models/text/chat_template_reference.py";
  const json cases = json::parse(file)["cases"];
  ASSERT_GE(cases.size(), 40u);
  int errors = 0;
  for (const json& c : cases) {
    ChatTemplateInputs inputs;
    for (const json& m : c["messages"]) inputs.messages.push_back({m["role"], m["content"]});
    inputs.add_generation_prompt = c["add_generation_prompt"];
    inputs.bos_token = c["bos_token"];
    inputs.eos_token = c["eos_token"];
    const std::string what = c["name"].get<std::string>() + ", " + std::to_string(inputs.messages.size()) +
                             " messages, generation prompt " + (inputs.add_generation_prompt ? "on" : "off");
    auto rendered = render_chat_template(c["template"].get<std::string>(), inputs);
    if (c.contains("error")) {
      ++errors;
      ASSERT_FALSE(rendered.ok()) << what << ": Jinja2 raised '" << c["error"].get<std::string>() << "'";
      EXPECT_EQ(rendered.status().code(), Code::kInvalidArgument) << what;
      EXPECT_NE(std::string(rendered.status().message()).find(c["error"].get<std::string>().substr(0, 40)),
                std::string::npos)
          << what << ": " << rendered.status().message();
      continue;
    }
    ASSERT_TRUE(rendered.ok()) << what << ": " << rendered.status().message();
    EXPECT_EQ(*rendered, c["rendered"].get<std::string>()) << what;
  }
  EXPECT_GT(errors, 0);  // the raise_exception paths were exercised
}

TEST(ChatTemplate, RefusesWhatItDoesNotRender) {
  ChatTemplateInputs inputs;
  inputs.messages = {{"user", "hi"}};
  const auto refused = [&](const char* source, Code code, const char* words) {
    auto rendered = render_chat_template(source, inputs);
    ASSERT_FALSE(rendered.ok()) << source;
    EXPECT_EQ(rendered.status().code(), code) << source;
    EXPECT_NE(std::string(rendered.status().message()).find(words), std::string::npos) << rendered.status().message();
  };
  refused("{% macro m() %}{% endmacro %}", Code::kUnsupported, "macro");
  refused("{{ messages | tojson }}", Code::kUnsupported, "tojson");
  refused("{% for m in messages if m.role == 'user' %}{{ m.content }}{% endfor %}", Code::kUnsupported,
          "loop filter");
  refused("{% if x %}never closed", Code::kInvalidModel, "endif");
  refused("{{ 'a' + }}", Code::kInvalidModel, "unexpected");
  refused("{{ unclosed", Code::kInvalidModel, "not closed");
}

}  // namespace
}  // namespace sprig::llm
