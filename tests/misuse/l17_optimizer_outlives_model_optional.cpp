// mistake: hyper-parameter sweep re-emplaces the model in a std::optional but keeps the old optimizer
// run-time: StateError "no longer exists" (test_protocol AnOptimizerWhoseModelDiedIsRefused)
#include "mantissa/mantissa.hpp"
#include <iostream>
#include <optional>
namespace mt = mantissa;
int main() {
  using P = mt::policy::float32;
  std::optional<mt::Sequential<P>> model;
  model.emplace(mt::Shape{4}, mt::Dense(3));
  mt::Adam opt(*model, {.lr = 1e-3f});
  mt::Generator gen(1);
  auto x = mt::normal<float>({16, 4}, 0.0f, 1.0f, gen);
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  try {
    for (int width : {64, 512}) {
      model.emplace(mt::Shape{4}, mt::Dense(width), mt::ReLU(), mt::Dense(3));  // new trial
      auto grads = model->backward(loss_fn(model->forward(x, mt::Mode::train), y));
      auto out = opt.step(std::move(grads));
      std::cout << "width " << width << " applied " << out.applied << "\n";
    }
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
