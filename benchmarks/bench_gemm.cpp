// benchmarks/bench_gemm.cpp: cpu::gemm against Eigen 3.4 and OpenBLAS, in GFLOP/s.
//
// Shapes (M x K x N): 1024^3, and the products of the reference CNN (Fashion-MNIST, batch 64):
//   dense    64 x 3136 x 128     Dense(128) after Flatten
//   conv_fw  12544 x 288 x 64    im2col forward of a 3x3 conv 32->64 on 14x14
//   conv_dw  288 x 12544 x 64    its weight gradient (A transposed)
//   conv_dx  12544 x 64 x 288    its input gradient (B transposed)
// and of the deeper CNN (train_bench's deep_cnn, 32x32x3, batch 64), where C is thin:
//   deep_fw  65536 x 288 x 32    a 3x3 conv 32->32 on 32x32 (its first block)
//   deep_dw  288 x 65536 x 32    its weight gradient (A transposed: the transposed product)
//   deep_dx  65536 x 32 x 288    its input gradient
//   deep_dw2 576 x 16384 x 64    the weight gradient of a 3x3 conv 64->64 on 16x16
// each on 1 thread (CPU time) and 2 threads (real time). mantissa_f16 / mantissa_bf16 take 16-bit
// A, B and C; Eigen and OpenBLAS take the same values as float. Every mantissa run is checked once
// against OpenBLAS on those inputs; the counter max_rel_err is max |C - C_ref| / max |C_ref|.
//
// Run (OpenBLAS at its best: the environment pins it to its Haswell kernels otherwise):
//   env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ./bench_gemm
//   ... --benchmark_filter='/1024/'        a short run
// The variants tried on the way to the kernel in core/ (tile shapes, block sizes, packing A or
// reading it in place, FMA or vdpbf16ps for bfloat16) and their numbers are in README.md; the
// tile and block sizes are the constants of core/src/cpu/gemm_kernel.hpp.
#include <benchmark/benchmark.h>
#include <omp.h>

// Before Eigen: it silences GCC 12's false -Wmaybe-uninitialized in the AVX-512 intrinsics
// that Eigen's kernels inline (GCC bug 105593; see the header).
#include "../core/src/cpu/intrinsics.hpp"

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "mantissa/core/cpu/gemm.hpp"
#include "mantissa/core/half.hpp"

#ifdef MANTISSA_BENCH_HAVE_CBLAS
#include <cblas.h>
#endif

namespace {

using mantissa::half;  // not bfloat16: OpenBLAS's cblas.h declares a ::bfloat16 of its own
using mantissa::cpu::Transpose;
using std::int64_t;

struct Shape {
  const char* name;
  int64_t m, k, n;
  Transpose ta, tb;
};
constexpr Shape kShapes[] = {
    {"1024", 1024, 1024, 1024, Transpose::no, Transpose::no},
    {"dense", 64, 3136, 128, Transpose::no, Transpose::no},
    {"conv_fw", 12544, 288, 64, Transpose::no, Transpose::no},
    {"conv_dw", 288, 12544, 64, Transpose::yes, Transpose::no},
    {"conv_dx", 12544, 64, 288, Transpose::no, Transpose::yes},
    {"deep_fw", 65536, 288, 32, Transpose::no, Transpose::no},
    {"deep_dw", 288, 65536, 32, Transpose::yes, Transpose::no},
    {"deep_dx", 65536, 32, 288, Transpose::no, Transpose::yes},
    {"deep_dw2", 576, 16384, 64, Transpose::yes, Transpose::no},
};

// Operands of one shape, stored as gemm.hpp describes (A is k x m when transposed, B n x k).
template <class T>
struct Operands {
  Shape s;
  int64_t lda, ldb, ldc;
  std::vector<T> a, b;
  std::vector<float> a32, b32;  // the same values, widened, for the float libraries
  explicit Operands(const Shape& shape)
      : s(shape),
        lda(shape.ta == Transpose::no ? shape.k : shape.m),
        ldb(shape.tb == Transpose::no ? shape.n : shape.k),
        ldc(shape.n) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (int64_t i = 0; i < s.m * s.k; ++i) a.push_back(T(dist(rng)));
    for (int64_t i = 0; i < s.k * s.n; ++i) b.push_back(T(dist(rng)));
    for (const T& x : a) a32.push_back(static_cast<float>(x));
    for (const T& x : b) b32.push_back(static_cast<float>(x));
  }
  double flops() const { return 2.0 * static_cast<double>(s.m * s.n * s.k); }
};

void set_threads(int threads) {
  omp_set_num_threads(threads);
  Eigen::setNbThreads(threads);
#ifdef MANTISSA_BENCH_HAVE_CBLAS
  openblas_set_num_threads(threads);
#endif
}

void report(benchmark::State& state, double flops) {
  state.counters["GFLOP"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

#ifdef MANTISSA_BENCH_HAVE_CBLAS
void openblas_sgemm(const Shape& s, const float* a, int64_t lda, const float* b, int64_t ldb,
                    float* c, int64_t ldc) {
  cblas_sgemm(CblasRowMajor, s.ta == Transpose::no ? CblasNoTrans : CblasTrans,
              s.tb == Transpose::no ? CblasNoTrans : CblasTrans, static_cast<int>(s.m),
              static_cast<int>(s.n), static_cast<int>(s.k), 1.0f, a, static_cast<int>(lda), b,
              static_cast<int>(ldb), 0.0f, c, static_cast<int>(ldc));
}
#endif

// ---- the contenders --------------------------------------------------------------------------

template <class T>
void bm_mantissa(benchmark::State& state, Shape shape) {
  set_threads(static_cast<int>(state.range(0)));
  const Operands<T> op(shape);
  std::vector<T> c(static_cast<std::size_t>(shape.m * shape.n));
  auto run = [&] {
    mantissa::cpu::gemm<T, T>(shape.ta, shape.tb, shape.m, shape.n, shape.k, 1.0f, op.a.data(),
                              op.lda, op.b.data(), op.ldb, 0.0f, c.data(), op.ldc);
  };
  for (auto _ : state) {
    run();
    benchmark::ClobberMemory();
  }
  report(state, op.flops());
#ifdef MANTISSA_BENCH_HAVE_CBLAS
  std::vector<float> ref(c.size());
  openblas_sgemm(shape, op.a32.data(), op.lda, op.b32.data(), op.ldb, ref.data(), op.ldc);
  double err = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < c.size(); ++i) {
    err = std::max(err, std::fabs(double(static_cast<float>(c[i])) - double(ref[i])));
    scale = std::max(scale, std::fabs(double(ref[i])));
  }
  state.counters["max_rel_err"] = err / scale;
  // float: float sums in another order; 16-bit: one rounding of C, 2^-8 for bfloat16.
  if (!(err <= (sizeof(T) == 4 ? 1e-5 : 1e-2) * scale)) state.SkipWithError("result mismatch");
#endif
}

void bm_eigen(benchmark::State& state, Shape s) {
  set_threads(static_cast<int>(state.range(0)));
  const Operands<float> op(s);
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using Map = Eigen::Map<const RowMajor>;
  const Map a(op.a32.data(), s.ta == Transpose::no ? s.m : s.k, s.ta == Transpose::no ? s.k : s.m);
  const Map b(op.b32.data(), s.tb == Transpose::no ? s.k : s.n, s.tb == Transpose::no ? s.n : s.k);
  RowMajor c(s.m, s.n);
  for (auto _ : state) {
    if (s.ta == Transpose::no && s.tb == Transpose::no)
      c.noalias() = a * b;
    else if (s.ta == Transpose::yes && s.tb == Transpose::no)
      c.noalias() = a.transpose() * b;
    else if (s.ta == Transpose::no)
      c.noalias() = a * b.transpose();
    else
      c.noalias() = a.transpose() * b.transpose();
    benchmark::ClobberMemory();
  }
  report(state, op.flops());
}

#ifdef MANTISSA_BENCH_HAVE_CBLAS
void bm_openblas(benchmark::State& state, Shape s) {
  set_threads(static_cast<int>(state.range(0)));
  const Operands<float> op(s);
  std::vector<float> c(static_cast<std::size_t>(s.m * s.n));
  for (auto _ : state) {
    openblas_sgemm(s, op.a32.data(), op.lda, op.b32.data(), op.ldb, c.data(), op.ldc);
    benchmark::ClobberMemory();
  }
  report(state, op.flops());
}
#endif

}  // namespace

int main(int argc, char** argv) {
  // Names read "<library>_<dtype>/<shape>/threads:<t>", so --benchmark_filter can pick a
  // library (mantissa_f32), a shape (/1024/) or a thread count (threads:2).
  // Interleaved (shape, threads, library) so that the numbers compared were measured seconds
  // apart: this machine's clock varies by 10 % from one minute to the next.
  for (const Shape& s : kShapes)
    for (int threads : {1, 2}) {
      const std::string suffix = std::string("/") + s.name;
      std::vector<benchmark::internal::Benchmark*> all = {
          benchmark::RegisterBenchmark(("mantissa_f32" + suffix).c_str(), bm_mantissa<float>, s),
          benchmark::RegisterBenchmark(("mantissa_f16" + suffix).c_str(),
                                       bm_mantissa<mantissa::half>, s),
          benchmark::RegisterBenchmark(("mantissa_bf16" + suffix).c_str(),
                                       bm_mantissa<mantissa::bfloat16>, s),
          benchmark::RegisterBenchmark(("eigen_f32" + suffix).c_str(), bm_eigen, s),
#ifdef MANTISSA_BENCH_HAVE_CBLAS
          benchmark::RegisterBenchmark(("openblas_f32" + suffix).c_str(), bm_openblas, s),
#endif
      };
      for (auto* b : all) {
        b->ArgName("threads")->Arg(threads);
        // One thread: CPU time, which a shared machine's other jobs do not inflate (all three
        // libraries then run in the calling thread). Two: real time, the only honest clock.
        if (threads > 1) b->UseRealTime();
      }
    }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
}
