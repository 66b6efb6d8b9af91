// mistake: gradient accumulation: unscales after the first micro-batch, then accumulates a scaled loss into it
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  using P = mt::policy::mixed_float16;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Generator gen(1);
  auto x0 = mt::checked_cast<mt::half>(mt::normal<float>({16, 4}, 0.0f, 1.0f, gen));
  auto x1 = mt::checked_cast<mt::half>(mt::normal<float>({16, 4}, 0.0f, 1.0f, gen));
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::LossScaler scaler;
  mt::Adam opt(model, {.lr = 1e-3f});
  auto acc = scaler.unscale(model.backward(scaler.scale(loss_fn(model.forward(x0, mt::Mode::train), y))));
  auto both = model.backward(scaler.scale(loss_fn(model.forward(x1, mt::Mode::train), y)), std::move(acc));
  auto out = opt.step(scaler.unscale(std::move(both)), scaler);
  return out.applied ? 0 : 1;
}
