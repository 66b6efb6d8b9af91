// data/src/io/safetensors.cpp: safetensors writer (atomic) and reader (validating).
#include "mantissa/io/safetensors.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "mantissa/core/error.hpp"

namespace mantissa::io {

namespace {

std::size_t dtype_size(const std::string& d) {
  if (d == "F32" || d == "I32") return 4;
  if (d == "F16" || d == "BF16") return 2;
  if (d == "U8") return 1;
  return 0;
}

[[noreturn]] void io_fail(const std::filesystem::path& p, const char* what) {
  throw IoError(p.string() + ": " + what + ": " + std::strerror(errno));
}

void write_all(int fd, const void* data, std::size_t n, const std::filesystem::path& p) {
  const auto* c = static_cast<const char*>(data);
  while (n > 0) {
    const ssize_t w = ::write(fd, c, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      io_fail(p, "write failed");
    }
    c += w;
    n -= static_cast<std::size_t>(w);
  }
}

}  // namespace

// The destination is a file name, and nothing but a regular file is ever replaced there (a
// rename over /dev/null, a folder or a link would replace the device node, fail late or cut
// the link).
void check_destination(const std::filesystem::path& file) {
  if (file.empty() || !file.has_filename())
    throw IoError("write_safetensors: '" + file.string() +
                  "' is not a file name (empty, or a folder's path ending in '/')");
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto st = fs::symlink_status(file, ec);  // not_found (or none, with ec) if absent
  if (!fs::exists(st) || fs::is_regular_file(st)) return;
  const char* what = fs::is_directory(st)   ? "a directory"
                     : fs::is_symlink(st)   ? "a symbolic link (write to its target's path)"
                     : fs::is_character_file(st) || fs::is_block_file(st) ? "a device file"
                     : fs::is_fifo(st)      ? "a FIFO"
                     : fs::is_socket(st)    ? "a socket"
                                            : "not a regular file";
  throw IoError(file.string() + ": is " + what +
                "; write_safetensors replaces only a regular file: choose another path");
}

void write_safetensors(const std::filesystem::path& file, const std::vector<TensorRecord>& tensors,
                       const Metadata& metadata) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::size_t offset = 0;
  std::set<std::string> seen;
  for (const auto& t : tensors) {
    if (!seen.insert(t.name).second)
      throw ValueError("write_safetensors: duplicate tensor name '" + t.name + "'");
    if (t.bytes != static_cast<std::size_t>(t.shape.numel()) * dtype_size(t.dtype))
      throw ValueError("write_safetensors: '" + t.name + "' has " + std::to_string(t.bytes) +
                  " bytes for shape " + t.shape.str() + " of " + t.dtype);
    header[t.name] = {{"dtype", t.dtype},
                      {"shape", std::vector<std::int64_t>(t.shape.begin(), t.shape.end())},
                      {"data_offsets", {offset, offset + t.bytes}}};
    offset += t.bytes;
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // pad so the data starts 8-byte aligned
  const std::uint64_t n = json.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));

  check_destination(file);
  const std::filesystem::path tmp = file.string() + ".tmp";
  // O_NOFOLLOW: a link at the temporary name is refused, never written through.
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) io_fail(tmp, "cannot create");
  try {
    write_all(fd, len, 8, tmp);
    write_all(fd, json.data(), json.size(), tmp);
    for (const auto& t : tensors) write_all(fd, t.data, t.bytes, tmp);
    if (::fsync(fd) != 0) io_fail(tmp, "fsync failed");
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    errno = err;
    io_fail(tmp, "close failed");
  }
  if (::rename(tmp.c_str(), file.c_str()) != 0) {  // no stray temporary file on failure
    const int err = errno;
    ::unlink(tmp.c_str());
    errno = err;
    io_fail(file, "rename failed");
  }
  // Make the rename itself durable.
  const auto dir = file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& file) : file_(file.string()) {
  if (std::error_code ec; std::filesystem::is_directory(file, ec))
    throw IoError(file_ + ": is a directory, not a safetensors file");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError(file_ + ": cannot open: " + std::strerror(errno));
  try {
    data_.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  } catch (const std::ios_base::failure& e) {
    throw IoError(file_ + ": read failed: " + e.what());
  }
  if (data_.size() < 8)
    throw DataError(file_ + ": truncated: " + std::to_string(data_.size()) +
                    " bytes, fewer than the 8-byte header length");
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | data_[static_cast<std::size_t>(i)];
  if (n > data_.size() - 8)
    throw DataError(file_ + ": the header length " + std::to_string(n) +
                    " runs past the end of the file (" + std::to_string(data_.size()) + " bytes)");
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(data_.begin() + 8, data_.begin() + 8 + static_cast<std::ptrdiff_t>(n));
  } catch (const nlohmann::json::exception& e) {
    throw DataError(file_ + ": the header is not valid JSON (" + e.what() + ")");
  }
  if (!header.is_object()) throw DataError(file_ + ": the header is not a JSON object");
  const std::size_t base = 8 + n, data_size = data_.size() - base;
  std::vector<std::pair<std::size_t, std::size_t>> ranges;
  for (const auto& [name, v] : header.items()) {
    const std::string where = file_ + ": tensor '" + name + "': ";
    if (name == "__metadata__") {
      if (!v.is_object()) throw DataError(file_ + ": __metadata__ is not an object");
      for (const auto& [k, s] : v.items()) {
        if (!s.is_string()) throw DataError(file_ + ": __metadata__['" + k + "'] is not a string");
        metadata_[k] = s.get<std::string>();
      }
      continue;
    }
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
        !v.contains("data_offsets") || !v["dtype"].is_string() || !v["shape"].is_array() ||
        !v["data_offsets"].is_array() || v["data_offsets"].size() != 2)
      throw DataError(where + "needs \"dtype\", \"shape\" and \"data_offsets\": [begin, end]");
    Entry e;
    e.dtype = v["dtype"].get<std::string>();
    const std::size_t size = dtype_size(e.dtype);
    if (size == 0) throw DataError(where + "dtype " + e.dtype + " is not one mantissa reads (F32, F16, BF16, I32, U8)");
    if (v["shape"].size() > static_cast<std::size_t>(Shape::max_rank))
      throw DataError(where + "shape " + v["shape"].dump() + " has rank " +
                      std::to_string(v["shape"].size()) + ", above the " +
                      std::to_string(Shape::max_rank) + " mantissa supports");
    std::uint64_t numel = 1;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned() || d.get<std::uint64_t>() > (std::uint64_t{1} << 40))
        throw DataError(where + "bad dimension " + d.dump());
      const auto dim = d.get<std::uint64_t>();
      if (dim != 0 && numel > (std::uint64_t{1} << 40) / dim)
        throw DataError(where + "the shape's element count overflows");
      numel *= dim;
      e.shape.push_back(static_cast<std::int64_t>(dim));
    }
    const auto& off = v["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw DataError(where + "data_offsets must be two unsigned integers");
    const auto b = off[0].get<std::uint64_t>(), en = off[1].get<std::uint64_t>();
    if (b > en)
      throw DataError(where + "data_offsets [" + std::to_string(b) + ", " + std::to_string(en) +
                      "]: begin is after end");
    if (en > data_size)
      throw DataError(where + "data_offsets [" + std::to_string(b) + ", " + std::to_string(en) +
                      "] fall outside the data section (" + std::to_string(data_size) + " bytes)");
    if (en - b != numel * size)
      throw DataError(where + std::to_string(en - b) + " bytes for shape " + e.shape.str() +
                      " of " + e.dtype + " (which needs " + std::to_string(numel * size) + ")");
    e.begin = base + b;
    e.end = base + en;
    if (e.begin % size != 0 && size > 1) {
      // Unaligned data: allowed by the format; our views need alignment, so refuse clearly.
      throw DataError(where + "data is not aligned to its element size");
    }
    ranges.emplace_back(b, en);
    entries_.emplace(name, std::move(e));
  }
  std::sort(ranges.begin(), ranges.end());
  for (std::size_t i = 1; i < ranges.size(); ++i)
    if (ranges[i].first < ranges[i - 1].second)
      throw DataError(file_ + ": two tensors' data_offsets overlap ([" +
                      std::to_string(ranges[i - 1].first) + ", " + std::to_string(ranges[i - 1].second) +
                      "] and [" + std::to_string(ranges[i].first) + ", " +
                      std::to_string(ranges[i].second) + "])");
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> n;
  for (const auto& [k, v] : entries_) n.push_back(k);
  return n;
}

const SafetensorsFile::Entry& SafetensorsFile::entry(const std::string& name, std::string_view dtype,
                                                     const Shape& shape) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) throw DataError(file_ + ": no tensor named '" + name + "'");
  const auto& e = it->second;
  if (e.dtype != dtype || !(e.shape == shape))
    throw DataError(file_ + ": tensor '" + name + "' is " + e.dtype + " " + e.shape.str() +
                    ", expected " + std::string(dtype) + " " + shape.str());
  return e;
}

}  // namespace mantissa::io
