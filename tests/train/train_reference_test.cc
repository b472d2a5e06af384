// The training engine's losses and optimizers (runtime/train) against PyTorch
// (models/train/make_train_reference.py: F.cross_entropy with ignore_index, F.mse_loss, the
// T^2-scaled KL distillation loss with autograd's gradients; torch.optim.SGD and AdamW
// trajectories; clip_grad_norm_), the loss gradients also against central finite differences, and
// the warmup + cosine schedule at hand-checked points.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/train/losses.h"
#include "runtime/train/optimizer.h"
#include "tests/common/test_util.h"

namespace sprig::train {
namespace {

using nlohmann::json;

json reference() {
  const std::string path = test::fixtures_dir() + "/train/reference.json";
  std::ifstream in(path);
  EXPECT_TRUE(in) << path << " is missing: run models/train/make_train_reference.py --out " << path;
  return in ? json::parse(in) : json::object();
}

std::vector<float> floats(const json& j) { return j.get<std::vector<float>>(); }

void expect_near_all(const std::vector<float>& got, const std::vector<float>& want, double tolerance,
                     const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], tolerance * (1.0 + std::fabs(want[i]))) << what << " element " << i;
}

// Central differences of loss(x) in each element of x, against `grad`.
void expect_finite_differences(std::vector<float> x, const std::vector<float>& grad,
                               const std::function<float(const std::vector<float>&)>& loss) {
  const float h = 1e-2f;
  double worst = 0.0, top = 0.0;
  for (size_t i = 0; i < x.size(); ++i) {
    const float keep = x[i];
    x[i] = keep + h;
    const double up = loss(x);
    x[i] = keep - h;
    const double down = loss(x);
    x[i] = keep;
    worst = std::max(worst, std::fabs((up - down) / (2.0 * h) - grad[i]));
    top = std::max(top, double(std::fabs(grad[i])));
  }
  EXPECT_LE(worst, 2e-3 * top + 1e-5);
}

TEST(TrainReference, LossesMatchPyTorchAndFiniteDifferences) {
  const json r = reference()["losses"];
  ASSERT_FALSE(r.is_null());
  const size_t rows = r["rows"], classes = r["classes"];
  {
    const std::vector<float> logits = floats(r["cross_entropy"]["logits"]);
    const std::vector<int32_t> targets = r["cross_entropy"]["targets"].get<std::vector<int32_t>>();
    EXPECT_EQ(check_targets(targets.data(), rows, classes, -100), -1);
    std::vector<float> grad(logits.size());
    const float loss = softmax_cross_entropy(logits.data(), rows, classes, targets.data(), -100, grad.data());
    EXPECT_NEAR(loss, r["cross_entropy"]["loss"].get<double>(), 1e-6);
    expect_near_all(grad, floats(r["cross_entropy"]["grad"]), 1e-6, "cross-entropy gradient");
    std::vector<float> scratch(logits.size());
    expect_finite_differences(logits, grad, [&](const std::vector<float>& x) {
      return softmax_cross_entropy(x.data(), rows, classes, targets.data(), -100, scratch.data());
    });
    std::vector<int32_t> bad = targets;
    bad[3] = static_cast<int32_t>(classes);
    EXPECT_EQ(check_targets(bad.data(), rows, classes, -100), 3);
  }
  {
    const std::vector<float> y = floats(r["mse"]["y"]), target = floats(r["mse"]["target"]);
    std::vector<float> grad(y.size()), scratch(y.size());
    EXPECT_NEAR(mean_squared_error(y.data(), target.data(), y.size(), grad.data()),
                r["mse"]["loss"].get<double>(), 1e-6);
    expect_near_all(grad, floats(r["mse"]["grad"]), 1e-6, "MSE gradient");
    expect_finite_differences(y, grad, [&](const std::vector<float>& x) {
      return mean_squared_error(x.data(), target.data(), x.size(), scratch.data());
    });
  }
  {
    const std::vector<float> student = floats(r["kl"]["student"]), teacher = floats(r["kl"]["teacher"]);
    const float t = r["kl"]["temperature"];
    std::vector<float> grad(student.size()), scratch(student.size());
    EXPECT_NEAR(kl_divergence(student.data(), teacher.data(), rows, classes, t, grad.data()),
                r["kl"]["loss"].get<double>(), 1e-6);
    expect_near_all(grad, floats(r["kl"]["grad"]), 1e-6, "KL gradient");
    expect_finite_differences(student, grad, [&](const std::vector<float>& x) {
      return kl_divergence(x.data(), teacher.data(), rows, classes, t, scratch.data());
    });
  }
}

TEST(TrainReference, OptimizersFollowPyTorchTrajectories) {
  const json cases = reference()["optimizers"];
  ASSERT_FALSE(cases.is_null());
  for (const auto& [name, c] : cases.items()) {
    SCOPED_TRACE(name);
    std::vector<float> param = floats(c["start"]);
    std::vector<float> m(param.size(), 0.0f), v(param.size(), 0.0f);
    const float lr = c["lr"];
    const json& o = c["options"];
    for (size_t step = 0; step < c["grads"].size(); ++step) {
      const std::vector<float> grad = floats(c["grads"][step]);
      if (name.rfind("adamw", 0) == 0) {
        AdamWOptions options;
        options.beta1 = o["beta1"];
        options.beta2 = o["beta2"];
        options.eps = o["eps"];
        options.weight_decay = o["weight_decay"];
        adamw_step(param.data(), grad.data(), m.data(), v.data(), param.size(),
                   static_cast<int64_t>(step + 1), lr, options);
      } else {
        SgdOptions options;
        options.momentum = o["momentum"];
        options.dampening = o["dampening"];
        options.weight_decay = o["weight_decay"];
        options.nesterov = o["nesterov"];
        sgd_step(param.data(), grad.data(), m.data(), param.size(), static_cast<int64_t>(step + 1),
                 lr, options);
      }
      expect_near_all(param, floats(c["params"][step]), 1e-6, ("step " + std::to_string(step + 1)).c_str());
    }
  }
}

TEST(TrainReference, GradientClippingMatchesPyTorch) {
  const json c = reference()["clip"];
  ASSERT_FALSE(c.is_null());
  std::vector<float> a = floats(c["a"]), b = floats(c["b"]);
  float* grads[2] = {a.data(), b.data()};
  const size_t sizes[2] = {a.size(), b.size()};
  EXPECT_NEAR(clip_grad_norm(grads, sizes, 2, c["max_norm"]), c["norm"].get<double>(), 1e-5);
  expect_near_all(a, floats(c["clipped_a"]), 1e-6, "clipped a");
  expect_near_all(b, floats(c["clipped_b"]), 1e-6, "clipped b");
  const std::vector<float> kept = a;
  clip_grad_norm(grads, sizes, 2, 100.0f);
  EXPECT_EQ(a, kept) << "a norm under max_norm leaves the gradients";
}

TEST(TrainReference, WarmupCosineSchedule) {
  const float lr = 2e-4f;
  EXPECT_EQ(learning_rate(Schedule::kConstant, lr, 57, 10, 100), lr);
  EXPECT_EQ(learning_rate(Schedule::kWarmupCosine, lr, 0, 10, 110), 0.0f);
  EXPECT_FLOAT_EQ(learning_rate(Schedule::kWarmupCosine, lr, 5, 10, 110), lr / 2);
  EXPECT_FLOAT_EQ(learning_rate(Schedule::kWarmupCosine, lr, 10, 10, 110), lr);
  EXPECT_FLOAT_EQ(learning_rate(Schedule::kWarmupCosine, lr, 60, 10, 110), lr / 2);
  EXPECT_NEAR(learning_rate(Schedule::kWarmupCosine, lr, 110, 10, 110), 0.0f, 1e-12);
}

}  // namespace
}  // namespace sprig::train
