// mistake: turns NaN-holding float predictions into int32 labels with cast<int32_t> (expects truncation)
// run-time: NumericsError for the NaN (cast<int32_t> is checked)
#include "mantissa/mantissa.hpp"
#include <iostream>
#include <limits>
namespace mt = mantissa;
int main() {
  auto p = mt::full<float>({4}, 2.7f);
  p[2] = std::numeric_limits<float>::quiet_NaN();
  try {
    auto labels = mt::cast<std::int32_t>(p);
    std::cout << labels << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
