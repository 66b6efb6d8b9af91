// mistake: mixed_float16 backward straight from the loss, no LossScaler (PyTorch: loss.backward())
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  using P = mt::policy::mixed_float16;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::checked_cast<mt::half>(mt::normal<float>({16, 4}, 0.0f, 1.0f, gen));
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::Adam opt(model, {.lr = 1e-3f});
  auto loss = loss_fn(model.forward(x, mt::Mode::train), y);
  auto grads = model.backward(loss);
  auto out = opt.step(std::move(grads));
  return out.applied ? 0 : 1;
}
