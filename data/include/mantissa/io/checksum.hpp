// mantissa/io/checksum.hpp: CRC-32 (zlib's; the polynomial of gzip, PNG and zip) for files
// mantissa writes. Checkpoints store one per tensor and per metadata field, as 8 lowercase
// hex digits, so that a flipped bit on disk is an error naming what it hit (CRC-32 detects
// every single-bit and every burst error up to 32 bits).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mantissa::io {

// CRC-32 of n bytes, continuing from `crc` (0 to start).
std::uint32_t crc32(const void* data, std::size_t n, std::uint32_t crc = 0) noexcept;
inline std::uint32_t crc32(std::string_view s, std::uint32_t crc = 0) noexcept {
  return crc32(s.data(), s.size(), crc);
}

// "0123abcd": exactly 8 lowercase hex digits, and back (nullopt unless exactly that form).
std::string crc32_hex(std::uint32_t crc);
std::optional<std::uint32_t> parse_crc32_hex(std::string_view s) noexcept;

}  // namespace mantissa::io
