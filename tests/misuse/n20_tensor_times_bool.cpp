// mistake: masks a tensor by multiplying with a bool flag
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  bool keep = true;
  auto x = mt::full<float>({4}, 2.0f);
  auto y = x * keep;
  return static_cast<int>(y[0]);
}
