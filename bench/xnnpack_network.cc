#include "bench/xnnpack_network.h"

#include <pthreadpool.h>
#include <xnnpack.h>

#include <algorithm>
#include <limits>
#include <map>
#include <set>

#include "backends/cpu/xnnpack/xnn_status.h"
#include "bench/sprig_file.h"

namespace sprig_bench {

namespace fb = sprig::fb;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// XNNPACK may read up to XNN_EXTRA_BYTES past the end of an input.
std::vector<float> padded_floats(int64_t n) {
  return std::vector<float>(static_cast<size_t>(n) + XNN_EXTRA_BYTES / sizeof(float), 0.0f);
}

std::vector<size_t> dims_of(const std::vector<int64_t>& shape) {
  return std::vector<size_t>(shape.begin(), shape.end());
}

// Ops that run between runtimes (this XNNPACK cannot define them in a subgraph).
bool is_host_op(fb::OpType type) {
  return type == fb::OpType::Transpose || type == fb::OpType::Concat;
}

}  // namespace

// One step of an inference: a runtime, a transpose loop or a set of strided copies.
struct Stage {
  enum class Kind { kRuntime, kTranspose, kConcat } kind = Kind::kRuntime;
  std::vector<int> ops;  // op indices in the graph
  xnn_runtime_t runtime = nullptr;
  // kTranspose
  const float* src = nullptr;
  float* dst = nullptr;
  std::vector<int64_t> in_shape;
  std::vector<int> perm;
  // kConcat
  std::vector<xnn_operator_t> copies;
};

struct XnnNetwork::Impl {
  const SprigFile* file = nullptr;
  pthreadpool_t pool = nullptr;
  std::vector<Stage> stages;
  // Tensors that cross a stage boundary or are graph inputs / outputs, by tensor index.
  std::map<int, std::vector<float>> buffers;
  // Weights rearranged or made up for XNNPACK (depthwise filters, missing biases, scalars); the
  // runtimes keep pointers into them.
  std::vector<std::unique_ptr<std::vector<float>>> owned;

  ~Impl() {
    for (Stage& s : stages) {
      if (s.runtime) xnn_delete_runtime(s.runtime);
      for (xnn_operator_t op : s.copies) xnn_delete_operator(op);
    }
    if (pool) pthreadpool_destroy(pool);
  }

  const float* own(std::vector<float> data) {
    owned.push_back(std::make_unique<std::vector<float>>(std::move(data)));
    return owned.back()->data();
  }
};

namespace {

struct BuildError {
  std::string message;
};

void check(xnn_status s, const std::string& what) {
  if (s != xnn_status_success) throw BuildError{what + ": " + sprig::cpu::xnn_status_name(s)};
}

// Defines one runtime stage's subgraph: the values it shares with other stages are external.
class SubgraphBuilder {
 public:
  SubgraphBuilder(XnnNetwork::Impl& net, const std::set<int>& externals) : net_(net) {
    uint32_t next = 0;
    for (int t : externals) external_ids_[t] = next++;
    check(xnn_create_subgraph(next, 0, &sg_), "xnn_create_subgraph");
  }
  ~SubgraphBuilder() {
    if (sg_) xnn_delete_subgraph(sg_);
  }

  void define_op(const fb::Op& op);

  xnn_runtime_t create_runtime(pthreadpool_t pool, std::vector<xnn_external_value>* ext) {
    xnn_runtime_t runtime = nullptr;
    check(xnn_create_runtime_v2(sg_, pool, 0, &runtime), "xnn_create_runtime_v2");
    for (const auto& [t, id] : external_ids_) ext->push_back({id, net_.buffers.at(t).data()});
    return runtime;
  }

 private:
  const SprigFile& file() const { return *net_.file; }
  int in(const fb::Op& op, int i) const {
    return op.inputs() && i < static_cast<int>(op.inputs()->size()) ? op.inputs()->Get(i) : -1;
  }
  int out(const fb::Op& op) const { return op.outputs()->Get(0); }

  uint32_t define(const std::vector<size_t>& dims, const void* data, uint32_t external_id,
                  uint32_t flags) {
    uint32_t id = XNN_INVALID_VALUE_ID;
    check(xnn_define_tensor_value(sg_, xnn_datatype_fp32, dims.size(), dims.data(), data,
                                  external_id, flags, &id),
          "xnn_define_tensor_value");
    return id;
  }
  // The value read for tensor t: a static weight, an external input or an earlier node's output.
  uint32_t read(int t) {
    auto it = ids_.find(t);
    if (it != ids_.end()) return it->second;
    const void* data = file().data(t);
    if (data != nullptr) {
      if (file().tensor(t).dtype() != fb::DType::F32)
        throw BuildError{"constant " + std::to_string(t) + " is not F32"};
    } else if (!external_ids_.count(t)) {
      throw BuildError{"tensor " + std::to_string(t) + " is read before it is written"};
    }
    const uint32_t id =
        data ? define(dims_of(file().shape(t)), data, XNN_INVALID_VALUE_ID, 0)
             : define(dims_of(file().shape(t)), nullptr, external_ids_.at(t),
                      XNN_VALUE_FLAG_EXTERNAL_INPUT);
    ids_[t] = id;
    return id;
  }
  // The value written for tensor t.
  uint32_t write(int t) {
    auto ext = external_ids_.find(t);
    const uint32_t id =
        ext == external_ids_.end()
            ? define(dims_of(file().shape(t)), nullptr, XNN_INVALID_VALUE_ID, 0)
            : define(dims_of(file().shape(t)), nullptr, ext->second, XNN_VALUE_FLAG_EXTERNAL_OUTPUT);
    ids_[t] = id;
    return id;
  }
  uint32_t temp(const std::vector<size_t>& dims) {
    return define(dims, nullptr, XNN_INVALID_VALUE_ID, 0);
  }
  uint32_t scalar(float v) { return define({1}, net_.own({v}), XNN_INVALID_VALUE_ID, 0); }

  // Runs `kind` from value x into value y.
  void activation(const fb::Activation& a, uint32_t x, uint32_t y, const std::vector<size_t>& dims);
  // For an op with fused activation `a` writing tensor t: the value the op itself writes and the
  // clamp it applies; a node after it applies activations that are not a clamp.
  struct Output {
    uint32_t id;
    float min, max;
  };
  Output fused_output(const fb::Activation* a, int t);
  void finish_fused(const fb::Activation* a, const Output& o, int t);

  XnnNetwork::Impl& net_;
  xnn_subgraph_t sg_ = nullptr;
  std::map<int, uint32_t> external_ids_;
  std::map<int, uint32_t> ids_;
};

bool clamp_range(const fb::Activation* a, float* lo, float* hi) {
  *lo = -kInf;
  *hi = kInf;
  if (a == nullptr || a->kind() == fb::ActivationKind::None) return true;
  if (a->kind() == fb::ActivationKind::Relu) {
    *lo = 0.0f;
    return true;
  }
  if (a->kind() == fb::ActivationKind::Clip) {
    *lo = a->alpha();
    *hi = a->beta();
    return true;
  }
  return false;
}

void SubgraphBuilder::activation(const fb::Activation& a, uint32_t x, uint32_t y,
                                 const std::vector<size_t>& dims) {
  float lo, hi;
  if (clamp_range(&a, &lo, &hi)) {
    check(xnn_define_clamp(sg_, lo, hi, x, y, 0), "xnn_define_clamp");
    return;
  }
  switch (a.kind()) {
    case fb::ActivationKind::Sigmoid:
      check(xnn_define_sigmoid(sg_, x, y, 0), "xnn_define_sigmoid");
      return;
    case fb::ActivationKind::HardSwish:
      check(xnn_define_hardswish(sg_, x, y, 0), "xnn_define_hardswish");
      return;
    case fb::ActivationKind::LeakyRelu:
      check(xnn_define_leaky_relu(sg_, a.alpha(), x, y, 0), "xnn_define_leaky_relu");
      return;
    case fb::ActivationKind::Silu: {
      const uint32_t s = temp(dims);
      check(xnn_define_sigmoid(sg_, x, s, 0), "xnn_define_sigmoid");
      check(xnn_define_multiply2(sg_, -kInf, kInf, x, s, y, 0), "xnn_define_multiply2");
      return;
    }
    case fb::ActivationKind::HardSigmoid: {
      const uint32_t s = temp(dims);
      check(xnn_define_multiply2(sg_, -kInf, kInf, x, scalar(a.alpha()), s, 0),
            "xnn_define_multiply2");
      check(xnn_define_add2(sg_, 0.0f, 1.0f, s, scalar(a.beta()), y, 0), "xnn_define_add2");
      return;
    }
    default:
      throw BuildError{std::string("activation ") + fb::EnumNameActivationKind(a.kind()) +
                       " has no XNNPACK node here"};
  }
}

SubgraphBuilder::Output SubgraphBuilder::fused_output(const fb::Activation* a, int t) {
  Output o;
  if (clamp_range(a, &o.min, &o.max)) {
    o.id = write(t);
  } else {
    o.min = -kInf;
    o.max = kInf;
    o.id = temp(dims_of(file().shape(t)));
  }
  return o;
}

void SubgraphBuilder::finish_fused(const fb::Activation* a, const Output& o, int t) {
  float lo, hi;
  if (clamp_range(a, &lo, &hi)) return;
  activation(*a, o.id, write(t), dims_of(file().shape(t)));
}

void SubgraphBuilder::define_op(const fb::Op& op) {
  const std::string where = std::string(fb::EnumNameOpType(op.type())) + " '" +
                            (op.name() ? op.name()->str() : "") + "'";
  try {
    const int y = out(op);
    switch (op.type()) {
      case fb::OpType::Conv2D: {
        const auto* o = op.options_as_Conv2DOptions();
        const std::vector<int64_t> x = file().shape(in(op, 0));  // [N,H,W,C]
        const std::vector<int64_t> w = file().shape(in(op, 1));  // [O,KH,KW,C/groups]
        const int64_t groups = o->groups(), c = x[3], oc = w[0];
        const uint32_t input = read(in(op, 0));
        uint32_t bias;
        if (in(op, 2) >= 0) {
          bias = read(in(op, 2));
        } else {
          bias = define({static_cast<size_t>(oc)}, net_.own(std::vector<float>(oc, 0.0f)),
                        XNN_INVALID_VALUE_ID, 0);
        }
        const Output out_v = fused_output(o->fused(), y);
        if (groups > 1 && groups == c && w[3] == 1) {
          // Depthwise: XNNPACK wants the filter as [1, KH, KW, C * multiplier].
          const auto* src = static_cast<const float*>(file().data(in(op, 1)));
          if (src == nullptr) throw BuildError{"the filter is not a constant"};
          const int64_t khw = w[1] * w[2];
          std::vector<float> filter(static_cast<size_t>(oc * khw));
          for (int64_t k = 0; k < oc; ++k)
            for (int64_t p = 0; p < khw; ++p) filter[p * oc + k] = src[k * khw + p];
          const uint32_t f = define({1, static_cast<size_t>(w[1]), static_cast<size_t>(w[2]),
                                     static_cast<size_t>(oc)},
                                    net_.own(std::move(filter)), XNN_INVALID_VALUE_ID, 0);
          check(xnn_define_depthwise_convolution_2d(
                    sg_, o->pad_top(), o->pad_right(), o->pad_bottom(), o->pad_left(), w[1], w[2],
                    o->stride_h(), o->stride_w(), o->dilation_h(), o->dilation_w(), oc / c, c,
                    out_v.min, out_v.max, input, f, bias, out_v.id, 0),
                "xnn_define_depthwise_convolution_2d");
        } else {
          check(xnn_define_convolution_2d(sg_, o->pad_top(), o->pad_right(), o->pad_bottom(),
                                          o->pad_left(), w[1], w[2], o->stride_h(), o->stride_w(),
                                          o->dilation_h(), o->dilation_w(), groups, c / groups,
                                          oc / groups, out_v.min, out_v.max, input,
                                          read(in(op, 1)), bias, out_v.id, 0),
                "xnn_define_convolution_2d");
        }
        finish_fused(o->fused(), out_v, y);
        return;
      }
      case fb::OpType::FullyConnected: {
        const auto* o = op.options_as_FullyConnectedOptions();
        const uint32_t input = read(in(op, 0));
        const uint32_t filter = read(in(op, 1));
        const uint32_t bias = in(op, 2) >= 0 ? read(in(op, 2)) : XNN_INVALID_VALUE_ID;
        const Output out_v = fused_output(o->fused(), y);
        check(xnn_define_fully_connected(sg_, out_v.min, out_v.max, input, filter, bias, out_v.id,
                                         0),
              "xnn_define_fully_connected");
        finish_fused(o->fused(), out_v, y);
        return;
      }
      case fb::OpType::Add:
      case fb::OpType::Sub:
      case fb::OpType::Mul:
      case fb::OpType::Div: {
        const auto* o = op.options_as_BinaryOptions();
        const fb::Activation* fused = o ? o->fused() : nullptr;
        const uint32_t a = read(in(op, 0));
        const uint32_t b = read(in(op, 1));
        const Output v = fused_output(fused, y);
        const fb::OpType t = op.type();
        check(t == fb::OpType::Add   ? xnn_define_add2(sg_, v.min, v.max, a, b, v.id, 0)
              : t == fb::OpType::Sub ? xnn_define_subtract(sg_, v.min, v.max, a, b, v.id, 0)
              : t == fb::OpType::Mul ? xnn_define_multiply2(sg_, v.min, v.max, a, b, v.id, 0)
                                     : xnn_define_divide(sg_, v.min, v.max, a, b, v.id, 0),
              "xnn_define binary");
        finish_fused(fused, v, y);
        return;
      }
      case fb::OpType::Activation: {
        const fb::Activation* a = op.options_as_ActivationOptions()->activation();
        if (a == nullptr) throw BuildError{"no activation"};
        const uint32_t x = read(in(op, 0));
        activation(*a, x, write(y), dims_of(file().shape(y)));
        return;
      }
      case fb::OpType::MaxPool2D:
      case fb::OpType::AveragePool2D: {
        const auto* o = op.options_as_Pool2DOptions();
        const std::vector<int64_t> x = file().shape(in(op, 0));
        const std::vector<int64_t> yv = file().shape(y);
        // Ceil mode: XNNPACK computes the output size with floor, so windows past the end become
        // extra bottom / right padding (which a max never picks).
        const int64_t need_b = (yv[1] - 1) * o->stride_h() + o->dilation_h() * (o->kernel_h() - 1) +
                               1 - x[1] - o->pad_top();
        const int64_t need_r = (yv[2] - 1) * o->stride_w() + o->dilation_w() * (o->kernel_w() - 1) +
                               1 - x[2] - o->pad_left();
        const uint32_t pb = static_cast<uint32_t>(std::max<int64_t>(o->pad_bottom(), need_b));
        const uint32_t pr = static_cast<uint32_t>(std::max<int64_t>(o->pad_right(), need_r));
        const uint32_t input = read(in(op, 0));
        if (op.type() == fb::OpType::MaxPool2D) {
          check(xnn_define_max_pooling_2d(sg_, o->pad_top(), pr, pb, o->pad_left(), o->kernel_h(),
                                          o->kernel_w(), o->stride_h(), o->stride_w(),
                                          o->dilation_h(), o->dilation_w(), -kInf, kInf, input,
                                          write(y), 0),
                "xnn_define_max_pooling_2d");
        } else {
          if (o->pad_top() || o->pad_left() || pb || pr || o->dilation_h() != 1 ||
              o->dilation_w() != 1)
            throw BuildError{"padded or dilated average pooling is not mapped"};
          check(xnn_define_average_pooling_2d(sg_, 0, 0, 0, 0, o->kernel_h(), o->kernel_w(),
                                              o->stride_h(), o->stride_w(), -kInf, kInf, input,
                                              write(y), 0),
                "xnn_define_average_pooling_2d");
        }
        return;
      }
      case fb::OpType::GlobalAveragePool:
        check(xnn_define_global_average_pooling_2d(sg_, -kInf, kInf, read(in(op, 0)), write(y), 0),
              "xnn_define_global_average_pooling_2d");
        return;
      case fb::OpType::ReduceMean: {
        const auto* o = op.options_as_ReduceMeanOptions();
        const std::vector<int64_t> x = file().shape(in(op, 0));
        if (x.size() != 4 || o->axes() == nullptr || o->axes()->size() != 2 ||
            o->axes()->Get(0) != 1 || o->axes()->Get(1) != 2)
          throw BuildError{"only a mean over H and W of NHWC maps to XNNPACK"};
        const uint32_t input = read(in(op, 0));
        if (o->keep_dims()) {
          check(xnn_define_global_average_pooling_2d(sg_, -kInf, kInf, input, write(y), 0),
                "xnn_define_global_average_pooling_2d");
        } else {
          const uint32_t t = temp({static_cast<size_t>(x[0]), 1, 1, static_cast<size_t>(x[3])});
          check(xnn_define_global_average_pooling_2d(sg_, -kInf, kInf, input, t, 0),
                "xnn_define_global_average_pooling_2d");
          const std::vector<size_t> d = dims_of(file().shape(y));
          check(xnn_define_static_reshape(sg_, d.size(), d.data(), t, write(y), 0),
                "xnn_define_static_reshape");
        }
        return;
      }
      case fb::OpType::Reshape: {
        const std::vector<size_t> d = dims_of(file().shape(y));
        const uint32_t input = read(in(op, 0));
        check(xnn_define_static_reshape(sg_, d.size(), d.data(), input, write(y), 0),
              "xnn_define_static_reshape");
        return;
      }
      case fb::OpType::Softmax: {
        const auto* o = op.options_as_SoftmaxOptions();
        if (o->axis() != static_cast<int>(file().shape(y).size()) - 1)
          throw BuildError{"only a softmax over the last axis maps to XNNPACK"};
        check(xnn_define_softmax(sg_, read(in(op, 0)), write(y), 0), "xnn_define_softmax");
        return;
      }
      case fb::OpType::Pad: {
        const auto* o = op.options_as_PadOptions();
        if (o->mode() != fb::PadMode::Constant || o->pads() == nullptr)
          throw BuildError{"only constant padding maps to XNNPACK"};
        const size_t r = o->pads()->size() / 2;
        std::vector<size_t> pre(r), post(r);
        for (size_t i = 0; i < r; ++i) {
          pre[i] = static_cast<size_t>(o->pads()->Get(i));
          post[i] = static_cast<size_t>(o->pads()->Get(r + i));
        }
        const uint32_t input = read(in(op, 0));
        check(xnn_define_static_constant_pad(sg_, pre.data(), post.data(), o->value(), input,
                                             write(y), 0),
              "xnn_define_static_constant_pad");
        return;
      }
      default:
        throw BuildError{"no XNNPACK subgraph node for this op"};
    }
  } catch (const BuildError& e) {
    throw BuildError{where + ": " + e.message};
  }
}

void transpose(const float* src, float* dst, const std::vector<int64_t>& in_shape,
               const std::vector<int>& perm) {
  const size_t r = in_shape.size();
  std::vector<int64_t> in_strides(r, 1), out_shape(r), idx(r, 0);
  for (size_t i = r - 1; i > 0; --i) in_strides[i - 1] = in_strides[i] * in_shape[i];
  int64_t n = 1;
  for (size_t i = 0; i < r; ++i) {
    out_shape[i] = in_shape[static_cast<size_t>(perm[i])];
    n *= out_shape[i];
  }
  // Walk the output in order, carrying the input offset along.
  int64_t offset = 0;
  for (int64_t k = 0; k < n; ++k) {
    dst[k] = src[offset];
    for (size_t d = r; d-- > 0;) {
      const int64_t stride = in_strides[static_cast<size_t>(perm[d])];
      if (++idx[d] < out_shape[d]) {
        offset += stride;
        break;
      }
      offset -= stride * (out_shape[d] - 1);
      idx[d] = 0;
    }
  }
}

}  // namespace

std::unique_ptr<XnnNetwork> XnnNetwork::create(const SprigFile& file, int num_threads,
                                               std::string* error) {
  static const xnn_status init = xnn_initialize(nullptr);
  if (init != xnn_status_success) {
    *error = std::string("xnn_initialize: ") + sprig::cpu::xnn_status_name(init);
    return nullptr;
  }
  std::unique_ptr<XnnNetwork> net(new XnnNetwork());
  net->impl_ = std::make_unique<Impl>();
  Impl& impl = *net->impl_;
  impl.file = &file;
  // 0 threads: pthreadpool's default, one per core, as Sprig's SessionOptions::num_threads.
  if (num_threads != 1) impl.pool = pthreadpool_create(static_cast<size_t>(std::max(0, num_threads)));

  const fb::Graph& g = file.graph();
  const int num_ops = static_cast<int>(g.ops()->size());
  // Group the ops into stages: runs of subgraph ops, and each host op on its own.
  std::vector<int> stage_of(static_cast<size_t>(num_ops));
  for (int i = 0; i < num_ops; ++i) {
    const fb::Op& op = *g.ops()->Get(i);
    if (op.outputs() == nullptr || op.outputs()->size() != 1 || op.inputs() == nullptr) {
      *error = "op " + std::to_string(i) + " does not have one output";
      return nullptr;
    }
    const bool host = is_host_op(op.type());
    if (impl.stages.empty() || host || impl.stages.back().kind != Stage::Kind::kRuntime) {
      impl.stages.emplace_back();
      impl.stages.back().kind = !host ? Stage::Kind::kRuntime
                                : op.type() == fb::OpType::Transpose ? Stage::Kind::kTranspose
                                                                    : Stage::Kind::kConcat;
    }
    impl.stages.back().ops.push_back(i);
    stage_of[static_cast<size_t>(i)] = static_cast<int>(impl.stages.size()) - 1;
  }
  // Boundary tensors: graph inputs and outputs, and activations read in another stage than the
  // one writing them (host stages read and write only boundary tensors).
  std::vector<int> producer_stage(g.tensors()->size(), -1);
  std::set<int> boundary(g.inputs()->begin(), g.inputs()->end());
  boundary.insert(g.outputs()->begin(), g.outputs()->end());
  for (int i = 0; i < num_ops; ++i) {
    const fb::Op& op = *g.ops()->Get(i);
    const int s = stage_of[static_cast<size_t>(i)];
    const bool host = impl.stages[static_cast<size_t>(s)].kind != Stage::Kind::kRuntime;
    for (int t : *op.inputs()) {
      if (t < 0 || file.data(t) != nullptr) continue;
      if (host || producer_stage[static_cast<size_t>(t)] != s) boundary.insert(t);
    }
    producer_stage[static_cast<size_t>(op.outputs()->Get(0))] = s;
    if (host) boundary.insert(op.outputs()->Get(0));
  }
  for (int t : boundary) impl.buffers[t] = padded_floats(file.numel(t));

  try {
    for (Stage& stage : impl.stages) {
      const fb::Op& first = *g.ops()->Get(stage.ops[0]);
      if (stage.kind == Stage::Kind::kTranspose) {
        const int x = first.inputs()->Get(0);
        const auto* perm = first.options_as_TransposeOptions()->perm();
        stage.src = impl.buffers.at(x).data();
        stage.dst = impl.buffers.at(first.outputs()->Get(0)).data();
        stage.in_shape = file.shape(x);
        stage.perm.assign(perm->begin(), perm->end());
      } else if (stage.kind == Stage::Kind::kConcat) {
        const std::vector<int64_t> y = file.shape(first.outputs()->Get(0));
        int axis = first.options_as_ConcatOptions()->axis();
        if (axis < 0) axis += static_cast<int>(y.size());
        int64_t outer = 1, total = 1;
        for (int d = 0; d < static_cast<int>(y.size()); ++d) (d < axis ? outer : total) *= y[d];
        float* dst = impl.buffers.at(first.outputs()->Get(0)).data();
        int64_t offset = 0;
        for (int x : *first.inputs()) {
          if (file.data(x) != nullptr) throw BuildError{"Concat of a constant is not mapped"};
          const int64_t inner = file.numel(x) / outer;
          xnn_operator_t copy = nullptr;
          check(xnn_create_copy_nc_x32(inner, inner, total, 0, &copy), "xnn_create_copy_nc_x32");
          stage.copies.push_back(copy);
          check(xnn_setup_copy_nc_x32(copy, outer, impl.buffers.at(x).data(), dst + offset,
                                      impl.pool),
                "xnn_setup_copy_nc_x32");
          offset += inner;
        }
      } else {
        std::set<int> externals;
        for (int i : stage.ops) {
          const fb::Op& op = *g.ops()->Get(i);
          for (int t : *op.inputs())
            if (t >= 0 && boundary.count(t)) externals.insert(t);
          if (boundary.count(op.outputs()->Get(0))) externals.insert(op.outputs()->Get(0));
        }
        SubgraphBuilder builder(impl, externals);
        for (int i : stage.ops) builder.define_op(*g.ops()->Get(i));
        std::vector<xnn_external_value> ext;
        stage.runtime = builder.create_runtime(impl.pool, &ext);
        check(xnn_setup_runtime(stage.runtime, ext.size(), ext.data()), "xnn_setup_runtime");
      }
    }
  } catch (const BuildError& e) {
    *error = e.message;
    return nullptr;
  }
  net->input_shape_ = file.shape(g.inputs()->Get(0));
  net->output_shape_ = file.shape(g.outputs()->Get(0));
  return net;
}

XnnNetwork::~XnnNetwork() = default;

float* XnnNetwork::input() {
  return impl_->buffers.at(impl_->file->graph().inputs()->Get(0)).data();
}

const float* XnnNetwork::output() const {
  return impl_->buffers.at(impl_->file->graph().outputs()->Get(0)).data();
}

bool XnnNetwork::run(std::string* error) {
  for (Stage& stage : impl_->stages) {
    xnn_status s = xnn_status_success;
    switch (stage.kind) {
      case Stage::Kind::kRuntime:
        s = xnn_invoke_runtime(stage.runtime);
        break;
      case Stage::Kind::kTranspose:
        transpose(stage.src, stage.dst, stage.in_shape, stage.perm);
        break;
      case Stage::Kind::kConcat:
        for (xnn_operator_t copy : stage.copies) {
          s = xnn_run_operator(copy, impl_->pool);
          if (s != xnn_status_success) break;
        }
        break;
    }
    if (s != xnn_status_success) {
      *error = std::string("XNNPACK run: ") + sprig::cpu::xnn_status_name(s);
      return false;
    }
  }
  return true;
}

}  // namespace sprig_bench
