// The sprig tool's subcommands. Each returns the process exit code and prints its own errors.
#pragma once

#include <string>
#include <vector>

#include "runtime/cli/session_setup.h"
#include "runtime/llm/generator.h"

namespace sprig::cli {

struct InspectOptions {
  CommonOptions common;
  bool json = false;
};

struct RunOptions {
  CommonOptions common;
  std::vector<std::string> inputs;  // PATH or NAME=PATH (.npy or an image)
  std::string output;               // one .npy for a single-output model
  std::string output_dir;           // one .npy per output
  InputOptions images;
  int top_k = 0;
};

struct BenchOptions {
  bool profile = false;  // per-op times after the latency runs
  CommonOptions common;
  int runs = 20;
  int warmup = 3;
  bool json = false;
  // --llm: prompt processing and generation tokens/s (bench_llm.cc).
  bool llm = false;
  int prompt_tokens = 512;
  int gen_tokens = 128;
  int depth = 0;  // tokens already in the KV cache when pp and tg start
  int repetitions = 3;
};

struct EvalOptions {
  CommonOptions common;
  std::string second_model;  // compared with the first when set
  std::string data;          // IMAGES.npy (with labels) or DIR/<class>/<image>
  std::string labels;        // LABELS.npy (class index per image) for IMAGES.npy
  InputOptions images;
  int limit = 0;  // at most this many samples; 0 = all
  bool json = false;
};

struct GenerateCommandOptions {
  CommonOptions common;
  std::string prompt;
  bool parse_special = false;  // text like <|eot_id|> becomes that token
  llm::GenerateOptions generate;
};

struct ChatCommandOptions {
  CommonOptions common;
  std::string system;  // a system message first, when set
  llm::GenerateOptions generate;
};

int inspect_command(const InspectOptions& options);
int run_command(const RunOptions& options);
int bench_command(const BenchOptions& options);
// Text decoders: ppN and tgN tokens/s, effective bandwidth, peak memory.
int bench_llm_command(const BenchOptions& options);
// Top-1 / top-5 accuracy on labeled data; with a second model, both and their top-1 agreement.
int eval_command(const EvalOptions& options);
// Streams the continuation of a prompt; prefill and decode tokens/s on stderr.
int generate_command(const GenerateCommandOptions& options);
// A conversation: each stdin line is a user message; replies stream to stdout.
int chat_command(const ChatCommandOptions& options);

}  // namespace sprig::cli
