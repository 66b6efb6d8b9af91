// mistake: the scaler is passed to a training-step helper as const&, then to opt.step
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
template <class Model, class Opt, class X, class Y>
bool train_step(Model& model, Opt& opt, const mt::LossScaler& scaler, const X& x, const Y& y) {
  mt::SoftmaxCrossEntropy loss_fn;
  auto grads = scaler.unscale(model.backward(scaler.scale(loss_fn(model.forward(x, mt::Mode::train), y))));
  return opt.step(std::move(grads), scaler).applied;
}
int main() {
  using P = mt::policy::mixed_float16;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::checked_cast<mt::half>(mt::normal<float>({16, 4}, 0.0f, 1.0f, gen));
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::LossScaler scaler;
  mt::Adam opt(model);
  return train_step(model, opt, scaler, x, y) ? 0 : 1;
}
