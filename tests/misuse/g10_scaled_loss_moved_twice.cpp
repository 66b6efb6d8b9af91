// mistake: runs backward twice from one std::move'd ScaledLoss (retain_graph habit)
// run-time: StateError "moved from or used already" (test_protocol AScaledLossMovedFromIsRefused)
#include "mantissa/mantissa.hpp"
#include <iostream>
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
  try {
    auto logits = model.forward(x, mt::Mode::train);
    auto loss = loss_fn(logits, y);
    auto sl = scaler.scale(loss);
    auto s1 = model.backward(std::move(sl));
    auto s2 = model.backward(std::move(sl));
    auto out = opt.step(scaler.unscale(std::move(s2)), scaler);
    return out.applied ? 0 : 1;
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
}
