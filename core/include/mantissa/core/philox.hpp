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

// The generator itself: ten rounds over a 4-word counter under a 2-word key.
MANTISSA_HD constexpr PhiloxBlock philox4x32_10(PhiloxBlock c, std::uint32_t k0,
                                                std::uint32_t k1) noexcept {
  constexpr std::uint32_t m0 = 0xD2511F53u, m1 = 0xCD9E8D57u;  // multipliers
  constexpr std::uint32_t w0 = 0x9E3779B9u, w1 = 0xBB67AE85u;  // Weyl key increments
  for (int round = 0; round < 10; ++round) {
    const std::uint64_t p0 = std::uint64_t{m0} * c.v[0];
    const std::uint64_t p1 = std::uint64_t{m1} * c.v[2];
    c = PhiloxBlock{{static_cast<std::uint32_t>(p1 >> 32) ^ c.v[1] ^ k0,
                     static_cast<std::uint32_t>(p1),
                     static_cast<std::uint32_t>(p0 >> 32) ^ c.v[3] ^ k1,
                     static_cast<std::uint32_t>(p0)}};
    k0 += w0;
    k1 += w1;
  }
  return c;
}

// Block `counter` of the stream `seed`: four independent 32-bit words.
MANTISSA_HD constexpr PhiloxBlock philox_block(std::uint64_t seed, std::uint64_t counter) noexcept {
  return philox4x32_10(PhiloxBlock{{static_cast<std::uint32_t>(counter),
                                    static_cast<std::uint32_t>(counter >> 32), 0u, 0u}},
                       static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
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
