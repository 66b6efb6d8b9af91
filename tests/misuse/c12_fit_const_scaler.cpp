// mistake: passes a const LossScaler to fit
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  using P = mt::policy::mixed_float16;
  auto ds = mt::data::fashion_mnist("test");
  mt::data::ImageLoader<mt::half> train(ds, {.batch = 64});
  mt::Sequential<P> model({28, 28, 1}, mt::Flatten(), mt::Dense(10));
  mt::Adam opt(model);
  const mt::LossScaler scaler;
  auto h = mt::fit(model, opt, scaler, mt::SoftmaxCrossEntropy{}, train);
  return static_cast<int>(h.epochs.size());
}
