// core/src/random.cpp: Philox4x32-10 and the uniform/normal fills built on it.
#include "mantissa/core/random.hpp"

#include "mantissa/core/philox.hpp"
#include "mantissa/core/parallel.hpp"

#include <cmath>
#include <utility>
#include <numbers>

namespace mantissa {

void shuffle(std::span<std::int64_t> order, const Generator& gen) noexcept {
  for (auto i = static_cast<std::int64_t>(order.size()) - 1; i > 0; --i) {
    const auto r = gen.block(static_cast<std::uint64_t>(i));
    const std::uint64_t wide = (std::uint64_t{r[0]} << 32) | r[1];
    const auto j = static_cast<std::size_t>(wide % static_cast<std::uint64_t>(i + 1));
    std::swap(order[static_cast<std::size_t>(i)], order[j]);
  }
}

namespace {
// Top 24 bits as a float in [0, 1): exactly representable, so no rounding up to 1.
inline float unit_open_right(std::uint32_t x) noexcept {
  return static_cast<float>(x >> 8) * 0x1p-24f;
}
// (0, 1]: for the logarithm in Box-Muller.
inline float unit_open_left(std::uint32_t x) noexcept {
  return static_cast<float>((x >> 8) + 1u) * 0x1p-24f;
}

template <class T>
inline T narrow(float v) noexcept {
  return T(v);
}
}  // namespace

std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> c,
                                           std::array<std::uint32_t, 2> k) noexcept {
  const PhiloxBlock b = mantissa::philox4x32_10(PhiloxBlock{{c[0], c[1], c[2], c[3]}}, k[0], k[1]);
  return {b.v[0], b.v[1], b.v[2], b.v[3]};
}

std::array<std::uint32_t, 4> Generator::block(std::uint64_t i) const noexcept {
  const PhiloxBlock b = philox_block(seed_, offset_ + i);  // the one CUDA kernels use
  return {b.v[0], b.v[1], b.v[2], b.v[3]};
}

std::uint64_t Generator::take(std::uint64_t n) noexcept {
  const std::uint64_t first = offset_;
  offset_ += (n + 3) / 4;
  return first;
}

template <FloatDtype T>
void fill_uniform(TensorView<T, Cpu> x, float lo, float hi, Generator& gen) {
  const auto n = x.numel();
  const Generator g0(gen.seed(), gen.take(static_cast<std::uint64_t>(n)));
  const float span = hi - lo;
  T* out = x.data();
  const std::int64_t blocks = (n + 3) / 4;
  parallel_for(blocks, grain_for(blocks, 4), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t b = first; b < last; ++b) {
      const auto r = g0.block(static_cast<std::uint64_t>(b));
      for (std::int64_t j = 0; j < 4 && 4 * b + j < n; ++j)
        out[4 * b + j] = narrow<T>(lo + span * unit_open_right(r[static_cast<std::size_t>(j)]));
    }
  });
}

template <FloatDtype T>
void fill_normal(TensorView<T, Cpu> x, float mean, float stddev, Generator& gen) {
  const auto n = x.numel();
  const Generator g0(gen.seed(), gen.take(static_cast<std::uint64_t>(n)));
  T* out = x.data();
  constexpr float two_pi = 2.0f * std::numbers::pi_v<float>;
  const std::int64_t blocks = (n + 3) / 4;
  parallel_for(blocks, grain_for(blocks, 16), [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t b = first; b < last; ++b) {
      const auto r = g0.block(static_cast<std::uint64_t>(b));
      float z[4];
      for (int p = 0; p < 2; ++p) {  // two Box-Muller pairs per block
        const float radius = std::sqrt(-2.0f * std::log(unit_open_left(r[2 * p])));
        const float theta = two_pi * unit_open_right(r[2 * p + 1]);
        z[2 * p] = radius * std::cos(theta);
        z[2 * p + 1] = radius * std::sin(theta);
      }
      for (std::int64_t j = 0; j < 4 && 4 * b + j < n; ++j)
        out[4 * b + j] = narrow<T>(mean + stddev * z[j]);
    }
  });
}

template void fill_uniform<float>(TensorView<float, Cpu>, float, float, Generator&);
template void fill_uniform<half>(TensorView<half, Cpu>, float, float, Generator&);
template void fill_uniform<bfloat16>(TensorView<bfloat16, Cpu>, float, float, Generator&);
template void fill_normal<float>(TensorView<float, Cpu>, float, float, Generator&);
template void fill_normal<half>(TensorView<half, Cpu>, float, float, Generator&);
template void fill_normal<bfloat16>(TensorView<bfloat16, Cpu>, float, float, Generator&);

}  // namespace mantissa
