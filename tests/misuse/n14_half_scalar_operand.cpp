// mistake: generic code multiplies a tensor by a scalar of the tensor's own dtype T (half)
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
template <class T>
mt::Tensor<T> scale(const mt::Tensor<T>& x, T s) { return x * s; }
int main() {
  auto h = mt::full<mt::half>({4}, 1.0f);
  auto y = scale(h, mt::half(2.0f));
  return y.rank();
}
