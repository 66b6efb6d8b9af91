// data/src/io/checksum.cpp: CRC-32 through zlib (already linked for gzip'd IDX).
#include "mantissa/io/checksum.hpp"

#include <zlib.h>

#include <cstdio>

namespace mantissa::io {

std::uint32_t crc32(const void* data, std::size_t n, std::uint32_t crc) noexcept {
  // crc32_z takes a size_t length: no 4 GiB limit on a tensor.
  return static_cast<std::uint32_t>(
      ::crc32_z(crc, static_cast<const Bytef*>(data), static_cast<z_size_t>(n)));
}

std::string crc32_hex(std::uint32_t crc) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08x", static_cast<unsigned>(crc));
  return buf;
}

std::optional<std::uint32_t> parse_crc32_hex(std::string_view s) noexcept {
  if (s.size() != 8) return std::nullopt;
  std::uint32_t v = 0;
  for (const char c : s) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (d < 0) return std::nullopt;
    v = v << 4 | static_cast<std::uint32_t>(d);
  }
  return v;
}

}  // namespace mantissa::io
