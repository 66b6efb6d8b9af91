// mistake: cview of an arithmetic expression's temporary result
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto a = mt::full<float>({4}, 1.0f);
  auto b = mt::full<float>({4}, 2.0f);
  auto s = mt::cview(a + b);
  return static_cast<int>(s[0]);
}
