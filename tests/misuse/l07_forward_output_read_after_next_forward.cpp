// mistake: reads the first batch's output after running the next batch through the model
// run-time: StateError "stale" (test_protocol ForwardOutputIsStaleAfterTheNextForward)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  mt::Sequential<mt::policy::float32> model({4}, mt::Dense(3));
  mt::Generator gen(1);
  auto a = mt::normal<float>({2, 4}, 0.0f, 1.0f, gen);
  auto b = mt::normal<float>({64, 4}, 0.0f, 1.0f, gen);
  try {
    auto ya = model.forward(a, mt::Mode::infer);
    auto yb = model.forward(b, mt::Mode::infer);
    std::cout << ya(0, 0) << " " << yb(0, 0) << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
