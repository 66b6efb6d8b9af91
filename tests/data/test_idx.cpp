// tests/data/test_idx.cpp: the IDX reader on good and malformed files (plain and gzip'd),
// the Fashion-MNIST loader, and ImageLoader's batching, shuffling and normalisation.
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace fs = std::filesystem;
using Bytes = std::vector<unsigned char>;

namespace {

fs::path scratch() {
  auto d = fs::temp_directory_path() / ("mantissa_idx_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

fs::path write(const std::string& name, const Bytes& b, bool gz) {
  const auto p = scratch() / name;
  if (gz) {
    gzFile f = gzopen(p.c_str(), "wb");
    gzwrite(f, b.data(), static_cast<unsigned>(b.size()));
    gzclose(f);
  } else {
    std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(b.data()),
                                            static_cast<std::streamsize>(b.size()));
  }
  return p;
}

Bytes header(unsigned char code, std::vector<std::uint32_t> dims) {
  Bytes b{0, 0, code, static_cast<unsigned char>(dims.size())};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) b.push_back(static_cast<unsigned char>(d >> s));
  return b;
}

std::string data_error(const fs::path& p, int rank = -1) {
  try {
    (void)mt::data::read_idx(p, rank);
  } catch (const mt::DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

}  // namespace

TEST(Idx, ReadsPlainAndGzipFiles) {
  Bytes b = header(0x08, {2, 3});
  for (unsigned char v = 1; v <= 6; ++v) b.push_back(v);
  for (bool gz : {false, true}) {
    auto t = mt::data::read_idx(write(gz ? "ok.gz" : "ok", b, gz));
    EXPECT_EQ(t.shape(), (mt::Shape{2, 3}));
    EXPECT_EQ(t(1, 2), 6);
  }
}

TEST(Idx, MalformedFilesAreDataErrorsNamingTheProblem) {
  auto has = [](const std::string& msg, const char* what) {
    return msg.find(what) != std::string::npos;
  };
  Bytes bad_magic{1, 2, 8, 1, 0, 0, 0, 1, 7};
  EXPECT_TRUE(has(data_error(write("m", bad_magic, true)), "not an IDX file")) << data_error(write("m", bad_magic, true));
  Bytes code = header(0x0D, {1});
  code.insert(code.end(), {0, 0, 0, 0});
  EXPECT_TRUE(has(data_error(write("c", code, true)), "dtype code 0x0d is not supported"));
  EXPECT_TRUE(has(data_error(write("e", {}, true)), "the 4-byte IDX header is missing"));
  Bytes short_header = header(0x08, {5, 5});
  short_header.resize(9);
  EXPECT_TRUE(has(data_error(write("h", short_header, false)), "truncated header: dimension 1"));
  Bytes short_data = header(0x08, {4, 4});
  short_data.insert(short_data.end(), 10, 1);
  EXPECT_TRUE(has(data_error(write("d", short_data, true)),
                  "the header promises 16 data bytes (4, 4), the file has 10"));
  Bytes long_data = header(0x08, {2});
  long_data.insert(long_data.end(), 3, 1);
  EXPECT_TRUE(has(data_error(write("l", long_data, true)), "trailing bytes"));
  Bytes huge = header(0x08, {0xffffffffu, 0xffffffffu, 0xffffffffu});
  EXPECT_TRUE(has(data_error(write("o", huge, false)), "too large"));
  Bytes rank = header(0x08, {3});
  rank.insert(rank.end(), 3, 0);
  EXPECT_TRUE(has(data_error(write("r", rank, false), 3), "IDX rank is 1, expected 3"));
  auto corrupt = write("z.gz", header(0x08, {64}), true);
  {  // flip bytes inside the deflate stream
    std::fstream f(corrupt, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(12);
    f.write("\xff\xff\xff\xff", 4);
  }
  const auto z = data_error(corrupt);
  EXPECT_TRUE(has(z, "corrupt") || has(z, "truncated")) << z;
  EXPECT_THROW((void)mt::data::read_idx(scratch() / "missing.gz"), mt::IoError);
}

TEST(FashionMnist, TestSplitLoadsWithShapesAndLabels) {
  if (!fs::exists(mt::data::fashion_mnist_dir / "t10k-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  auto ds = mt::data::fashion_mnist("test");
  EXPECT_EQ(ds.images.shape(), (mt::Shape{10000, 28, 28, 1}));
  EXPECT_EQ(ds.labels.shape(), (mt::Shape{10000}));
  std::vector<int> count(10);
  for (auto l : ds.labels) ++count[static_cast<std::size_t>(l)];
  for (int c : count) EXPECT_EQ(c, 1000);  // Fashion-MNIST's test split is balanced
  EXPECT_THROW((void)mt::data::fashion_mnist("validation"), mt::Error);
}

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
