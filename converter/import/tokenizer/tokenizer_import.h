// Reads a checkpoint's tokenizer into the table the runtime's tokenizer reads (sprig.fbs, table
// Tokenizer):
//   tokenizer.json   Hugging Face's format: BPE with a SentencePiece-style normalizer or
//                    Metaspace pre-tokenizer (Llama 2, TinyLlama, Mistral), or byte-level BPE with
//                    its split regex (GPT-2, Llama 3, Qwen2); added tokens.
//   tokenizer.model  SentencePiece's model (BPE, identity normalization), when there is no
//                    tokenizer.json.
//   tokenizer_config.json, generation_config.json: BOS/EOS, add_bos_token, chat_template.
// What would change the tokens and is not handled (WordPiece or Unigram models, NFKC, a
// pre-tokenizer other than those above, dropout, ...) is refused by name with ConvertError.
#pragma once

#include <memory>
#include <string>

#include "converter/import/hf/hf_config.h"
#include "runtime/schema/sprig_generated.h"

namespace sprig::convert {

// The tokenizer of checkpoint directory `dir`, or null when it has neither tokenizer.json nor
// tokenizer.model. BOS and EOS ids from `config` are used where the tokenizer files give none.
std::shared_ptr<const fb::TokenizerT> import_tokenizer(const std::string& dir, const HfConfig& config);

// The parts, for tests: one file each, without the *_config.json files.
fb::TokenizerT read_tokenizer_json(const std::string& path);
fb::TokenizerT read_sentencepiece_model(const std::string& path);

}  // namespace sprig::convert
