// mistake: binds auto& to an element of a temporary softmax result (probability of class 3)
// run-time: not an error any more: element access on a temporary tensor returns the value, not a reference
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  mt::Generator gen(1);
  auto logits = mt::normal<float>({4, 10}, 0.0f, 1.0f, gen);
  const auto& p3 = mt::softmax(logits)(0, 3);
  auto other = mt::zeros<float>({4, 10});
  std::cout << "p(class 3) = " << p3 << " " << other(0, 0) << "\n";
  return 0;
}
