// mistake: accuracy with CPU logits and labels that were uploaded to the GPU for the loss
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  try {
    auto logits = mt::zeros<float>({4, 3});
    auto labels = mt::to<mt::Cuda>(mt::full<std::int32_t>({4}, 1));
    std::cout << mt::accuracy(logits, labels) << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
