// core/src/cpu/gemm.cpp: the CPU GEMM entry point (contract in mantissa/core/cpu/gemm.hpp),
// compiled for baseline x86-64.
//
// It checks the trivial cases, cuts C into a grid of rectangles (shares) along M and N only, and
// runs the shares on the thread pool (parallel.hpp) through the loop nest of the CPU level
// chosen once at start-up (cpu_level.hpp; gemm_isa.cpp, compiled once per level:
// gemm_driver.hpp). Each share packs the parts of A and B it needs itself and never waits on
// another, and K is
// never split, so every element of C is the same sum in the same order whatever the thread
// count: results are bit-identical from 1 thread to many (at a given level: the levels' kernels
// differ in how they round, e.g. FMA or not).
#include "mantissa/core/cpu/gemm.hpp"

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>
#include <type_traits>
#include <vector>

#include "cpu_level.hpp"
#include "gemm_driver.hpp"
#include "gemm_kernel.hpp"
#include "mantissa/core/error.hpp"
#include "mantissa/core/parallel.hpp"
#include "mantissa/core/threads.hpp"

namespace mantissa::cpu {
namespace {

using namespace gemm_detail;
using std::int64_t;

constexpr int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// K blocks of at most about kKC, of equal length (rounded up to 4 for the kernel's unrolled
// loop), so that k = 600 runs as 2 x 300 rather than 512 + 88.
int64_t k_block(int64_t k) {
  const int64_t blocks = ceil_div(k, kKC);
  return std::min(k, ceil_div(ceil_div(k, blocks), 4) * 4);
}

// The loop nests of the kernels' CPU level, chosen on the first GEMM.
const GemmIsa& active_isa() noexcept {
  static const GemmIsa* const isa = [] {
    switch (detail::cpu_level()) {
#if MANTISSA_CPU_LEVELS
      case detail::CpuLevel::amx: return &isa_amx::gemm_isa();
      case detail::CpuLevel::avx512_bf16: return &isa_avx512_bf16::gemm_isa();
      case detail::CpuLevel::avx512: return &isa_avx512::gemm_isa();
      case detail::CpuLevel::avx2: return &isa_avx2::gemm_isa();
#endif
      default: return &isa_scalar::gemm_isa();
    }
  }();
  return *isa;
}

// ---- splitting C between threads -------------------------------------------------------------

// Below this many multiply-adds (about 15 us on one core) a second thread costs more to wake
// than it saves.
constexpr int64_t kMinParallelMacs = int64_t{1} << 21;

// The grid that minimises the largest share, in kernel cycles (32 multiply-adds a cycle, a
// padded tile costs as much as a full one) plus packing (about 2 cycles per 16 elements).
Grid choose_grid(int threads, int64_t m, int64_t n, int64_t k) {
  Grid best;
  double best_cost = -1.0;
  for (int tm = 1; tm <= threads; ++tm) {
    if (threads % tm != 0) continue;
    const int tn = threads / tm;
    const double rows = static_cast<double>(ceil_div(ceil_div(m, kMR), tm) * kMR);
    const double cols = static_cast<double>(ceil_div(ceil_div(n, kNR), tn) * kNR);
    const double packs =
        rows * static_cast<double>(ceil_div(static_cast<int64_t>(cols), kNC)) + cols;
    const double cost =
        rows * cols * static_cast<double>(k) / 32.0 + packs * static_cast<double>(k) / 8.0;
    if (best_cost < 0.0 || cost < best_cost) {
      best_cost = cost;
      best = {tm, tn};
    }
  }
  return best;
}

// C = beta * C, for k == 0 or alpha == 0 (A and B are then not read, as in BLAS).
template <class TC>
void scale_c(int64_t m, int64_t n, float beta, TC* c, int64_t ldc) {
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      TC& x = c[i * ldc + j];
      x = beta == 0.0f ? TC(0.0f) : TC(beta * static_cast<float>(x));
    }
}

}  // namespace

namespace gemm_detail {
void throw_packing_alloc(std::size_t bytes) {
  throw Error("gemm: out of host memory allocating " + std::to_string(bytes) +
              " bytes of packing buffer");
}
}  // namespace gemm_detail

template <FloatDtype T, FloatDtype TC>
void gemm(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, float alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, float beta, TC* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  // A K-major A with a C at most one panel wide (a weight gradient cols^T dy: m = the
  // convolution's K, n = its filters, k = the pixels) would be read in place, a few values of
  // each of k rows far apart per tile. The transposed product C^T = op(B)^T op(A)^T (the same
  // flags, m and n swapped; C^T more than a panel wide) reads A as packed rows and runs
  // full-width tiles instead: 1.1-1.6x on the deep CNN's weight gradients (benchmarks/README.md).
  // Its C^T starts as C^T (unless beta is 0, when C is not read), so every element of C goes
  // through the same operations, products commuted: the same bits. AMX has a transposed
  // product of its own for bfloat16.
  if (ta == Transpose::yes && tb == Transpose::no && n <= kNR && m > kNR && k >= 64 &&
      !(std::is_same_v<T, bfloat16> && detail::cpu_level() == detail::CpuLevel::amx)) {
    thread_local std::vector<TC> ct;  // grown once; the call below never comes back here
    ct.resize(static_cast<std::size_t>(m * n));
    if (beta != 0.0f)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) ct[static_cast<std::size_t>(j * m + i)] = c[i * ldc + j];
    gemm<T, TC>(Transpose::yes, Transpose::no, n, m, k, alpha, b, ldb, a, lda, beta, ct.data(), m);
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j) c[i * ldc + j] = ct[static_cast<std::size_t>(j * m + i)];
    return;
  }
  const Problem<T, TC> pr{ta, tb, k, k_block(k), alpha, beta, a, lda, b, ldb, c, ldc};

  int threads = num_threads();
  if (m * n * k < kMinParallelMacs) threads = 1;
  const ShareFn<T, TC> run_share = active_isa().share<T, TC>();
  if (threads <= 1) {
    run_share(pr, m, n, Grid{}, 0);
    return;
  }
  // Twice as many shares as threads for a large product, handed out one at a time (parallel.hpp):
  // a thread that another process slows down takes fewer, so it does not hold the others up
  // (a share packs its own panels: the cost model of choose_grid counts that).
  const int shares = m * n * k >= 16 * kMinParallelMacs ? 2 * threads : threads;
  const Grid grid = choose_grid(shares, m, n, k);
  parallel_for(shares, 1, [&](std::int64_t first, std::int64_t last) {
    for (std::int64_t t = first; t < last; ++t) run_share(pr, m, n, grid, static_cast<int>(t));
  });
}

template void gemm<float, float>(Transpose, Transpose, int64_t, int64_t, int64_t, float,
                                 const float*, int64_t, const float*, int64_t, float, float*,
                                 int64_t);
template void gemm<half, half>(Transpose, Transpose, int64_t, int64_t, int64_t, float, const half*,
                               int64_t, const half*, int64_t, float, half*, int64_t);
template void gemm<half, float>(Transpose, Transpose, int64_t, int64_t, int64_t, float, const half*,
                                int64_t, const half*, int64_t, float, float*, int64_t);
template void gemm<bfloat16, bfloat16>(Transpose, Transpose, int64_t, int64_t, int64_t, float,
                                       const bfloat16*, int64_t, const bfloat16*, int64_t, float,
                                       bfloat16*, int64_t);
template void gemm<bfloat16, float>(Transpose, Transpose, int64_t, int64_t, int64_t, float,
                                    const bfloat16*, int64_t, const bfloat16*, int64_t, float,
                                    float*, int64_t);

}  // namespace mantissa::cpu
