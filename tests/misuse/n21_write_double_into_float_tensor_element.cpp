// mistake: writes a double expression into a half tensor element via operator()
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto h = mt::zeros<mt::half>({2, 2});
  h(0, 1) = mt::half(0.1 * 3);
  return 0;
}
