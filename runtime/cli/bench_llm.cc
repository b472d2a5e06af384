// sprig bench --llm: prompt processing and generation speed of a text decoder, as llama-bench
// reports them (ppN: N prompt tokens in runs of up to the model's tokens per run; tgN: N tokens one
// run each; logits of each run's last token only), both after --depth tokens already in the KV
// cache (0: from an empty cache), with the effective weight bandwidth of generation.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/cli/commands.h"
#include "runtime/llm/decoder.h"

namespace sprig::cli {
namespace {

double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Runs `count` tokens at positions first.. in runs of up to `per_run`; returns the milliseconds.
// Cache rows from `first` on are written before they are read, so runs may repeat at one position.
Result<double> run_tokens(llm::Decoder& decoder, int first, int count, int per_run) {
  std::vector<int32_t> ids(static_cast<size_t>(count));
  for (int p = 0; p < count; ++p) ids[static_cast<size_t>(p)] = (p * 7919 + 13) % decoder.vocab();
  const auto start = std::chrono::steady_clock::now();
  for (int done = 0; done < count;) {
    const int n = std::min(per_run, count - done);
    SPRIG_RETURN_IF_ERROR(decoder.run(ids.data() + done, n, first + done));
    done += n;
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int bench_llm_command(const BenchOptions& options) {
  Loaded loaded;
  if (!load(options.common, true, &loaded)) return 1;
  Session& session = *loaded.session;
  Result<llm::Decoder> bound = llm::Decoder::bind(session);
  if (!bound.ok()) return fail(std::string("--llm: ") + bound.status().message());
  llm::Decoder& decoder = *bound;
  const Model& model = *loaded.model;
  size_t weight_bytes = 0;
  // Bytes a generated token reads: every constant an op reads whole (with its scales and zero
  // points), which leaves out embedding tables read only by a Gather (one row a token).
  std::vector<bool> streamed(static_cast<size_t>(model.num_tensors()), false);
  for (int o = 0; o < model.num_ops(); ++o) {
    const auto* inputs = model.op(o).inputs();
    for (uint32_t i = 0; i < inputs->size(); ++i)
      if (model.op(o).type() != fb::OpType::Gather || i != 0) streamed[static_cast<size_t>(inputs->Get(i))] = true;
  }
  for (int i = 0; i < model.num_tensors(); ++i) {
    if (!model.is_constant(i) || !streamed[static_cast<size_t>(i)]) continue;
    const TensorView& t = model.tensor(i);
    weight_bytes += t.bytes() + (t.scales ? t.scales->bytes() : 0) + (t.zero_points ? t.zero_points->bytes() : 0);
  }
  size_t cache_bytes = 0;
  for (int i = 0; i < model.num_tensors(); ++i)
    if (model.tensor(i).is_state) cache_bytes += model.tensor(i).bytes();
  const int chunk = decoder.max_tokens(), context = decoder.context(), depth = options.depth;
  if (depth + std::max(options.prompt_tokens, options.gen_tokens) > context) {
    return fail("--llm: depth " + std::to_string(depth) + " + pp" + std::to_string(options.prompt_tokens) +
                " / tg" + std::to_string(options.gen_tokens) + " do not fit in the model's context of " +
                std::to_string(context) + " tokens");
  }
  decoder.reset();
  if (depth > 0) {
    auto filled = run_tokens(decoder, 0, depth, chunk);
    if (!filled.ok()) return fail(filled.status());
  }
  if (options.warmup > 0) {
    auto warm = run_tokens(decoder, depth, std::min(chunk * 2, options.prompt_tokens), chunk);
    if (!warm.ok()) return fail(warm.status());
  }
  std::vector<double> pp_ms, tg_ms;
  for (int r = 0; r < options.repetitions; ++r) {
    auto pp = run_tokens(decoder, depth, options.prompt_tokens, chunk);
    if (!pp.ok()) return fail(pp.status());
    pp_ms.push_back(*pp);
    auto tg = run_tokens(decoder, depth, options.gen_tokens, 1);
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
                "\"peak_rss_kib\": %ld, \"file_bytes\": %zu, \"kv_cache_bytes\": %zu, \"depth\": %d, "
                "\"repetitions\": %d}\n",
                options.prompt_tokens, pp, options.gen_tokens, tg, chunk, session.num_threads(), weight_bytes, gb_per_s,
                usage.ru_maxrss, model.file_size(), cache_bytes, depth, options.repetitions);
    return 0;
  }
  const std::string at = depth > 0 ? " at depth " + std::to_string(depth) : "";
  std::printf("pp%d%s: %.2f tokens/s (up to %d tokens per run)\n", options.prompt_tokens, at.c_str(), pp, chunk);
  std::printf("tg%d%s: %.2f tokens/s (one token per run)\n", options.gen_tokens, at.c_str(), tg);
  std::printf("weights read per token: %.1f MB (embedding tables excluded), effective bandwidth in generation %.2f GB/s\n",
              weight_bytes / 1e6, gb_per_s);
  std::printf("threads: %d; medians of %d repetitions; peak resident %ld KiB (file %zu bytes, KV cache %zu "
              "bytes)\n",
              session.num_threads(), options.repetitions, usage.ru_maxrss, model.file_size(), cache_bytes);
  return 0;
}

}  // namespace sprig::cli
