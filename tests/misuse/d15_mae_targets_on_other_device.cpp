// mistake: mean_absolute_error with CPU predictions and GPU targets
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  try {
    auto pred = mt::zeros<float>({4});
    auto targets = mt::to<mt::Cuda>(mt::full<float>({4}, 1.0f));
    std::cout << mt::mean_absolute_error(pred, targets) << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
