// mistake: 1 - p with an int scalar
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto p = mt::full<mt::bfloat16>({4}, 0.25f);
  auto q = 1 - p;
  return q.rank();
}
