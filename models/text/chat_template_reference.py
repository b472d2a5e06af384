#!/usr/bin/env python3
"""Renders chat templates with Jinja2 as Hugging Face transformers does (trim_blocks,
lstrip_blocks, raise_exception): the reference for the runtime's template renderer
(tests/unit/chat_template_test.cc reads the JSON this writes).

Templates: the two committed tokenizers' (models/text/*/tokenizer_config.json) and templates in
the style of the common model families (Llama 2 and Mistral [INST], Llama 3 headers, ChatML as
Qwen2 writes it, Zephyr), each over several conversations with and without a generation prompt.
A case whose template raises gets {"error": message} instead of "rendered".

usage: chat_template_reference.py --out OUT.json
"""
import argparse
import json
import os

import jinja2

HERE = os.path.dirname(os.path.abspath(__file__))

FAMILIES = {
    "llama2": (
        "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
        "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
        "{% set system_message = false %}{% endif %}"
        "{% for message in loop_messages %}"
        "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
        "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
        "{% if loop.index0 == 0 and system_message != false %}"
        "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
        "{% else %}{% set content = message['content'] %}{% endif %}"
        "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
        "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}"
        "{% endfor %}"
    ),
    "mistral": (
        "{{- bos_token }}\n"
        "{%- for message in messages %}\n"
        "    {%- if message['role'] == 'user' %}\n"
        "        {{- '[INST] ' + message['content'] + ' [/INST]' }}\n"
        "    {%- elif message['role'] == 'assistant' %}\n"
        "        {{- ' ' + message['content'] + eos_token }}\n"
        "    {%- else %}\n"
        "        {{- raise_exception('Only user and assistant roles are supported!') }}\n"
        "    {%- endif %}\n"
        "{%- endfor %}\n"
    ),
    "llama3": (
        "{% set loop_messages = messages %}{% for message in loop_messages %}"
        "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'"
        "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
        "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
        "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}"
    ),
    "chatml_qwen2": (
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
        "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
        "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}"
        "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
    ),
    "zephyr": (
        "{% for message in messages %}\n"
        "{% if message['role'] == 'user' %}\n"
        "{{ '<|user|>\\n' + message['content'] + eos_token }}\n"
        "{% elif message['role'] == 'system' %}\n"
        "{{ '<|system|>\\n' + message['content'] + eos_token }}\n"
        "{% elif message['role'] == 'assistant' %}\n"
        "{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n"
        "{% endif %}\n"
        "{% if loop.last and add_generation_prompt %}\n"
        "{{ '<|assistant|>' }}\n"
        "{% endif %}\n"
        "{% endfor %}"
    ),
    "defaults_and_tests": (
        "{%- set sep = sep if sep is defined else ' | ' -%}\n"
        "{%- for m in messages -%}\n"
        "  {{ loop.index }}/{{ loop.length }} {{ m.role | upper }}{{ sep }}{{ m.content | length }}"
        "{{ ' last' if loop.last else '' }}{{ '\\n' }}\n"
        "{%- endfor -%}\n"
        "{%- if messages | length > 2 and 'sys' in messages[0].role %}many{% endif -%}\n"
    ),
}

CONVERSATIONS = [
    [{"role": "user", "content": "Hello!"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "  What is 2+2?  "}],
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello, how can I help?"},
     {"role": "user", "content": "Tell me a joke.\nA short one."}],
    [{"role": "system", "content": "Sé breve. 日本語もOK"}, {"role": "user", "content": "¿Qué tal?"},
     {"role": "assistant", "content": " Bien "}, {"role": "user", "content": "🙂"}],
    [{"role": "user", "content": "one"}, {"role": "user", "content": "two"}],
]


def committed_templates():
    out = {}
    for name in ("tiny_llama", "byte_bpe"):
        with open(os.path.join(HERE, name, "tokenizer_config.json"), encoding="utf-8") as f:
            out[name] = json.load(f)["chat_template"]
    return out


def render(template, messages, add_generation_prompt, bos, eos):
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(messages=messages, add_generation_prompt=add_generation_prompt,
                                            bos_token=bos, eos_token=eos)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    templates = dict(FAMILIES)
    templates.update(committed_templates())
    cases = []
    for name, template in templates.items():
        for messages in CONVERSATIONS:
            for add_generation_prompt in (True, False):
                case = {"name": name, "template": template, "messages": messages,
                        "add_generation_prompt": add_generation_prompt, "bos_token": "<s>", "eos_token": "</s>"}
                try:
                    case["rendered"] = render(template, messages, add_generation_prompt, "<s>", "</s>")
                except jinja2.exceptions.TemplateError as e:
                    case["error"] = str(e)
                cases.append(case)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"cases": cases}, f, ensure_ascii=False, indent=1)
    print(f"{len(cases)} renderings of {len(templates)} templates -> {args.out}")


if __name__ == "__main__":
    main()
