// core/src/cpu/gemm_kernel.hpp: internal to the CPU GEMM (gemm*.cpp): the blocking constants,
// the packed-panel layout and the micro-kernel tables.
//
// The constants and types are the same at every CPU level; the kernel lookups and what the
// level has (kHasDirectKernel, kHasBf16Pairs) are declared only where MANTISSA_ISA names the
// level's namespace (the files compiled once per level: gemm_driver.hpp), and follow the
// level's compiler flags: AVX-512 F/BW/VL kernels where they are on, AVX512-BF16 pairs too
// where that is, the portable loops otherwise.
//
// Layout of the packed operands (float32; 16-bit inputs widened while packing, except the
// bfloat16 pairs below):
//   A block (mc x kc) -> ceil(mc / kMR) panels of kMR rows; panel r at pa + r * kMR * kc holds
//                        element (i, p) at [p * kMR + i]; rows past mc are zero.
//   B block (kc x nc) -> ceil(nc / kNR) panels of kNR columns; panel s at pb + s * kNR * kc holds
//                        element (p, j) at [p * kNR + j]; columns past nc are zero.
// A micro-kernel multiplies one A panel by one B panel over kc and writes an (m x n) tile,
// m <= kMR, n <= kNR, through an Epilogue.
//
// Why 6 x 64 and these block sizes (2-core Zen 5, numbers in benchmarks/README.md):
//   - 6 x 64 = 24 zmm accumulators + 4 zmm of B + 1 broadcast of A: 29 of 32 registers, 24 FMAs
//     per k step against 4 loads and 6 broadcasts, ~95 % of FMA peak on hot data. 14 x 32
//     (28 accumulators) and 8 x 48 do as well at 1024^3 but not on the reference CNN's
//     products, whose n = 64 (conv forward, weight gradient) 6 x 64 covers with one panel, so
//     A is read in place (DirectKernelFn): conv forward 210 GFLOP/s against 120 for 14 x 32.
//   - kKC = 512: the A panel (6 x 512 floats, 12 KiB) stays in the 48 KiB L1d while the B panel
//     (512 x 64 floats, 128 KiB) streams from L2; longer K blocks mean fewer passes over C.
//     512 beat 384 by 2-5 % at 1024^3 (one core), 256 lost 2-3 %.
//   - kMC = 96: the A block (96 x 512 floats, 192 KiB) plus one B panel sit in the 1 MiB L2;
//     48 and 192 measured the same.
//   - kNC = 1024: the packed B block (2 MiB) is read from L3 once per A block; 512 and 2048
//     measured the same.
// Results never depend on the blocking except through the K block length (the order of the
// float sums), and that depends only on k: threads split M and N, never K.
#pragma once

#include <cstdint>

#include "mantissa/core/cpu/gemm.hpp"
#include "mantissa/core/half.hpp"

#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512VL__)
#define MANTISSA_GEMM_AVX512 1
#else
#define MANTISSA_GEMM_AVX512 0
#endif
// The pairs only in the avx512_bf16 level's objects (core/CMakeLists.txt defines
// MANTISSA_LEVEL_BF16_PAIRS per level): under MANTISSA_NATIVE every level is compiled with
// -march=native, and the other levels do not build the pair packing.
#if MANTISSA_GEMM_AVX512 && defined(__AVX512BF16__) && MANTISSA_LEVEL_BF16_PAIRS
#define MANTISSA_GEMM_BF16_PAIRS 1
#else
#define MANTISSA_GEMM_BF16_PAIRS 0
#endif

namespace mantissa::cpu::gemm_detail {

inline constexpr int kMR = 6;
inline constexpr int kNR = 64;
inline constexpr std::int64_t kMC = 96;
inline constexpr std::int64_t kKC = 512;
inline constexpr std::int64_t kNC = 1024;
static_assert(kNR % 16 == 0 && kNR / 16 <= 4, "B panel is 1..4 zmm wide");
static_assert(kMC % kMR == 0 && kNC % kNR == 0, "blocks hold whole panels");

// What a micro-kernel does with its tile of sums S (S = sum over this K block of a * b):
//   C float:           C = alpha * S + beta * C, with beta = 1 after the first K block.
//   C 16-bit, 1 block: C = round(alpha * S + beta * C).
//   C 16-bit, several: the partial sums stay float in a workspace W so that nothing is rounded
//                      to 16 bits before the end: first block W = S (to_w), middle blocks
//                      W = W + S (to_w, add_w), last block C = round(alpha * (W + S) + beta * C).
// beta == 0 never reads C (an uninitialised C may hold NaN).
struct Epilogue {
  float alpha = 1.0f;
  float beta = 0.0f;
  bool to_w = false;   // store S (+ W) into W; C is not touched
  bool add_w = false;  // add W (the sums of earlier K blocks) to S first
};

// kc >= 1; pa, pb: one packed panel each; c: the tile's top-left element; w: the same tile in
// the workspace (used only when the epilogue says so); n in 1..kNR columns are written.
template <class TC>
using KernelFn = void (*)(std::int64_t kc, const float* pa, const float* pb, const Epilogue& ep,
                          TC* c, std::int64_t ldc, float* w, std::int64_t ldw, int n);

// A read in place, element (i, p) at a[i * rs + p * cs] (see direct_kernel_for below).
template <class TA, class TC>
using DirectKernelFn = void (*)(std::int64_t kc, const TA* a, std::int64_t rs, std::int64_t cs,
                                const float* pb, const Epilogue& ep, TC* c, std::int64_t ldc,
                                float* w, std::int64_t ldw, int n);

}  // namespace mantissa::cpu::gemm_detail

#ifdef MANTISSA_ISA
namespace mantissa::cpu::gemm_detail::MANTISSA_ISA {

// The kernel for a tile of m rows (1..kMR) and n columns (1..kNR). Every kernel computes each
// element of C with the same sequence of float operations, so a tile's position (full or
// edge) never changes a result.
template <class TC>
KernelFn<TC> kernel_for(int m, int n) noexcept;

// A float A read in place, element (i, p) at a[i * rs + p * cs], instead of from a packed
// panel: worth it when each panel of A would be used once (the thread's C is one panel wide),
// as in the CNN's n = 64 products, where packing A costs as much as the FMAs. A 16-bit A is
// packed (widened once) instead: widening it in every broadcast was slower (up to 2x on the
// deep CNN's first convolution; benchmarks/README.md).
inline constexpr bool kHasDirectKernel = MANTISSA_GEMM_AVX512 != 0;
template <class TA, class TC>
DirectKernelFn<TA, TC> direct_kernel_for(int m, int n) noexcept;  // float; null without it

// ---- bfloat16 pairs (AVX512-BF16) ----------------------------------------------------------
// With bfloat16 A and B, vdpbf16ps multiplies pairs of k values in 32-bit lanes at twice the
// rate of vfmadd231ps. It adds the product of the high halves, then that of the low halves,
// each rounded once (checked on Zen 5 on 10^5 random cases), so with k in the high half and
// k + 1 in the low half it computes exactly the two FMAs of the float kernel, in k order: the
// results are the float path's, bit for bit, except that it treats subnormal inputs and
// results as zero (below 1.2e-38, far under any value bfloat16 training produces).
// Panels hold ceil(kc / 2) pairs where the float ones hold kc floats (same kMR / kNR layout,
// one 32-bit word per pair; an odd kc is padded with zero pairs).
inline constexpr bool kHasBf16Pairs = MANTISSA_GEMM_BF16_PAIRS != 0;
template <class TC>
KernelFn<TC> bf16_pair_kernel_for(int m, int n) noexcept;  // TC float or bfloat16
void pack_a_pairs(Transpose ta, const bfloat16* a, std::int64_t lda, std::int64_t mc,
                  std::int64_t kc, float* pa) noexcept;
void pack_b_pairs(Transpose tb, const bfloat16* b, std::int64_t ldb, std::int64_t kc,
                  std::int64_t nc, float* pb) noexcept;

}  // namespace mantissa::cpu::gemm_detail::MANTISSA_ISA
#endif  // MANTISSA_ISA
