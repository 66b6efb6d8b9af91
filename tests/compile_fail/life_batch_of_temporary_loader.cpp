// mistake: takes one batch from a temporary loader (its buffers die with it)
// expect-first: static assertion failed: mantissa::data::ImageLoader::batch: called on a temporary loader
// expect-head: name the loader first
#include "mantissa/mantissa.hpp"

using namespace mantissa;

float f(const data::ImageDataset& ds) {
  auto [x, y] = data::ImageLoader<float>(ds, {.batch = 16}).batch(0);  // fix: data::ImageLoader<float> loader(ds, {.batch = 16}); auto [x, y] = loader.batch(0);
  return x[0] + static_cast<float>(y[0]);
}
