// sprig_model_bench: runs one .sprig model on Sprig sessions (any backend list) and on the same
// network built directly with XNNPACK's subgraph API (bench/xnnpack_network.h), so that a driver
// (bench/run_models.py) can interleave engines in one process without reloading anything.
//
// One-shot:   sprig_model_bench MODEL.sprig [--engine E] [--threads N] [--runs N] [--warmup N]
//             prints the median latency of engine E (default "cpu,reference").
// Persistent: sprig_model_bench --serve
//             reads one command per line from stdin and answers each with one line on stdout,
//             "ok ..." or "error MESSAGE":
//   open ID ENGINE THREADS MODEL  ENGINE is "xnnpack" or a Sprig backend list ("cpu,reference");
//                                 answers "ok macs=M backends=B" (B: the backends that got ops)
//   input ID FILE.npy             sets the input (F32, the model's input shape); the default
//                                 input is a fixed pattern, the same for every engine
//   run ID N                      N timed inferences; answers "ok MS MS ..." in milliseconds
//   output ID FILE.npy            writes the last output
//   close ID | quit
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/sprig_file.h"
#include "bench/xnnpack_network.h"
#include "runtime/capi/backend_registry.h"
#include "runtime/cli/npy.h"
#include "runtime/core/model.h"
#include "runtime/core/session.h"

namespace sprig_bench {
namespace {

// One engine running one model: a Sprig session or the raw XNNPACK network.
class Engine {
 public:
  virtual ~Engine() = default;
  virtual float* input() = 0;
  virtual const float* output() = 0;
  virtual int64_t input_size() const = 0;
  virtual std::vector<int64_t> output_shape() const = 0;
  virtual bool run(std::string* error) = 0;
  virtual std::string backends() const = 0;
};

class SprigEngine : public Engine {
 public:
  static std::unique_ptr<Engine> create(const std::string& path, const std::string& backend_list,
                                        int threads, std::string* error) {
    std::unique_ptr<SprigEngine> e(new SprigEngine());
    auto model = sprig::Model::load(path.c_str());
    if (!model.ok()) {
      *error = model.status().message();
      return nullptr;
    }
    e->model_ = std::move(model.value());
    std::stringstream names(backend_list);
    std::string name;
    while (std::getline(names, name, ',')) {
      sprig::Backend* b = sprig::find_backend(name.c_str());
      if (b == nullptr) {
        *error = "backend '" + name + "' is not compiled into this build";
        return nullptr;
      }
      e->backends_.push_back(b);
    }
    sprig::SessionOptions options;
    options.backends = e->backends_.data();
    options.num_backends = static_cast<int>(e->backends_.size());
    options.num_threads = threads;
    auto session = sprig::Session::create(*e->model_, options);
    if (!session.ok()) {
      *error = session.status().message();
      return nullptr;
    }
    e->session_ = std::move(session.value());
    if (e->session_->input(0).dtype != sprig::DType::F32) {
      *error = "the model's input is not F32";
      return nullptr;
    }
    return e;
  }
  float* input() override { return session_->input(0).f32(); }
  const float* output() override { return session_->output(0).f32(); }
  int64_t input_size() const override { return session_->input(0).shape.numel(); }
  std::vector<int64_t> output_shape() const override {
    const sprig::Shape& s = session_->output(0).shape;
    return std::vector<int64_t>(s.dims, s.dims + s.rank);
  }
  bool run(std::string* error) override {
    const sprig::Status s = session_->run();
    if (!s.ok()) *error = s.message();
    return s.ok();
  }
  std::string backends() const override {
    std::string names;
    for (const sprig::Partition& p : session_->partitions()) {
      const std::string n = p.backend->name();
      if (("," + names + ",").find("," + n + ",") == std::string::npos)
        names += (names.empty() ? "" : ",") + n;
    }
    return names;
  }

 private:
  std::unique_ptr<sprig::Model> model_;
  std::vector<sprig::Backend*> backends_;
  std::unique_ptr<sprig::Session> session_;
};

class XnnEngine : public Engine {
 public:
  static std::unique_ptr<Engine> create(std::unique_ptr<SprigFile> file, int threads,
                                        std::string* error) {
    std::unique_ptr<XnnEngine> e(new XnnEngine());
    e->file_ = std::move(file);
    e->net_ = XnnNetwork::create(*e->file_, threads, error);
    if (!e->net_) return nullptr;
    return e;
  }
  float* input() override { return net_->input(); }
  const float* output() override { return net_->output(); }
  int64_t input_size() const override {
    int64_t n = 1;
    for (int64_t d : net_->input_shape()) n *= d;
    return n;
  }
  std::vector<int64_t> output_shape() const override { return net_->output_shape(); }
  bool run(std::string* error) override { return net_->run(error); }
  std::string backends() const override { return "xnnpack-subgraph"; }

 private:
  std::unique_ptr<SprigFile> file_;
  std::unique_ptr<XnnNetwork> net_;
};

// The default input, as `sprig bench` fills it.
void fill_pattern(float* x, int64_t n) {
  for (int64_t j = 0; j < n; ++j) x[j] = static_cast<float>((j % 17) - 8) / 8.f;
}

std::unique_ptr<Engine> open_engine(const std::string& engine, int threads,
                                    const std::string& path, int64_t* macs, std::string* error) {
  std::unique_ptr<SprigFile> file = SprigFile::read(path, error);
  if (!file) return nullptr;
  *macs = graph_macs(*file);
  std::unique_ptr<Engine> e = engine == "xnnpack"
                                  ? XnnEngine::create(std::move(file), threads, error)
                                  : SprigEngine::create(path, engine, threads, error);
  if (e) fill_pattern(e->input(), e->input_size());
  return e;
}

bool timed_runs(Engine& e, int n, std::vector<double>* ms, std::string* error) {
  for (int i = 0; i < n; ++i) {
    const auto start = std::chrono::steady_clock::now();
    if (!e.run(error)) return false;
    const auto end = std::chrono::steady_clock::now();
    ms->push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  return true;
}

std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

int serve() {
  std::map<std::string, std::unique_ptr<Engine>> engines;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream in(line);
    std::string cmd, id;
    in >> cmd >> id;
    std::string reply = "ok";
    std::string error;
    Engine* e = engines.count(id) ? engines[id].get() : nullptr;
    if (cmd == "quit") {
      break;
    } else if (cmd == "open") {
      std::string engine, path;
      int threads = 1;
      in >> engine >> threads;
      std::getline(in >> std::ws, path);
      int64_t macs = 0;
      std::unique_ptr<Engine> opened = open_engine(engine, threads, path, &macs, &error);
      if (opened) {
        reply += " macs=" + std::to_string(macs) + " backends=" + opened->backends();
        engines[id] = std::move(opened);
      }
    } else if (e == nullptr) {
      error = "no engine '" + id + "' (open it first)";
    } else if (cmd == "close") {
      engines.erase(id);
    } else if (cmd == "run") {
      int n = 1;
      in >> n;
      std::vector<double> ms;
      if (timed_runs(*e, n, &ms, &error)) {
        char buf[32];
        for (double t : ms) {
          std::snprintf(buf, sizeof(buf), " %.4f", t);
          reply += buf;
        }
      }
    } else if (cmd == "input" || cmd == "output") {
      std::string path;
      std::getline(in >> std::ws, path);
      sprig::cli::NpyArray array;
      if (cmd == "input") {
        std::vector<float> values;
        if (sprig::cli::read_npy(path, &array, &error) &&
            sprig::cli::npy_to_f32(array, &values, &error)) {
          if (static_cast<int64_t>(values.size()) != e->input_size())
            error = path + " has " + std::to_string(values.size()) + " values, the input " +
                    std::to_string(e->input_size());
          else
            std::copy(values.begin(), values.end(), e->input());
        }
      } else {
        array.descr = "<f4";
        array.shape = e->output_shape();
        const auto* bytes = reinterpret_cast<const uint8_t*>(e->output());
        array.data.assign(bytes, bytes + array.numel() * sizeof(float));
        sprig::cli::write_npy(path, array, &error);
      }
    } else {
      error = "unknown command '" + cmd + "'";
    }
    std::cout << (error.empty() ? reply : "error " + one_line(error)) << std::endl;
  }
  return 0;
}

int usage() {
  std::fprintf(stderr,
               "usage: sprig_model_bench MODEL.sprig [--engine xnnpack|BACKENDS] [--threads N] "
               "[--runs N] [--warmup N]\n       sprig_model_bench --serve   (commands on stdin, "
               "see bench/model_bench.cc)\n");
  return 2;
}

int one_shot(int argc, char** argv) {
  std::string path, engine = "cpu,reference";
  int threads = 1, runs = 20, warmup = 3;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const bool has_value = i + 1 < argc;
    if (a == "--engine" && has_value) engine = argv[++i];
    else if (a == "--threads" && has_value) threads = std::atoi(argv[++i]);
    else if (a == "--runs" && has_value) runs = std::max(1, std::atoi(argv[++i]));
    else if (a == "--warmup" && has_value) warmup = std::atoi(argv[++i]);
    else if (a.rfind("--", 0) != 0 && path.empty()) path = a;
    else return usage();
  }
  if (path.empty()) return usage();
  std::string error;
  int64_t macs = 0;
  std::unique_ptr<Engine> e = open_engine(engine, threads, path, &macs, &error);
  std::vector<double> ms;
  if (!e || !timed_runs(*e, warmup, &ms, &error) || (ms.clear(), !timed_runs(*e, runs, &ms, &error))) {
    std::fprintf(stderr, "sprig_model_bench: %s\n", error.c_str());
    return 1;
  }
  std::sort(ms.begin(), ms.end());
  const double median = ms[ms.size() / 2];
  std::printf("%s on %s (%s), %d threads: median %.3f ms over %d runs, %.2f GFLOP/s\n",
              path.c_str(), engine.c_str(), e->backends().c_str(), threads, median, runs,
              2.0 * static_cast<double>(macs) / (median * 1e6));
  return 0;
}

}  // namespace
}  // namespace sprig_bench

int main(int argc, char** argv) {
  if (argc == 2 && std::strcmp(argv[1], "--serve") == 0) return sprig_bench::serve();
  return sprig_bench::one_shot(argc, argv);
}
