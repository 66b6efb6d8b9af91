// mistake: slices the result of a cast in one expression (numpy: x.astype(f16)[:8])
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::Generator gen(1);
  auto x = mt::normal<float>({64, 4}, 0.0f, 1.0f, gen);
  auto first = mt::cast<mt::half>(x).slice(0, 8);
  return first.rank();
}
