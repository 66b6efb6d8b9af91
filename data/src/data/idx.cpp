// data/src/data/idx.cpp: the IDX reader (gzip through zlib, which reads plain files too).
#include "mantissa/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "mantissa/core/error.hpp"
#include "mantissa/core/random.hpp"
#include "../io/regular_file.hpp"

namespace mantissa::data {

namespace {

std::string name_of(const std::filesystem::path& p) { return p.string(); }

std::string bytes(std::uint64_t n) { return std::to_string(n) + (n == 1 ? " byte" : " bytes"); }

// deflate's largest expansion is 1032:1 (a 258-byte match coded in 2 bits; zlib's technical
// notes, zlib_tech.html):
// a gzip file of m bytes cannot hold more, so a header that promises more is refused before
// its buffer is allocated.
constexpr std::uint64_t max_deflate_ratio = 1032;

// The bytes of an IDX file, plain or gzip'd (RFC 1952), read or decompressed straight into
// the caller's buffer: no copy of the data is held. A gzip file is read to the letter: every
// member's CRC-32 and length are checked by inflate, a stream cut short is told from one that
// is corrupt, and anything after the last member is an error.
class IdxBytes {
 public:
  explicit IdxBytes(const std::filesystem::path& file)
      : file_(file), in_(file, "an IDX file"), buf_(64u << 10) {
    have_ = in_.read(buf_.data(), 2);
    gzip_ = have_ == 2 && buf_[0] == 0x1f && buf_[1] == 0x8b;
    if (gzip_ && inflateInit2(&zs_, 15 + 16) != Z_OK)  // 15: 32 KiB window; +16: gzip only
      throw DataError(name_of(file_) + ": zlib could not start (" +
                      (zs_.msg ? zs_.msg : "out of memory") + ")");
    zs_.next_in = buf_.data();
    zs_.avail_in = static_cast<uInt>(have_);
  }
  ~IdxBytes() {
    if (gzip_) inflateEnd(&zs_);
  }
  IdxBytes(const IdxBytes&) = delete;
  IdxBytes& operator=(const IdxBytes&) = delete;

  bool gzip() const noexcept { return gzip_; }
  std::uint64_t file_size() const noexcept { return in_.size(); }
  // True when the gzip input ended inside a member (before its trailer was read).
  bool cut() const noexcept { return cut_; }

  // The DataError for a fault found in the decompressed bytes, or the real cause: a gzip
  // stream is first read to its end, since a wrong magic or size in a corrupt stream may be
  // only the corruption's echo. Reading on costs time (at most the data), no memory.
  DataError fault(const std::string& msg) {
    if (gzip_) {
      std::vector<unsigned char> sink(64u << 10);
      while (read(sink.data(), sink.size()) == sink.size()) {
      }
      if (cut_)  // what a cut stream held is exact as far as it goes: the fault is real
        return DataError(msg + " (and the gzip stream is cut short: the file ends inside it)");
    }
    return DataError(msg);
  }

  // Up to n bytes; fewer only where the data ends (or, gzip'd, where the input is cut).
  std::size_t read(void* dst, std::size_t n) {
    auto* out = static_cast<unsigned char*>(dst);
    if (!gzip_) {
      const std::size_t first = std::min(n, static_cast<std::size_t>(zs_.avail_in));
      if (first) std::memcpy(out, zs_.next_in, first);
      zs_.next_in += first;
      zs_.avail_in -= static_cast<uInt>(first);
      return first + in_.read(out + first, n - first);
    }
    std::size_t done = 0;
    while (done < n) {
      if (zs_.avail_in == 0 && !refill()) {
        cut_ = !member_ended_;
        break;
      }
      if (member_ended_) {  // another member may follow (RFC 1952: a file is a series of them)
        if (zs_.avail_in < 2) top_up();
        if (zs_.avail_in < 2 || zs_.next_in[0] != 0x1f || zs_.next_in[1] != 0x8b)
          throw DataError(name_of(file_) + ": " + bytes(in_.size() - consumed()) +
                          " after the end of the gzip stream (at byte " +
                          std::to_string(consumed()) + ") that are not another gzip member");
        inflateReset(&zs_);
        member_ended_ = false;
        next_member_ = consumed();
      }
      zs_.next_out = out + done;
      zs_.avail_out = static_cast<uInt>(std::min<std::size_t>(n - done, 1u << 30));
      const uInt before = zs_.avail_out;
      const int ret = inflate(&zs_, Z_NO_FLUSH);
      done += before - zs_.avail_out;
      if (ret == Z_STREAM_END) member_ended_ = true;
      else if (ret == Z_MEM_ERROR)
        throw IoError(name_of(file_) + ": out of memory while decompressing");
      else if (ret != Z_OK && ret != Z_BUF_ERROR)
        corrupt();  // Z_DATA_ERROR (Z_NEED_DICT: none in gzip)
      // Z_OK, and Z_BUF_ERROR (no progress: the input is used up), go round again.
    }
    return done;
  }

 private:
  std::filesystem::path file_;
  io::detail::RegularFile in_;
  std::vector<unsigned char> buf_;  // compressed input (or the plain file's first bytes)
  std::size_t have_ = 0;            // bytes read from the file so far
  z_stream zs_{};
  bool gzip_ = false, member_ended_ = false, cut_ = false;
  std::uint64_t next_member_ = 0;   // file offset where the current member began

  std::uint64_t consumed() const noexcept { return have_ - zs_.avail_in; }

  // At least two bytes of input where the file has them: the keep moves to the front.
  void top_up() {
    const std::size_t keep = zs_.avail_in;
    std::memmove(buf_.data(), zs_.next_in, keep);
    const std::size_t got = in_.read(buf_.data() + keep, buf_.size() - keep);
    have_ += got;
    zs_.next_in = buf_.data();
    zs_.avail_in = static_cast<uInt>(keep + got);
  }

  bool refill() {
    const std::size_t got = in_.read(buf_.data(), buf_.size());
    have_ += got;
    zs_.next_in = buf_.data();
    zs_.avail_in = static_cast<uInt>(got);
    return got > 0;
  }

  // inflate's own words name the cause; the trailer's two checks get plainer ones.
  [[noreturn]] void corrupt() const {
    const std::string msg = zs_.msg ? zs_.msg : "zlib error";
    const std::string at = name_of(file_) + ": ";
    if (msg == "incorrect data check")
      throw DataError(at +
                      "the gzip CRC-32 does not match the decompressed data: the file is "
                      "corrupt (the trailer of the member at byte " +
                      std::to_string(next_member_) + ")");
    if (msg == "incorrect length check")
      throw DataError(at + "the gzip trailer's length does not match the decompressed data: the "
                      "file is corrupt (the member at byte " + std::to_string(next_member_) + ")");
    throw DataError(at + "corrupt compressed data near byte " + std::to_string(consumed()) +
                    " of the gzip file (zlib: " + msg + ")");
  }
};

std::string hex(const unsigned char* b, int n) {
  std::string s;
  char buf[4];
  for (int i = 0; i < n; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    s += buf;
  }
  return s;
}

}  // namespace

Tensor<std::uint8_t> read_idx(const std::filesystem::path& file, int expected_rank) {
  IdxBytes in(file);

  std::array<unsigned char, 4> magic{};
  if (in.read(magic.data(), 4) != 4)
    throw in.fault(name_of(file) + ": truncated: the 4-byte IDX header is missing");
  if (magic[0] != 0 || magic[1] != 0)
    throw in.fault(name_of(file) + ": not an IDX file: the magic number must start with two "
                    "zero bytes, got 0x" + hex(magic.data(), 4));
  if (magic[2] != 0x08)
    throw in.fault(name_of(file) + ": IDX dtype code 0x" + hex(magic.data() + 2, 1) +
                    " is not supported (only 0x08, unsigned byte)");
  const int rank = magic[3];
  if (rank < 1 || rank > Shape::max_rank - 1)
    throw in.fault(name_of(file) + ": IDX rank " + std::to_string(rank) + " is out of range 1.." +
                    std::to_string(Shape::max_rank - 1));
  if (expected_rank >= 0 && rank != expected_rank)
    throw in.fault(name_of(file) + ": IDX rank is " + std::to_string(rank) + ", expected " +
                    std::to_string(expected_rank));

  Shape shape;
  std::uint64_t total = 1;
  for (int i = 0; i < rank; ++i) {
    std::array<unsigned char, 4> d{};
    if (in.read(d.data(), 4) != 4)
      throw in.fault(name_of(file) + ": truncated header: dimension " + std::to_string(i) +
                      " of " + std::to_string(rank) + " is missing");
    const std::uint64_t n = (std::uint64_t{d[0]} << 24) | (std::uint64_t{d[1]} << 16) |
                            (std::uint64_t{d[2]} << 8) | d[3];
    if (n != 0 && total > (std::uint64_t{1} << 40) / n)
      throw in.fault(name_of(file) + ": IDX dimensions are too large (their product exceeds "
                      "2^40 elements)");
    total *= n;
    shape.push_back(static_cast<std::int64_t>(n));
  }

  // The data goes straight into the tensor (peak memory: the data, plus 96 KiB of zlib's
  // window and input), so the header's promise is checked against the file first: exactly, for
  // a plain file; against deflate's largest expansion, for a gzip'd one. A header that
  // promises 2^40 bytes of a 100-byte file is a DataError, not a terabyte allocation.
  const std::uint64_t header_bytes = 4 + 4 * static_cast<std::uint64_t>(rank);
  const std::string promise = name_of(file) + ": truncated: the header promises " +
                              std::to_string(total) + " data bytes " + shape.str();
  if (!in.gzip() && total > in.file_size() - header_bytes)
    throw in.fault(promise + ", the file has " + std::to_string(in.file_size() - header_bytes));
  if (in.gzip() && total / max_deflate_ratio > in.file_size())
    throw in.fault(promise + ", more than a " + std::to_string(in.file_size()) +
                    "-byte gzip file can hold (deflate expands at most 1032:1)");
  auto t = Tensor<std::uint8_t>::empty(shape);
  const std::size_t got = in.read(t.data(), static_cast<std::size_t>(total));
  if (got != total)
    throw DataError(promise + ", the file has " + std::to_string(got) +
                    (in.cut() ? " (the gzip stream is cut short: the file ends inside it)" : ""));
  unsigned char extra;
  if (in.read(&extra, 1) != 0)
    throw in.fault(name_of(file) + ": trailing bytes after the " + std::to_string(total) +
                    " data bytes the header promises");
  if (in.cut())  // every byte came, but not the CRC-32 that vouches for them
    throw DataError(name_of(file) + ": truncated: the gzip stream ends before its 8-byte trailer "
                    "(CRC-32 and length), so the data cannot be checked");
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
