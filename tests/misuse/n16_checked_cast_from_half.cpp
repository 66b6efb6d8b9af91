// mistake: checked_cast from half to bfloat16 (expects any narrowing to be checkable)
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto h = mt::full<mt::half>({4}, 1.0f);
  auto b = mt::checked_cast<mt::bfloat16>(h);
  return b.rank();
}
