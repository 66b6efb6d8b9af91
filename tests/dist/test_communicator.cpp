// tests/dist/test_communicator.cpp: the in-process communicator's collectives against plain
// arithmetic, and its failures: a rank that never joins (timeout), ranks calling different
// collectives, a broken communicator, bad arguments. Also the metric reduction and the
// position mapping across world sizes.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>

#include "mantissa/dist/dist.hpp"

namespace mt = mantissa;
namespace dist = mantissa::dist;
using namespace std::chrono_literals;

namespace {
void rethrow_any(const std::vector<std::exception_ptr>& errors) {
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
}
std::string message_of(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    return x.what();
  }
}
bool is_distributed_error(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const mt::DistributedError&) {
    return true;
  } catch (...) {
    return false;
  }
}
}  // namespace

TEST(InProcess, AllreduceSumsAndAveragesInRankOrderOnEveryRank) {
  dist::InProcessGroup g(3);
  std::vector<std::vector<float>> sums(3), means(3);
  rethrow_any(g.run([&](dist::Communicator& c) {
    const auto r = static_cast<float>(c.rank());
    std::vector<float> a{1.0f + r, 0.1f * r, -2.0f, 1e-8f * r}, b = a;
    c.allreduce(a.data(), 4, dist::Reduce::sum);
    c.allreduce(b.data(), 4, dist::Reduce::average);
    sums[static_cast<std::size_t>(c.rank())] = a;
    means[static_cast<std::size_t>(c.rank())] = b;
  }));
  // The reference: float32 additions in rank order, then one division.
  const std::vector<float> want{(1.0f + 2.0f) + 3.0f, (0.0f + 0.1f) + 0.2f, -6.0f, (0.0f + 1e-8f) + 2e-8f};
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(std::memcmp(sums[static_cast<std::size_t>(r)].data(), want.data(), 16), 0) << "rank " << r;
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(means[static_cast<std::size_t>(r)][static_cast<std::size_t>(i)], want[static_cast<std::size_t>(i)] / 3.0f);
  }
}

TEST(InProcess, BucketsBroadcastHostDoublesAndBarrier) {
  dist::InProcessGroup g(2);
  rethrow_any(g.run([&](dist::Communicator& c) {
    std::vector<float> a(5, 1.0f + static_cast<float>(c.rank())), b(3, 10.0f * static_cast<float>(c.rank()));
    const std::span<float> buckets[] = {a, b};
    c.allreduce_buckets(buckets, dist::Reduce::sum);
    for (float v : a) ASSERT_EQ(v, 3.0f);
    for (float v : b) ASSERT_EQ(v, 10.0f);
    std::vector<float> w(4, static_cast<float>(c.rank() + 1));
    c.broadcast(w.data(), 4, 1);
    for (float v : w) ASSERT_EQ(v, 2.0f);
    char id[8] = {};
    if (c.rank() == 0) std::memcpy(id, "abcdefg", 8);
    c.broadcast_bytes(id, 8, 0);
    ASSERT_STREQ(id, "abcdefg");
    double d[2] = {1e20, static_cast<double>(c.rank())};
    c.allreduce_host(d, 2, dist::Reduce::average);
    ASSERT_EQ(d[0], 1e20);
    ASSERT_EQ(d[1], 0.5);
    c.barrier();
  }));
}

TEST(InProcess, ARankThatNeverJoinsMakesTheOthersThrowWithinTheTimeout) {
  dist::InProcessGroup g(3, {.timeout = 300ms});
  std::chrono::milliseconds took[3] = {};
  auto errors = g.run([&](dist::Communicator& c) {
    if (c.rank() == 2) return;  // dies before the collective
    std::vector<float> a(16, 1.0f);
    const auto t0 = std::chrono::steady_clock::now();
    try {
      c.allreduce(a.data(), 16, dist::Reduce::average);
    } catch (...) {
      took[c.rank()] = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
      throw;
    }
  });
  EXPECT_FALSE(errors[2]);
  for (int r = 0; r < 2; ++r) {
    ASSERT_TRUE(errors[static_cast<std::size_t>(r)]) << "rank " << r;
    EXPECT_TRUE(is_distributed_error(errors[static_cast<std::size_t>(r)]));
    const auto m = message_of(errors[static_cast<std::size_t>(r)]);
    EXPECT_NE(m.find("rank(s) 2 did not join"), std::string::npos) << m;
    EXPECT_GE(took[r].count(), 250);
    EXPECT_LT(took[r].count(), 2000);  // bounded: the timeout plus scheduling
  }
  // Broken from now on: every later call throws at once, naming the earlier failure.
  float v = 0;
  try {
    g[0].allreduce(&v, 1, dist::Reduce::sum);
    FAIL() << "expected DistributedError";
  } catch (const mt::DistributedError& e) {
    EXPECT_NE(std::string(e.what()).find("an earlier collective"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(g[0].broken());
}

TEST(InProcess, DifferentCollectivesOnTwoRanksAreNamedOnBoth) {
  dist::InProcessGroup g(2, {.timeout = 2000ms});
  auto errors = g.run([&](dist::Communicator& c) {
    std::vector<float> a(8, 1.0f);
    if (c.rank() == 0) c.broadcast(a.data(), 8, 0);
    else c.allreduce(a.data(), 8, dist::Reduce::sum);
  });
  for (auto& e : errors) {
    ASSERT_TRUE(e);
    EXPECT_TRUE(is_distributed_error(e));
    const auto m = message_of(e);
    EXPECT_NE(m.find("same collectives in the same order"), std::string::npos) << m;
  }
}

TEST(InProcess, ArgumentsAreChecked) {
  EXPECT_THROW(dist::InProcessGroup(0), mt::ValueError);
  EXPECT_THROW(dist::InProcessGroup(2, {.timeout = 0ms}), mt::ValueError);
  dist::InProcessGroup g(2);
  float v = 0;
  EXPECT_THROW(g[0].broadcast(&v, 1, 2), mt::ValueError);
  EXPECT_THROW(g[0].allreduce(&v, -1, dist::Reduce::sum), mt::ValueError);
  EXPECT_THROW(g[2], mt::ValueError);
  EXPECT_FALSE(g[0].broken());  // argument errors are caught before any rank waits
}

TEST(DataParallel, MetricsAreWeightedBySamples) {
  dist::InProcessGroup g(2);
  std::vector<dist::Metrics> got(2);
  rethrow_any(g.run([&](dist::Communicator& c) {
    dist::DataParallel dp(c);
    got[static_cast<std::size_t>(c.rank())] =
        c.rank() == 0 ? dp.reduce_metrics(1.0, 0.5, 30) : dp.reduce_metrics(2.0, 1.0, 10);
  }));
  for (const auto& m : got) {
    EXPECT_EQ(m.count, 40);
    EXPECT_DOUBLE_EQ(m.loss, (30.0 + 20.0) / 40.0);
    EXPECT_DOUBLE_EQ(m.accuracy, (15.0 + 10.0) / 40.0);
  }
}

TEST(DataParallel, PositionsMapAcrossWorldSizes) {
  // 10 global batches of 2 x 32 are 640 samples: 10 batches of 64 on one rank, 5 of 4 x 32.
  EXPECT_EQ(dist::map_batch_index(10, {32, 2}, {64, 1}), 10);
  EXPECT_EQ(dist::map_batch_index(10, {32, 2}, {32, 4}), 5);
  EXPECT_EQ(dist::map_batch_index(3, {64, 1}, {32, 4}), 1);  // 192 samples: one of 128, repeats 64
  EXPECT_THROW((void)dist::map_batch_index(-1, {32, 2}, {64, 1}), mt::ValueError);
  EXPECT_THROW((void)dist::map_batch_index(1, {32, 0}, {64, 1}), mt::ValueError);
  dist::InProcessGroup g(2);
  EXPECT_THROW(dist::DataParallel(g[0], {.root = 2}), mt::ValueError);
  EXPECT_THROW(dist::DataParallel(g[0], {.bucket_bytes = 0}), mt::ValueError);
  dist::DataParallel dp(g[1]);
  EXPECT_FALSE(dp.writes_checkpoints());
  EXPECT_EQ(dp.shard().rank, 1);
  EXPECT_EQ(dp.shard().world, 2);
}
