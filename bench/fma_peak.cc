// sprig_fma_peak: this machine's measured f32 FMA peak, the ceiling the model benchmark compares
// achieved GFLOP/s against. Each thread runs independent chains of vector FMAs (enough of them to
// cover the FMA latency times the number of FMA ports) on registers only, so nothing but the FMA
// units limits it: AVX2+FMA (8 lanes) on x86-64, NEON (4 lanes) on aarch64.
//
//   sprig_fma_peak [--threads N] [--seconds S]
// prints a JSON line: {"isa": ..., "threads": N, "gflops": total, "gflops_per_thread": ...}.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#define SPRIG_PEAK_TARGET __attribute__((target("avx2,fma")))
#elif defined(__aarch64__)
#include <arm_neon.h>
#define SPRIG_PEAK_TARGET
#endif

namespace {

constexpr int kChains = 12;  // >= FMA latency (4-5 cycles) x ports (2) on current cores
constexpr int kMaxThreads = 256;

// fma_loop() stores its result here: a global write keeps the compiler from treating the loop as
// a pure function and moving it out of the timed region (or dropping it).
volatile float g_sink[kMaxThreads];

#if defined(__x86_64__)
const char* kIsa = "avx2_fma";
constexpr int kLanes = 8;

// kChains independent FMA chains, `iterations` times; the result goes to g_sink[slot].
SPRIG_PEAK_TARGET void fma_loop(long iterations, int slot) {
  __m256 acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(0.001f * static_cast<float>(c));
  const __m256 a = _mm256_set1_ps(0.999999f);
  const __m256 b = _mm256_set1_ps(1e-7f);
  for (long i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], a, b);
  }
  __m256 sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = _mm256_add_ps(sum, acc[c]);
  float out[8];
  _mm256_storeu_ps(out, sum);
  g_sink[slot] = out[0];
}

bool cpu_supported() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }
#elif defined(__aarch64__)
const char* kIsa = "neon";
constexpr int kLanes = 4;

void fma_loop(long iterations, int slot) {
  float32x4_t acc[kChains];
  for (int c = 0; c < kChains; ++c) acc[c] = vdupq_n_f32(0.001f * static_cast<float>(c));
  const float32x4_t a = vdupq_n_f32(0.999999f);
  const float32x4_t b = vdupq_n_f32(1e-7f);
  for (long i = 0; i < iterations; ++i) {
    for (int c = 0; c < kChains; ++c) acc[c] = vfmaq_f32(b, acc[c], a);
  }
  float32x4_t sum = acc[0];
  for (int c = 1; c < kChains; ++c) sum = vaddq_f32(sum, acc[c]);
  g_sink[slot] = vgetq_lane_f32(sum, 0);
}

bool cpu_supported() { return true; }
#else
const char* kIsa = "none";
constexpr int kLanes = 1;
void fma_loop(long, int) {}
bool cpu_supported() { return false; }
#endif

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// GFLOP/s of one thread over about `seconds` (best of several short runs).
double measure_thread(double seconds, int slot) {
  long iterations = 1 << 16;
  // Calibrate to ~20 ms per run.
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    fma_loop(iterations, slot);
    if (seconds_since(t0) > 0.02) break;
    iterations *= 2;
  }
  double best = 0.0;
  const auto start = std::chrono::steady_clock::now();
  while (seconds_since(start) < seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    fma_loop(iterations, slot);
    const double dt = seconds_since(t0);
    best = std::max(best, 2.0 * kLanes * kChains * static_cast<double>(iterations) / dt / 1e9);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  double seconds = 0.5;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = std::min(kMaxThreads, std::max(1, std::atoi(argv[++i])));
    } else if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
      seconds = std::atof(argv[++i]);
    } else {
      std::fprintf(stderr, "usage: sprig_fma_peak [--threads N] [--seconds S]\n");
      return 2;
    }
  }
  if (!cpu_supported()) {
    std::printf("{\"isa\": \"%s\", \"threads\": %d, \"gflops\": null, \"gflops_per_thread\": null}\n",
                kIsa, threads);
    return 0;
  }
  std::vector<double> per_thread(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] { per_thread[static_cast<size_t>(t)] = measure_thread(seconds, t); });
  for (std::thread& th : pool) th.join();
  double total = 0.0;
  for (double g : per_thread) total += g;
  std::printf("{\"isa\": \"%s\", \"threads\": %d, \"gflops\": %.2f, \"gflops_per_thread\": %.2f}\n",
              kIsa, threads, total, total / threads);
  return 0;
}
