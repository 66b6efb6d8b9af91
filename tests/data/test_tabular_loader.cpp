// tests/data/test_tabular_loader.cpp: data::TabularLoader (batches, order, the checked cast
// into the compute dtype) and the data set utilities take / skip / subset / split.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "mantissa/data/data.hpp"

namespace mt = mantissa;
namespace data = mantissa::data;
using mt::Shape;

#define EXPECT_HAS(what, word) \
  EXPECT_NE(std::string(what).find(word), std::string::npos) << (what) << "\n  lacks: " << (word)

namespace {

// n rows; feature k of row i is i * 10 + k, the label i (so every row says where it came from).
data::TabularDataset<std::int32_t> rows(std::int64_t n, std::int64_t f = 3) {
  data::TabularDataset<std::int32_t> ds{
      mt::Tensor<float>(Shape{n, f}), mt::Tensor<std::int32_t>(Shape{n}), {}};
  for (std::int64_t k = 0; k < f; ++k)
    ds.feature_names.push_back(std::string(1, 'f').append(std::to_string(k)));
  for (std::int64_t i = 0; i < n; ++i) {
    for (std::int64_t k = 0; k < f; ++k) ds.features(i, k) = static_cast<float>(i * 10 + k);
    ds.labels[i] = static_cast<std::int32_t>(i);
  }
  return ds;
}

// Every row of `part` is the original row its label names.
void expect_rows_intact(const data::TabularDataset<std::int32_t>& part) {
  const auto f = part.features.shape()[1];
  for (std::int64_t i = 0; i < part.labels.numel(); ++i)
    for (std::int64_t k = 0; k < f; ++k)
      ASSERT_EQ(part.features(i, k), static_cast<float>(part.labels[i] * 10 + k));
}

std::vector<std::int32_t> labels_of(const mt::Tensor<std::int32_t>& y) {
  return {y.begin(), y.end()};
}

}  // namespace

TEST(TabularLoader, BatchesInOrderWithoutShuffle) {
  const auto ds = rows(10);
  data::TabularLoader<float> l(ds, {.batch = 4, .shuffle = false});
  EXPECT_EQ(l.size(), 10);
  EXPECT_EQ(l.batches(), 3);
  const auto [x, y] = l.batch(2);  // the last, partial batch
  ASSERT_EQ(x.shape(), (Shape{2, 3}));
  EXPECT_EQ(y.data()[0], 8);
  EXPECT_EQ(y.data()[1], 9);
  EXPECT_EQ(x.data()[4], 91.0f);
  data::TabularLoader<float> dropping(ds, {.batch = 4, .shuffle = false, .drop_last = true});
  EXPECT_EQ(dropping.batches(), 2);
  EXPECT_THROW((void)l.batch(3), mt::ValueError);
  EXPECT_THROW((data::TabularLoader<float>(ds, {.batch = 0})), mt::ValueError);
}

TEST(TabularLoader, ShufflesByTheSeedAndEpochCoveringEveryRow) {
  const auto ds = rows(23);
  auto order = [&](std::uint64_t seed, std::int64_t epoch) {
    data::TabularLoader<mt::half> l(ds, {.batch = 5, .seed = seed});
    l.set_epoch(epoch);
    std::vector<std::int32_t> seen;
    for (std::int64_t b = 0; b < l.batches(); ++b) {
      const auto [x, y] = l.batch(b);
      for (std::int64_t i = 0; i < y.numel(); ++i) {
        seen.push_back(y.data()[i]);
        // the features travel with their label, cast to half exactly (small integers)
        EXPECT_EQ(static_cast<float>(x.data()[i * 3 + 2]), float(y.data()[i] * 10 + 2));
      }
    }
    return seen;
  };
  const auto a = order(1, 0);
  EXPECT_EQ(a, order(1, 0));
  EXPECT_NE(a, order(1, 1));
  EXPECT_NE(a, order(2, 0));
  auto sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (std::int32_t i = 0; i < 23; ++i) ASSERT_EQ(sorted[static_cast<std::size_t>(i)], i);
}

// Shards as ImageLoader's (PyTorch's DistributedSampler): the same rows in the same order.
TEST(TabularLoader, ShardsAsTheImageLoaderDoes) {
  const auto ds = rows(7);
  data::ImageDataset images{mt::Tensor<std::uint8_t>(Shape{7, 1, 1, 1}),
                            mt::Tensor<std::int32_t>(Shape{7})};
  for (std::int32_t i = 0; i < 7; ++i) images.labels[i] = i;
  for (bool drop : {false, true}) {
    std::vector<std::int32_t> all;
    for (int rank = 0; rank < 2; ++rank) {
      const data::Shard shard{.rank = rank, .world = 2, .drop_remainder = drop};
      data::TabularLoader<float> t(ds, {.batch = 3, .seed = 9, .shard = shard});
      data::ImageLoader<float> i(images,
                                 {.batch = 3, .seed = 9, .prefetch = false, .shard = shard});
      t.set_epoch(1);
      i.set_epoch(1);
      ASSERT_EQ(t.size(), drop ? 3 : 4);
      ASSERT_EQ(t.size(), i.size());
      ASSERT_EQ(t.batches(), i.batches());
      EXPECT_EQ(t.shard().rank, rank);
      for (std::int64_t b = 0; b < t.batches(); ++b) {
        const auto yt = t.batch(b).y;
        const auto yi = i.batch(b).y;
        ASSERT_EQ(yt.numel(), yi.numel());
        for (std::int64_t k = 0; k < yt.numel(); ++k) {
          EXPECT_EQ(yt.data()[k], yi.data()[k]);
          all.push_back(yt.data()[k]);
        }
      }
    }
    std::set<std::int32_t> distinct(all.begin(), all.end());
    EXPECT_EQ(distinct.size(), drop ? 6u : 7u);  // padded by one repeat, or cut by one
  }
  EXPECT_THROW((data::TabularLoader<float>(ds, {.shard = {.rank = 2, .world = 2}})),
               mt::ValueError);
}

TEST(TabularLoader, RangeCheckNamesTheSampleAndFeature) {
  auto ds = rows(4);
  ds.features(2, 1) = 70000.0f;
  data::TabularLoader<float> fine(ds);  // float32 holds it
  data::TabularLoader<mt::bfloat16> also(ds);
  try {
    data::TabularLoader<mt::half> l(ds);
    ADD_FAILURE() << "70000 went into half";
  } catch (const mt::NumericsError& e) {
    EXPECT_HAS(e.what(), "sample 2, feature 1 ('f1') is 70000");
    EXPECT_HAS(e.what(), "float16");
    EXPECT_HAS(e.what(), "65504");
    EXPECT_HAS(e.what(), "Standardizer");
  }
  ds.features(2, 1) = std::numeric_limits<float>::quiet_NaN();
  try {
    data::TabularLoader<float> l(ds);
    ADD_FAILURE() << "a NaN feature was accepted";
  } catch (const mt::NumericsError& e) {
    EXPECT_HAS(e.what(), "sample 2, feature 1 ('f1') is nan");
    EXPECT_HAS(e.what(), "impute");
  }
  // From tensors (no names), of rank 3.
  auto x = mt::Tensor<float>(Shape{2, 2, 2});
  x[6] = -1e6f;
  const auto y = mt::Tensor<float>(Shape{2});
  try {
    data::TabularLoader<mt::half, float> l(x, y);
    ADD_FAILURE();
  } catch (const mt::NumericsError& e) {
    EXPECT_HAS(e.what(), "sample 1, feature 2 is -1e+06");
  }
  EXPECT_THROW((data::TabularLoader<float, float>(x, mt::Tensor<float>(Shape{3}))), mt::ShapeError);
}

TEST(DataSubsets, TakeSkipSubsetSizesAndContents) {
  const auto ds = rows(10);
  const auto first = data::take(ds, 4);
  EXPECT_EQ(first.features.shape(), (Shape{4, 3}));
  EXPECT_EQ(labels_of(first.labels), (std::vector<std::int32_t>{0, 1, 2, 3}));
  EXPECT_EQ(first.feature_names, ds.feature_names);
  expect_rows_intact(first);
  const auto rest = data::skip(ds, 4);
  EXPECT_EQ(labels_of(rest.labels), (std::vector<std::int32_t>{4, 5, 6, 7, 8, 9}));
  expect_rows_intact(rest);
  const auto some = data::subset(ds, {7, 2, 7});
  EXPECT_EQ(labels_of(some.labels), (std::vector<std::int32_t>{7, 2, 7}));
  expect_rows_intact(some);
  EXPECT_EQ(data::take(ds, 0).labels.numel(), 0);
  EXPECT_EQ(data::skip(ds, 10).labels.numel(), 0);
  try {
    (void)data::take(ds, 11);
    ADD_FAILURE();
  } catch (const mt::ValueError& e) {
    EXPECT_HAS(e.what(), "take: 11 rows asked of a data set of 10");
  }
  try {
    (void)data::subset(ds, {1, 10});
    ADD_FAILURE();
  } catch (const mt::ValueError& e) {
    EXPECT_HAS(e.what(), "index 1 is row 10, outside the data set's 10 rows");
  }
  EXPECT_THROW((void)data::skip(ds, -1), mt::ValueError);

  data::ImageDataset images{mt::Tensor<std::uint8_t>(Shape{5, 2, 2, 1}),
                            mt::Tensor<std::int32_t>(Shape{5})};
  for (std::int64_t i = 0; i < 5; ++i) {
    images.labels[i] = static_cast<std::int32_t>(i);
    for (int p = 0; p < 4; ++p) images.images[i * 4 + p] = static_cast<std::uint8_t>(i * 4 + p);
  }
  const auto two = data::take(images, 2), three = data::skip(images, 2);
  EXPECT_EQ(two.images.shape(), (Shape{2, 2, 2, 1}));
  EXPECT_EQ(three.images.shape(), (Shape{3, 2, 2, 1}));
  EXPECT_EQ(three.labels[0], 2);
  EXPECT_EQ(three.images[0], 8);
  EXPECT_EQ(three.images[11], 19);
  const auto picked = data::subset(images, {4, 0});
  EXPECT_EQ(picked.images[0], 16);
  EXPECT_EQ(picked.images[4], 0);
}

TEST(DataSubsets, SplitSizesAndEveryRowOnce) {
  const auto ds = rows(10);
  const auto [train, test] = data::split(ds, 0.2f, 3);
  EXPECT_EQ(train.features.shape(), (Shape{8, 3}));
  EXPECT_EQ(test.features.shape(), (Shape{2, 3}));
  expect_rows_intact(train);
  expect_rows_intact(test);
  std::set<std::int32_t> all;
  for (auto l : train.labels) all.insert(l);
  for (auto l : test.labels) all.insert(l);
  EXPECT_EQ(all.size(), 10u);
  const auto [again, _] = data::split(ds, 0.2f, 3);
  EXPECT_EQ(labels_of(again.labels), labels_of(train.labels));
}
