// data/src/data/loader.cpp: shuffling (Philox-keyed Fisher-Yates), normalise-and-cast.
#include "mantissa/data/loader.hpp"
#include "mantissa/data/epoch_order.hpp"

#include <cmath>
#include <limits>
#include <memory>
#include <string>

#include "mantissa/core/error.hpp"
#include "mantissa/core/parallel.hpp"
#include "mantissa/core/thread_start.hpp"

namespace mantissa::data {

template <FloatDtype T>
ImageLoader<T>::ImageLoader(const ImageDataset& data, LoaderOptions o)
    : data_(data), o_(o), n_(data.images.shape()[0]) {
  setup();
}

template <FloatDtype T>
ImageLoader<T>::ImageLoader(ImageDataset&& data, LoaderOptions o)
    : owned_(std::make_unique<const ImageDataset>(std::move(data))),
      data_(*owned_),
      o_(o),
      n_(data_.images.shape()[0]) {
  setup();
}

template <FloatDtype T>
void ImageLoader<T>::setup() {
  const ImageDataset& data = data_;
  const LoaderOptions& o = o_;
  if (o.batch < 1) throw ValueError("ImageLoader: batch must be >= 1, got " + std::to_string(o.batch));
  if (!(o.std > 0.0f)) throw ValueError("ImageLoader: std must be positive");
  if (data.labels.numel() != n_)
    throw DataError("ImageLoader: " + std::to_string(data.labels.numel()) + " labels for " +
                    std::to_string(n_) + " images");
  // The largest value a pixel can map to must fit the compute dtype (half: 65504).
  const float worst = std::max(std::abs((0.0f - o.mean) / o.std), std::abs((1.0f - o.mean) / o.std));
  if (!(worst <= static_cast<float>(std::numeric_limits<T>::max())))
    throw NumericsError("ImageLoader: normalised pixels reach " + std::to_string(worst) +
                        ", beyond " + std::string(dtype_name<T>) + "'s range");
  rows_ = shard_rows("ImageLoader", n_, o.shard);
  const auto rows = std::min(o.batch, std::max<std::int64_t>(n_, 1));
  for (int s = 0; s < 2; ++s) {
    x_[s] = Tensor<T, Cpu>::empty(data.images.shape().with(0, rows));
    y_[s] = Tensor<std::int32_t, Cpu>::empty(Shape{rows});
  }
  shuffle();
  if (o.prefetch)  // a refused thread (a process limit) is a mantissa::Error naming the fix
    thread_ = start_thread("ImageLoader", "the prefetch thread", "pass prefetch = false",
                           [this] { worker(); });
}

template <FloatDtype T>
ImageLoader<T>::~ImageLoader() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mutex_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
}

template <FloatDtype T>
void ImageLoader<T>::worker() {
  std::unique_lock lock(mutex_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || pending_ >= 0; });
    if (stop_) return;
    const std::int64_t index = pending_;
    pending_ = -1;
    busy_ = true;
    lock.unlock();
    // Serial fill: an OpenMP team here would compete with the training step's threads.
    const std::int64_t n = fill(index, static_cast<int>(index % 2), false);
    lock.lock();
    busy_ = false;
    ready_ = index;
    ready_n_ = n;
    cv_.notify_all();
  }
}

template <FloatDtype T>
void ImageLoader<T>::wait_idle() {
  if (!thread_.joinable()) return;
  std::unique_lock lock(mutex_);
  pending_ = -1;
  cv_.wait(lock, [&] { return !busy_; });
  ready_ = -1;
}

template <FloatDtype T>
std::int64_t ImageLoader<T>::batches() const noexcept {
  return o_.drop_last ? rows_ / o_.batch : (rows_ + o_.batch - 1) / o_.batch;
}

template <FloatDtype T>
void ImageLoader<T>::shuffle() {
  order_ = epoch_order(n_, rows_, o_.shuffle, o_.seed, epoch_, o_.shard);
}

template <FloatDtype T>
void ImageLoader<T>::next_epoch() {
  wait_idle();  // the order must not change under a fill in flight
  ++epoch_;
  shuffle();
}

template <FloatDtype T>
void ImageLoader<T>::set_epoch(std::int64_t e) {
  wait_idle();
  epoch_ = e;
  shuffle();
}

template <FloatDtype T>
std::int64_t ImageLoader<T>::fill(std::int64_t index, int slot, bool parallel) {
  return fill_to(index, x_[slot].data(), y_[slot].data(), parallel);
}

template <FloatDtype T>
std::int64_t ImageLoader<T>::fill_to(std::int64_t index, T* x, std::int32_t* y,
                                     bool parallel) const {
  const std::int64_t first = index * o_.batch;
  const std::int64_t n = std::min(o_.batch, rows_ - first);
  const std::int64_t per = data_.images.numel() / std::max<std::int64_t>(n_, 1);
  const float scale = 1.0f / (255.0f * o_.std), shift = -o_.mean / o_.std;
  parallel_for(n, parallel ? grain_for(n, per, 1 << 15) : n, [&](std::int64_t first_row, std::int64_t last_row) {
    for (std::int64_t i = first_row; i < last_row; ++i) {
      const std::int64_t src = order_[static_cast<std::size_t>(first + i)];
      const std::uint8_t* p = data_.images.data() + src * per;
      T* dst = x + i * per;
      for (std::int64_t k = 0; k < per; ++k) {
        const float v = static_cast<float>(p[k]) * scale + shift;
        if constexpr (std::same_as<T, float>) dst[k] = v;
        else dst[k] = T(v);
      }
      y[i] = data_.labels[src];
    }
  });
  return n;
}

template <FloatDtype T>
typename ImageLoader<T>::Batch ImageLoader<T>::batch(std::int64_t index) & {
  if (index < 0 || index >= batches())
    throw ValueError("ImageLoader: batch " + std::to_string(index) + " of " +
                std::to_string(batches()));
  const int slot = static_cast<int>(index % 2);
  std::int64_t n = -1;
  if (thread_.joinable()) {
    std::unique_lock lock(mutex_);
    if (pending_ == index || (busy_ && ready_ != index)) cv_.wait(lock, [&] { return !busy_ && pending_ != index; });
    if (ready_ == index) n = ready_n_;
    ready_ = -1;
  }
  if (n < 0) {
    wait_idle();  // the other slot may be in use by a stale prefetch
    n = fill(index, slot, true);
  }
  if (thread_.joinable() && index + 1 < batches()) {
    std::lock_guard lock(mutex_);
    pending_ = index + 1;  // fill the other slot while the caller trains on this one
  }
  cv_.notify_all();
  return {x_[slot].view().slice(0, n), y_[slot].view().slice(0, n)};
}

template <FloatDtype T>
std::int64_t ImageLoader<T>::batch_into(std::int64_t index, T* x, std::int32_t* y) {
  if (index < 0 || index >= batches())
    throw ValueError("ImageLoader: batch " + std::to_string(index) + " of " +
                     std::to_string(batches()));
  return fill_to(index, x, y, true);
}

template class ImageLoader<float>;
template class ImageLoader<half>;
template class ImageLoader<bfloat16>;

}  // namespace mantissa::data
