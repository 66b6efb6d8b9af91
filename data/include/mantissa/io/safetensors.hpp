// mantissa/io/safetensors.hpp: the safetensors format, written atomically, read with
// every field checked.
//
// Format (https://huggingface.co/docs/safetensors): 8-byte little-endian header length N,
// N bytes of JSON {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
// ..., "__metadata__": {"key": "string", ...}}, then the raw little-endian data; offsets are
// relative to the data section.
//
// Writing goes to "<file>.tmp", is flushed and fsync'd, then renamed over <file>: a crash
// mid-write leaves the previous file intact. Only a regular file (or nothing) is replaced:
// an empty name, a folder, a link or a device file is an IoError before anything is created,
// and a failed write leaves no temporary file behind. Reading takes a regular file only (a
// FIFO or a device is an IoError before anything is read) and checks, to the letter of the
// format: the header length against the file size; the JSON (an object from the header's
// first byte, padded with spaces only, no NUL, no key twice, nesting at most 8 deep);
// __metadata__'s values are strings; every entry's dtype, shape and offsets (size = numel *
// dtype size); and that the tensors tile the data section (no overlap, no hole, nothing after
// the last one). Any fault is a DataError naming the file, the entry and the cause. Tensor
// data need not be aligned in the file (the format does not require it): an unaligned tensor
// is copied to aligned memory on loading.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "mantissa/core/tensor.hpp"

namespace mantissa::io {

// "F32", "F16", "BF16", "I32", "U8": safetensors' names for the dtypes (dtype.hpp's).
// The reader also takes "I64" (PyTorch's counters, BatchNorm's num_batches_tracked), which
// has no tensor dtype here: its bytes are read through SafetensorsFile::bytes.
constexpr std::string_view safetensors_name(std::string_view dtype) {
  constexpr std::string_view ours[] = {"float32", "float16", "bfloat16", "int32", "uint8"};
  constexpr std::string_view theirs[] = {"F32", "F16", "BF16", "I32", "U8"};
  for (std::size_t i = 0; i < 5; ++i)
    if (ours[i] == dtype) return theirs[i];
  return "";
}
template <Dtype T>
inline constexpr std::string_view safetensors_dtype = safetensors_name(dtype_name<T>);

struct TensorRecord {
  std::string name;
  std::string dtype;  // safetensors name
  Shape shape;
  const void* data;   // host memory, shape.numel() elements
  std::size_t bytes;
};

template <Dtype T>
TensorRecord record(std::string name, TensorView<const T, Cpu> t) {
  return {std::move(name), std::string(safetensors_dtype<T>), t.shape(), t.data(), t.size_bytes()};
}

using Metadata = std::map<std::string, std::string>;

// IoError unless `file` is a file name whose path holds nothing or a regular file: what
// write_safetensors checks first (exposed so that a caller can check before making folders).
void check_destination(const std::filesystem::path& file);

// Whole or not at all (io::replace_file: tmp, checked writes, fsync, close, rename): a failed
// write is an IoError and the file that was there stays. Names must be unique.
void write_safetensors(const std::filesystem::path& file, const std::vector<TensorRecord>& tensors,
                       const Metadata& metadata = {});

class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& file);

  const Metadata& metadata() const noexcept { return metadata_; }
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }

  // The tensor's bytes, checked against the expected dtype and shape; a mismatch or a missing
  // name is a DataError saying what the file holds and what was expected.
  // The view points into this object's buffer: on a temporary SafetensorsFile it would
  // dangle, so that does not compile (name the file first).
  template <Dtype T>
  TensorView<const T, Cpu> get(const std::string& name, const Shape& expected) const& {
    const auto& e = entry(name, safetensors_dtype<T>, expected);
    return {reinterpret_cast<const T*>(data_.data() + e.begin), e.shape};
  }
  template <Dtype T>
  TensorView<const T, Cpu> get(const std::string&, const Shape&) const&& {
    static_assert(sizeof(T) == 0,
                  "mantissa::io::SafetensorsFile::get: called on a temporary file object, "
                  "whose bytes (the returned view) die at the end of the statement; name it "
                  "first: io::SafetensorsFile f(path); auto w = f.get<float>(name, shape); "
                  "(and w.clone() to keep a copy beyond f)");
    return {};
  }

  struct Entry {
    std::string dtype;
    Shape shape;
    std::size_t begin, end;       // offsets into data_ (an aligned copy's, where one was made)
    std::size_t file_begin = 0;   // the tensor's first byte in the file
  };
  const Entry& entry(const std::string& name, std::string_view dtype, const Shape& shape) const;
  const Entry* find(const std::string& name) const {
    const auto it = entries_.find(name);
    return it == entries_.end() ? nullptr : &it->second;
  }
  const unsigned char* bytes(const Entry& e) const noexcept { return data_.data() + e.begin; }
  const std::string& path() const noexcept { return file_; }

 private:
  std::string file_;
  // The data section, then aligned copies of the tensors whose file offset is unaligned.
  std::vector<unsigned char> data_;
  std::map<std::string, Entry> entries_;
  Metadata metadata_;
};

}  // namespace mantissa::io
