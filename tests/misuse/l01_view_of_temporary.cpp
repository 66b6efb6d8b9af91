// mistake: takes a view of a freshly made temporary tensor
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto v = mt::zeros<float>({2, 3}).view();
  return static_cast<int>(v(0, 0));
}
