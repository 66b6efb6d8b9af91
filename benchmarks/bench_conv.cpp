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

// Runs `step` once untimed (see kWarmup), then once per iteration.
template <class F>
void run_timed(benchmark::State& state, F step) {
  step();
  for (auto _ : state) {
    step();
    benchmark::ClobberMemory();
  }
}

// A counter of `amount` per iteration, reported per second of real time.
benchmark::Counter per_second(double amount) {
  return benchmark::Counter(amount, benchmark::Counter::kIsIterationInvariantRate);
}

// ---- whole layers ---------------------------------------------------------------------------

// Times forward(train) + backward of `spec`'s layer on a batch of (h, w, c) images drawn from
// N(0, 1), with dy from N(0, dy_stddev); dx is computed only when `with_dx`. Returns the
// output shape, batch first.
template <class Layer, class Spec>
mt::Shape time_layer_step(benchmark::State& state, const Spec& spec, mt::Shape image,
                          float dy_stddev, bool with_dx) {
  using T = typename Layer::T;
  auto& ctx = mt::default_context<mt::Cpu>();
  mt::set_num_threads(static_cast<int>(state.range(0)));
  Layer layer(spec);
  mt::Generator gen(1);
  const mt::Shape out = layer.build(image, gen).prepend(kBatch);
  layer.reserve(ctx, kBatch);
  auto x = mt::normal<T>(image.prepend(kBatch), 0.0f, 1.0f, gen);
  auto dy = mt::normal<T>(out, 0.0f, dy_stddev, gen);
  mt::Tensor<T> y(out), dx(with_dx ? x.shape() : mt::Shape{0});
  run_timed(state, [&] {
    layer.forward(ctx, y.view(), x.view(), mt::Mode::train);
    layer.backward(ctx, dx.view(), dy.view(), x.view(), y.view(), mt::Accumulate::overwrite);
  });
  return out;
}

template <class P>
void BM_Conv2D(benchmark::State& state, ConvCase cc) {
  const mt::Shape out = time_layer_step<mt::Conv2DLayer<P, mt::Cpu>>(
      state, mt::Conv2D(cc.filters, 3, mt::same), mt::Shape{cc.h, cc.w, cc.c}, 0.1f, cc.dx);
  const double m = double(kBatch * out[1] * out[2]), k = 9.0 * double(cc.c), n = double(cc.filters);
  const double flops = 2.0 * m * k * n * (cc.dx ? 3.0 : 2.0);
  state.counters["GFLOP/s"] = per_second(flops * 1e-9);
  state.counters["images/s"] = per_second(double(kBatch));
}

template <class P>
void BM_MaxPool2D(benchmark::State& state, PoolCase pc) {
  using T = typename P::compute;
  const mt::Shape image{pc.h, pc.w, pc.c};
  const mt::Shape out =
      time_layer_step<mt::MaxPool2DLayer<P, mt::Cpu>>(state, mt::MaxPool2D(2), image, 1.0f, true);
  // forward reads x, writes y and argmax; backward reads dy and argmax, writes dx.
  const double bytes =
      double(image.numel() * kBatch) * 2 * sizeof(T) + double(out.numel()) * 2 * (sizeof(T) + 4);
  state.counters["GB/s"] = per_second(bytes * 1e-9);
  state.counters["images/s"] = per_second(double(kBatch));
}

// ---- the data-movement kernels alone ----------------------------------------------------------

// im2col reads the (N, H, W, C) image and writes its (N OH OW, 9 C) columns for a 3 x 3 `same`
// window; col2im, its adjoint, goes the other way. The input is drawn from N(0, 1).
enum class Columns { im2col, col2im };

template <class P, Columns op>
void BM_Columns(benchmark::State& state, ConvCase cc) {
  using T = typename P::compute;
  auto& ctx = mt::default_context<mt::Cpu>();
  mt::set_num_threads(static_cast<int>(state.range(0)));
  const auto g = mt::window_2d(kBatch, cc.h, cc.w, cc.c, 3, 1, mt::same);
  const mt::Shape image{kBatch, cc.h, cc.w, cc.c}, columns{kBatch * g.oh * g.ow, 9 * cc.c};
  constexpr bool to_columns = op == Columns::im2col;
  mt::Generator gen(1);
  auto in = mt::normal<T>(to_columns ? image : columns, 0.0f, 1.0f, gen);
  auto out = mt::Tensor<T>::empty(to_columns ? columns : image);
  run_timed(state, [&] {
    if constexpr (to_columns)
      mt::ops::im2col(ctx, out, in, g);
    else
      mt::ops::col2im(ctx, out, in, g);
  });
  state.counters["GB/s"] = per_second(double(in.numel() + out.numel()) * sizeof(T) * 1e-9);
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

// Registers `fn(state, c)` as "<prefix>/<case name>", configured as above.
template <class Case, class F>
void add(const std::string& prefix, const Case& c, F fn) {
  configure(benchmark::RegisterBenchmark((prefix + "/" + c.name).c_str(), fn, c));
}

template <class P>
void register_all() {
  const std::string dt = dtype_name<P>();
  for (const auto& cc : kConv) {
    add("Conv2D/" + dt, cc, BM_Conv2D<P>);
    add("im2col/" + dt, cc, BM_Columns<P, Columns::im2col>);
    if (cc.dx) add("col2im/" + dt, cc, BM_Columns<P, Columns::col2im>);
  }
  for (const auto& pc : kPool) add("MaxPool2D/" + dt, pc, BM_MaxPool2D<P>);
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
