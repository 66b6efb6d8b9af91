// benchmarks/dp_overlap_bench.cpp: data-parallel steps of the reference CNN with the gradient
// averaging overlapped with the backward pass (DataParallel::backward) against averaging after
// it (average(model.backward(...))), interleaved repetitions, under MPI:
//   mpirun -np 2 --oversubscribe build/benchmarks/dp_overlap_bench [reps] [steps] [batch]
// One thread per rank. Rank 0 prints each repetition's images/s (all ranks' images) and the
// medians.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "mantissa/dist/dist.hpp"
#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace dist = mantissa::dist;
using P = mt::policy::mixed_float16;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int reps = argc > 1 ? std::atoi(argv[1]) : 5;
  const int steps = argc > 2 ? std::atoi(argv[2]) : 30;
  const std::int64_t batch = argc > 3 ? std::atoll(argv[3]) : 64;
  try {
    mt::set_num_threads(1);
    dist::MpiCommunicator comm;
    dist::DataParallel dp(comm);
    mt::Sequential<P> model({28, 28, 1}, mt::Seed{1}, mt::Conv2D(32, 3, mt::same), mt::ReLU(),
                            mt::MaxPool2D(2), mt::Conv2D(64, 3, mt::same), mt::ReLU(),
                            mt::MaxPool2D(2), mt::Flatten(), mt::Dense(128), mt::ReLU(),
                            mt::Dense(10));
    dp.broadcast_parameters(model);
    mt::Adam opt(model, {.lr = 1e-4f});
    mt::LossScaler scaler;
    mt::SoftmaxCrossEntropy loss_fn;
    mt::Generator gen(7 + static_cast<std::uint64_t>(comm.rank()));
    const auto x = mt::checked_cast<mt::half>(mt::uniform<float>(mt::Shape{batch, 28, 28, 1}, 0.0f, 1.0f, gen));
    mt::Tensor<std::int32_t> y(mt::Shape{batch});
    for (std::int64_t i = 0; i < batch; ++i) y[i] = static_cast<std::int32_t>(i % 10);
    auto step = [&](bool overlap) {
      auto loss = loss_fn(model.forward(x, mt::Mode::train), y);
      auto scaled = overlap ? dp.backward(model, scaler.scale(loss))
                            : dp.average(model.backward(scaler.scale(loss)));
      (void)opt.step(scaler.unscale(std::move(scaled)), scaler);
    };
    for (int w = 0; w < 3; ++w) step(w % 2 == 0);  // warm-up
    std::vector<double> rate[2];
    for (int r = 0; r < reps; ++r) {
      for (int overlap = 0; overlap < 2; ++overlap) {
        comm.barrier();
        const auto t0 = std::chrono::steady_clock::now();
        for (int s = 0; s < steps; ++s) step(overlap == 1);
        comm.barrier();
        const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        rate[overlap].push_back(static_cast<double>(steps * batch * comm.size()) / sec);
      }
      if (comm.rank() == 0)
        std::printf("rep %d: after backward %.0f img/s, overlapped %.0f img/s\n", r + 1, rate[0].back(),
                    rate[1].back());
    }
    if (comm.rank() == 0)
      std::printf("%d ranks, batch %lld each, %d steps x %d reps: median after backward %.0f img/s, "
                  "overlapped %.0f img/s (ratio %.3f)\n",
                  comm.size(), static_cast<long long>(batch), steps, reps, median(rate[0]), median(rate[1]),
                  median(rate[1]) / median(rate[0]));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "dp_overlap_bench: %s\n", e.what());
    return 1;
  }
}
