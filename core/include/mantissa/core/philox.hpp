// mantissa/core/philox.hpp: the Philox4x32-10 counter-based generator (Salmon et al., SC'11;
// constants from Random123), written once for the host and for CUDA kernels, so that a
// dropout mask or an initialiser drawn on the GPU is the one the CPU draws for the same seed
// and counter.
#pragma once

#include <cstdint>

#include "mantissa/core/host_device.hpp"

namespace mantissa {

struct PhiloxBlock {
  std::uint32_t v[4];
};

// Block `counter` of the stream `seed`: four independent 32-bit words.
MANTISSA_HD constexpr PhiloxBlock philox_block(std::uint64_t seed, std::uint64_t counter) noexcept {
  constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;  // multipliers
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;  // Weyl key increments
  std::uint32_t c0 = static_cast<std::uint32_t>(counter);
  std::uint32_t c1 = static_cast<std::uint32_t>(counter >> 32);
  std::uint32_t c2 = 0u, c3 = 0u;
  std::uint32_t k0 = static_cast<std::uint32_t>(seed), k1 = static_cast<std::uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t{m0} * c0;
    const std::uint64_t p1 = std::uint64_t{m1} * c2;
    const std::uint32_t n0 = static_cast<std::uint32_t>(p1 >> 32) ^ c1 ^ k0;
    const std::uint32_t n1 = static_cast<std::uint32_t>(p1);
    const std::uint32_t n2 = static_cast<std::uint32_t>(p0 >> 32) ^ c3 ^ k1;
    const std::uint32_t n3 = static_cast<std::uint32_t>(p0);
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += w0;
    k1 += w1;
  }
  return PhiloxBlock{{c0, c1, c2, c3}};
}

// Dropout's keep test, shared by every backend: keep element j of a block when its top 24
// bits, as a fraction of 2^24, reach the rate. threshold = dropout_threshold(rate).
MANTISSA_HD constexpr std::uint32_t dropout_threshold(float rate) noexcept {
  return static_cast<std::uint32_t>(static_cast<double>(rate) * 16777216.0);
}
MANTISSA_HD constexpr bool dropout_keep(std::uint32_t word, std::uint32_t threshold) noexcept {
  return (word >> 8) >= threshold;
}

}  // namespace mantissa
