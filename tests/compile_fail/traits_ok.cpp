// mistake: none: the type traits tell the truth about every conversion the type system forbids
// expect-success
//
// Positive control for the traits_* and narrow_* cases. Conversions that do not compile are
// deleted, not static_asserted in a body, so std::is_convertible_v / is_constructible_v /
// is_assignable_v say false and generic code that asks them takes the right branch.
#include <cstdint>
#include <type_traits>
#include <utility>

#include "mantissa/core/core.hpp"

using namespace mantissa;

// Tensors: another dtype or another device is neither convertible, constructible nor assignable.
static_assert(!std::is_convertible_v<Tensor<half>, Tensor<float>>);
static_assert(!std::is_constructible_v<Tensor<float>, Tensor<half>>);
static_assert(!std::is_assignable_v<Tensor<float>&, Tensor<half>>);
static_assert(!std::is_convertible_v<Tensor<bfloat16>, Tensor<half>>);
static_assert(!std::is_convertible_v<Tensor<std::int32_t>, Tensor<float>>);
static_assert(!std::is_convertible_v<Tensor<float, Cuda>, Tensor<float, Cpu>>);
static_assert(!std::is_constructible_v<Tensor<float, Cpu>, Tensor<float, Cuda>>);
static_assert(!std::is_assignable_v<Tensor<float, Cpu>&, Tensor<float, Cuda>>);
static_assert(!std::is_constructible_v<Tensor<half, Cpu>, Tensor<float, Cuda>>);
// ... while the same dtype and device moves, and never copies.
static_assert(std::is_nothrow_move_constructible_v<Tensor<float>>);
static_assert(std::is_nothrow_move_assignable_v<Tensor<half, Cuda>>);
static_assert(!std::is_copy_constructible_v<Tensor<float>>);
static_assert(!std::is_copy_assignable_v<Tensor<float>>);

// 16-bit scalars: built from float (explicitly) and from bits by name, from nothing else.
static_assert(std::is_constructible_v<half, float>);
static_assert(std::is_constructible_v<bfloat16, float>);
static_assert(!std::is_convertible_v<float, half>);
static_assert(!std::is_constructible_v<half, double>);
static_assert(!std::is_constructible_v<half, long double>);
static_assert(!std::is_constructible_v<half, bool>);
static_assert(!std::is_constructible_v<half, int>);
static_assert(!std::is_constructible_v<half, unsigned>);
static_assert(!std::is_constructible_v<half, std::uint16_t>);
static_assert(!std::is_constructible_v<half, char>);
static_assert(!std::is_constructible_v<half, bfloat16>);
static_assert(!std::is_constructible_v<bfloat16, half>);
static_assert(!std::is_constructible_v<bfloat16, double>);
static_assert(!std::is_constructible_v<bfloat16, int>);
static_assert(std::is_trivially_copyable_v<half> && std::is_trivially_copyable_v<bfloat16>);
static_assert(half::from_bits(0x3c00).bits == 0x3c00 && float(half::from_bits(0x3c00)) == 1.0f);
static_assert(float(bfloat16::from_bits(0x3f80)) == 1.0f);
static_assert(float(half(from_bits, 0xc000)) == -2.0f);
// ... and widen explicitly to float only.
static_assert(std::is_constructible_v<float, half> && !std::is_convertible_v<half, float>);
static_assert(!std::is_constructible_v<double, half> && !std::is_constructible_v<int, half>);

// Generic code that asks the trait is no longer misled: it takes the cast<> branch for another
// dtype (with the old static_assert-in-the-body constructor, this did not compile).
template <class To, class From>
To convert(From&& x) {
  if constexpr (std::is_convertible_v<From, To>)
    return std::forward<From>(x);
  else
    return cast<dtype_of<To>>(x);
}
Tensor<float> widen(Tensor<half> x) { return convert<Tensor<float>>(std::move(x)); }
Tensor<float> keep(Tensor<float> x) { return convert<Tensor<float>>(std::move(x)); }
