// mantissa/data/tabular.hpp: what tabular data needs before training: a seeded
// train/validation split and standardisation fitted on the training split only (take, skip
// and subset: subset.hpp; batches for fit: tabular_loader.hpp).
//
//   auto [train, test] = data::split(ds, 0.2f, /*seed=*/1);
//   data::Standardizer s = data::Standardizer::fit(train.features);
//   s.apply(train.features);  s.apply(test.features);   // test uses train's statistics
#pragma once

#include <cmath>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include "mantissa/data/csv.hpp"
#include "mantissa/data/subset.hpp"
#include "mantissa/core/error.hpp"
#include "mantissa/core/random.hpp"

namespace mantissa::data {

// Rows shuffled by (seed) and cut: the last `fraction` of them become the second part.
template <class L>
std::pair<TabularDataset<L>, TabularDataset<L>> split(const TabularDataset<L>& ds, float fraction,
                                                      std::uint64_t seed) {
  const std::int64_t n = ds.features.shape()[0];
  if (!(fraction > 0.0f && fraction < 1.0f))
    throw ValueError("split: fraction must be in (0, 1), got " + std::to_string(fraction));
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), std::int64_t{0});
  shuffle(order, Generator(seed));
  const auto second = static_cast<std::int64_t>(std::lround(double(n) * fraction));
  const std::span<const std::int64_t> rows(order);
  return {subset(ds, rows.first(static_cast<std::size_t>(n - second))),
          subset(ds, rows.last(static_cast<std::size_t>(second)))};
}

// Per-feature (x - mean) / std, the statistics fitted once (on training data) and reused.
class Standardizer {
 public:
  static Standardizer fit(const Tensor<float>& x) {
    const std::int64_t n = x.shape()[0], f = x.shape()[1];
    Standardizer s;
    s.mean_.assign(static_cast<std::size_t>(f), 0.0f);
    s.inv_std_.assign(static_cast<std::size_t>(f), 1.0f);
    for (std::int64_t k = 0; k < f; ++k) {
      double m = 0, v = 0;
      for (std::int64_t i = 0; i < n; ++i) m += x(i, k);
      m /= double(n);
      for (std::int64_t i = 0; i < n; ++i) v += (x(i, k) - m) * (x(i, k) - m);
      const double sd = std::sqrt(v / double(n));
      s.mean_[static_cast<std::size_t>(k)] = static_cast<float>(m);
      s.inv_std_[static_cast<std::size_t>(k)] = sd > 0 ? static_cast<float>(1.0 / sd) : 1.0f;
    }
    return s;
  }

  void apply(Tensor<float>& x) const {
    const std::int64_t n = x.shape()[0], f = x.shape()[1];
    if (f != static_cast<std::int64_t>(mean_.size()))
      throw ShapeError("Standardizer: fitted on " + std::to_string(mean_.size()) +
                       " features, applied to " + std::to_string(f));
    for (std::int64_t i = 0; i < n; ++i)
      for (std::int64_t k = 0; k < f; ++k)
        x(i, k) = (x(i, k) - mean_[static_cast<std::size_t>(k)]) * inv_std_[static_cast<std::size_t>(k)];
  }

 private:
  std::vector<float> mean_, inv_std_;
};

}  // namespace mantissa::data
