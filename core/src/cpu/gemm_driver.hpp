// core/src/cpu/gemm_driver.hpp: internal to the CPU GEMM: what the baseline entry point
// (gemm.cpp) hands to the per-level loop nests (gemm_isa.cpp).
//
// gemm_isa.cpp, gemm_kernel.cpp and the packing files are compiled once per CPU level
// (cpu_level.hpp), each time with that level's -m flags and with MANTISSA_ISA naming a namespace
// of its own (isa_scalar, isa_avx2, isa_avx512, isa_avx512_bf16; core/CMakeLists.txt), so that
// no inline function or template compiled with AVX-512 can be merged by the linker with the
// same name compiled for a lesser CPU. gemm.cpp, compiled for baseline x86-64, checks the
// arguments, splits C between threads and calls one level's share function per thread; the
// types here are plain data, with no code of their own to be merged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "mantissa/core/cpu/gemm.hpp"
#include "mantissa/core/half.hpp"

namespace mantissa::cpu::gemm_detail {

template <class T, class TC>
struct Problem {
  Transpose ta, tb;
  std::int64_t k;
  std::int64_t kc;  // K block length: a function of k alone (it fixes the order of the sums)
  float alpha, beta;
  const T* a;
  std::int64_t lda;
  const T* b;
  std::int64_t ldb;
  TC* c;
  std::int64_t ldc;
};

struct Grid {
  int tm = 1, tn = 1;  // threads along M and along N
};

// Thread t's share (its rectangle of C in grid g, cut on tile boundaries) of an m x n product.
template <class T, class TC>
using ShareFn = void (*)(const Problem<T, TC>& pr, std::int64_t m, std::int64_t n, Grid g, int t);

// One level's loop nests, one per (T, TC) of gemm.hpp.
struct GemmIsa {
  ShareFn<float, float> f32;
  ShareFn<half, half> f16;
  ShareFn<half, float> f16_f32;
  ShareFn<bfloat16, bfloat16> bf16;
  ShareFn<bfloat16, float> bf16_f32;

  template <class T, class TC>
  ShareFn<T, TC> share() const noexcept {
    if constexpr (std::is_same_v<T, float>) return f32;
    else if constexpr (std::is_same_v<T, half> && std::is_same_v<TC, half>) return f16;
    else if constexpr (std::is_same_v<T, half>) return f16_f32;
    else if constexpr (std::is_same_v<TC, bfloat16>) return bf16;
    else return bf16_f32;
  }
};

namespace isa_scalar {
const GemmIsa& gemm_isa() noexcept;
}
#if MANTISSA_CPU_LEVELS
namespace isa_avx2 {
const GemmIsa& gemm_isa() noexcept;
}
namespace isa_avx512 {
const GemmIsa& gemm_isa() noexcept;
}
namespace isa_avx512_bf16 {
const GemmIsa& gemm_isa() noexcept;
}
namespace isa_amx {  // gemm_amx.cpp: AMX tiles for bfloat16, the avx512 level's loops otherwise
const GemmIsa& gemm_isa() noexcept;
}
#endif

// Thrown from the loop nests (defined in gemm.cpp, so that the error's strings are built by
// baseline code): the packing buffer of `bytes` could not be allocated.
[[noreturn]] void throw_packing_alloc(std::size_t bytes);

}  // namespace mantissa::cpu::gemm_detail
