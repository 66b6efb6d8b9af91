// mistake: matmul of half activations with float32 weights
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  mt::Generator gen(1);
  auto h = mt::normal<mt::half>({8, 4}, 0.0f, 1.0f, gen);
  auto w = mt::normal<float>({4, 2}, 0.0f, 1.0f, gen);
  auto y = mt::matmul(h, w);
  return y.rank();
}
