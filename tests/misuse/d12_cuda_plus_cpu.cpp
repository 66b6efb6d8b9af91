// mistake: adds a Cuda tensor to a Cpu tensor
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto a = mt::zeros<float, mt::Cuda>({4});
  auto b = mt::zeros<float>({4});
  auto c = a + b;
  return c.rank();
}
