// mistake: peeks at one batch with a temporary loader: auto [x, y] = ImageLoader(...).batch(0)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  try {
    auto ds = mt::data::fashion_mnist("test");
    auto [x, y] = mt::data::ImageLoader<float>(ds, {.batch = 16, .shuffle = false}).batch(0);
    std::cout << "first label " << y[0] << ", pixel " << x(0, 14, 14, 0) << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
