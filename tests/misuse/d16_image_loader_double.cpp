// mistake: an ImageLoader producing double pixels
#include "mantissa/mantissa.hpp"
namespace mt = mantissa;
int main() {
  auto ds = mt::data::fashion_mnist("test");
  mt::data::ImageLoader<double> loader(ds, {.batch = 64});
  return static_cast<int>(loader.batches());
}
