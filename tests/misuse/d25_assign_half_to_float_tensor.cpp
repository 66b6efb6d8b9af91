// mistake: moves a half tensor into a float tensor variable
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto h = mt::zeros<mt::half>({4});
  mt::Tensor<float> f;
  f = std::move(h);
  return f.rank();
}
