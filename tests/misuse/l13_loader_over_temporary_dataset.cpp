// mistake: builds the ImageLoader straight from fashion_mnist(...) (a temporary data set)
// legal: the loader keeps a temporary data set (test_loader ALoaderKeepsATemporaryDataSet)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
int main() {
  try {
    mt::data::ImageLoader<float> train(mt::data::fashion_mnist("test"), {.batch = 64, .seed = 1});
    auto [x, y] = train.batch(0);
    std::cout << "first label " << y[0] << ", pixel " << x(0, 14, 14, 0) << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
