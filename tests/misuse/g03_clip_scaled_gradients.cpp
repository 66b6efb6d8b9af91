// mistake: clips the gradients before unscaling them (clips S times the true norm)
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
  mt::Adam opt(model, {.lr = 1e-3f});
  auto logits = model.forward(x, mt::Mode::train);
  auto loss = loss_fn(logits, y);
  auto scaled = model.backward(scaler.scale(loss));
  mt::clip_grad_norm(scaled, 1.0f);
  auto out = opt.step(scaler.unscale(std::move(scaled)), scaler);
  return out.applied ? 0 : 1;
}
