// mistake: casts a tensor to double for an accurate reference (torch: x.double())
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto x = mt::full<float>({4}, 1.0f);
  auto d = mt::cast<double>(x);
  return 0;
}
