// data/src/data/idx.cpp: the IDX reader (gzip through zlib, which reads plain files too).
#include "mantissa/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cerrno>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "mantissa/core/error.hpp"
#include "mantissa/core/random.hpp"

namespace mantissa::data {

namespace {

struct GzCloser {
  void operator()(gzFile f) const noexcept { gzclose(f); }
};
using GzFile = std::unique_ptr<std::remove_pointer_t<gzFile>, GzCloser>;

std::string name_of(const std::filesystem::path& p) { return p.string(); }

// Read exactly n bytes, or say how many there were.
std::size_t read_some(gzFile f, void* dst, std::size_t n, const std::filesystem::path& file) {
  std::size_t done = 0;
  auto* out = static_cast<unsigned char*>(dst);
  while (done < n) {
    const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - done, 1u << 30));
    const int got = gzread(f, out + done, chunk);
    if (got < 0) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      if (code == Z_ERRNO)
        throw IoError(name_of(file) + ": read failed: " + std::strerror(errno));
      throw DataError(name_of(file) + ": corrupt compressed data after byte " +
                      std::to_string(done) + " (" + (msg ? msg : "zlib error") + ")");
    }
    if (got == 0) break;
    done += static_cast<std::size_t>(got);
  }
  return done;
}

}  // namespace

Tensor<std::uint8_t> read_idx(const std::filesystem::path& file, int expected_rank) {
  if (std::error_code ec; std::filesystem::is_directory(file, ec))
    throw IoError(name_of(file) + ": is a directory, not an IDX file");
  GzFile f(gzopen(file.c_str(), "rb"));
  if (!f) throw IoError(name_of(file) + ": cannot open: " + std::strerror(errno));

  std::array<unsigned char, 4> magic{};
  if (read_some(f.get(), magic.data(), 4, file) != 4)
    throw DataError(name_of(file) + ": truncated: the 4-byte IDX header is missing");
  if (magic[0] != 0 || magic[1] != 0)
    throw DataError(name_of(file) + ": not an IDX file: the magic number must start with two "
                    "zero bytes, got 0x" + [&] {
                      char b[16];
                      std::snprintf(b, sizeof b, "%02x%02x%02x%02x", magic[0], magic[1],
                                    magic[2], magic[3]);
                      return std::string(b);
                    }());
  if (magic[2] != 0x08)
    throw DataError(name_of(file) + ": IDX dtype code 0x" + [&] {
      char b[8];
      std::snprintf(b, sizeof b, "%02x", magic[2]);
      return std::string(b);
    }() + " is not supported (only 0x08, unsigned byte)");
  const int rank = magic[3];
  if (rank < 1 || rank > Shape::max_rank - 1)
    throw DataError(name_of(file) + ": IDX rank " + std::to_string(rank) + " is out of range 1.." +
                    std::to_string(Shape::max_rank - 1));
  if (expected_rank >= 0 && rank != expected_rank)
    throw DataError(name_of(file) + ": IDX rank is " + std::to_string(rank) + ", expected " +
                    std::to_string(expected_rank));

  Shape shape;
  std::uint64_t total = 1;
  for (int i = 0; i < rank; ++i) {
    std::array<unsigned char, 4> d{};
    if (read_some(f.get(), d.data(), 4, file) != 4)
      throw DataError(name_of(file) + ": truncated header: dimension " + std::to_string(i) +
                      " of " + std::to_string(rank) + " is missing");
    const std::uint64_t n = (std::uint64_t{d[0]} << 24) | (std::uint64_t{d[1]} << 16) |
                            (std::uint64_t{d[2]} << 8) | d[3];
    if (n != 0 && total > (std::uint64_t{1} << 40) / n)
      throw DataError(name_of(file) + ": IDX dimensions are too large (their product exceeds "
                      "2^40 elements)");
    total *= n;
    shape.push_back(static_cast<std::int64_t>(n));
  }

  // Read in chunks into a buffer that grows with what the file really holds: a header that
  // promises 2^40 bytes of a 100-byte file is a DataError, not a terabyte allocation.
  // The buffer doubles from 64 KiB: a lying header costs at most about twice the real data.
  std::vector<unsigned char> bytes;
  std::size_t got = 0;
  while (got < total) {
    const std::size_t want = std::min<std::size_t>(static_cast<std::size_t>(total) - got,
                                                   std::max<std::size_t>(got, 64u << 10));
    bytes.resize(got + want);
    const std::size_t n = read_some(f.get(), bytes.data() + got, want, file);
    got += n;
    if (n < want) break;
  }
  if (got != total)
    throw DataError(name_of(file) + ": truncated: the header promises " +
                    std::to_string(total) + " data bytes " + shape.str() + ", the file has " +
                    std::to_string(got));
  unsigned char extra;
  if (read_some(f.get(), &extra, 1, file) != 0)
    throw DataError(name_of(file) + ": trailing bytes after the " + std::to_string(total) +
                    " data bytes the header promises");
  auto t = Tensor<std::uint8_t>::empty(shape);
  if (total) std::memcpy(t.data(), bytes.data(), static_cast<std::size_t>(total));
  return t;
}

ImageDataset fashion_mnist(std::string_view split, const std::filesystem::path& dir) {
  std::string prefix;
  if (split == "train") prefix = "train";
  else if (split == "test") prefix = "t10k";
  else throw ValueError("fashion_mnist: split must be \"train\" or \"test\", got \"" +
                   std::string(split) + "\"");
  const auto images_file = dir / (prefix + "-images-idx3-ubyte.gz");
  const auto labels_file = dir / (prefix + "-labels-idx1-ubyte.gz");
  if (!std::filesystem::exists(images_file))
    throw IoError(images_file.string() + ": not found (Debian's dataset-fashion-mnist package "
                  "installs it; the README's commands install it)");
  auto images = read_idx(images_file, 3);
  auto raw_labels = read_idx(labels_file, 1);
  if (raw_labels.shape()[0] != images.shape()[0])
    throw DataError(labels_file.string() + ": " + std::to_string(raw_labels.shape()[0]) +
                    " labels for " + std::to_string(images.shape()[0]) + " images");
  Tensor<std::int32_t> labels(raw_labels.shape());
  for (std::int64_t i = 0; i < labels.numel(); ++i) {
    if (raw_labels[i] > 9)
      throw DataError(labels_file.string() + ": label " + std::to_string(raw_labels[i]) +
                      " at index " + std::to_string(i) + " is not a class 0..9");
    labels[i] = raw_labels[i];
  }
  images.reshape_(Shape{images.shape()[0], images.shape()[1], images.shape()[2], 1});
  return {std::move(images), std::move(labels)};
}

std::pair<ImageDataset, ImageDataset> split(const ImageDataset& data, float fraction,
                                            std::uint64_t seed) {
  const std::int64_t n = data.images.shape()[0];
  if (!(fraction > 0.0f && fraction < 1.0f))
    throw ValueError("split: fraction must be in (0, 1), got " + std::to_string(fraction));
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  shuffle(order, Generator(seed));
  const auto second = static_cast<std::int64_t>(std::lround(double(n) * fraction));
  const std::int64_t per = n ? data.images.numel() / n : 0;
  auto take = [&](std::int64_t first, std::int64_t count) {
    ImageDataset part{Tensor<std::uint8_t>::empty(data.images.shape().with(0, count)),
                      Tensor<std::int32_t>::empty(Shape{count})};
    for (std::int64_t i = 0; i < count; ++i) {
      const auto src = order[static_cast<std::size_t>(first + i)];
      std::memcpy(part.images.data() + i * per, data.images.data() + src * per,
                  static_cast<std::size_t>(per));
      part.labels[i] = data.labels[src];
    }
    return part;
  };
  return {take(0, n - second), take(n - second, second)};
}

PixelStatistics pixel_statistics(const ImageDataset& data) {
  double s = 0, s2 = 0;
  for (std::uint8_t p : data.images) {
    const double v = p / 255.0;
    s += v;
    s2 += v * v;
  }
  const double n = static_cast<double>(std::max<std::int64_t>(data.images.numel(), 1));
  const double mean = s / n;
  return {static_cast<float>(mean), static_cast<float>(std::sqrt(std::max(s2 / n - mean * mean, 1e-12)))};
}

}  // namespace mantissa::data
