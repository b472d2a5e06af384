#include "converter/quantize/bias_correction.h"

#include <algorithm>

#include "converter/ir/error.h"
#include "converter/quantize/model_runner.h"
#include "runtime/core/model.h"

namespace sprig::convert {
namespace {

// A Conv2D or FullyConnected op whose input mean is being summed.
struct Layer {
  int op = 0;
  std::string weight;
  std::vector<double> sum;  // [KH, KW, C] or [K]
  int64_t count = 0;        // patches (output positions) or rows summed
};

void add_conv_patches(const TensorView& x, const TensorView& w, const fb::Conv2DOptions& o,
                      Layer* layer) {
  const int64_t n = x.shape[0], h = x.shape[1], wd = x.shape[2], c = x.shape[3];
  const int64_t kh = w.shape[1], kw = w.shape[2];
  const int64_t oh = (h + o.pad_top() + o.pad_bottom() - (kh - 1) * o.dilation_h() - 1) / o.stride_h() + 1;
  const int64_t ow = (wd + o.pad_left() + o.pad_right() - (kw - 1) * o.dilation_w() - 1) / o.stride_w() + 1;
  layer->sum.resize(static_cast<size_t>(kh * kw * c), 0.0);
  const float* data = x.f32();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < kh; ++i)
      for (int64_t j = 0; j < kw; ++j) {
        double* tap = layer->sum.data() + (i * kw + j) * c;
        for (int64_t y = 0; y < oh; ++y) {
          const int64_t iy = y * o.stride_h() - o.pad_top() + i * o.dilation_h();
          if (iy < 0 || iy >= h) continue;
          for (int64_t xo = 0; xo < ow; ++xo) {
            const int64_t ix = xo * o.stride_w() - o.pad_left() + j * o.dilation_w();
            if (ix < 0 || ix >= wd) continue;
            const float* pixel = data + ((b * h + iy) * wd + ix) * c;
            for (int64_t ch = 0; ch < c; ++ch) tap[ch] += pixel[ch];
          }
        }
      }
  layer->count += n * oh * ow;
}

void add_rows(const TensorView& x, Layer* layer) {
  const int64_t k = x.shape[x.shape.rank - 1];
  const int64_t rows = k > 0 ? x.shape.numel() / k : 0;
  layer->sum.resize(static_cast<size_t>(k), 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t i = 0; i < k; ++i) layer->sum[static_cast<size_t>(i)] += x.f32()[r * k + i];
  layer->count += rows;
}

struct Observer {
  LoadedModel* loaded;
  std::vector<Layer>* layers;
  std::vector<std::vector<int>> readers;  // by tensor: indices into *layers reading it as input 0

  void add(int tensor) {
    for (int index : readers[static_cast<size_t>(tensor)]) {
      Layer& layer = (*layers)[static_cast<size_t>(index)];
      const fb::Op& op = loaded->model->op(layer.op);
      const TensorView& x = loaded->session->tensor(tensor);
      if (x.dtype != DType::F32) continue;
      if (op.type() == fb::OpType::Conv2D)
        add_conv_patches(x, loaded->session->tensor(op.inputs()->Get(1)),
                         *op.options_as_Conv2DOptions(), &layer);
      else
        add_rows(x, &layer);
    }
  }
};

}  // namespace

MeanInputs measure_mean_inputs(const std::vector<uint8_t>& float_model,
                               const std::vector<std::vector<float>>& samples) {
  if (samples.empty()) fail(Code::kInvalidArgument, "bias correction: no calibration samples");
  LoadedModel loaded = load_model(float_model, "float");
  const Model& model = *loaded.model;
  std::vector<Layer> layers;
  Observer observer{&loaded, &layers, std::vector<std::vector<int>>(model.num_tensors())};
  for (int op = 0; op < model.num_ops(); ++op) {
    const fb::Op& o = model.op(op);
    if (o.type() != fb::OpType::Conv2D && o.type() != fb::OpType::FullyConnected) continue;
    if (o.inputs() == nullptr || o.inputs()->size() < 2) continue;
    const char* weight = model.tensor_name(o.inputs()->Get(1));
    if (weight == nullptr) continue;
    observer.readers[static_cast<size_t>(o.inputs()->Get(0))].push_back(
        static_cast<int>(layers.size()));
    layers.push_back(Layer{op, weight, {}, 0});
  }
  for (const std::vector<float>& sample : samples) {
    const TensorView& input = loaded.session->input(0);
    if (input.dtype == DType::F32 && static_cast<size_t>(input.shape.numel()) == sample.size()) {
      std::copy(sample.begin(), sample.end(), input.f32());
      observer.add(model.input_tensor(0));
    }
    run_model(
        loaded, sample, "float",
        [](void* context, int op) {
          auto* o = static_cast<Observer*>(context);
          const fb::Op& produced = o->loaded->model->op(op);
          if (produced.outputs() == nullptr) return;
          for (int tensor : *produced.outputs()) o->add(tensor);
        },
        &observer);
  }
  MeanInputs means;
  for (Layer& layer : layers) {
    if (layer.count == 0) continue;
    for (double& v : layer.sum) v /= static_cast<double>(layer.count);
    means[layer.weight] = std::move(layer.sum);
  }
  return means;
}

std::vector<float> output_mean_shift(const std::vector<float>& w, const std::vector<float>& wq,
                                     int64_t out_channels, int64_t channels_per_group, int groups,
                                     const std::vector<double>& mean) {
  const int64_t taps = out_channels > 0 ? static_cast<int64_t>(w.size()) / out_channels : 0;
  const int64_t positions = channels_per_group > 0 ? taps / channels_per_group : 0;
  const int64_t channels = channels_per_group * groups;
  const int64_t per_group = std::max<int64_t>(1, out_channels / groups);
  std::vector<float> shift(static_cast<size_t>(out_channels), 0.0f);
  for (int64_t o = 0; o < out_channels; ++o) {
    const int64_t first_channel = (o / per_group) * channels_per_group;
    double sum = 0.0;
    for (int64_t p = 0; p < positions; ++p)
      for (int64_t c = 0; c < channels_per_group; ++c) {
        const size_t i = static_cast<size_t>(o * taps + p * channels_per_group + c);
        sum += (double(w[i]) - wq[i]) * mean[static_cast<size_t>(p * channels + first_channel + c)];
      }
    shift[static_cast<size_t>(o)] = static_cast<float>(sum);
  }
  return shift;
}

}  // namespace sprig::convert
