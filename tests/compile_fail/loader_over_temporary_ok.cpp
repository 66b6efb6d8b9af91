// A loader built over a temporary data set keeps it (the control for life_loader_over_const_temporary).
// expect-success
#include "mantissa/mantissa.hpp"

using namespace mantissa;

data::ImageDataset load();

std::int64_t f() {
  data::ImageLoader<float> loader(load(), {.batch = 16});
  return loader.batches();
}
