// core/src/cpu/gemm.cpp: the CPU GEMM driver (contract in mantissa/core/cpu/gemm.hpp).
//
// A BLIS-style loop nest around the micro-kernels of gemm_kernel.cpp:
//   threads:  C is cut into a grid of rectangles, one per OpenMP thread, along M and N only;
//   jc (kNC): a block of columns of C;
//   pc (kc):  a block of K; B's kc x nc block is packed into a per-thread buffer;
//   ic (kMC): a block of rows; A's mc x kc block is packed likewise;
//   jr, ir:   one micro-kernel call per 6 x 64 tile.
// Two shortcuts: A is read in place when the thread's C is one panel wide (each A panel
// would be packed for a single use), and bfloat16 A and B are packed as pairs for
// vdpbf16ps where the CPU has AVX512-BF16 (same results, twice the rate; gemm_kernel.hpp).
// Each thread packs the parts of A and B it needs itself (two cores each have a private L2,
// so a shared packed B would only move the copy to L3) and never waits on another, and K is
// never split, so every element of C is the same sum in the same order whatever the thread
// count: results are bit-identical from 1 thread to many.
#include "mantissa/core/cpu/gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <exception>
#include <new>
#include <string>
#include <type_traits>

#include "gemm_kernel.hpp"
#include "gemm_pack.hpp"
#include "mantissa/core/error.hpp"

namespace mantissa::cpu {
namespace {

using namespace gemm_detail;
using std::int64_t;

constexpr int64_t ceil_div(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// ---- per-thread buffers ----------------------------------------------------------------------

// Grown on demand, never shrunk, 64-byte aligned. OpenMP keeps its worker threads between
// parallel regions, so after the first call of a given size a GEMM allocates nothing.
class Buffer {
 public:
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(data_); }

  float* get(int64_t n) {
    if (n > capacity_) {
      const auto bytes = static_cast<std::size_t>(ceil_div(n * 4, 64) * 64);
      void* p = std::aligned_alloc(64, bytes);
      if (p == nullptr)
        throw Error("gemm: out of host memory allocating " + std::to_string(bytes) +
                    " bytes of packing buffer");
      std::free(data_);
      data_ = static_cast<float*>(p);
      capacity_ = n;
    }
    return data_;
  }

 private:
  float* data_ = nullptr;
  int64_t capacity_ = 0;
};

struct Workspace {
  Buffer a;  // packed A block, kMC x kc
  Buffer b;  // packed B block, kc x kNC
  Buffer w;  // float partial sums of a 16-bit C when K takes several blocks
};

Workspace& workspace() {
  thread_local Workspace ws;
  return ws;
}

// ---- the problem and one thread's share of it ------------------------------------------------

template <class T, class TC>
struct Problem {
  Transpose ta, tb;
  int64_t k;
  int64_t kc;  // K block length: a function of k alone (it fixes the order of the sums)
  float alpha, beta;
  const T* a;
  int64_t lda;
  const T* b;
  int64_t ldb;
  TC* c;
  int64_t ldc;

  const T* a_at(int64_t i, int64_t p) const {  // &op(A)(i, p)
    return ta == Transpose::no ? a + i * lda + p : a + p * lda + i;
  }
  const T* b_at(int64_t p, int64_t j) const {  // &op(B)(p, j)
    return tb == Transpose::no ? b + p * ldb + j : b + j * ldb + p;
  }
};

// K blocks of at most about kKC, of equal length (rounded up to 4 for the kernel's unrolled
// loop), so that k = 600 runs as 2 x 300 rather than 512 + 88.
int64_t k_block(int64_t k) {
  const int64_t blocks = ceil_div(k, kKC);
  return std::min(k, ceil_div(ceil_div(k, blocks), 4) * 4);
}

// The packed form of a block: float panels, or bfloat16 pairs (gemm_kernel.hpp).
template <class T>
struct Packing {
  static constexpr bool pairs = std::is_same_v<T, bfloat16> && kHasBf16Pairs;
  static int64_t length(int64_t kc) { return pairs ? (kc + 1) / 2 : kc; }  // per panel row
  static void a_block(Transpose ta, const T* a, int64_t lda, int64_t mc, int64_t kc, float* pa) {
    if constexpr (pairs)
      pack_a_pairs(ta, a, lda, mc, kc, pa);
    else
      pack_a(ta, a, lda, mc, kc, pa);
  }
  static void b_block(Transpose tb, const T* b, int64_t ldb, int64_t kc, int64_t nc, float* pb) {
    if constexpr (pairs)
      pack_b_pairs(tb, b, ldb, kc, nc, pb);
    else
      pack_b(tb, b, ldb, kc, nc, pb);
  }
  template <class TC>
  static KernelFn<TC> kernel(int m, int n) {
    if constexpr (pairs)
      return bf16_pair_kernel_for<TC>(m, n);
    else
      return kernel_for<TC>(m, n);
  }
};

template <class T, class TC>
void run_rectangle(const Problem<T, TC>& pr, int64_t m0, int64_t m1, int64_t n0, int64_t n1) {
  using Pack = Packing<T>;
  constexpr bool narrow_c = !std::is_same_v<TC, float>;
  const int64_t k = pr.k;
  const bool split_k = pr.kc < k;
  const int64_t nc_max = std::min(kNC, n1 - n0);
  Workspace& ws = workspace();
  float* pa = ws.a.get(kMC * pr.kc);
  float* pb = ws.b.get(ceil_div(nc_max, kNR) * kNR * pr.kc);
  float* w = narrow_c && split_k ? ws.w.get((m1 - m0) * nc_max) : nullptr;

  for (int64_t jc = n0; jc < n1; jc += kNC) {
    const int64_t nc = std::min(kNC, n1 - jc);
    for (int64_t pc = 0; pc < k; pc += pr.kc) {
      const int64_t kc = std::min(pr.kc, k - pc);
      const bool first = pc == 0, last = pc + kc == k;
      Epilogue ep{pr.alpha, pr.beta, false, false};
      if constexpr (narrow_c) {
        ep.to_w = !last;
        ep.add_w = !first;
      } else if (!first) {
        ep.beta = 1.0f;  // C already holds alpha * (earlier blocks) + beta * C
      }
      const int64_t kl = Pack::length(kc);
      Pack::b_block(pr.tb, pr.b_at(pc, jc), pr.ldb, kc, nc, pb);
      if constexpr (kHasDirectKernel && !Pack::pairs) {
        if (nc <= kNR) {  // each A panel would be used once: read A in place
          const int64_t rs = pr.ta == Transpose::no ? pr.lda : 1;
          const int64_t cs = pr.ta == Transpose::no ? 1 : pr.lda;
          for (int64_t ir = m0; ir < m1; ir += kMR) {
            const int mr = static_cast<int>(std::min<int64_t>(kMR, m1 - ir));
            float* wt = w != nullptr ? w + (ir - m0) * nc : nullptr;
            direct_kernel_for<T, TC>(mr, static_cast<int>(nc))(kc, pr.a_at(ir, pc), rs, cs, pb, ep,
                                                               pr.c + ir * pr.ldc + jc, pr.ldc, wt,
                                                               nc, static_cast<int>(nc));
          }
          continue;
        }
      }
      for (int64_t ic = m0; ic < m1; ic += kMC) {
        const int64_t mc = std::min(kMC, m1 - ic);
        Pack::a_block(pr.ta, pr.a_at(ic, pc), pr.lda, mc, kc, pa);
        for (int64_t jr = 0; jr < nc; jr += kNR) {
          const int nr = static_cast<int>(std::min<int64_t>(kNR, nc - jr));
          for (int64_t ir = 0; ir < mc; ir += kMR) {
            const int mr = static_cast<int>(std::min<int64_t>(kMR, mc - ir));
            float* wt = w != nullptr ? w + (ic - m0 + ir) * nc + jr : nullptr;
            Pack::template kernel<TC>(mr, nr)(kc, pa + ir * kl, pb + jr * kl, ep,
                                              pr.c + (ic + ir) * pr.ldc + jc + jr, pr.ldc, wt, nc,
                                              nr);
          }
        }
      }
    }
  }
}

// ---- splitting C between threads -------------------------------------------------------------

// Below this many multiply-adds (about 15 us on one core) a second thread costs more to wake
// than it saves.
constexpr int64_t kMinParallelMacs = int64_t{1} << 21;

struct Grid {
  int tm = 1, tn = 1;  // threads along M and along N
};

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

// Thread t's rectangle of C in a grid: rows and columns cut on tile boundaries.
template <class T, class TC>
void run_share(const Problem<T, TC>& pr, int64_t m, int64_t n, Grid g, int t) {
  const int64_t mt = ceil_div(m, kMR), nt = ceil_div(n, kNR);
  const int ti = t / g.tn, tj = t % g.tn;
  const int64_t m0 = std::min(m, mt * ti / g.tm * kMR);
  const int64_t m1 = std::min(m, mt * (ti + 1) / g.tm * kMR);
  const int64_t n0 = std::min(n, nt * tj / g.tn * kNR);
  const int64_t n1 = std::min(n, nt * (tj + 1) / g.tn * kNR);
  if (m0 < m1 && n0 < n1) run_rectangle(pr, m0, m1, n0, n1);
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

template <FloatDtype T, FloatDtype TC>
void gemm(Transpose ta, Transpose tb, int64_t m, int64_t n, int64_t k, float alpha, const T* a,
          int64_t lda, const T* b, int64_t ldb, float beta, TC* c, int64_t ldc) {
  if (m <= 0 || n <= 0) return;
  if (k <= 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  const Problem<T, TC> pr{ta, tb, k, k_block(k), alpha, beta, a, lda, b, ldb, c, ldc};

  int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (m * n * k < kMinParallelMacs) threads = 1;
  if (threads <= 1) {
    run_rectangle(pr, 0, m, 0, n);
    return;
  }
  std::exception_ptr error;  // an exception must not leave an OpenMP region
#pragma omp parallel num_threads(threads)
  {
    const int team = omp_get_num_threads();
    try {
      run_share(pr, m, n, choose_grid(team, m, n, k), omp_get_thread_num());
    } catch (...) {
#pragma omp critical(mantissa_gemm_error)
      error = std::current_exception();
    }
  }
  if (error) std::rethrow_exception(error);
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
