// sprig bench --llm: prompt processing and generation speed of a text decoder, as llama-bench
// reports them (ppN: N prompt tokens in runs of the model's tokens-per-run; tgN: N tokens one run
// each from an empty cache), with the effective weight bandwidth of generation.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "runtime/cli/commands.h"

namespace sprig::cli {
namespace {

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Runs `count` tokens from position 0 in runs of the model's T; returns the milliseconds.
Result<double> run_tokens(Session& session, int tokens_input, int positions_input, int count, int per_run,
                          int vocab) {
  session.reset_state();
  int32_t* tokens = session.input(tokens_input).as<int32_t>();
  int32_t* positions = session.input(positions_input).as<int32_t>();
  const int chunk = static_cast<int>(session.input(tokens_input).shape[0]);
  const auto start = std::chrono::steady_clock::now();
  for (int done = 0; done < count;) {
    const int n = std::min(per_run, count - done);
    for (int i = 0; i < chunk; ++i) {
      const int p = done + std::min(i, n - 1);
      tokens[i] = (p * 7919 + 13) % vocab;
      positions[i] = p;
    }
    SPRIG_RETURN_IF_ERROR(session.run());
    done += n;
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int bench_llm_command(const BenchOptions& options) {
  Loaded loaded;
  if (!load(options.common, true, &loaded)) return 1;
  Session& session = *loaded.session;
  const int tokens_input = session.find_input("tokens"), positions_input = session.find_input("positions");
  if (tokens_input < 0 || positions_input < 0) return fail("--llm: the model has no 'tokens' and 'positions' inputs");
  const Model& model = *loaded.model;
  int64_t context = 0;
  size_t weight_bytes = 0;
  // Bytes a generated token reads: every constant but the embedding tables, of which a Gather
  // reads one row.
  std::vector<bool> gathered(static_cast<size_t>(model.num_tensors()), false);
  for (int o = 0; o < model.num_ops(); ++o) {
    if (model.op(o).type() == fb::OpType::Gather) gathered[static_cast<size_t>(model.op(o).inputs()->Get(0))] = true;
  }
  for (int i = 0; i < model.num_tensors(); ++i) {
    if (model.tensor(i).is_state) context = context ? std::min(context, model.tensor(i).shape[0]) : model.tensor(i).shape[0];
    if (model.is_constant(i) && !gathered[static_cast<size_t>(i)]) weight_bytes += model.tensor(i).bytes();
  }
  const int chunk = static_cast<int>(session.input(tokens_input).shape[0]);
  const int logits = session.find_output("logits");
  if (logits < 0 || session.output(logits).shape.rank != 2) return fail("--llm: the model has no 'logits' [T, vocab] output");
  const int vocab = static_cast<int>(session.output(logits).shape[1]);
  if (options.prompt_tokens > context || options.gen_tokens > context) {
    return fail("--llm: pp" + std::to_string(options.prompt_tokens) + " / tg" + std::to_string(options.gen_tokens) +
                " do not fit in the model's context of " + std::to_string(context) + " tokens");
  }
  if (options.warmup > 0) {
    auto warm = run_tokens(session, tokens_input, positions_input, std::min(chunk * 2, options.prompt_tokens), chunk, vocab);
    if (!warm.ok()) return fail(warm.status());
  }
  std::vector<double> pp_ms, tg_ms;
  for (int r = 0; r < options.repetitions; ++r) {
    auto pp = run_tokens(session, tokens_input, positions_input, options.prompt_tokens, chunk, vocab);
    if (!pp.ok()) return fail(pp.status());
    pp_ms.push_back(*pp);
    auto tg = run_tokens(session, tokens_input, positions_input, options.gen_tokens, 1, vocab);
    if (!tg.ok()) return fail(tg.status());
    tg_ms.push_back(*tg);
  }
  const double pp = options.prompt_tokens * 1000.0 / median_of(pp_ms);
  const double tg = options.gen_tokens * 1000.0 / median_of(tg_ms);
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  const double gb_per_s = static_cast<double>(weight_bytes) * tg / 1e9;
  if (options.json) {
    std::printf("{\"pp_tokens\": %d, \"pp_tokens_per_s\": %.2f, \"tg_tokens\": %d, \"tg_tokens_per_s\": %.2f, "
                "\"tokens_per_run\": %d, \"threads\": %d, \"weight_bytes\": %zu, \"effective_gb_per_s\": %.2f, "
                "\"peak_rss_kib\": %ld, \"file_bytes\": %zu, \"repetitions\": %d}\n",
                options.prompt_tokens, pp, options.gen_tokens, tg, chunk, session.num_threads(), weight_bytes, gb_per_s,
                usage.ru_maxrss, model.file_size(), options.repetitions);
    return 0;
  }
  std::printf("pp%d: %.2f tokens/s (%d tokens per run)\n", options.prompt_tokens, pp, chunk);
  std::printf("tg%d: %.2f tokens/s (one token per run%s)\n", options.gen_tokens, tg,
              chunk > 1 ? ", the rest of each run padding" : "");
  std::printf("weights read per token: %.1f MB (embedding tables excluded), effective bandwidth in generation %.2f GB/s\n",
              weight_bytes / 1e6, gb_per_s);
  std::printf("threads: %d; medians of %d repetitions; peak resident %ld KiB (file %zu bytes)\n",
              session.num_threads(), options.repetitions, usage.ru_maxrss, model.file_size());
  return 0;
}

}  // namespace sprig::cli
