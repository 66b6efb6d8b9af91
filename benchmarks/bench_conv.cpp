// benchmarks/bench_conv.cpp: Conv2D and MaxPool2D at the reference CNN's shapes (Fashion-
// MNIST, batch 64), whole layers and their im2col / col2im / pooling kernels alone.
//
//   conv1   Conv2D(32, 3, same) on (64, 28, 28, 1):  GEMMs 50176 x 9 x 32; no dx (first layer)
//   conv2   Conv2D(64, 3, same) on (64, 14, 14, 32): GEMMs 12544 x 288 x 64, with dx
//   pool1   MaxPool2D(2) on (64, 28, 28, 32);  pool2  MaxPool2D(2) on (64, 14, 14, 64)
// Each forward(train) + backward, float32 and bfloat16, on 1 and 2 threads (real time, one
// batch per iteration). Counters: GFLOP/s (2 M K N per GEMM: forward, dW and, for conv2,
// dcols), images/s, and for the memory-bound kernels GB/s (bytes read + written).
//
// Run:  ./bench_conv                                  everything
//       ./bench_conv --benchmark_filter='conv2'       one layer
//       ./bench_conv --benchmark_min_time=0.05 --benchmark_repetitions=15
//           --benchmark_report_aggregates_only=true | grep -E '_min|_max'   (one line) on a
//           busy machine: time from the _min rows, GFLOP/s, GB/s and images/s from _max
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "mantissa/layers/conv2d.hpp"
#include "mantissa/layers/maxpool2d.hpp"

namespace mt = mantissa;
using std::int64_t;

namespace {

constexpr int64_t kBatch = 64;

// kWarmup: every benchmark runs its step once before timing. The first touch of a fresh
// buffer (a layer's workspace, the GEMM's packing buffers) page-faults, about 20 us a page on
// this VM: 80 ms for conv2's two 14 MiB im2col buffers, which a short run (one iteration of
// --benchmark_min_time=0.05) would otherwise report as the layer's speed. Training pays it
// once, at its first step.

struct ConvCase {
  const char* name;
  int64_t h, w, c, filters;
  bool dx;  // the first layer's input needs no gradient
};
constexpr ConvCase kConv[] = {{"conv1", 28, 28, 1, 32, false}, {"conv2", 14, 14, 32, 64, true}};

struct PoolCase {
  const char* name;
  int64_t h, w, c;
};
constexpr PoolCase kPool[] = {{"pool1", 28, 28, 32}, {"pool2", 14, 14, 64}};

template <class P>
const char* dtype_name() {
  return std::is_same_v<typename P::compute, float> ? "float32" : "bfloat16";
}

// ---- whole layers ---------------------------------------------------------------------------

template <class P>
void BM_Conv2D(benchmark::State& state, ConvCase cc) {
  using T = typename P::compute;
  mt::set_num_threads(static_cast<int>(state.range(0)));
  mt::Conv2DLayer<P, mt::Cpu> conv(mt::Conv2D(cc.filters, 3, mt::same));
  mt::Generator gen(1);
  const mt::Shape out = conv.build(mt::Shape{cc.h, cc.w, cc.c}, gen).prepend(kBatch);
  conv.reserve(mt::default_context<mt::Cpu>(), kBatch);
  auto x = mt::normal<T>(mt::Shape{kBatch, cc.h, cc.w, cc.c}, 0.0f, 1.0f, gen);
  auto dy = mt::normal<T>(out, 0.0f, 0.1f, gen);
  mt::Tensor<T> y(out), dx(cc.dx ? x.shape() : mt::Shape{0});
  auto step = [&] {
    conv.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::train);
    conv.backward(mt::default_context<mt::Cpu>(), dx.view(), dy.view(), x.view(), y.view(), mt::Accumulate::overwrite);
  };
  step();  // warm-up: see kWarmup
  for (auto _ : state) {
    step();
    benchmark::ClobberMemory();
  }
  const double m = double(kBatch * out[1] * out[2]), k = 9.0 * double(cc.c), n = double(cc.filters);
  const double flops = 2.0 * m * k * n * (cc.dx ? 3.0 : 2.0);
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["images/s"] =
      benchmark::Counter(double(kBatch), benchmark::Counter::kIsIterationInvariantRate);
}

template <class P>
void BM_MaxPool2D(benchmark::State& state, PoolCase pc) {
  using T = typename P::compute;
  mt::set_num_threads(static_cast<int>(state.range(0)));
  mt::MaxPool2DLayer<P, mt::Cpu> pool(mt::MaxPool2D(2));
  mt::Generator gen(1);
  const mt::Shape out = pool.build(mt::Shape{pc.h, pc.w, pc.c}, gen).prepend(kBatch);
  pool.reserve(mt::default_context<mt::Cpu>(), kBatch);
  auto x = mt::normal<T>(mt::Shape{kBatch, pc.h, pc.w, pc.c}, 0.0f, 1.0f, gen);
  auto dy = mt::normal<T>(out, 0.0f, 1.0f, gen);
  mt::Tensor<T> y(out), dx(x.shape());
  auto step = [&] {
    pool.forward(mt::default_context<mt::Cpu>(), y.view(), x.view(), mt::Mode::train);
    pool.backward(mt::default_context<mt::Cpu>(), dx.view(), dy.view(), x.view(), y.view(), mt::Accumulate::overwrite);
  };
  step();  // warm-up: see kWarmup
  for (auto _ : state) {
    step();
    benchmark::ClobberMemory();
  }
  // forward reads x, writes y and argmax; backward reads dy and argmax, writes dx.
  const double bytes = double(x.numel()) * 2 * sizeof(T) + double(y.numel()) * 2 * (sizeof(T) + 4);
  state.counters["GB/s"] =
      benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["images/s"] =
      benchmark::Counter(double(kBatch), benchmark::Counter::kIsIterationInvariantRate);
}

// ---- the data-movement kernels alone ----------------------------------------------------------

template <class P>
void BM_Im2col(benchmark::State& state, ConvCase cc) {
  using T = typename P::compute;
  mt::set_num_threads(static_cast<int>(state.range(0)));
  const auto g = mt::window_2d(kBatch, cc.h, cc.w, cc.c, 3, 1, mt::same);
  mt::Generator gen(1);
  auto x = mt::normal<T>(mt::Shape{kBatch, cc.h, cc.w, cc.c}, 0.0f, 1.0f, gen);
  auto cols = mt::Tensor<T>::empty(mt::Shape{kBatch * g.oh * g.ow, 9 * cc.c});
  mt::ops::im2col(mt::default_context<mt::Cpu>(), cols, x, g);  // warm-up: see kWarmup
  for (auto _ : state) {
    mt::ops::im2col(mt::default_context<mt::Cpu>(), cols, x, g);
    benchmark::ClobberMemory();
  }
  const double bytes = double(x.numel() + cols.numel()) * sizeof(T);
  state.counters["GB/s"] =
      benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

template <class P>
void BM_Col2im(benchmark::State& state, ConvCase cc) {
  using T = typename P::compute;
  mt::set_num_threads(static_cast<int>(state.range(0)));
  const auto g = mt::window_2d(kBatch, cc.h, cc.w, cc.c, 3, 1, mt::same);
  mt::Generator gen(1);
  auto dcols = mt::normal<T>(mt::Shape{kBatch * g.oh * g.ow, 9 * cc.c}, 0.0f, 1.0f, gen);
  auto dx = mt::Tensor<T>::empty(mt::Shape{kBatch, cc.h, cc.w, cc.c});
  mt::ops::col2im(mt::default_context<mt::Cpu>(), dx, dcols, g);  // warm-up: see kWarmup
  for (auto _ : state) {
    mt::ops::col2im(mt::default_context<mt::Cpu>(), dx, dcols, g);
    benchmark::ClobberMemory();
  }
  const double bytes = double(dx.numel() + dcols.numel()) * sizeof(T);
  state.counters["GB/s"] =
      benchmark::Counter(bytes * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

// One batch per iteration, wall-clock time, on 1 and 2 threads. With repetitions, "min" and
// "max" rows too: on a machine shared with other jobs the fastest repetition is the one that
// ran alone (a 2-thread run that shares a core with a compiler waits whole time slices). A
// statistic applies to every column: read the time in the _min row, the rates in _max.
void configure(benchmark::internal::Benchmark* b) {
  b->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond);
  b->ComputeStatistics(
      "min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); });
  b->ComputeStatistics(
      "max", [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); });
}

template <class P>
void register_all() {
  const std::string dt = dtype_name<P>();
  for (const auto& cc : kConv) {
    configure(
        benchmark::RegisterBenchmark(("Conv2D/" + dt + "/" + cc.name).c_str(), BM_Conv2D<P>, cc));
    configure(
        benchmark::RegisterBenchmark(("im2col/" + dt + "/" + cc.name).c_str(), BM_Im2col<P>, cc));
    if (cc.dx)
      configure(
          benchmark::RegisterBenchmark(("col2im/" + dt + "/" + cc.name).c_str(), BM_Col2im<P>, cc));
  }
  for (const auto& pc : kPool)
    configure(benchmark::RegisterBenchmark(("MaxPool2D/" + dt + "/" + pc.name).c_str(),
                                           BM_MaxPool2D<P>, pc));
}

}  // namespace

int main(int argc, char** argv) {
  register_all<mt::policy::float32>();
  register_all<mt::policy::mixed_bfloat16>();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
