// tests/data/test_loader.cpp: ImageLoader's batching, shuffling, normalisation and background
// prefetch, seeded splits and pixel statistics; a thread that cannot start. Links only mantissa_core, so that CI can build
// it quickly under ThreadSanitizer (`.ci/run`'s TSan stage) as well as in the normal suite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <system_error>
#include <typeinfo>
#include <vector>

#include "mantissa/data/idx.hpp"
#include "mantissa/data/loader.hpp"
#include "mantissa/core/error.hpp"
#include "mantissa/core/random.hpp"
#include "mantissa/core/thread_start.hpp"
#include "mantissa/core/threads.hpp"

namespace mt = mantissa;

TEST(ImageLoader, BatchesShufflesAndNormalises) {
  mt::data::ImageDataset ds{mt::Tensor<std::uint8_t>(mt::Shape{10, 2, 2, 1}),
                            mt::Tensor<std::int32_t>(mt::Shape{10})};
  for (std::int64_t i = 0; i < 10; ++i) {
    ds.labels[i] = static_cast<std::int32_t>(i);
    for (int k = 0; k < 4; ++k) ds.images[i * 4 + k] = static_cast<std::uint8_t>(25 * i);
  }
  mt::data::ImageLoader<mt::half> loader(ds, {.batch = 4, .shuffle = true, .seed = 3});
  EXPECT_EQ(loader.batches(), 3);  // 4 + 4 + 2: the last partial batch is kept
  std::set<int> seen;
  std::vector<int> first_order;
  for (std::int64_t b = 0; b < loader.batches(); ++b) {
    auto [x, y] = loader.batch(b);
    EXPECT_EQ(x.shape()[0], b < 2 ? 4 : 2);
    for (std::int64_t i = 0; i < y.numel(); ++i) {
      seen.insert(y[i]);
      first_order.push_back(y[i]);
      EXPECT_EQ(static_cast<float>(x[i * 4]), static_cast<float>(mt::half(25.0f * float(y[i]) / 255.0f)));
    }
  }
  EXPECT_EQ(seen.size(), 10u);
  std::vector<int> sorted(first_order);
  std::sort(sorted.begin(), sorted.end());
  EXPECT_NE(first_order, sorted) << "shuffled";
  loader.next_epoch();
  std::vector<int> second;
  for (std::int64_t b = 0; b < loader.batches(); ++b) {
    auto [x, y] = loader.batch(b);
    for (std::int64_t i = 0; i < y.numel(); ++i) second.push_back(y[i]);
  }
  EXPECT_NE(second, first_order) << "a new permutation each epoch";
  mt::data::ImageLoader<mt::half> again(ds, {.batch = 4, .shuffle = true, .seed = 3});
  again.set_epoch(1);
  std::vector<int> replay;
  for (std::int64_t b = 0; b < again.batches(); ++b) {
    auto [x, y] = again.batch(b);
    for (std::int64_t i = 0; i < y.numel(); ++i) replay.push_back(y[i]);
  }
  EXPECT_EQ(replay, second) << "(seed, epoch) fixes the order";
  mt::data::ImageLoader<float> dropping(ds, {.batch = 4, .drop_last = true});
  EXPECT_EQ(dropping.batches(), 2);
  EXPECT_THROW((mt::data::ImageLoader<mt::half>(ds, {.mean = 0.0f, .std = 1e-6f})), mt::NumericsError);
}

TEST(ImageLoader, PrefetchGivesTheSameBatchesAsSynchronousLoading) {
  mt::data::ImageDataset ds{mt::Tensor<std::uint8_t>(mt::Shape{203, 3, 3, 1}),
                            mt::Tensor<std::int32_t>(mt::Shape{203})};
  for (std::int64_t i = 0; i < ds.images.numel(); ++i) ds.images[i] = static_cast<std::uint8_t>(i * 7);
  for (std::int64_t i = 0; i < 203; ++i) ds.labels[i] = static_cast<std::int32_t>(i);
  mt::data::ImageLoader<mt::bfloat16> fast(ds, {.batch = 16, .seed = 4, .prefetch = true});
  mt::data::ImageLoader<mt::bfloat16> slow(ds, {.batch = 16, .seed = 4, .prefetch = false});
  for (int epoch = 0; epoch < 3; ++epoch) {
    for (std::int64_t b = 0; b < fast.batches(); ++b) {
      auto [xf, yf] = fast.batch(b);
      auto [xs, ys] = slow.batch(b);
      ASSERT_EQ(xf.shape(), xs.shape());
      for (std::int64_t i = 0; i < yf.numel(); ++i) ASSERT_EQ(yf[i], ys[i]) << epoch << "/" << b;
      for (std::int64_t i = 0; i < xf.numel(); ++i) ASSERT_EQ(xf[i].bits, xs[i].bits);
    }
    fast.next_epoch();
    slow.next_epoch();
  }
  auto [x3, y3] = fast.batch(3);  // out of order, then back: still right
  auto [s3x, s3y] = slow.batch(3);
  EXPECT_EQ(y3[0], s3y[0]);
  auto [x1, y1] = fast.batch(1);
  auto [s1x, s1y] = slow.batch(1);
  EXPECT_EQ(y1[5], s1y[5]);
}

// A temporary data set (ImageLoader(fashion_mnist("train"), ...)) is moved into the loader
// and kept: its batches equal those of a loader over the same data set kept by the caller
// (under ASan, a loader that only referred to the temporary would read freed memory here).
TEST(ImageLoader, ALoaderKeepsATemporaryDataSet) {
  auto make = [] {
    mt::data::ImageDataset ds{mt::Tensor<std::uint8_t>(mt::Shape{37, 2, 2, 1}),
                              mt::Tensor<std::int32_t>(mt::Shape{37})};
    for (std::int64_t i = 0; i < ds.images.numel(); ++i) ds.images[i] = static_cast<std::uint8_t>(i * 5);
    for (std::int64_t i = 0; i < 37; ++i) ds.labels[i] = static_cast<std::int32_t>(i % 10);
    return ds;
  };
  const auto kept = make();
  mt::data::ImageLoader<float> owning(make(), {.batch = 8, .seed = 2});
  mt::data::ImageLoader<float> viewing(kept, {.batch = 8, .seed = 2});
  std::vector<std::uint8_t> scribble(4096, 0xAB);  // reuse of freed memory would show here
  ASSERT_EQ(owning.size(), 37);
  for (std::int64_t b = 0; b < owning.batches(); ++b) {
    auto [xo, yo] = owning.batch(b);
    auto [xv, yv] = viewing.batch(b);
    ASSERT_EQ(xo.shape(), xv.shape());
    for (std::int64_t i = 0; i < yo.numel(); ++i) ASSERT_EQ(yo[i], yv[i]) << b;
    for (std::int64_t i = 0; i < xo.numel(); ++i) ASSERT_EQ(xo[i], xv[i]) << b;
  }
}

// batch_into writes what batch() gives, straight into caller memory (a GPU's pinned staging
// buffer), the last short batch included, while the prefetch thread runs beside it.
TEST(ImageLoader, BatchIntoWritesTheSameBatchesIntoCallerMemory) {
  mt::data::ImageDataset ds{mt::Tensor<std::uint8_t>(mt::Shape{203, 3, 3, 1}),
                            mt::Tensor<std::int32_t>(mt::Shape{203})};
  for (std::int64_t i = 0; i < ds.images.numel(); ++i) ds.images[i] = static_cast<std::uint8_t>(i * 5);
  for (std::int64_t i = 0; i < 203; ++i) ds.labels[i] = static_cast<std::int32_t>(i);
  mt::data::ImageLoader<mt::half> a(ds, {.batch = 16, .seed = 2, .mean = 0.3f, .std = 0.2f});
  mt::data::ImageLoader<mt::half> b(ds, {.batch = 16, .seed = 2, .mean = 0.3f, .std = 0.2f});
  EXPECT_EQ(b.batch_size(), 16);
  EXPECT_EQ(b.sample_shape(), (mt::Shape{3, 3, 1}));
  std::vector<mt::half> x(16 * 9);
  std::vector<std::int32_t> y(16);
  for (int epoch = 0; epoch < 2; ++epoch) {
    a.set_epoch(epoch);
    b.set_epoch(epoch);
    for (std::int64_t k = 0; k < a.batches(); ++k) {
      auto [xa, ya] = a.batch(k);
      const std::int64_t n = b.batch_into(k, x.data(), y.data());
      ASSERT_EQ(n, ya.numel()) << epoch << "/" << k;
      for (std::int64_t i = 0; i < n; ++i) ASSERT_EQ(y[static_cast<std::size_t>(i)], ya[i]);
      for (std::int64_t i = 0; i < xa.numel(); ++i)
        ASSERT_EQ(x[static_cast<std::size_t>(i)].bits, xa[i].bits);
    }
  }
  EXPECT_THROW((void)b.batch_into(b.batches(), x.data(), y.data()), mt::ValueError);
}

TEST(ImageDataset, SplitAndPixelStatistics) {
  mt::data::ImageDataset ds{mt::Tensor<std::uint8_t>(mt::Shape{100, 2, 2, 1}),
                            mt::Tensor<std::int32_t>(mt::Shape{100})};
  for (std::int64_t i = 0; i < 100; ++i) {
    ds.labels[i] = static_cast<std::int32_t>(i);
    for (int k = 0; k < 4; ++k) ds.images[i * 4 + k] = static_cast<std::uint8_t>(i);
  }
  auto [train, val] = mt::data::split(ds, 0.2f, 9);
  EXPECT_EQ(train.labels.numel(), 80);
  EXPECT_EQ(val.labels.numel(), 20);
  std::set<int> all;
  for (auto l : train.labels) all.insert(l);
  for (auto l : val.labels) all.insert(l);
  EXPECT_EQ(all.size(), 100u) << "a partition: nothing lost, nothing twice";
  EXPECT_EQ(val.images(3, 1, 1, 0), val.labels[3]) << "images travel with their labels";
  auto again = mt::data::split(ds, 0.2f, 9);
  EXPECT_EQ(again.second.labels[0], val.labels[0]) << "seeded";
  const auto st = mt::data::pixel_statistics(ds);
  EXPECT_NEAR(st.mean, 49.5 / 255.0, 1e-6);
  EXPECT_NEAR(st.std, std::sqrt((100.0 * 100.0 - 1.0) / 12.0) / 255.0, 1e-5);
}

// Random access, restarts and destruction while the worker is mid-fill, with batches large
// enough that the caller's own fills run as an OpenMP team: the interleavings ThreadSanitizer
// needs to see. Every batch is checked against a synchronous loader.
TEST(ImageLoader, PrefetchSurvivesRandomAccessAndEarlyDestruction) {
  const std::int64_t n = 300, h = 28;
  mt::data::ImageDataset ds{mt::Tensor<std::uint8_t>(mt::Shape{n, h, h, 1}),
                            mt::Tensor<std::int32_t>(mt::Shape{n})};
  for (std::int64_t i = 0; i < ds.images.numel(); ++i) ds.images[i] = static_cast<std::uint8_t>(i * 13 + i / 7);
  for (std::int64_t i = 0; i < n; ++i) ds.labels[i] = static_cast<std::int32_t>(i);
  mt::set_num_threads(2);
  mt::data::ImageLoader<float> slow(ds, {.batch = 64, .seed = 8, .prefetch = false});
  mt::Generator pick(21);
  for (int round = 0; round < 20; ++round) {
    mt::data::ImageLoader<float> fast(ds, {.batch = 64, .seed = 8, .prefetch = true});
    const auto r = pick.block(static_cast<std::uint64_t>(round));
    fast.set_epoch(r[0] % 3);
    slow.set_epoch(r[0] % 3);
    const int steps = static_cast<int>(r[1] % 7);  // 0: destroyed before the first batch
    for (int s = 0; s < steps; ++s) {
      const auto b = static_cast<std::int64_t>(pick.block(1000u + static_cast<std::uint64_t>(round * 7 + s))[0] %
                                               static_cast<std::uint32_t>(fast.batches()));
      auto [xf, yf] = fast.batch(b);
      auto [xs, ys] = slow.batch(b);
      ASSERT_EQ(yf.numel(), ys.numel());
      for (std::int64_t i = 0; i < yf.numel(); ++i) ASSERT_EQ(yf[i], ys[i]) << round << "/" << b;
      for (std::int64_t i = 0; i < xf.numel(); i += 97) ASSERT_EQ(xf[i], xs[i]);
    }
  }  // each `fast` is destroyed with a prefetch requested, possibly mid-fill
}

// A thread the library cannot start is a mantissa::Error naming what, why and the fix, never a
// std::system_error: here std::thread's own copy of the functor throws what a refused
// pthread_create throws (test_bad_inputs' Thread_* row makes the system refuse the loader's
// prefetch thread itself, under a process limit).
TEST(ThreadStart, ASystemErrorBecomesAMantissaErrorNamingTheCauseAndFix) {
  struct Refused {
    Refused() = default;
    Refused(const Refused&) {
      throw std::system_error(std::make_error_code(std::errc::resource_unavailable_try_again));
    }
    Refused(Refused&& o) : Refused(static_cast<const Refused&>(o)) {}
    void operator()() const {}
  };
  try {
    auto t = mt::start_thread("ImageLoader", "the prefetch thread", "pass prefetch = false",
                              Refused{});
    t.join();
    ADD_FAILURE() << "the thread started";
  } catch (const std::exception& e) {
    EXPECT_EQ(typeid(e), typeid(mt::Error));
    EXPECT_STREQ(e.what(), ("ImageLoader: cannot start the prefetch thread: " +
                            std::make_error_code(std::errc::resource_unavailable_try_again).message() +
                            "; pass prefetch = false")
                               .c_str());
  }
  // A thread that starts runs.
  int ran = 0;
  mt::start_thread("test", "a thread", "", [&] { ran = 1; }).join();
  EXPECT_EQ(ran, 1);
  EXPECT_STREQ(mt::thread_start_error("w", "x", "y", "").what(), "w: cannot start x: y");
}
