#include "converter/quantize/calibration.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "converter/ir/error.h"
#include "converter/quantize/model_runner.h"

namespace sprig::convert {
namespace {

constexpr int kBins = 2048;
constexpr double kPercentile = 99.99;

// Every value a tensor took, as its extremes and a histogram over them.
struct Observed {
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  std::vector<double> histogram;  // kBins bins over [min, max] (second pass)
  double total = 0;
};

using Observer = void (*)(Observed& observed, const float* values, int64_t count);

void observe_extremes(Observed& o, const float* values, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) continue;
    o.min = std::min(o.min, values[i]);
    o.max = std::max(o.max, values[i]);
  }
}

int bin_of(const Observed& o, float v) {
  const double width = (static_cast<double>(o.max) - o.min) / kBins;
  if (width <= 0) return 0;
  const int bin = static_cast<int>((v - o.min) / width);
  return std::min(kBins - 1, std::max(0, bin));
}

void observe_histogram(Observed& o, const float* values, int64_t count) {
  if (o.histogram.empty()) o.histogram.assign(kBins, 0.0);
  for (int64_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i])) continue;
    o.histogram[static_cast<size_t>(bin_of(o, values[i]))] += 1;
    o.total += 1;
  }
}

// Runs every sample and hands each F32 op output (and the input) to `observer`.
void observe_all(LoadedModel& loaded, const std::vector<std::vector<float>>& samples,
                 std::map<std::string, Observed>* observed, Observer observer) {
  struct Context {
    LoadedModel* loaded;
    std::map<std::string, Observed>* observed;
    Observer observer;
  } context{&loaded, observed, observer};
  const int input = loaded.model->input_tensor(0);
  for (const std::vector<float>& sample : samples) {
    observer((*observed)[loaded.model->tensor_name(input)], sample.data(),
             static_cast<int64_t>(sample.size()));
    run_model(
        loaded, sample, "float",
        [](void* raw, int op) {
          auto* c = static_cast<Context*>(raw);
          const fb::Op& o = c->loaded->model->op(op);
          if (o.outputs() == nullptr) return;
          for (int t : *o.outputs()) {
            const TensorView& view = c->loaded->session->tensor(t);
            if (view.dtype != DType::F32) continue;
            c->observer((*c->observed)[c->loaded->model->tensor_name(t)], view.f32(),
                        view.shape.numel());
          }
        },
        &context);
  }
}

double bin_center(const Observed& o, int bin) {
  const double width = (static_cast<double>(o.max) - o.min) / kBins;
  return o.min + (bin + 0.5) * width;
}

ActivationRange percentile_range(const Observed& o) {
  const double tail = o.total * (100.0 - kPercentile) / 100.0;
  int lo = 0, hi = kBins - 1;
  for (double below = 0; lo < kBins - 1 && below + o.histogram[lo] <= tail; ++lo)
    below += o.histogram[lo];
  for (double above = 0; hi > lo && above + o.histogram[hi] <= tail; --hi)
    above += o.histogram[hi];
  const double width = (static_cast<double>(o.max) - o.min) / kBins;
  return {static_cast<float>(o.min + lo * width), static_cast<float>(o.min + (hi + 1) * width)};
}

// Expected squared error of int8 over [lo, hi] (extended to hold 0) for the histogram's values.
double int8_error(const Observed& o, double lo, double hi) {
  lo = std::min(lo, 0.0);
  hi = std::max(hi, 0.0);
  const double scale = (hi - lo) / 255.0;
  if (scale <= 0) return 0;
  double error = 0;
  for (int b = 0; b < kBins; ++b) {
    if (o.histogram[b] == 0) continue;
    const double v = bin_center(o, b);
    const double clipped = v < lo ? lo - v : (v > hi ? v - hi : 0.0);
    error += o.histogram[b] * (clipped * clipped + scale * scale / 12.0);
  }
  return error;
}

ActivationRange mse_range(const Observed& o) {
  double best_t = 1.0, best = int8_error(o, o.min, o.max);
  for (int step = 1; step < 100; ++step) {
    const double t = 1.0 - step * 0.008;
    const double error = int8_error(o, o.min * t, o.max * t);
    if (error < best) best = error, best_t = t;
  }
  return {static_cast<float>(o.min * best_t), static_cast<float>(o.max * best_t)};
}

}  // namespace

CalibrationMethod calibration_method_from(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::kMinMax;
  if (name == "percentile") return CalibrationMethod::kPercentile;
  if (name == "mse") return CalibrationMethod::kMse;
  fail(Code::kInvalidArgument,
       "calibration method '" + name + "' is not one of minmax, percentile, mse");
}

std::map<std::string, ActivationRange> calibrate_ranges(
    const std::vector<uint8_t>& float_model, const std::vector<std::vector<float>>& samples,
    CalibrationMethod method) {
  if (samples.empty()) fail(Code::kInvalidArgument, "calibration needs at least one input");
  LoadedModel loaded = load_model(float_model, "float");
  std::map<std::string, Observed> observed;
  observe_all(loaded, samples, &observed, observe_extremes);
  if (method != CalibrationMethod::kMinMax)
    observe_all(loaded, samples, &observed, observe_histogram);
  std::map<std::string, ActivationRange> ranges;
  for (const auto& [name, o] : observed) {
    if (!(o.min <= o.max)) continue;  // never a finite value
    switch (method) {
      case CalibrationMethod::kMinMax:
        ranges[name] = {o.min, o.max};
        break;
      case CalibrationMethod::kPercentile:
        ranges[name] = percentile_range(o);
        break;
      case CalibrationMethod::kMse:
        ranges[name] = mse_range(o);
        break;
    }
  }
  return ranges;
}

}  // namespace sprig::convert
