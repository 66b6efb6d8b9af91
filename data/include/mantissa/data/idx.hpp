// mantissa/data/idx.hpp: the IDX format of MNIST and Fashion-MNIST, gzip'd or plain.
//
// Layout: two zero bytes, a dtype code (0x08 = unsigned byte, the only one these data sets
// use and the only one read here), the rank, then `rank` big-endian uint32 dimensions, then
// the data. Every field is checked: a wrong magic, dtype code or rank, dimensions whose
// product overflows, and a file shorter or longer than its header says are DataErrors naming
// the file and what was wrong; a missing or unreadable file, or one that is not a regular file
// (a directory, FIFO or device), is an IoError. Nothing crashes.
// gzip (RFC 1952) is read to the letter: each member's CRC-32 and length are checked, a stream
// cut short (even only its trailer) or corrupt is a DataError saying which, and bytes after the
// last member are an error. The data is read straight into the returned tensor: peak memory is
// the data plus about 100 KiB.
#pragma once

#include <filesystem>
#include <string_view>
#include <utility>

#include "mantissa/core/tensor.hpp"

namespace mantissa::data {

// The whole file as a uint8 tensor of the header's shape. expected_rank < 0: any rank.
Tensor<std::uint8_t> read_idx(const std::filesystem::path& file, int expected_rank = -1);

// Images (N, 28, 28, 1) as uint8 pixels and labels (N,) as int32 class indices 0..9.
struct ImageDataset {
  Tensor<std::uint8_t> images;  // (N, H, W, 1)
  Tensor<std::int32_t> labels;  // (N,)
};

// Where Debian's dataset-fashion-mnist package installs the files.
inline const std::filesystem::path fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";

// split: "train" (60,000 images) or "test" (10,000). Checks that images and labels agree in
// count and that every label is in 0..9.
ImageDataset fashion_mnist(std::string_view split,
                           const std::filesystem::path& dir = fashion_mnist_dir);

// A seeded train/validation split of an image data set: the last `fraction` of a shuffled
// order becomes the second part.
std::pair<ImageDataset, ImageDataset> split(const ImageDataset& data, float fraction,
                                            std::uint64_t seed);

// Mean and standard deviation of pixel / 255 over a (training) set: the statistics for
// LoaderOptions' mean and std, fitted on the training split only.
struct PixelStatistics {
  float mean, std;
};
PixelStatistics pixel_statistics(const ImageDataset& data);

}  // namespace mantissa::data
