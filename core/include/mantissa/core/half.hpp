// mantissa/core/half.hpp: IEEE 754 binary16 (`half`) and bfloat16 as plain 2-byte value types.
//
// What these objects represent: a 16-bit floating-point number stored as its bit pattern,
// layout-compatible with CUDA's `__half` / `__nv_bfloat16` (one uint16_t, alignment 2), so a
// buffer of them can be handed to cuBLAS/cuDNN as is.
//
// Contract:
//   - trivially copyable, standard layout, sizeof == 2, alignof == 2;
//   - conversions to and from float are explicit (`half h = 1.0f;` does not compile, nor does
//     `float f = h;`): a precision change is always visible in the source;
//   - float is the only number they are built from: half(0.1) (a double, rounded twice, and
//     undefined beyond float's range), half(true), half(1) and half{0x3c00} (an int meant as
//     bits is the value 15360), half(bfloat16) and long double are deleted, so
//     std::is_constructible_v<half, double> is false. Bits go in by name: half::from_bits(b);
//   - `os << h` prints the value as a float would print (a hidden friend: only <iosfwd> here);
//   - float -> 16-bit rounds to nearest, ties to even; overflow gives +-inf; subnormals are kept
//     (no flush to zero); NaN stays NaN (made quiet, sign and top payload bits kept);
//   - 16-bit -> float is exact for every number; a NaN keeps its sign and payload. A signalling
//     half NaN comes out quiet (the quiet bit is set, as IEEE 754 asks of format conversions and
//     as F16C/AVX-512 `vcvtph2ps` does, so the vector paths need no fix-up); bfloat16 -> float
//     is the plain 16-bit shift, signalling NaNs included (bfloat16 is defined as the top half
//     of a float, and every peer widens it that way).
// There is deliberately no arithmetic on these types: kernels widen to float, compute, and
// narrow once (see core/cpu/convert.hpp for the vectorised bulk forms).
#pragma once

#include <bit>
#include <concepts>
#include <cstdint>
#include <iosfwd>
#include <limits>
#include <type_traits>

namespace mantissa {

namespace detail {

// float -> binary16, round to nearest even. Written on integers so it is constexpr and does
// not depend on the FPU's rounding mode or on F16C being present.
constexpr std::uint16_t float_to_half_bits(float f) noexcept {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const auto sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t ax = x & 0x7fffffffu;
  if (ax > 0x7f800000u)  // NaN: quiet it, keep the top 9 payload bits
    return static_cast<std::uint16_t>(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
  if (ax >= 0x47800000u)  // >= 65536 (or inf): inf. [65520, 65536) rounds up below.
    return static_cast<std::uint16_t>(sign | 0x7c00u);
  if (ax < 0x38800000u) {  // below 2^-14, the smallest normal half: result is subnormal or 0
    if (ax < 0x33000000u) return sign;  // below 2^-25: rounds to zero (2^-25 itself ties to 0)
    const std::uint32_t e = ax >> 23;   // 102..112
    const std::uint32_t m = (ax & 0x7fffffu) | 0x800000u;
    const std::uint32_t shift = 126u - e;  // value / 2^-24 = m >> shift, 14..24
    std::uint32_t r = m >> shift;
    const std::uint32_t rem = m & ((1u << shift) - 1u);
    const std::uint32_t halfway = 1u << (shift - 1u);
    if (rem > halfway || (rem == halfway && (r & 1u))) ++r;  // may carry into the normal range
    return static_cast<std::uint16_t>(sign | r);
  }
  // Normal: rebias the exponent (127 -> 15), keep 10 mantissa bits, round on the 13 dropped.
  std::uint32_t r = (ax >> 13) - (112u << 10);
  const std::uint32_t rem = ax & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (r & 1u))) ++r;  // a carry may reach inf: correct
  return static_cast<std::uint16_t>(sign | r);
}

constexpr float half_bits_to_float(std::uint16_t h) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t e = (h >> 10) & 0x1fu;
  const std::uint32_t m = h & 0x3ffu;
  if (e == 0x1fu) {
    if (m == 0) return std::bit_cast<float>(sign | 0x7f800000u);  // inf
    return std::bit_cast<float>(sign | 0x7fc00000u | (m << 13));  // NaN, made quiet (see above)
  }
  if (e == 0) {
    // Subnormal (or zero): m * 2^-24, exact in float.
    const float v = static_cast<float>(m) * 5.9604644775390625e-8f;
    return std::bit_cast<float>(std::bit_cast<std::uint32_t>(v) | sign);
  }
  return std::bit_cast<float>(sign | ((e + 112u) << 23) | (m << 13));
}

// float -> bfloat16, round to nearest even: add 0x7fff plus the lowest kept bit, truncate.
// Overflow carries into the exponent and gives inf, as it should.
constexpr std::uint16_t float_to_bfloat16_bits(float f) noexcept {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u)  // NaN: quiet it, keep sign and top payload bits
    return static_cast<std::uint16_t>((x >> 16) | 0x0040u);
  return static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
}

constexpr float bfloat16_bits_to_float(std::uint16_t b) noexcept {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

struct from_bits_t {
  explicit from_bits_t() = default;
};

}  // namespace detail

inline constexpr detail::from_bits_t from_bits{};

// IEEE 754 binary16: 1 sign, 5 exponent, 10 mantissa bits. Max 65504.
struct alignas(2) half {
  std::uint16_t bits;  // the raw pattern; public so the type stays an aggregate-like POD

  half() = default;  // uninitialised, like float
  constexpr half(detail::from_bits_t, std::uint16_t b) noexcept : bits(b) {}
  constexpr explicit half(float f) noexcept : bits(detail::float_to_half_bits(f)) {}
  // Anything but a float is deleted: a double (rounded twice), bool, an int (meant as bits?),
  // bfloat16 (go through float: half(float(b))).
  template <class U>
    requires(!std::same_as<U, float> && !std::same_as<U, half>)
  explicit half(U) = delete;  // float only: half(0.1f); bits: half::from_bits(0x3c00)
  constexpr explicit operator float() const noexcept { return detail::half_bits_to_float(bits); }

  // The value whose IEEE binary16 pattern is b: half::from_bits(0x3c00) is 1.
  static constexpr half from_bits(std::uint16_t b) noexcept { return {detail::from_bits_t{}, b}; }

  // Bit equality; use float(a) == float(b) for numerical comparison (NaN != NaN, -0 == +0).
  friend constexpr bool same_bits(half a, half b) noexcept { return a.bits == b.bits; }

  // Prints the value, formatted as the stream formats a float.
  template <class C, class Tr>
  friend std::basic_ostream<C, Tr>& operator<<(std::basic_ostream<C, Tr>& os, half h) {
    return os << static_cast<float>(h);
  }
};

// bfloat16: the top half of a float32 (1 sign, 8 exponent, 7 mantissa bits).
struct alignas(2) bfloat16 {
  std::uint16_t bits;

  bfloat16() = default;
  constexpr bfloat16(detail::from_bits_t, std::uint16_t b) noexcept : bits(b) {}
  constexpr explicit bfloat16(float f) noexcept : bits(detail::float_to_bfloat16_bits(f)) {}
  template <class U>
    requires(!std::same_as<U, float> && !std::same_as<U, bfloat16>)
  explicit bfloat16(U) = delete;  // float only: bfloat16(0.1f); bits: bfloat16::from_bits(0x3f80)
  constexpr explicit operator float() const noexcept {
    return detail::bfloat16_bits_to_float(bits);
  }

  // The value whose bit pattern (a float's top 16 bits) is b: bfloat16::from_bits(0x3f80) is 1.
  static constexpr bfloat16 from_bits(std::uint16_t b) noexcept {
    return {detail::from_bits_t{}, b};
  }

  friend constexpr bool same_bits(bfloat16 a, bfloat16 b) noexcept { return a.bits == b.bits; }

  template <class C, class Tr>
  friend std::basic_ostream<C, Tr>& operator<<(std::basic_ostream<C, Tr>& os, bfloat16 b) {
    return os << static_cast<float>(b);
  }
};

// No arithmetic on 16-bit values, and one short message for it (instead of every operator+
// in scope as a candidate): widen explicitly, compute in float, narrow once.
template <class A, class B>
inline constexpr bool is_16bit_operation =
    (std::is_same_v<A, half> || std::is_same_v<A, bfloat16> || std::is_same_v<B, half> ||
     std::is_same_v<B, bfloat16>) &&
    (std::is_arithmetic_v<A> || std::is_same_v<A, half> || std::is_same_v<A, bfloat16>) &&
    (std::is_arithmetic_v<B> || std::is_same_v<B, half> || std::is_same_v<B, bfloat16>);
template <class A, class B>
  requires is_16bit_operation<A, B>
void operator+(A, B) = delete;  // no arithmetic on half/bfloat16: float(a) + float(b), then half(result) if needed
template <class A, class B>
  requires is_16bit_operation<A, B>
void operator-(A, B) = delete;  // no arithmetic on half/bfloat16: float(a) - float(b)
template <class A, class B>
  requires is_16bit_operation<A, B>
void operator*(A, B) = delete;  // no arithmetic on half/bfloat16: float(a) * float(b)
template <class A, class B>
  requires is_16bit_operation<A, B>
void operator/(A, B) = delete;  // no arithmetic on half/bfloat16: float(a) / float(b)

static_assert(sizeof(half) == 2 && alignof(half) == 2);
static_assert(sizeof(bfloat16) == 2 && alignof(bfloat16) == 2);
static_assert(std::is_trivially_copyable_v<half> && std::is_standard_layout_v<half>);
static_assert(std::is_trivially_copyable_v<bfloat16> && std::is_standard_layout_v<bfloat16>);

}  // namespace mantissa

// ---- std::numeric_limits --------------------------------------------------------------------

namespace mantissa::detail {

// What std::numeric_limits says of a 2-byte float: its exponent range, its digits and the bit
// patterns of min, lowest, max, epsilon, round_error, infinity, quiet_NaN, signaling_NaN,
// denorm_min (in that order).
struct Format16 {
  bool iec559;
  int digits, digits10, max_digits10, min_exponent, min_exponent10, max_exponent,
      max_exponent10;
  std::uint16_t bits[9];
};
// IEEE binary16: min 2^-14, max 65504, epsilon 2^-10, denorm_min 2^-24.
inline constexpr Format16 half_format{
    true, 11, 3, 5, -13, -4, 16, 4,
    {0x0400, 0xfbff, 0x7bff, 0x1400, 0x3800, 0x7c00, 0x7e00, 0x7d00, 0x0001}};
// bfloat16, not an IEEE interchange format: float's exponent range with 8 significant bits;
// min 2^-126, max ~3.39e38, epsilon 2^-7, denorm_min 2^-133.
inline constexpr Format16 bfloat16_format{
    false, 8, 2, 4, -125, -37, 128, 38,
    {0x0080, 0xff7f, 0x7f7f, 0x3c00, 0x3f00, 0x7f80, 0x7fc0, 0x7fa0, 0x0001}};

template <class T, const Format16& F>
struct limits_16bit {
  static constexpr T b(int i) noexcept { return T(from_bits, F.bits[i]); }
  static constexpr bool is_specialized = true, is_signed = true, is_integer = false;
  static constexpr bool is_exact = false, has_infinity = true, has_quiet_NaN = true;
  static constexpr bool has_signaling_NaN = true, has_denorm_loss = false, is_bounded = true;
  static constexpr bool is_modulo = false, traps = false, tinyness_before = false;
  static constexpr bool is_iec559 = F.iec559;
  static constexpr std::float_denorm_style has_denorm = std::denorm_present;
  static constexpr std::float_round_style round_style = std::round_to_nearest;
  static constexpr int radix = 2, digits = F.digits, digits10 = F.digits10;
  static constexpr int max_digits10 = F.max_digits10;
  static constexpr int min_exponent = F.min_exponent, min_exponent10 = F.min_exponent10;
  static constexpr int max_exponent = F.max_exponent, max_exponent10 = F.max_exponent10;
  static constexpr T min() noexcept { return b(0); }
  static constexpr T lowest() noexcept { return b(1); }
  static constexpr T max() noexcept { return b(2); }
  static constexpr T epsilon() noexcept { return b(3); }
  static constexpr T round_error() noexcept { return b(4); }
  static constexpr T infinity() noexcept { return b(5); }
  static constexpr T quiet_NaN() noexcept { return b(6); }
  static constexpr T signaling_NaN() noexcept { return b(7); }
  static constexpr T denorm_min() noexcept { return b(8); }
};

}  // namespace mantissa::detail

template <>
class std::numeric_limits<mantissa::half>
    : public mantissa::detail::limits_16bit<mantissa::half, mantissa::detail::half_format> {};
template <>
class std::numeric_limits<mantissa::bfloat16>
    : public mantissa::detail::limits_16bit<mantissa::bfloat16,
                                            mantissa::detail::bfloat16_format> {};
