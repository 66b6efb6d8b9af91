// mistake: a loader over a const temporary data set (it cannot be moved in and kept)
// expect-first: use of deleted function .mantissa::data::ImageLoader<T>::ImageLoader\(const mantissa::data::ImageDataset&&
// expect-head: a const temporary: name it
#include "mantissa/mantissa.hpp"

using namespace mantissa;

const data::ImageDataset load();

std::int64_t f() {
  data::ImageLoader<float> loader(load(), {.batch = 16});  // fix: const auto ds = load(); data::ImageLoader<float> loader(ds, {.batch = 16});
  return loader.batches();
}
