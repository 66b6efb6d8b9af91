// benchmarks/bench_train.cpp: end-to-end training throughput (images/s) and memory of the
// reference models, one full step per iteration: forward, loss, backward, optimizer.
//
//   reference CNN  Conv2D(32, 3x3, same)+ReLU, MaxPool 2, Conv2D(64, 3x3, same)+ReLU,
//                  MaxPool 2, Flatten, Dense(128)+ReLU, Dense(10); batch 64, Adam
//   MLP            784-256-256-10 with ReLU; batch 64, Adam
//
// Data is synthetic (N(0, 1) images, random labels): the speed of a step does not depend on
// the values. Counters: images/s (items_per_second), tensor_MiB (peak bytes held in tensors,
// from the allocator's counters), activation_MiB (the forward activations and their
// gradients, which the policy's compute dtype sizes), rss_MiB (the process's peak RSS).
//   bench_train --benchmark_filter=CNN
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <mantissa/mantissa.hpp>

namespace mt = mantissa;

namespace {

constexpr std::int64_t kBatch = 64;

template <class P>
auto make_cnn() {
  return std::make_unique<mt::Sequential<P>>(
      mt::Shape{28, 28, 1}, mt::Seed{1}, mt::Conv2D(32, 3, mt::same), mt::ReLU(),
      mt::MaxPool2D(2), mt::Conv2D(64, 3, mt::same), mt::ReLU(), mt::MaxPool2D(2),
      mt::Flatten(), mt::Dense(128), mt::ReLU(), mt::Dense(10));
}

template <class P>
auto make_mlp() {
  return std::make_unique<mt::Sequential<P>>(mt::Shape{784}, mt::Seed{1}, mt::Dense(256),
                                             mt::ReLU(), mt::Dense(256), mt::ReLU(),
                                             mt::Dense(10));
}

double rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;  // Linux reports KiB
}

template <class P, class Make>
void train_steps(benchmark::State& state, Make make) {
  mt::set_num_threads(static_cast<int>(state.range(0)));
  const auto live_before = mt::cpu_allocation_stats().live_bytes;
  auto model = make();
  model->reserve(kBatch);
  mt::Adam opt(*model);
  mt::SoftmaxCrossEntropy loss_fn;
  mt::LossScaler scaler;
  mt::Generator gen(7);
  auto x = mt::normal<typename P::compute>(model->input_shape().prepend(kBatch), 0.0f, 1.0f, gen);
  mt::Tensor<std::int32_t> y(mt::Shape{kBatch});
  for (std::int64_t i = 0; i < kBatch; ++i) y[i] = static_cast<std::int32_t>(i % 10);
  for (auto _ : state) {
    auto logits = model->forward(x.view(), mt::Mode::train);
    auto loss = loss_fn(logits, y.view());
    mt::StepOutcome outcome;
    if constexpr (P::needs_loss_scaling)
      outcome = opt.step(scaler.unscale(model->backward(scaler.scale(loss))), scaler);
    else
      outcome = opt.step(model->backward(loss));
    benchmark::DoNotOptimize(outcome);
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  // Everything the step holds in tensors: parameters, gradients, optimizer moments, the
  // activation buffers and the batch; and the activation buffers alone (per policy).
  state.counters["tensor_MiB"] =
      static_cast<double>(mt::cpu_allocation_stats().live_bytes - live_before) / (1 << 20);
  state.counters["activation_MiB"] = static_cast<double>(model->activation_bytes()) / (1 << 20);
  state.counters["rss_MiB"] = rss_mib();
}

template <class P>
void BM_CNN(benchmark::State& state) {
  train_steps<P>(state, make_cnn<P>);
}
template <class P>
void BM_MLP(benchmark::State& state) {
  train_steps<P>(state, make_mlp<P>);
}

}  // namespace

BENCHMARK(BM_CNN<mt::policy::float32>)->Arg(1)->Arg(2)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_CNN<mt::policy::mixed_bfloat16>)->Arg(1)->Arg(2)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_CNN<mt::policy::mixed_float16>)->Arg(1)->Arg(2)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_MLP<mt::policy::float32>)->Arg(1)->Arg(2)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_MLP<mt::policy::mixed_bfloat16>)->Arg(1)->Arg(2)->UseRealTime()->MinTime(2.0);

BENCHMARK_MAIN();
