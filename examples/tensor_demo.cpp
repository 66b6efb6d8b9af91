// examples/tensor_demo.cpp: a tour of mantissa's tensor core, and the README's main job until
// the Fashion-MNIST trainer replaces it.
//
//   tensor_demo [--threads N] [--size N] [--seed S]
//
// It builds typed tensors, casts them explicitly, multiplies them in float32, half and
// bfloat16 (float32 accumulation throughout), compares the 16-bit products with the float32
// one, reduces, and times the products.
#include <chrono>
#include <cmath>
#include <iostream>
#include <mantissa/mantissa.hpp>

#include "example_cli.hpp"

namespace mt = mantissa;

namespace {

template <class T>
double seconds_per_product(const mt::Tensor<T>& a, const mt::Tensor<T>& b, int reps) {
  auto c = mt::matmul(a, b);  // warm-up: packing buffers, caches
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < reps; ++i) mt::ops::gemm(mt::default_context<mt::Cpu>(), c, a, b);
  const std::chrono::duration<double> dt = std::chrono::steady_clock::now() - t0;
  return dt.count() / reps;
}

// Largest |x - ref| / max|ref| over all elements, both as float32.
double max_rel_error(const mt::Tensor<float>& x, const mt::Tensor<float>& ref) {
  double worst = 0, scale = 0;
  for (std::int64_t i = 0; i < ref.numel(); ++i) {
    worst = std::max(worst, double(std::abs(x[i] - ref[i])));
    scale = std::max(scale, double(std::abs(ref[i])));
  }
  return worst / scale;
}

template <class T>
void report(const char* name, const mt::Tensor<float>& a, const mt::Tensor<float>& b,
            const mt::Tensor<float>& ref, int reps) {
  auto a16 = mt::cast<T>(a);  // the only way to change dtype: explicit, rounded to nearest even
  auto b16 = mt::cast<T>(b);
  auto c = mt::cast<float>(mt::matmul(a16, b16));
  const double s = seconds_per_product(a16, b16, reps);
  const double n = static_cast<double>(a.shape()[0]);
  std::printf("  %-9s max relative error vs float32 %.2e   %7.1f GFLOP/s\n", name,
              max_rel_error(c, ref), 2 * n * n * n / s * 1e-9);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"mantissa tensor core demo"};
  example::configure(app);
  int threads = mt::num_threads();
  std::int64_t size = 512;
  std::uint64_t seed = 42;
  app.add_option("--threads", threads, "CPU threads (default: all cores)")->check(CLI::Range(1, mt::max_threads()));
  app.add_option("--size", size, "square matrix size for the products")->check(CLI::Range(1, 8192));
  app.add_option("--seed", seed, "random seed")
      ->check(CLI::NonNegativeNumber);  // "-1" would wrap to 2^64 - 1
  CLI11_PARSE(app, argc, argv);
  mt::set_num_threads(threads);

  std::cout << "mantissa tensor core demo (" << threads << " threads, conversions: "
            << mt::cpu::convert_isa() << ")\n\n";

  // Typed tensors: the dtype and device are part of the type.
  mt::Generator gen(seed);
  auto x = mt::normal<float>({2, 3}, 0.0f, 1.0f, gen);
  auto h = mt::cast<mt::half>(x);
  std::cout << x << "\n" << h << "\n";
  std::cout << "relu(x) + 1:\n" << mt::relu(x) + 1.0f << "\n";
  std::cout << "sum over axis 1 (float32 by signature, even for half):\n" << mt::sum(h, 1)
            << "\nargmax over axis 1:\n" << mt::argmax(h, 1) << "\n\n";

  // Products: float32 accumulation in every dtype.
  auto a = mt::uniform<float>({size, size}, -1.0f, 1.0f, gen);
  auto b = mt::uniform<float>({size, size}, -1.0f, 1.0f, gen);
  auto ref = mt::matmul(a, b);
  const int reps = size <= 512 ? 20 : 3;
  std::cout << "matmul " << size << "x" << size << "x" << size << ":\n";
  report<float>("float32", a, b, ref, reps);
  report<mt::half>("float16", a, b, ref, reps);
  report<mt::bfloat16>("bfloat16", a, b, ref, reps);

  // The promise: `h + x` does not compile (half + float); say it explicitly instead.
  auto mixed = mt::cast<float>(h) + x;
  std::cout << "\ncast<float>(h) + x:\n" << mixed << "\n";
  return 0;
}
