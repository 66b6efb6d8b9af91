// mantissa/data/loader.hpp: batches of an image data set, shuffled, normalised and cast
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
//
// Prefetch (on by default): while the caller trains on batch i, a background thread fills
// batch i + 1 into the second of two buffers allocated once; batch(i + 1) then only waits
// for it. Batches come out identical with and without prefetch.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "mantissa/data/idx.hpp"
#include "mantissa/core/dtype.hpp"
#include "mantissa/core/tensor.hpp"

namespace mantissa::data {

// One rank's part of every epoch, for data-parallel training (PyTorch's DistributedSampler):
// every rank shuffles the whole set with the same (seed, epoch), so all hold one permutation;
// it is padded by repeating its first samples up to a multiple of `world` (or, with
// drop_remainder, cut down to one), and rank r takes positions r, r + world, r + 2 world, ...
// (strided). Every rank then has ceil(N / world) samples (floor with drop_remainder), the
// same number of batches, and global batch b (rank 0's batch b, rank 1's batch b, ...) is
// positions [b * batch * world, (b + 1) * batch * world) of the padded permutation: the samples
// one process with batch * world would see in its batch b.
struct Shard {
  int rank = 0;
  int world = 1;
  bool drop_remainder = false;
};

struct LoaderOptions {
  std::int64_t batch = 64;
  bool shuffle = true;
  std::uint64_t seed = 0;
  bool drop_last = false;  // keep the last partial batch by default (as PyTorch)
  bool prefetch = true;    // fill the next batch in a background thread (Error if refused)
  float mean = 0.0f;       // of pixel / 255
  float std = 1.0f;
  Shard shard = {};        // the whole set by default
};

template <FloatDtype T>
class ImageLoader {
 public:
  struct Batch {
    TensorView<const T, Cpu> x;             // (n, H, W, C)
    TensorView<const std::int32_t, Cpu> y;  // (n,)
  };

  // The loader reads a named data set in place (it must outlive the loader); a temporary one
  // is moved into the loader and kept there:
  //   ImageLoader<float> train(fashion_mnist("train"), {.batch = 64});
  ImageLoader(const ImageDataset& data, LoaderOptions o);
  ImageLoader(ImageDataset&& data, LoaderOptions o);
  ImageLoader(const ImageDataset&&, LoaderOptions) = delete;  // a const temporary: name it
  ~ImageLoader();
  ImageLoader(const ImageLoader&) = delete;
  ImageLoader& operator=(const ImageLoader&) = delete;

  // The samples of one epoch: the data set's, or this rank's shard's.
  std::int64_t size() const noexcept { return rows_; }
  std::int64_t batches() const noexcept;
  std::int64_t epoch() const noexcept { return epoch_; }
  // Views into the loader's buffers, valid until the next call of batch(). Called on a
  // temporary loader, the views would outlive their buffers: that does not compile.
  Batch batch(std::int64_t index) &;
  template <class Index>
  Batch batch(Index) && {
    static_assert(sizeof(Index) == 0,
                  "mantissa::data::ImageLoader::batch: called on a temporary loader, whose "
                  "buffers (the batch's views) die at the end of the statement; name the "
                  "loader first: ImageLoader<T> loader(data, {...}); auto [x, y] = "
                  "loader.batch(0);");
    return {};
  }

  // Batch `index` shuffled, normalised and cast in one pass straight into the caller's
  // memory (a device's pinned staging buffer): x holds batch_size() samples of
  // sample_shape(), y batch_size() labels. Returns the batch's row count. The same values as
  // batch(index); it does not use the prefetch thread (the caller overlaps it with its own
  // work, e.g. a GPU step).
  std::int64_t batch_into(std::int64_t index, T* x, std::int32_t* y);
  std::int64_t batch_size() const noexcept { return o_.batch; }
  // The seed of the loader's order (0 when it does not shuffle: the order is the data's).
  std::uint64_t seed() const noexcept { return o_.shuffle ? o_.seed : 0; }
  const Shard& shard() const noexcept { return o_.shard; }
  Shape sample_shape() const { return data_.images.shape().drop_front(); }
  void next_epoch();                // advance the epoch and reshuffle
  void set_epoch(std::int64_t e);   // for resuming: the permutation of epoch e

 private:
  void shuffle();
  std::int64_t fill(std::int64_t index, int slot, bool parallel);  // returns the batch's n
  std::int64_t fill_to(std::int64_t index, T* x, std::int32_t* y, bool parallel) const;
  void worker();
  void wait_idle();
  void setup();  // the constructors' checks and buffers

  std::unique_ptr<const ImageDataset> owned_;  // a data set given as a temporary (else null)
  const ImageDataset& data_;
  LoaderOptions o_;
  std::int64_t n_;     // samples in the data set
  std::int64_t rows_ = 0;  // samples per epoch: n_, or the shard's
  std::int64_t epoch_ = 0;
  std::vector<std::int64_t> order_;
  Tensor<T, Cpu> x_[2];             // (batch, H, W, C): double buffer
  Tensor<std::int32_t, Cpu> y_[2];  // (batch,)

  // Prefetch state, guarded by mutex_: the worker fills `pending_` into slot pending_ % 2.
  std::mutex mutex_;
  std::condition_variable cv_;
  std::int64_t pending_ = -1;  // requested, not yet filled
  std::int64_t ready_ = -1;    // filled and waiting in its slot
  std::int64_t ready_n_ = 0;
  bool busy_ = false, stop_ = false;
  std::thread thread_;
};

}  // namespace mantissa::data
