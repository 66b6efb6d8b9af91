// benchmarks/bench_cuda.cpp: the CUDA backend's speed and memory, as one table (and JSON
// lines for scripts):
//   gemm    a half-precision N x N x N product through mantissa (ops -> Backend<Cuda> ->
//           cublasGemmEx) and through cublasGemmEx called directly with the same arguments,
//           in TFLOP/s, interleaved; the ratio is mantissa's overhead.
//   train   the reference CNN (Conv2D 32 + ReLU, MaxPool, Conv2D 64 + ReLU, MaxPool, Dense
//           128 + ReLU, Dense 10; Adam; softmax cross-entropy) at one batch size, per policy:
//           images/s, step time p50 and p95 (each step ends with the step status read, so a
//           step's time is the GPU's), the peak device memory held in tensors (model,
//           activations, optimizer state, scratch) from the allocator's counters, and the
//           activation buffers alone (forward outputs and their gradients: what the policy's
//           compute dtype sizes).
//
//   bench_cuda [--gemm N] [--batch B] [--steps S] [--warmup W] [--reps R]
// Defaults: --gemm 8192 --batch 256 --steps 50 --warmup 10 --reps 5. The emulation build
// runs it too (a smoke test of the harness): give it small sizes there.
#include <cublas_v2.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <mantissa/mantissa.hpp>

namespace mt = mantissa;
using mt::Cuda;

namespace {

struct Options {
  std::int64_t gemm = 8192, batch = 256;
  int steps = 50, warmup = 10, reps = 5;
};

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

double median(std::vector<double> v) { return percentile(std::move(v), 0.5); }

// ---- gemm -----------------------------------------------------------------------------------
void bench_gemm(const Options& o) {
  const std::int64_t n = o.gemm;
  auto& ctx = mt::default_context<Cuda>();
  mt::Generator gen(1);
  const auto a = mt::to<Cuda>(mt::uniform<mt::half>(mt::Shape{n, n}, -1.0f, 1.0f, gen));
  const auto b = mt::to<Cuda>(mt::uniform<mt::half>(mt::Shape{n, n}, -1.0f, 1.0f, gen));
  mt::Tensor<mt::half, Cuda> c(mt::Shape{n, n});
  const double flop = 2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
  auto ours = [&] { mt::ops::gemm(ctx, c.view(), a.view(), b.view()); };
  auto direct = [&] {
    // Row-major C = A B as column-major C^T = B^T A^T: the same call mantissa makes.
    const float alpha = 1.0f, beta = 0.0f;
    const int ni = static_cast<int>(n);
    const cublasStatus_t s = cublasGemmEx(ctx.cublas(), CUBLAS_OP_N, CUBLAS_OP_N, ni, ni, ni,
                                          &alpha, b.data(), CUDA_R_16F, ni, a.data(), CUDA_R_16F,
                                          ni, &beta, c.view().data(), CUDA_R_16F, ni,
                                          CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
    if (s != CUBLAS_STATUS_SUCCESS) throw mt::CudaError("bench_cuda: cublasGemmEx failed");
  };
  auto time = [&](auto&& f) {
    f();
    ctx.synchronize();
    const int inner = 5;
    const double t0 = now_s();
    for (int i = 0; i < inner; ++i) f();
    ctx.synchronize();
    return flop * inner / (now_s() - t0) / 1e12;
  };
  std::vector<double> tm, tc;
  for (int r = 0; r < o.reps; ++r) {  // interleaved, so drift hits both alike
    tm.push_back(time(ours));
    tc.push_back(time(direct));
  }
  const double m = median(tm), d = median(tc);
  std::printf("%-34s %12.1f %12.1f %8.3f\n", ("gemm half " + std::to_string(n) + "^3 TFLOP/s").c_str(),
              m, d, m / d);
  std::printf("json: {\"bench\":\"gemm_half\",\"n\":%lld,\"mantissa_tflops\":%.2f,"
              "\"cublas_tflops\":%.2f,\"ratio\":%.4f}\n",
              static_cast<long long>(n), m, d, m / d);
}

// ---- training steps -------------------------------------------------------------------------
template <class P>
void bench_train(const Options& o) {
  using T = typename P::compute;
  mt::reset_cuda_peak_bytes();
  const auto base = mt::cuda_allocation_stats().live_bytes;
  mt::Sequential<P, Cuda> model(mt::Shape{28, 28, 1}, mt::Seed{1}, mt::Conv2D(32, 3, mt::same),
                                mt::ReLU(), mt::MaxPool2D(2), mt::Conv2D(64, 3, mt::same),
                                mt::ReLU(), mt::MaxPool2D(2), mt::Flatten(), mt::Dense(128),
                                mt::ReLU(), mt::Dense(10));
  model.reserve(o.batch);
  mt::Adam<P, Cuda> opt(model);
  mt::LossScaler scaler;
  mt::SoftmaxCrossEntropy loss_fn;
  mt::Generator gen(7);
  const auto x = mt::to<Cuda>(mt::normal<T>(mt::Shape{o.batch, 28, 28, 1}, 0.0f, 1.0f, gen));
  mt::Tensor<std::int32_t> yh(mt::Shape{o.batch});
  for (std::int64_t i = 0; i < o.batch; ++i) yh[i] = static_cast<std::int32_t>(i % 10);
  const auto y = mt::to<Cuda>(yh);
  auto step = [&] {
    auto loss = loss_fn(model.context(), model.forward(x, mt::Mode::train), y);
    if constexpr (P::needs_loss_scaling)
      (void)opt.step(scaler.unscale(model.backward(scaler.scale(loss))), scaler);
    else
      (void)opt.step(model.backward(loss));  // the step reads the step status: a sync
  };
  for (int i = 0; i < o.warmup; ++i) step();
  const auto allocs = mt::cuda_allocation_stats().allocations;
  std::vector<double> times;
  for (int i = 0; i < o.steps; ++i) {
    const double t0 = now_s();
    step();
    times.push_back(now_s() - t0);
  }
  const auto stats = mt::cuda_allocation_stats();
  double total = 0;
  for (double t : times) total += t;
  const double ips = static_cast<double>(o.batch) * o.steps / total;
  const double peak_mib = static_cast<double>(stats.peak_bytes - base) / (1 << 20);
  const double act_mib = static_cast<double>(model.activation_bytes()) / (1 << 20);
  std::printf("%-34s %12.0f %12.3f %8.3f %10.1f %8.1f %6lld\n",
              ("train CNN b" + std::to_string(o.batch) + " " + std::string(P::name)).c_str(), ips,
              1e3 * percentile(times, 0.5), 1e3 * percentile(times, 0.95), peak_mib, act_mib,
              static_cast<long long>(stats.allocations - allocs));
  std::printf("json: {\"bench\":\"train_cnn\",\"policy\":\"%s\",\"batch\":%lld,\"images_per_s\":%.1f,"
              "\"p50_ms\":%.4f,\"p95_ms\":%.4f,\"peak_tensor_mib\":%.2f,\"activation_mib\":%.2f,"
              "\"allocations_in_steps\":%lld}\n",
              std::string(P::name).c_str(), static_cast<long long>(o.batch), ips,
              1e3 * percentile(times, 0.5), 1e3 * percentile(times, 0.95), peak_mib, act_mib,
              static_cast<long long>(stats.allocations - allocs));
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> long long {
      if (i + 1 >= argc) throw mt::ValueError("bench_cuda: " + a + " needs a value");
      const long long v = std::atoll(argv[++i]);
      if (v <= 0) throw mt::ValueError("bench_cuda: " + a + " needs a positive value");
      return v;
    };
    if (a == "--gemm") o.gemm = value();
    else if (a == "--batch") o.batch = value();
    else if (a == "--steps") o.steps = static_cast<int>(value());
    else if (a == "--warmup") o.warmup = static_cast<int>(value());
    else if (a == "--reps") o.reps = static_cast<int>(value());
    else throw mt::ValueError("bench_cuda: unknown flag " + a +
                              " (--gemm N --batch B --steps S --warmup W --reps R)");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    if (!Cuda::available()) {
      std::printf("bench_cuda: no CUDA device on this machine\n");
      return 0;
    }
    std::printf("%-34s %12s %12s %8s\n", "gemm", "mantissa", "cuBLAS", "ratio");
    bench_gemm(o);
    std::printf("\n%-34s %12s %12s %8s %10s %8s %6s\n", "train", "images/s", "p50 ms", "p95 ms",
                "peak MiB", "act MiB", "allocs");
    bench_train<mt::policy::float32>(o);
    bench_train<mt::policy::mixed_float16>(o);
    bench_train<mt::policy::mixed_bfloat16>(o);
    return 0;
  } catch (const mt::Error& e) {
    std::fprintf(stderr, "bench_cuda: %s\n", e.what());
    return 1;
  }
}
