// tests/optim/test_optim.cpp: SGD, Adam and AdamW against step-by-step double-precision
// references of PyTorch's update rules; schedules; gradient clipping; misuse errors.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::Shape;
using P32 = mt::policy::float32;

namespace {

// A tiny model whose gradients we set by hand.
struct Fixture {
  mt::Sequential<P32> model{Shape{3}, mt::Seed{5}, mt::Dense(2)};
  std::vector<std::vector<double>> w;  // reference copies of the masters

  Fixture() {
    for (auto* p : model.parameters()) w.emplace_back(p->master.begin(), p->master.end());
  }
  // Deterministic pseudo-gradients for step t.
  void set_grads(int t) {
    int k = 0;
    for (auto* p : model.parameters())
      for (std::int64_t i = 0; i < p->numel(); ++i)
        p->grad[i] = std::sin(0.7f * float(++k) + 1.3f * float(t));
  }
  double grad(int t, int k) const { return std::sin(0.7f * float(k) + 1.3f * float(t)); }
  void expect_matches(double tol) {
    std::size_t j = 0;
    for (auto* p : model.parameters()) {
      for (std::int64_t i = 0; i < p->numel(); ++i)
        EXPECT_NEAR(p->master[i], w[j][static_cast<std::size_t>(i)], tol) << p->name << "[" << i << "]";
      ++j;
    }
  }
};

}  // namespace

TEST(SGD, MomentumNesterovWeightDecayMatchReference) {
  for (bool nesterov : {false, true}) {
    Fixture f;
    mt::SGD opt(f.model, {.lr = 0.1f, .momentum = 0.9f, .nesterov = nesterov, .weight_decay = 0.01f});
    std::vector<std::vector<double>> buf;
    for (auto& v : f.w) buf.emplace_back(v.size(), 0.0);
    for (int t = 0; t < 5; ++t) {
      f.set_grads(t);
      auto grads = mt::Gradients<P32, mt::Cpu>(f.model);
      const auto out = opt.step(std::move(grads));
      EXPECT_TRUE(out.applied);
      EXPECT_EQ(out.step, t + 1);
      int k = 0;
      for (std::size_t j = 0; j < f.w.size(); ++j)
        for (std::size_t i = 0; i < f.w[j].size(); ++i) {
          double g = f.grad(t, ++k) + 0.01 * f.w[j][i];
          buf[j][i] = 0.9 * buf[j][i] + g;
          g = nesterov ? g + 0.9 * buf[j][i] : buf[j][i];
          f.w[j][i] -= 0.1 * g;
        }
    }
    f.expect_matches(1e-5);
  }
}

TEST(Adam, AdamAndAdamWMatchReference) {
  for (bool decoupled : {false, true}) {
    Fixture f;
    const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0.05;
    std::vector<std::vector<double>> m, v;
    for (auto& x : f.w) m.emplace_back(x.size(), 0.0), v.emplace_back(x.size(), 0.0);
    auto run = [&](auto& opt) {
      for (int t = 0; t < 6; ++t) {
        f.set_grads(t);
        (void)opt.step(mt::Gradients<P32, mt::Cpu>(f.model));
        int k = 0;
        for (std::size_t j = 0; j < f.w.size(); ++j)
          for (std::size_t i = 0; i < f.w[j].size(); ++i) {
            double g = f.grad(t, ++k);
            if (decoupled) f.w[j][i] -= lr * wd * f.w[j][i];
            else g += wd * f.w[j][i];
            m[j][i] = b1 * m[j][i] + (1 - b1) * g;
            v[j][i] = b2 * v[j][i] + (1 - b2) * g * g;
            const double mh = m[j][i] / (1 - std::pow(b1, t + 1));
            const double vh = v[j][i] / (1 - std::pow(b2, t + 1));
            f.w[j][i] -= lr * mh / (std::sqrt(vh) + eps);
          }
      }
    };
    if (decoupled) {
      mt::AdamW opt(f.model, {.lr = float(lr), .weight_decay = float(wd)});
      run(opt);
    } else {
      mt::Adam opt(f.model, {.lr = float(lr), .weight_decay = float(wd)});
      run(opt);
    }
    f.expect_matches(1e-5);
  }
}

TEST(Adam, PyTorchDefaults) {
  mt::AdamOptions a;
  EXPECT_EQ(a.lr, 1e-3f);
  EXPECT_EQ(a.beta1, 0.9f);
  EXPECT_EQ(a.beta2, 0.999f);
  EXPECT_EQ(a.eps, 1e-8f);
  EXPECT_EQ(a.weight_decay, 0.0f);
  EXPECT_EQ(mt::AdamWOptions{}.weight_decay, 1e-2f);
}

TEST(Optimizer, MixedPolicyRefreshesComputeCopyInTheSamePass) {
  mt::Sequential<mt::policy::mixed_bfloat16> model(Shape{4}, mt::Seed{1}, mt::Dense(3));
  mt::Adam opt(model);
  for (auto* p : model.parameters()) mt::ops::fill(mt::default_context<mt::Cpu>(), p->grad, 0.5f);
  (void)opt.step(mt::Gradients<mt::policy::mixed_bfloat16, mt::Cpu>(model));
  for (auto* p : model.parameters())
    for (std::int64_t i = 0; i < p->numel(); ++i)
      ASSERT_EQ(p->compute[i].bits, mt::bfloat16(p->master[i]).bits);
}

TEST(Optimizer, GradientsOfAnotherModelAreRejected) {
  mt::Sequential<P32> a(Shape{3}, mt::Dense(2)), b(Shape{3}, mt::Dense(2));
  mt::SGD opt(a);
  EXPECT_THROW((void)opt.step(mt::Gradients<P32, mt::Cpu>(b)), mt::StateError);
  EXPECT_THROW(mt::SGD(a, {.lr = 0.1f, .nesterov = true}), mt::ValueError);
  EXPECT_THROW(mt::Adam(a, {.lr = -1.0f}), mt::ValueError);
}

TEST(Schedule, StepCosineWarmup) {
  auto s = mt::schedule::step_decay(1.0f, 10, 0.5f);
  EXPECT_FLOAT_EQ(s(0), 1.0f);
  EXPECT_FLOAT_EQ(s(9), 1.0f);
  EXPECT_FLOAT_EQ(s(10), 0.5f);
  EXPECT_FLOAT_EQ(s(25), 0.25f);
  auto c = mt::schedule::cosine(1.0f, 100, 0.1f);
  EXPECT_FLOAT_EQ(c(0), 1.0f);
  EXPECT_NEAR(c(50), 0.55f, 1e-6);
  EXPECT_FLOAT_EQ(c(100), 0.1f);
  EXPECT_FLOAT_EQ(c(1000), 0.1f);
  auto w = mt::schedule::warmup(4, mt::schedule::constant(2.0f));
  EXPECT_FLOAT_EQ(w(0), 0.5f);
  EXPECT_FLOAT_EQ(w(3), 2.0f);
  EXPECT_FLOAT_EQ(w(10), 2.0f);
}

TEST(Schedule, OptimizerUsesTheScheduleWithItsAppliedStepCount) {
  mt::Sequential<P32> model(Shape{2}, mt::Dense(1));
  mt::SGD opt(model, {.schedule = mt::schedule::step_decay(0.4f, 2, 0.5f)});
  const float expected[] = {0.4f, 0.4f, 0.2f, 0.2f, 0.1f};
  for (float e : expected) {
    const auto out = opt.step(mt::Gradients<P32, mt::Cpu>(model));
    EXPECT_FLOAT_EQ(out.lr, e);
  }
}

TEST(ClipGradNorm, ScalesToMaxNormAndReportsTheNorm) {
  mt::Sequential<P32> model(Shape{2}, mt::Dense(2));  // kernel (2, 2) + bias (2): 6 values
  for (auto* p : model.parameters()) mt::ops::fill(mt::default_context<mt::Cpu>(), p->grad, 2.0f);
  mt::Gradients<P32, mt::Cpu> grads(model);
  const float norm = mt::clip_grad_norm(grads, 1.0f);
  EXPECT_NEAR(norm, std::sqrt(6.0f * 4.0f), 1e-5);
  double sq = 0;
  for (auto* p : model.parameters())
    for (float g : p->grad) sq += double(g) * g;
  EXPECT_NEAR(std::sqrt(sq), 1.0, 1e-5);
  EXPECT_NEAR(mt::clip_grad_norm(grads, 5.0f), 1.0f, 1e-5);  // under the limit: untouched
  EXPECT_NEAR(mt::clip_grad_norm(grads, 5.0f), 1.0f, 1e-5);
}
