// sprig: run, benchmark and inspect .sprig models.
#include <CLI/CLI.hpp>

#include "runtime/cli/commands.h"

namespace {

void add_common(CLI::App* command, sprig::cli::CommonOptions* common) {
  command->add_option("model", common->model, ".sprig model")->required();
  command
      ->add_option(
          "--backend", common->backends,
          "backends in order of preference (cpu, cpu-own, reference); reference always last")
      ->delimiter(',');
  command->add_option("--threads", common->threads, "threads (default: physical cores)")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--lora", common->loras,
                      "bind a LoRA adapter, NAME=FILE[:SCALE] (repeatable; scale 1 by default)");
}

void add_image_options(CLI::App* command, sprig::cli::InputOptions* images) {
  command->add_option("--mean", images->mean, "image mean per channel (pixels scaled to 0..1)")
      ->delimiter(',');
  command->add_option("--std", images->std, "image std per channel")->delimiter(',');
  command->add_option("--size", images->size, "image size: S or H,W (default: the model's)")
      ->delimiter(',');
}

void add_generate_options(CLI::App* command, sprig::llm::GenerateOptions* generate) {
  command->add_option("-n,--max-tokens", generate->max_new_tokens, "tokens to generate at most")
      ->check(CLI::NonNegativeNumber);
  sprig::llm::SamplerOptions& sampling = generate->sampling;
  command->add_option("--temp", sampling.temperature, "temperature; 0 = greedy (default)");
  command->add_option("--top-k", sampling.top_k, "keep the K most likely tokens (0 = all)");
  command->add_option("--top-p", sampling.top_p, "keep the smallest set with this probability mass");
  command->add_option("--min-p", sampling.min_p, "drop tokens below this fraction of the best one's probability");
  command->add_option("--repeat-penalty", sampling.repetition_penalty, "repetition penalty (1 = off)");
  command->add_option("--seed", sampling.seed, "random seed");
  command->add_option("--stop", generate->stop_strings, "stop at this text (repeatable)");
  command->add_flag("!--no-eos", generate->stop_at_eos, "keep going past end-of-sequence tokens");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sprig::cli;
  CLI::App app{"sprig: run, benchmark and inspect .sprig models"};
  app.require_subcommand(1);

  InspectOptions inspect;
  CLI::App* inspect_cmd = app.add_subcommand("inspect", "inputs, outputs, ops, weights and memory");
  add_common(inspect_cmd, &inspect.common);
  inspect_cmd->add_flag("--json", inspect.json, "print JSON");

  RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "run a model on .npy or image inputs");
  add_common(run_cmd, &run.common);
  run_cmd->add_option("-i,--input", run.inputs, "input: PATH or NAME=PATH (.npy, .png, .jpg, ...)")
      ->required();
  run_cmd->add_option("-o,--output", run.output, "write the (single) output to this .npy");
  run_cmd->add_option("--output-dir", run.output_dir, "write one .npy per output here");
  add_image_options(run_cmd, &run.images);
  run_cmd->add_option("--top-k", run.top_k, "print the K best classes of the first output")
      ->check(CLI::NonNegativeNumber);

  BenchOptions bench;
  CLI::App* bench_cmd = app.add_subcommand("bench", "latency and memory");
  add_common(bench_cmd, &bench.common);
  bench_cmd->add_option("--runs", bench.runs, "timed runs")->check(CLI::PositiveNumber);
  bench_cmd->add_option("--warmup", bench.warmup, "untimed runs first")
      ->check(CLI::NonNegativeNumber);
  bench_cmd->add_flag("--json", bench.json, "print JSON");
  bench_cmd->add_flag("--profile", bench.profile,
                      "then time every op over --runs more runs: the slowest ops, with backend");
  bench_cmd->add_flag("--llm", bench.llm, "a text decoder: prompt (pp) and generation (tg) tokens/s");
  bench_cmd->add_option("--pp", bench.prompt_tokens, "--llm: prompt tokens")->check(CLI::PositiveNumber);
  bench_cmd->add_option("--tg", bench.gen_tokens, "--llm: generated tokens")->check(CLI::PositiveNumber);
  bench_cmd->add_option("--depth", bench.depth,
                        "--llm: tokens already in the KV cache when pp and tg start (filled once, "
                        "untimed)")
      ->check(CLI::NonNegativeNumber);
  bench_cmd->add_option("--repetitions", bench.repetitions, "--llm: repetitions (the median is shown)")
      ->check(CLI::PositiveNumber);

  EvalOptions eval;
  CLI::App* eval_cmd =
      app.add_subcommand("eval", "top-1/top-5 accuracy on labeled data; compare two models");
  add_common(eval_cmd, &eval.common);
  eval_cmd->add_option("second_model", eval.second_model, "a second .sprig model to compare");
  eval_cmd
      ->add_option("--data", eval.data,
                   "IMAGES.npy (N samples of the input), FILE.npz (images, labels) or DIR/<class>/")
      ->required();
  eval_cmd->add_option("--labels", eval.labels,
                       "LABELS.npy: the class of each sample in IMAGES.npy");
  add_image_options(eval_cmd, &eval.images);
  eval_cmd->add_option("--limit", eval.limit, "evaluate at most N samples")
      ->check(CLI::NonNegativeNumber);
  eval_cmd->add_flag("--json", eval.json, "print JSON");

  GenerateCommandOptions generate;
  CLI::App* generate_cmd = app.add_subcommand("generate", "stream a text model's continuation of a prompt");
  add_common(generate_cmd, &generate.common);
  generate_cmd->add_option("-p,--prompt", generate.prompt, "the prompt")->required();
  add_generate_options(generate_cmd, &generate.generate);
  generate_cmd->add_flag("--special", generate.parse_special, "parse special tokens' text in the prompt");

  ChatCommandOptions chat;
  CLI::App* chat_cmd = app.add_subcommand("chat", "talk to a text model through its chat template (stdin lines)");
  add_common(chat_cmd, &chat.common);
  chat_cmd->add_option("--system", chat.system, "a system message to start with");
  add_generate_options(chat_cmd, &chat.generate);

  CLI11_PARSE(app, argc, argv);
  if (*generate_cmd) return generate_command(generate);
  if (*chat_cmd) return chat_command(chat);
  if (*inspect_cmd) return inspect_command(inspect);
  if (*run_cmd) return run_command(run);
  if (*eval_cmd) return eval_command(eval);
  return bench.llm ? bench_llm_command(bench) : bench_command(bench);
}
