// mistake: keeps the gradients in a std::optional and steps on *opt twice (e.g. retry loop)
// run-time: StateError "moved from" (test_protocol ATokenMovedFromIsAStateError)
#include "mantissa/mantissa.hpp"
#include <iostream>
#include <optional>
namespace mt = mantissa;
int main() {
  using P = mt::policy::float32;
  mt::Sequential<P> model({4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
  mt::Generator gen(1);
  auto x = mt::normal<float>({16, 4}, 0.0f, 1.0f, gen);
  auto y = mt::full<std::int32_t>({16}, 1);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::SGD opt(model, {.lr = 0.1f});
  std::optional<mt::Gradients<P, mt::Cpu>> pending;
  try {
    pending.emplace(model.backward(loss_fn(model.forward(x, mt::Mode::train), y)));
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto out = opt.step(std::move(*pending));
      std::cout << "attempt " << attempt << " applied " << out.applied << "\n";
    }
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
