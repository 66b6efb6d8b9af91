// tests/data/test_idx.cpp: the IDX reader on good and malformed files (plain and gzip'd),
// and the Fashion-MNIST loader. (ImageLoader's tests are in test_loader.cpp.)
#include <gtest/gtest.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
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
  // The flipped bytes decode to a wrong magic number; the message must name the real cause,
  // the corrupt stream, not the echo of it in the decompressed bytes.
  const auto z = data_error(corrupt);
  EXPECT_TRUE(has(z, "corrupt")) << z;
  EXPECT_FALSE(has(z, "not an IDX file")) << z;
  EXPECT_THROW((void)mt::data::read_idx(scratch() / "missing.gz"), mt::IoError);
}

// The data is decompressed straight into the tensor: the peak resident memory of a read is
// the data (plus zlib's 96 KiB), not a growing vector and then a copy (about twice as much).
#if defined(__SANITIZE_ADDRESS__)
#define MANTISSA_TEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MANTISSA_TEST_UNDER_ASAN 1
#endif
#endif

TEST(Idx, PeakMemoryIsAbout1Point1TimesTheData) {
#if defined(MANTISSA_TEST_UNDER_ASAN)
  GTEST_SKIP() << "AddressSanitizer's shadow memory and redzones inflate the peak resident size "
                  "(1.13x measured); the plain build measures it";
#endif
  constexpr std::uint32_t rows = 1024, cols = 65536;  // 64 MiB of pixels
  const auto p = scratch() / "big.gz";
  {
    gzFile f = gzopen(p.c_str(), "wb1");
    const Bytes h = header(0x08, {rows, cols});
    gzwrite(f, h.data(), static_cast<unsigned>(h.size()));
    Bytes row(cols);
    for (std::uint32_t r = 0; r < rows; ++r) {
      for (std::uint32_t c = 0; c < cols; ++c) row[c] = static_cast<unsigned char>((r + c) % 251);
      gzwrite(f, row.data(), cols);
    }
    gzclose(f);
  }
  // Writing 5 to clear_refs resets the peak (VmHWM) to the current resident size (Linux 4.0).
  auto hwm_kib = [] {
    std::ifstream in("/proc/self/status");
    for (std::string line; std::getline(in, line);)
      if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
    return -1L;
  };
  if (!(std::ofstream("/proc/self/clear_refs") << "5") || hwm_kib() < 0)
    GTEST_SKIP() << "this kernel cannot reset the peak resident size";
  const long before = hwm_kib();
  {
    const auto t = mt::data::read_idx(p, 2);
    ASSERT_EQ(t.shape(), (mt::Shape{rows, cols}));
    EXPECT_EQ(t(rows - 1, cols - 1), (rows - 1 + cols - 1) % 251);
  }
  const double grew = static_cast<double>(hwm_kib() - before) * 1024.0;
  const double data = double(rows) * cols;
  EXPECT_GT(grew, 0.9 * data) << "the pixels were not all written";
  EXPECT_LT(grew, 1.1 * data) << "peak " << grew / data << "x the data";
  fs::remove(p);
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
  EXPECT_THROW((void)mt::data::fashion_mnist("validation"), mt::ValueError);
}
