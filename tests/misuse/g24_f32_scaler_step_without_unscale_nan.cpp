// mistake: float32 run passes the scaler to opt.step expecting its inf/NaN skip, but backward(loss) was not scaled/unscaled
// run-time: the step checks the gradients and skips (test_protocol AStepWithAScalerChecksGradientsThatWereNeverUnscaled)
#include "mantissa/mantissa.hpp"
#include <cmath>
#include <iostream>
#include <limits>
namespace mt = mantissa;
int main() {
  using P = mt::policy::float32;
  mt::Sequential<P> model({4}, mt::Dense(3));
  auto x = mt::full<float>({4, 4}, 1.0f);
  x[5] = std::numeric_limits<float>::infinity();  // one bad input sample
  auto y = mt::full<std::int32_t>({4}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::LossScaler scaler;
  mt::SGD opt(model, {.lr = 0.1f});
  try {
    auto grads = model.backward(loss_fn(model.forward(x, mt::Mode::train), y));
    auto out = opt.step(std::move(grads), scaler);
    bool finite = true;
    for (float w : model.parameters()[0]->master) finite = finite && std::isfinite(w);
    std::cout << "step applied " << out.applied << ", skipped_steps " << scaler.skipped_steps()
              << ", weights finite " << finite << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
