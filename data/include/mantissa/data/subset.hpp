// mantissa/data/subset.hpp: parts of a data set, as new (owning) data sets: the rows at given
// indices, the first n, or all but the first n.
//
//   auto small = data::take(ds, 100);          // rows 0..99, e.g. to try a model quickly
//   auto rest  = data::skip(ds, 100);          // rows 100..N-1
//   auto some  = data::subset(ds, {4, 2, 9});  // these rows, in this order
//
// For TabularDataset<L> (features, labels and the feature names) and ImageDataset (images and
// labels). An index outside the data set, or a count beyond its size, is a ValueError naming
// both.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <numeric>
#include <span>
#include <string>
#include <vector>

#include "mantissa/core/error.hpp"
#include "mantissa/data/csv.hpp"
#include "mantissa/data/idx.hpp"

namespace mantissa::data {

namespace detail {
inline std::int64_t rows_of(const ImageDataset& ds) {
  return ds.images.shape()[0];
}
template <class L>
std::int64_t rows_of(const TabularDataset<L>& ds) {
  return ds.features.shape()[0];
}

inline void check_indices(const char* fn, std::span<const std::int64_t> rows, std::int64_t n) {
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i] < 0 || rows[i] >= n)
      throw ValueError(std::string(fn) + ": index " + std::to_string(i) + " is row " +
                       std::to_string(rows[i]) + ", outside the data set's " + std::to_string(n) +
                       " rows");
}
inline std::vector<std::int64_t> first_rows(const char* fn, std::int64_t begin, std::int64_t count,
                                            std::int64_t n) {
  if (count < 0 || begin + count > n)
    throw ValueError(std::string(fn) + ": " + std::to_string(count) +
                     " rows asked of a data set of " + std::to_string(n) +
                     (begin ? " less the first " + std::to_string(begin) : "") +
                     "; ask for at most " + std::to_string(std::max<std::int64_t>(n - begin, 0)));
  std::vector<std::int64_t> rows(static_cast<std::size_t>(count));
  std::iota(rows.begin(), rows.end(), begin);
  return rows;
}

// Copies rows (axis 0) of `src` into a new tensor, in the given order.
template <class T>
Tensor<T> gather_rows(const Tensor<T>& src, std::span<const std::int64_t> rows) {
  const std::int64_t n = src.shape()[0];
  const std::int64_t per = n ? src.numel() / n : 0;
  auto out = Tensor<T>::empty(src.shape().with(0, static_cast<std::int64_t>(rows.size())));
  for (std::size_t i = 0; i < rows.size(); ++i)
    std::memcpy(out.data() + static_cast<std::int64_t>(i) * per, src.data() + rows[i] * per,
                static_cast<std::size_t>(per) * sizeof(T));
  return out;
}
}  // namespace detail

template <class L>
TabularDataset<L> subset(const TabularDataset<L>& ds, std::span<const std::int64_t> rows) {
  detail::check_indices("subset", rows, detail::rows_of(ds));
  return {detail::gather_rows(ds.features, rows), detail::gather_rows(ds.labels, rows),
          ds.feature_names};
}
inline ImageDataset subset(const ImageDataset& ds, std::span<const std::int64_t> rows) {
  detail::check_indices("subset", rows, detail::rows_of(ds));
  return {detail::gather_rows(ds.images, rows), detail::gather_rows(ds.labels, rows)};
}
// A braced list of rows: subset(ds, {4, 2, 9}).
template <class DS>
DS subset(const DS& ds, std::initializer_list<std::int64_t> rows) {
  return subset(ds, std::span<const std::int64_t>(rows.begin(), rows.size()));
}

// The first n rows.
template <class DS>
DS take(const DS& ds, std::int64_t n) {
  return subset(ds, detail::first_rows("take", 0, n, detail::rows_of(ds)));
}
// Every row after the first n.
template <class DS>
DS skip(const DS& ds, std::int64_t n) {
  const std::int64_t total = detail::rows_of(ds);
  if (n < 0 || n > total)
    throw ValueError("skip: " + std::to_string(n) + " rows skipped of a data set of " +
                     std::to_string(total) + "; skip at most " + std::to_string(total));
  return subset(ds, detail::first_rows("skip", n, total - n, total));
}

}  // namespace mantissa::data
