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
// and a failed write leaves no temporary file behind. Reading checks the header length against the
// file size, the JSON, every entry's dtype, shape and offsets (inside the data section, no
// overlaps, size = numel * dtype size); any fault is a DataError naming the file and entry.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "mantissa/core/tensor.hpp"

namespace mantissa::io {

// "F32", "F16", "BF16", "I32", "U8": safetensors' names for the dtypes (dtype.hpp's).
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

// Atomic write (tmp + fsync + rename). Names must be unique.
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
  template <Dtype T>
  TensorView<const T, Cpu> get(const std::string& name, const Shape& expected) const {
    const auto& e = entry(name, safetensors_dtype<T>, expected);
    return {reinterpret_cast<const T*>(data_.data() + e.begin), e.shape};
  }

  struct Entry {
    std::string dtype;
    Shape shape;
    std::size_t begin, end;  // absolute offsets into data_
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
  std::vector<unsigned char> data_;  // the whole file
  std::map<std::string, Entry> entries_;
  Metadata metadata_;
};

}  // namespace mantissa::io
