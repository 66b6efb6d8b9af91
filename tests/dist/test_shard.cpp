// tests/dist/test_shard.cpp: ImageLoader's shard option (DistributedSampler semantics): one
// permutation on every rank, strided shards, the remainder padded or dropped.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "mantissa/data/loader.hpp"

namespace mt = mantissa;
namespace data = mantissa::data;

namespace {
// N 2x2 images whose label is their index, so a batch's labels say which samples it holds.
data::ImageDataset numbered(std::int64_t n) {
  data::ImageDataset d{mt::Tensor<std::uint8_t>(mt::Shape{n, 2, 2, 1}), mt::Tensor<std::int32_t>(mt::Shape{n})};
  for (std::int64_t i = 0; i < n; ++i) d.labels[i] = static_cast<std::int32_t>(i);
  return d;
}
std::vector<std::int32_t> epoch_of(const data::ImageDataset& d, data::LoaderOptions o, std::int64_t epoch) {
  data::ImageLoader<float> l(d, o);
  l.set_epoch(epoch);
  std::vector<std::int32_t> ids;
  for (std::int64_t b = 0; b < l.batches(); ++b) {
    auto [x, y] = l.batch(b);
    ids.insert(ids.end(), y.begin(), y.end());
  }
  return ids;
}
}  // namespace

TEST(Shard, RanksInterleavedAreTheOneProcessOrderPaddedByRepeating) {
  const auto d = numbered(10);
  for (std::int64_t epoch : {0, 3}) {
    const auto whole = epoch_of(d, {.batch = 4, .seed = 5}, epoch);
    std::vector<std::vector<std::int32_t>> shards;
    for (int r = 0; r < 3; ++r) {
      shards.push_back(epoch_of(d, {.batch = 2, .seed = 5, .shard = {r, 3}}, epoch));
      ASSERT_EQ(shards.back().size(), 4u) << "ceil(10 / 3) samples per rank";
    }
    // Position p of the padded permutation is rank p % 3's sample p / 3; past 10 it repeats
    // the permutation's start.
    for (std::size_t p = 0; p < 12; ++p)
      EXPECT_EQ(shards[p % 3][p / 3], whole[p % 10]) << "epoch " << epoch << " position " << p;
  }
}

TEST(Shard, DropRemainderCutsTheTailAndEveryRankHasTheSameCount) {
  const auto d = numbered(10);
  const auto whole = epoch_of(d, {.batch = 10, .seed = 2}, 1);
  std::map<std::int32_t, int> seen;
  for (int r = 0; r < 3; ++r) {
    data::ImageLoader<float> l(d, {.batch = 2, .seed = 2, .shard = {r, 3, true}});
    EXPECT_EQ(l.size(), 3);
    EXPECT_EQ(l.batches(), 2);  // 2 + 1
    const auto ids = epoch_of(d, {.batch = 2, .seed = 2, .shard = {r, 3, true}}, 1);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      EXPECT_EQ(ids[i], whole[i * 3 + static_cast<std::size_t>(r)]);
      ++seen[ids[i]];
    }
  }
  EXPECT_EQ(seen.size(), 9u);  // nine distinct samples, the permutation's last one dropped
  EXPECT_EQ(seen.count(whole[9]), 0u);
}

TEST(Shard, AWorldLargerThanTheSetAndBadShardsAreHandled) {
  const auto d = numbered(3);
  EXPECT_EQ(epoch_of(d, {.batch = 1, .shuffle = false, .shard = {4, 5}}, 0), std::vector<std::int32_t>{1});
  data::ImageLoader<float> dropped(d, {.batch = 1, .shard = {0, 5, true}});
  EXPECT_EQ(dropped.batches(), 0);  // fit refuses a loader with no batch, naming the set
  EXPECT_THROW(data::ImageLoader<float>(d, {.shard = {2, 2}}), mt::ValueError);
  EXPECT_THROW(data::ImageLoader<float>(d, {.shard = {0, 0}}), mt::ValueError);
  EXPECT_THROW(data::ImageLoader<float>(d, {.shard = {-1, 2}}), mt::ValueError);
}
