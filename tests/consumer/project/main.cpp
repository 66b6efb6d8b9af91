// A user's program against the installed mantissa: a product of half tensors, cast back.
#include <iostream>
#include <mantissa/mantissa.hpp>

namespace mt = mantissa;

int main() {
  auto a = mt::cast<mt::half>(mt::arange<float>(6));
  auto b = mt::cast<mt::half>(mt::arange<float>(6));
  auto c = mt::cast<float>(mt::matmul(a.reshape({2, 3}), b.reshape({3, 2})));
  std::cout << "consumer ok: mantissa " << CONSUMER_MANTISSA_VERSION << ", "
            << c.shape().str() << " " << mt::dtype_name<float> << " product";
  for (float v : c) std::cout << ' ' << v;
  std::cout << '\n';
}
