// mantissa/data/tabular_loader.hpp: batches of a tabular data set (or of tensors) for fit,
// evaluate and predict, the features in the model's compute dtype.
//
//   auto ds = data::read_csv<float>("breast_cancer.csv", {.label = "benign"});
//   data::TabularLoader<half, float> train(ds, {.batch = 32, .seed = 1});
//   auto [x, y] = train.batch(0);      // x: (n, F) half; y: (n,) float
//
// The features are cast to T once, at construction, into the loader's own copy (tabular data
// is small; the data set may then go): every value is checked on the way in, and a NaN, an
// infinity or a value beyond T's largest finite one (65504 for half: the image loader's rule)
// is a NumericsError naming the sample, the feature (and its column name, from a CSV) and the
// value, before any training. Labels are int32 class indices or float targets, as read.
// Batches are gathered from a permutation keyed by (seed, epoch), the image loader's: the same
// seed gives the same order, epoch by epoch.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "mantissa/core/error.hpp"
#include "mantissa/core/tensor.hpp"
#include "mantissa/data/csv.hpp"
#include "mantissa/data/epoch_order.hpp"
#include "mantissa/data/loader.hpp"

namespace mantissa::data {

// As ImageLoader's LoaderOptions, less what only images have (normalisation, prefetch).
struct TabularOptions {
  std::int64_t batch = 32;  // Keras's default
  bool shuffle = true;
  std::uint64_t seed = 0;
  bool drop_last = false;  // keep the last partial batch by default (as PyTorch)
  Shard shard = {};        // this rank's part of every epoch (loader.hpp); the whole set by default
};

template <FloatDtype T, class L = std::int32_t>
class TabularLoader {
  static_assert(is_csv_label<L>,
                "mantissa::data::TabularLoader<T, L>: labels are std::int32_t (class indices) or "
                "float (targets)");

 public:
  struct Batch {
    TensorView<const T, Cpu> x;  // (n, features...)
    TensorView<const L, Cpu> y;  // (n,)
  };

  // A data set read from a CSV: its features (float32) cast to T.
  TabularLoader(const TabularDataset<L>& ds, TabularOptions o = {})
      : TabularLoader(cview(ds.features), cview(ds.labels), o, &ds.feature_names) {}
  // Samples x (N, features...) of any floating dtype and labels y (N,), on the host.
  template <TensorLike X, TensorLike Y>
  TabularLoader(const X& x, const Y& y, TabularOptions o = {},
                const std::vector<std::string>* names = nullptr)
      : o_(o) {
    static_assert(FloatDtype<dtype_of<X>>,
                  "mantissa::data::TabularLoader: features are float32, float16 or bfloat16; "
                  "cast<float>(x) first");
    static_assert(std::same_as<dtype_of<Y>, L>,
                  "mantissa::data::TabularLoader<T, L>: the labels' dtype must be L (int32 "
                  "class indices or float targets)");
    static_assert(is_host_device<device_of<X>> && is_host_device<device_of<Y>>,
                  "mantissa::data::TabularLoader: reads host tensors; to<Cpu>(x) first");
    if (o.batch < 1)
      throw ValueError("TabularLoader: batch must be >= 1, got " + std::to_string(o.batch));
    if (x.rank() < 2)
      throw ShapeError("TabularLoader: samples must be (N, features...), got " + x.shape().str());
    if (y.rank() != 1 || y.shape()[0] != x.shape()[0])
      throw ShapeError("TabularLoader: " + y.shape().str() + " labels for samples " +
                       x.shape().str() + "; needs one label per sample, (N,)");
    n_ = x.shape()[0];
    rows_ = shard_rows("TabularLoader", n_, o.shard);
    sample_ = x.shape().drop_front();
    x_ = Tensor<T, Cpu>::empty(x.shape());
    y_ = Tensor<L, Cpu>::empty(y.shape());
    convert(x.data(), names);
    if (n_) std::memcpy(y_.data(), y.data(), static_cast<std::size_t>(n_) * sizeof(L));
    const auto rows = std::min(o.batch, std::max<std::int64_t>(n_, 1));
    xb_ = Tensor<T, Cpu>::empty(sample_.prepend(rows));
    yb_ = Tensor<L, Cpu>::empty(Shape{rows});
    shuffle();
  }
  TabularLoader(const TabularLoader&) = delete;
  TabularLoader& operator=(const TabularLoader&) = delete;

  // The samples of one epoch: the data set's, or this rank's shard's.
  std::int64_t size() const noexcept { return rows_; }
  std::int64_t batches() const noexcept {
    return o_.drop_last ? rows_ / o_.batch : (rows_ + o_.batch - 1) / o_.batch;
  }
  std::int64_t epoch() const noexcept { return epoch_; }
  std::int64_t batch_size() const noexcept { return o_.batch; }
  std::uint64_t seed() const noexcept { return o_.shuffle ? o_.seed : 0; }
  const Shard& shard() const noexcept { return o_.shard; }
  Shape sample_shape() const { return sample_; }

  // Views into the loader's batch buffer, valid until the next call of batch(). On a
  // temporary loader the views would outlive the buffer: that does not compile.
  Batch batch(std::int64_t index) & {
    const std::int64_t n = batch_into(index, xb_.data(), yb_.data());
    return {xb_.view().slice(0, n), yb_.view().slice(0, n)};
  }
  template <class Index>
  Batch batch(Index) && {
    static_assert(sizeof(Index) == 0,
                  "mantissa::data::TabularLoader::batch: called on a temporary loader, whose "
                  "buffer (the batch's views) dies at the end of the statement; name the loader "
                  "first: TabularLoader<T, L> loader(data, {...}); auto [x, y] = loader.batch(0);");
    return {};
  }
  // Batch `index` gathered straight into the caller's memory (batch_size() samples of
  // sample_shape() and labels): a device's pinned staging buffer. Returns the row count.
  std::int64_t batch_into(std::int64_t index, T* x, L* y) const {
    if (index < 0 || index >= batches())
      throw ValueError("TabularLoader: batch " + std::to_string(index) + " of " +
                       std::to_string(batches()));
    const std::int64_t first = index * o_.batch, n = std::min(o_.batch, rows_ - first);
    const std::int64_t per = sample_.numel();
    for (std::int64_t i = 0; i < n; ++i) {
      const std::int64_t src = order_[static_cast<std::size_t>(first + i)];
      std::memcpy(x + i * per, x_.data() + src * per, static_cast<std::size_t>(per) * sizeof(T));
      y[i] = y_.data()[src];
    }
    return n;
  }
  void next_epoch() { set_epoch(epoch_ + 1); }
  void set_epoch(std::int64_t e) {
    epoch_ = e;
    shuffle();
  }

 private:
  // Every feature through float32 into T, checked: NaN, inf or |v| > T's max is refused.
  template <class S>
  void convert(const S* src, const std::vector<std::string>* names) {
    const std::int64_t per = sample_.numel();
    const float limit = static_cast<float>(std::numeric_limits<T>::max());
    T* dst = x_.data();
    for (std::int64_t i = 0; i < n_ * per; ++i) {
      const float v = static_cast<float>(src[i]);
      if (!(std::abs(v) <= limit)) {
        const std::int64_t f = i % per;
        std::ostringstream msg;
        msg << "TabularLoader: sample " << i / per << ", feature " << f;
        if (names && static_cast<std::size_t>(f) < names->size())
          msg << " ('" << (*names)[static_cast<std::size_t>(f)] << "')";
        msg << " is " << v << ", outside " << dtype_name<T> << "'s finite range (|x| <= " << limit
            << "); "
            << (std::isfinite(v) ? "standardise the features first (data::Standardizer)"
                                 : "drop or impute the missing values first");
        throw NumericsError(msg.str());
      }
      if constexpr (std::same_as<T, float>)
        dst[i] = v;
      else
        dst[i] = T(v);
    }
  }
  // ImageLoader's order and sharding (epoch_order.hpp): the same seed, the same epochs.
  void shuffle() { order_ = epoch_order(n_, rows_, o_.shuffle, o_.seed, epoch_, o_.shard); }

  TabularOptions o_;
  std::int64_t n_ = 0, rows_ = 0, epoch_ = 0;  // samples in the set, in an epoch; the epoch
  Shape sample_;
  Tensor<T, Cpu> x_;   // (N, features...): every sample, in T
  Tensor<L, Cpu> y_;   // (N,)
  Tensor<T, Cpu> xb_;  // (batch, features...): the batch handed out
  Tensor<L, Cpu> yb_;  // (batch,)
  std::vector<std::int64_t> order_;
};

}  // namespace mantissa::data
