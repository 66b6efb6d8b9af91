// mistake: multiplies a tensor by a double literal (numpy habit: x * 0.5)
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto x = mt::full<float>({4}, 2.0f);
  auto y = x * 0.5;
  return static_cast<int>(y[0]);
}
