// The sprig tool's subcommands. Each returns the process exit code and prints its own errors.
#pragma once

#include <string>
#include <vector>

namespace sprig::cli {

struct CommonOptions {
  std::string model;
  std::vector<std::string> backends;  // preference order; empty = every compiled backend
  int threads = 0;
};

struct InspectOptions {
  CommonOptions common;
  bool json = false;
};

struct RunOptions {
  CommonOptions common;
  std::vector<std::string> inputs;  // PATH or NAME=PATH (.npy or an image)
  std::string output;               // one .npy for a single-output model
  std::string output_dir;           // one .npy per output
  std::vector<float> mean{0.f}, std{1.f};
  std::vector<int> size;            // image resize target: [S] or [H, W]
  int top_k = 0;
};

struct BenchOptions {
  bool profile = false;  // per-op times after the latency runs
  CommonOptions common;
  int runs = 20;
  int warmup = 3;
  bool json = false;
};

int inspect_command(const InspectOptions& options);
int run_command(const RunOptions& options);
int bench_command(const BenchOptions& options);

}  // namespace sprig::cli
