// mistake: keeps a slice of forward's output (first sample's logits) across a later, larger forward
// run-time: StateError "stale": a slice of an OutputView is checked too
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::float32> model({4}, mt::Dense(3));
  mt::Generator gen(1);
  auto small = mt::normal<float>({2, 4}, 0.0f, 1.0f, gen);
  auto big = mt::normal<float>({4096, 4}, 0.0f, 1.0f, gen);
  try {
    auto first_sample = model.forward(small, mt::Mode::infer).slice(0, 1);
    auto all = model.forward(big, mt::Mode::infer);
    std::cout << "first sample logit 0 = " << first_sample(0, 0) << " (" << all.numel() << ")\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
