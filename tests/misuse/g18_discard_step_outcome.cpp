// mistake: ignores the StepOutcome (does not look whether the step was skipped)
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  using P = mt::policy::mixed_float16;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::checked_cast<mt::half>(mt::normal<float>({16, 4}, 0.0f, 1.0f, gen));
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::LossScaler scaler;
  mt::Adam opt(model);
  auto grads = scaler.unscale(model.backward(scaler.scale(loss_fn(model.forward(x, mt::Mode::train), y))));
  opt.step(std::move(grads), scaler);
  return 0;
}
