// core/src/cpu/gemm_isa.cpp: the GEMM loop nest of one CPU level (compiled once per level,
// in namespace MANTISSA_ISA: gemm_driver.hpp), around the micro-kernels of gemm_kernel.cpp:
//   jc (kNC): a block of columns of C;
//   pc (kc):  a block of K; B's kc x nc block is packed into a per-thread buffer;
//   ic (kMC): a block of rows; A's mc x kc block is packed likewise;
//   jr, ir:   one micro-kernel call per 6 x 64 tile.
// Two shortcuts: a float A is read in place when the thread's C is one panel wide (each A
// panel would be packed for a single use), and bfloat16 A and B are packed as pairs for
// vdpbf16ps at the avx512_bf16 level (same results, twice the rate; gemm_kernel.hpp).
// Each thread packs the parts of A and B it needs itself (two cores each have a private L2,
// so a shared packed B would only move the copy to L3) and never waits on another.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <type_traits>

#include "gemm_driver.hpp"
#include "gemm_kernel.hpp"
#include "gemm_pack.hpp"

namespace mantissa::cpu::gemm_detail::MANTISSA_ISA {
namespace {

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
      if (p == nullptr) throw_packing_alloc(bytes);
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

// ---- the problem -----------------------------------------------------------------------------

template <class T, class TC>
const T* a_at(const Problem<T, TC>& pr, int64_t i, int64_t p) {  // &op(A)(i, p)
  return pr.ta == Transpose::no ? pr.a + i * pr.lda + p : pr.a + p * pr.lda + i;
}
template <class T, class TC>
const T* b_at(const Problem<T, TC>& pr, int64_t p, int64_t j) {  // &op(B)(p, j)
  return pr.tb == Transpose::no ? pr.b + p * pr.ldb + j : pr.b + j * pr.ldb + p;
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
      Pack::b_block(pr.tb, b_at(pr, pc, jc), pr.ldb, kc, nc, pb);
      // Float A only: widening a 16-bit A in each broadcast cost more than packing it (the
      // deep CNN's float16 forward products 1.2-1.4x, its first block's up to 2x;
      // benchmarks/README.md).
      if constexpr (kHasDirectKernel && std::is_same_v<T, float>) {
        if (nc <= kNR) {  // each A panel would be used once: read A in place
          const int64_t rs = pr.ta == Transpose::no ? pr.lda : 1;
          const int64_t cs = pr.ta == Transpose::no ? 1 : pr.lda;
          for (int64_t ir = m0; ir < m1; ir += kMR) {
            const int mr = static_cast<int>(std::min<int64_t>(kMR, m1 - ir));
            float* wt = w != nullptr ? w + (ir - m0) * nc : nullptr;
            direct_kernel_for<T, TC>(mr, static_cast<int>(nc))(kc, a_at(pr, ir, pc), rs, cs, pb,
                                                               ep, pr.c + ir * pr.ldc + jc, pr.ldc,
                                                               wt, nc, static_cast<int>(nc));
          }
          continue;
        }
      }
      for (int64_t ic = m0; ic < m1; ic += kMC) {
        const int64_t mc = std::min(kMC, m1 - ic);
        Pack::a_block(pr.ta, a_at(pr, ic, pc), pr.lda, mc, kc, pa);
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

constexpr GemmIsa kGemm{&run_share<float, float>, &run_share<half, half>,
                        &run_share<half, float>, &run_share<bfloat16, bfloat16>,
                        &run_share<bfloat16, float>};

}  // namespace

const GemmIsa& gemm_isa() noexcept {
  return kGemm;
}

}  // namespace mantissa::cpu::gemm_detail::MANTISSA_ISA
