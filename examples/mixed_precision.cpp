// examples/mixed_precision.cpp: float16 training with its safety net in view.
//
//   mixed_precision        (no options: --help says so; any argument is refused)
//
// 1. A small model trains under policy::mixed_float16 with a dynamic LossScaler whose growth
//    interval is short, so the scale is seen to grow.
// 2. One gradient is poisoned with inf: unscale() finds it in its fused pass, the step is
//    skipped (the outcome says so), the scale halves, and the weights are bit-for-bit what
//    they were.
// 3. A layer is made to overflow float16 in forward; check_numerics names the layer, the pass
//    and the tensor.
// 4. Data beyond float16's range is refused at the input cast, not turned into inf.
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mantissa/mantissa.hpp>
#include <vector>

#include "example_cli.hpp"

namespace mt = mantissa;
using P = mt::policy::mixed_float16;

int main(int argc, char** argv) {
  CLI::App app{"float16 training with its safety net in view: loss scaling, a skipped step, "
               "check_numerics and the input cast (no options)"};
  example::configure(app);
  CLI11_PARSE(app, argc, argv);
  mt::Generator gen(1);
  auto x32 = mt::normal<float>({256, 8}, 0.0f, 1.0f, gen);
  mt::Tensor<std::int32_t> y({256});
  for (std::int64_t i = 0; i < 256; ++i) y[i] = (x32(i, 0) + x32(i, 1) > 0.0f) ? 1 : 0;
  auto x = mt::checked_cast<mt::half>(x32);  // the input boundary: float data into half

  mt::Sequential<P> model({8}, mt::Seed{2}, mt::Dense(32), mt::ReLU(), mt::Dense(2));
  mt::Adam opt(model, {.lr = 1e-2f});
  mt::LossScaler scaler({.init_scale = 1024.0f, .growth_interval = 10});
  mt::SoftmaxCrossEntropy loss_fn;

  std::printf("1. training with a dynamic loss scale (start %g, x2 every 10 clean steps)\n",
              scaler.loss_scale());
  for (int step = 1; step <= 40; ++step) {
    auto loss = loss_fn(model.forward(x.view(), mt::Mode::train), y.view());
    auto grads = scaler.unscale(model.backward(scaler.scale(loss)));
    const auto outcome = opt.step(std::move(grads), scaler);
    if (step % 10 == 0)
      std::printf("   step %2d  loss %.4f  applied %s  scale %g\n", step, loss.value(),
                  outcome.applied ? "yes" : "no", outcome.scale);
  }

  std::printf("2. an inf in one gradient\n");
  std::vector<float> before;
  for (auto* p : model.parameters()) before.insert(before.end(), p->master.begin(), p->master.end());
  auto loss = loss_fn(model.forward(x.view(), mt::Mode::train), y.view());
  auto scaled = model.backward(scaler.scale(loss));
  scaled.parameters()[0]->grad[3] = std::numeric_limits<float>::infinity();
  auto grads = scaler.unscale(std::move(scaled));
  std::printf("   unscale found: %s\n", grads.overflow_report().c_str());
  const auto outcome = opt.step(std::move(grads), scaler);
  std::vector<float> after;
  for (auto* p : model.parameters()) after.insert(after.end(), p->master.begin(), p->master.end());
  std::printf("   step applied: %s, scale now %g, skipped steps %lld, weights unchanged: %s\n",
              outcome.applied ? "yes" : "no", outcome.scale,
              static_cast<long long>(scaler.skipped_steps()),
              std::memcmp(before.data(), after.data(), before.size() * sizeof(float)) == 0 ? "yes" : "NO");

  std::printf("3. check_numerics\n");
  model.check_numerics(true);
  mt::ops::fill(model.context(), model.parameters()[0]->master, 60000.0f);  // x W now overflows half's 65504
  model.parameters()[0]->refresh_compute();
  try {
    (void)model.forward(x.view());
  } catch (const mt::NumericsError& e) {
    std::printf("   %s\n", e.what());
  }

  std::printf("4. the input cast\n");
  x32(7, 3) = 1e5f;
  try {
    (void)mt::checked_cast<mt::half>(x32);
  } catch (const mt::NumericsError& e) {
    std::printf("   %s\n", e.what());
  }
  return outcome.applied ? 1 : 0;  // the skipped step is the expected outcome
}
