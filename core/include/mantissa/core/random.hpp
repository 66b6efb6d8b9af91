// mantissa/core/random.hpp: seeded, counter-based random numbers (Philox4x32-10).
//
// What this object represents: a key (the seed) and a position (the offset, counted in
// 128-bit Philox blocks). Element i of a fill draws from block offset + i / 4, so the numbers
// depend only on (seed, offset, i): the same whatever the thread count, and the same on the
// CUDA backend. Each fill advances the offset past the blocks it used, so consecutive fills
// draw fresh numbers; (seed, offset) is the whole state a checkpoint needs.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "mantissa/core/tensor.hpp"

namespace mantissa {

// Philox4x32-10 (Salmon et al., SC'11): one 128-bit block from a counter and a 64-bit key.
std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                           std::array<std::uint32_t, 2> key) noexcept;

class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0, std::uint64_t offset = 0) noexcept
      : seed_(seed), offset_(offset) {}

  std::uint64_t seed() const noexcept { return seed_; }
  std::uint64_t offset() const noexcept { return offset_; }  // in 4-number blocks

  // The block at offset() + i (does not advance).
  std::array<std::uint32_t, 4> block(std::uint64_t i) const noexcept;
  // Reserve n numbers: returns the first block index and advances past ceil(n / 4) blocks.
  std::uint64_t take(std::uint64_t n) noexcept;

  friend bool operator==(const Generator&, const Generator&) = default;

 private:
  std::uint64_t seed_;
  std::uint64_t offset_;
};

// Fill x with U[lo, hi) (floating dtypes; 16-bit ones round the float draw to nearest even).
template <FloatDtype T>
void fill_uniform(TensorView<T, Cpu> x, float lo, float hi, Generator& gen);
// Fill x with N(mean, stddev^2) by Box-Muller on pairs of draws.
template <FloatDtype T>
void fill_normal(TensorView<T, Cpu> x, float mean, float stddev, Generator& gen);

// Fisher-Yates on `order` (any permutation, e.g. 0..n-1): swap i draws block i of gen, so the
// result depends only on (seed, offset), never on a thread count. The data splits and the
// image loader's per-epoch shuffle use it.
void shuffle(std::span<std::int64_t> order, const Generator& gen) noexcept;

namespace detail {
// A tensor of numbers drawn on the host by fill(view) (the same counter-based stream for
// every device), then copied to D when D is not the host.
template <FloatDtype T, Device D, class Fill>
Tensor<T, D> drawn(Shape shape, Fill fill) {
  auto host = Tensor<T, Cpu>::empty(shape);
  fill(host.view());
  if constexpr (std::same_as<D, Cpu>) {
    return host;
  } else {
    auto t = Tensor<T, D>::empty(shape);
    copy_bytes<D, Cpu>(t.data(), host.data(), host.size_bytes());
    return t;
  }
}
}  // namespace detail

// The distribution's parameters are float, and only float: a double argument would be
// narrowed without a word (a stddev of 1e-50 becomes 0, a bound of 1e39 becomes inf).
namespace detail {
template <class A, class B>
inline constexpr bool float_parameters = std::same_as<A, float> && std::same_as<B, float>;
}

template <FloatDtype T, Device D = Cpu, class A, class B>
Tensor<T, D> uniform(Shape shape, A lo, B hi, Generator& gen) {
  static_assert(detail::float_parameters<A, B>,
                "mantissa::uniform(shape, lo, hi, gen): lo and hi are float (their types are in "
                "the note below); write 0.5f, or static_cast<float>(x) where x is known to fit");
  if constexpr (detail::float_parameters<A, B>)
    return detail::drawn<T, D>(shape, [&](TensorView<T> v) { fill_uniform<T>(v, lo, hi, gen); });
  else
    return Tensor<T, D>();
}

template <FloatDtype T, Device D = Cpu, class A, class B>
Tensor<T, D> normal(Shape shape, A mean, B stddev, Generator& gen) {
  static_assert(detail::float_parameters<A, B>,
                "mantissa::normal(shape, mean, stddev, gen): mean and stddev are float (their "
                "types are in the note below); write 0.02f, or static_cast<float>(x) where x is "
                "known to fit");
  if constexpr (detail::float_parameters<A, B>)
    return detail::drawn<T, D>(shape,
                               [&](TensorView<T> v) { fill_normal<T>(v, mean, stddev, gen); });
  else
    return Tensor<T, D>();
}

// The fills, called with anything but two floats: the same message.
template <FloatDtype T, class A, class B>
  requires(!detail::float_parameters<A, B>)
void fill_uniform(TensorView<T, Cpu>, A, B, Generator&) {
  static_assert(detail::float_parameters<A, B>,
                "mantissa::fill_uniform(x, lo, hi, gen): lo and hi are float (their types are in "
                "the note below); write 0.5f, or static_cast<float>(x) where x is known to fit");
}
template <FloatDtype T, class A, class B>
  requires(!detail::float_parameters<A, B>)
void fill_normal(TensorView<T, Cpu>, A, B, Generator&) {
  static_assert(detail::float_parameters<A, B>,
                "mantissa::fill_normal(x, mean, stddev, gen): mean and stddev are float (their "
                "types are in the note below); write 0.02f, or static_cast<float>(x) where x is "
                "known to fit");
}

}  // namespace mantissa
