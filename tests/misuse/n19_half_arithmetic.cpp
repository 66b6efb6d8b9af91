// mistake: adds two half scalars directly
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::half a(1.0f), b(2.0f);
  auto c = a + b;
  return static_cast<float>(c) > 2.0f ? 0 : 1;
}
