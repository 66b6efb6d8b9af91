// mantissa/core/data/loader.hpp: batches of an image data set, shuffled, normalised and cast
// to the model's compute dtype in one pass, into buffers allocated once.
//
//   data::ImageLoader<half> train(dataset, {.batch = 64, .shuffle = true, .seed = 1});
//   for (std::int64_t b = 0; b < train.batches(); ++b) {
//     auto [x, y] = train.batch(b);   // x: (n, 28, 28, 1) half in [0, 1]; y: (n,) int32
//   }
//   train.next_epoch();               // a new permutation, from (seed, epoch)
//
// Pixels are mapped to (p / 255 - mean) / std (defaults 0 and 1: [0, 1]); the result is
// checked against the compute dtype's range (checked_cast's rule) on the way in.
#pragma once

#include <cstdint>
#include <vector>

#include "mantissa/core/data/idx.hpp"
#include "mantissa/core/dtype.hpp"
#include "mantissa/core/tensor.hpp"

namespace mantissa::data {

struct LoaderOptions {
  std::int64_t batch = 64;
  bool shuffle = true;
  std::uint64_t seed = 0;
  bool drop_last = false;  // keep the last partial batch by default (as PyTorch)
  float mean = 0.0f;       // of pixel / 255
  float std = 1.0f;
};

template <FloatDtype T>
class ImageLoader {
 public:
  struct Batch {
    TensorView<const T, Cpu> x;             // (n, H, W, C)
    TensorView<const std::int32_t, Cpu> y;  // (n,)
  };

  ImageLoader(const ImageDataset& data, LoaderOptions o);

  std::int64_t size() const noexcept { return n_; }
  std::int64_t batches() const noexcept;
  std::int64_t epoch() const noexcept { return epoch_; }
  Batch batch(std::int64_t index);  // views into the loader's buffers, valid until the next call
  void next_epoch();                // advance the epoch and reshuffle
  void set_epoch(std::int64_t e);   // for resuming: the permutation of epoch e

 private:
  void shuffle();

  const ImageDataset& data_;
  LoaderOptions o_;
  std::int64_t n_;
  std::int64_t epoch_ = 0;
  std::vector<std::int64_t> order_;
  Tensor<T, Cpu> x_;             // (batch, H, W, C)
  Tensor<std::int32_t, Cpu> y_;  // (batch,)
};

}  // namespace mantissa::data
