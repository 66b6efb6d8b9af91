// bench_convert: throughput of the bulk float <-> half / bfloat16 conversions, one thread.
//
// Every path this CPU supports (avx512, f16c, portable) and the dispatched entry point
// (cpu::convert, "dispatch"), each direction, at an in-cache size (32 Ki elements: 192 KiB of
// source plus destination, inside L2) and a large one (16 Mi elements: 96 MiB, far beyond L3).
// The rate counter `src+dst` counts source bytes plus destination bytes per second, in decimal
// units (G/s = 1e9 bytes/s). The target is 10 GB/s per core.
//
//   build-conv/benchmarks/bench_convert --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "../core/src/cpu/convert_impl.hpp"
#include "mantissa/core/cpu/convert.hpp"

namespace {

using mantissa::bfloat16;
using mantissa::half;
using mantissa::cpu::detail::ConvertKernels;

constexpr std::size_t kSmall = std::size_t{32} << 10;
constexpr std::size_t kLarge = std::size_t{16} << 20;

// Values of a typical activation tensor: normal floats around 1, a few small and large.
std::vector<float> sample_floats(std::size_t n) {
  std::mt19937 rng(1234);
  std::normal_distribution<float> dist(0.0f, 4.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// Runs `fn(src, dst, n)` repeatedly and reports (source + destination bytes) per second.
template <class Src, class Dst, class Fn>
void run(benchmark::State& state, Fn fn) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<Src> src(n);
  std::vector<Dst> dst(n);
  if constexpr (std::is_same_v<Src, float>) {
    src = sample_floats(n);
  } else {  // the 16-bit forms of the same values
    const std::vector<float> f = sample_floats(n);
    for (std::size_t i = 0; i < n; ++i) src[i] = Src(f[i]);
  }
  fn(src.data(), dst.data(), n);  // touch every page before timing
  for (auto _ : state) {
    fn(src.data(), dst.data(), n);
    benchmark::DoNotOptimize(dst.data());
    benchmark::ClobberMemory();
  }
  const double bytes = static_cast<double>(n * (sizeof(Src) + sizeof(Dst)));
  state.counters["src+dst"] = benchmark::Counter(
      bytes, benchmark::Counter::kIsIterationInvariantRate, benchmark::Counter::kIs1000);
  state.SetLabel("src+dst = (source + destination bytes)/s");
}

void register_path(const std::string& name, const ConvertKernels* k) {
  auto reg = [&](const std::string& dir, auto fn) {
    benchmark::RegisterBenchmark((dir + "/" + name).c_str(), fn)
        ->Arg(static_cast<std::int64_t>(kSmall))
        ->Arg(static_cast<std::int64_t>(kLarge))
        ->Unit(benchmark::kMicrosecond);
  };
  using mantissa::cpu::convert;
  if (k == nullptr) {  // the public, dispatched entry points
    reg("float_to_half", [](benchmark::State& s) {
      run<float, half>(s, [](const float* a, half* b, std::size_t n) { convert(a, b, n); });
    });
    reg("half_to_float", [](benchmark::State& s) {
      run<half, float>(s, [](const half* a, float* b, std::size_t n) { convert(a, b, n); });
    });
    reg("float_to_bfloat16", [](benchmark::State& s) {
      run<float, bfloat16>(s, [](const float* a, bfloat16* b, std::size_t n) { convert(a, b, n); });
    });
    reg("bfloat16_to_float", [](benchmark::State& s) {
      run<bfloat16, float>(s, [](const bfloat16* a, float* b, std::size_t n) { convert(a, b, n); });
    });
    return;
  }
  reg("float_to_half", [k](benchmark::State& s) { run<float, half>(s, k->float_to_half); });
  reg("half_to_float", [k](benchmark::State& s) { run<half, float>(s, k->half_to_float); });
  reg("float_to_bfloat16",
      [k](benchmark::State& s) { run<float, bfloat16>(s, k->float_to_bfloat16); });
  reg("bfloat16_to_float",
      [k](benchmark::State& s) { run<bfloat16, float>(s, k->bfloat16_to_float); });
}

}  // namespace

int main(int argc, char** argv) {
  register_path("dispatch", nullptr);
  for (const ConvertKernels* k : mantissa::cpu::detail::supported_kernels())
    register_path(k->name, k);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("convert_isa", mantissa::cpu::convert_isa());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
