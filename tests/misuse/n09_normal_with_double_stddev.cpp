// mistake: initialises weights with normal(shape, 0.0, 1e-50, gen): double arguments narrowed silently to 0
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  mt::Generator gen(1);
  double tiny = 1e-50;  // e.g. computed in double by the user
  auto w = mt::normal<float>({4}, 0.0, tiny, gen);
  auto u = mt::uniform<float>({4}, -1e39, 1e39, gen);
  std::cout << w << "\n" << u << "\n";
  return 0;
}
