// mistake: converts forward's output with cview() to pass it around as a plain view, then runs a bigger batch
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::float32> model({4}, mt::Dense(3));
  mt::Generator gen(1);
  auto small = mt::normal<float>({2, 4}, 0.0f, 1.0f, gen);
  auto big = mt::normal<float>({4096, 4}, 0.0f, 1.0f, gen);
  try {
    auto first = mt::cview(model.forward(small, mt::Mode::infer));
    auto second = model.forward(big, mt::Mode::infer);
    std::cout << "first(0,0) = " << first(0, 0) << ", second has " << second.numel() << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
