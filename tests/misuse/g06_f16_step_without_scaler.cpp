// mistake: under mixed_float16, unscale correctly but step without the scaler (overflowed steps would not back off)
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
  mt::SGD opt(model, {.lr = 0.1f});
  auto logits = model.forward(x, mt::Mode::train);
  auto loss = loss_fn(logits, y);
  auto grads = scaler.unscale(model.backward(scaler.scale(loss)));
  auto out = opt.step(std::move(grads));
  return out.applied ? 0 : 1;
}
