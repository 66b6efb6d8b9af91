// examples/custom_layer.cpp: write a layer of your own, check its gradients, train with it.
//
// The layer is PReLU (He et al. 2015): y = x for x > 0, a_f x otherwise, with one learnable
// slope a_f per feature. Everything a layer must do is in mantissa/layers/layer.hpp: build
// (shapes and parameters), forward and backward side by side. Here the layer works on Cpu
// tensors with plain element access; it computes in float and rounds once, like the
// built-in layers, so it runs under every precision policy.
//
//   custom_layer [--epochs N]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <mantissa/mantissa.hpp>
#include <numbers>

#include "example_cli.hpp"

namespace mt = mantissa;

template <mt::Policy P>
class PReLU final : public mt::Layer<P, mt::Cpu> {
 public:
  using T = typename P::compute;
  using typename mt::Layer<P, mt::Cpu>::View;
  using typename mt::Layer<P, mt::Cpu>::CView;

  std::string_view kind() const override { return "PReLU"; }

  // One slope per feature of a (features,) input, initialised to 0.25 as in the paper.
  mt::Shape build(const mt::Shape& input, mt::Generator&) override {
    if (input.rank() != 1)
      throw mt::ShapeError("got input shape " + input.str() + " but needs (features,)");
    alpha_ = std::make_unique<mt::Parameter<P, mt::Cpu>>("alpha", input);
    std::fill(alpha_->master.begin(), alpha_->master.end(), 0.25f);
    alpha_->refresh_compute();
    return input;
  }

  std::vector<mt::Parameter<P, mt::Cpu>*> parameters() override { return {alpha_.get()}; }

  void forward(mt::Context<mt::Cpu>&, View y, CView x, mt::Mode) override {
    const auto f = x.shape()[1];
    const auto a = alpha_->value();
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const float v = static_cast<float>(x[i]);
      y[i] = T(v > 0.0f ? v : static_cast<float>(a[i % f]) * v);
    }
  }

  // dx = dy (x > 0) or a dy; dalpha_f = sum over the batch of dy x where x <= 0 (float32).
  void backward(mt::Context<mt::Cpu>& ctx, View dx, CView dy, CView x, CView,
                mt::Accumulate acc) override {
    const auto f = x.shape()[1];
    const auto a = alpha_->value();
    auto& da = alpha_->grad;
    if (acc == mt::Accumulate::overwrite) mt::ops::fill(ctx, da, 0.0f);
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const float v = static_cast<float>(x[i]), g = static_cast<float>(dy[i]);
      if (v <= 0.0f) da[i % f] += g * v;
      if (!dx.empty()) dx[i] = T(v > 0.0f ? g : static_cast<float>(a[i % f]) * g);
    }
  }

 private:
  std::unique_ptr<mt::Parameter<P, mt::Cpu>> alpha_;  // (features,)
};

int main(int argc, char** argv) {
  CLI::App app{"a custom PReLU layer: gradient check, then training"};
  example::configure(app);
  int epochs = 400;
  app.add_option("--epochs", epochs, "full-batch epochs")->check(CLI::Range(1, 100000));
  CLI11_PARSE(app, argc, argv);

  // 1. The library's gradient checker, on the layer object itself, for two policies.
  PReLU<mt::policy::float32> layer32;
  const auto r32 = mt::check_gradients<mt::policy::float32>(layer32, mt::Shape{6}, {.batch = 4});
  std::printf("gradient check (float32):       %s\n", r32.report().c_str());
  PReLU<mt::policy::mixed_bfloat16> layer16;
  PReLU<mt::policy::float32> twin;  // the float32 reference the 16-bit check compares with
  const auto r16 = mt::check_gradients<mt::policy::mixed_bfloat16>(layer16, mt::Shape{6},
                                                                   {.batch = 4}, &twin);
  std::printf("gradient check (mixed_bfloat16): %s\n", r16.report().c_str());
  if (!r32.passed || !r16.passed) return 1;

  // 2. Train a model that uses it on two interleaved spirals.
  using P = mt::policy::float32;
  const std::int64_t per = 200, n = 2 * per;
  mt::Tensor<float> x(mt::Shape{n, 2});
  mt::Tensor<std::int32_t> y(mt::Shape{n});
  for (std::int64_t i = 0; i < per; ++i)
    for (int c = 0; c < 2; ++c) {
      const double t = 0.25 + 3.0 * std::numbers::pi * double(i) / double(per);
      const double ang = t + c * std::numbers::pi;
      x(2 * i + c, 0) = float(t * std::cos(ang) / 10.0);
      x(2 * i + c, 1) = float(t * std::sin(ang) / 10.0);
      y[2 * i + c] = c;
    }
  mt::Sequential<P> model(mt::Shape{2}, mt::Seed{3}, mt::Dense(64), PReLU<P>(), mt::Dense(64),
                          PReLU<P>(), mt::Dense(2));
  model.summary(std::cout);
  mt::Adam opt(model, {.lr = 1e-2f});
  mt::SoftmaxCrossEntropy loss_fn;
  for (int e = 1; e <= epochs; ++e) {
    auto loss = loss_fn(model.forward(x.view(), mt::Mode::train), y.view());
    (void)opt.step(model.backward(loss));
    if (e % 100 == 0 || e == epochs)
      std::printf("epoch %4d  loss %.4f  accuracy %.3f\n", e, loss.value(),
                  mt::accuracy(model.forward(x.view(), mt::Mode::infer), y.view()));
  }
  return 0;
}
