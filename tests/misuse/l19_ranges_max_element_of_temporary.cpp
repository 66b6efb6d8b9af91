// mistake: std::ranges::max_element over a temporary tensor, dereferencing the result
#include "mantissa/mantissa.hpp"
#include <algorithm>
namespace mt = mantissa;
int main() {
  mt::Generator gen(1);
  auto it = std::ranges::max_element(mt::normal<float>({16}, 0.0f, 1.0f, gen));
  return *it > 0.0f ? 0 : 1;
}
