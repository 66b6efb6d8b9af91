// examples/fashion_mnist.cpp: the main job. Trains the reference CNN on Fashion-MNIST and
// reports test accuracy.
//
//   fashion_mnist [--device auto|cpu|cuda] [--precision float32|mixed_float16|mixed_bfloat16]
//                 [--epochs 5] [--batch-size 64] [--lr 1e-3] [--threads N] [--limit N]
//                 [--seed S] [--out DIR] [--data DIR] [--resume] [--distributed]
//
// --distributed trains data-parallel over MPI (mpirun -np N fashion_mnist --distributed): each
// rank reads its shard of every epoch with --batch-size samples a step, gradients are averaged
// over the ranks, rank 0 prints and writes the checkpoint and history (dist/README.md).
//
// The model: Conv2D(32, 3x3, same)+ReLU, MaxPool 2, Conv2D(64, 3x3, same)+ReLU, MaxPool 2,
// Flatten, Dense(128)+ReLU, Dense(10); Adam with cosine decay; softmax cross-entropy. The data comes from
// Debian's dataset-fashion-mnist package. The precision and device flags are read once, here at
// the program's edge, and pick which instantiation runs: inside, policy and device are types.
// --device auto trains on the GPU when mantissa has the CUDA backend and a GPU is present.
#include <cstdio>
#include <iostream>
#include <mantissa/dist/dist.hpp>
#include <mantissa/mantissa.hpp>
#include <memory>

#include "fashion_mnist_flags.hpp"

namespace mt = mantissa;

namespace {

// The data-parallel group of a --distributed run (null otherwise).
struct Group {
  std::unique_ptr<mt::dist::Communicator> comm;
  std::unique_ptr<mt::dist::DataParallel> dp;
  bool root() const { return !dp || dp->is_root(); }
};

Group make_group(const Flags& f) {
  Group g;
  if (!f.distributed) return g;
#if defined(MANTISSA_WITH_MPI)
  if (!mt::dist::launched_by_mpi())
    throw mt::ValueError("--distributed: start one process per rank with MPI: "
                         "mpirun -np 2 fashion_mnist --distributed ...");
  g.comm = std::make_unique<mt::dist::MpiCommunicator>();
  g.dp = std::make_unique<mt::dist::DataParallel>(*g.comm);
#else
  throw mt::ValueError("--distributed: this build of mantissa has no MPI (install libopenmpi-dev "
                       "and reconfigure)");
#endif
  return g;
}

template <class P, class D>
int run(const Flags& f, Group& group) {
  auto* dp = group.dp.get();
  using T = typename P::compute;
  auto train_set = mt::data::fashion_mnist("train", f.data);
  auto test_set = mt::data::fashion_mnist("test", f.data);
  if (f.limit > 0 && f.limit < train_set.images.shape()[0]) {
    auto imgs = mt::Tensor<std::uint8_t>::empty(train_set.images.shape().with(0, f.limit));
    auto labs = mt::Tensor<std::int32_t>::empty(mt::Shape{f.limit});
    mt::copy_bytes<mt::Cpu, mt::Cpu>(imgs.data(), train_set.images.data(), imgs.size_bytes());
    mt::copy_bytes<mt::Cpu, mt::Cpu>(labs.data(), train_set.labels.data(), labs.size_bytes());
    train_set = {std::move(imgs), std::move(labs)};
  }
  mt::data::ImageLoader<T> train(train_set, {.batch = f.batch, .shuffle = true, .seed = f.seed,
                                             .shard = dp ? dp->shard() : mt::data::Shard{}});
  mt::data::ImageLoader<T> test(test_set, {.batch = 256, .shuffle = false});

  mt::Sequential<P, D> model(mt::Shape{28, 28, 1}, mt::Seed{f.seed}, mt::Conv2D(32, 3, mt::same),
                          mt::ReLU(), mt::MaxPool2D(2), mt::Conv2D(64, 3, mt::same), mt::ReLU(),
                          mt::MaxPool2D(2), mt::Flatten(), mt::Dense(128), mt::ReLU(),
                          mt::Dense(10));
  if (group.root()) model.summary(std::cout);
  // An empty set (--limit, --batch-size) is refused here, naming the cause, before the
  // schedule below would see a total of zero steps.
  mt::require_batches(train, "the training set");
  mt::require_batches(test, "the test set");
  // Adam with cosine decay of the learning rate to zero over the run (counted in applied steps).
  mt::Adam opt(model, {.lr = f.lr,
                       .schedule = mt::schedule::cosine(f.lr, f.epochs * train.batches())});
  if (group.root()) {
    std::printf("training on %lld images, testing on %lld, policy %s, device %s",
                static_cast<long long>(train.size() * (dp ? dp->world() : 1)),
                static_cast<long long>(test.size()), std::string(P::name).c_str(),
                std::string(D::name).c_str());
    if constexpr (std::same_as<D, mt::Cpu>)
      std::printf(", %d threads, %s kernels", mt::num_threads(), mt::cpu_kernels());
    if (dp) std::printf(", %d ranks of batch %lld", dp->world(), static_cast<long long>(f.batch));
    std::printf("\n");
    std::fflush(stdout);
  }
  const mt::FitOptions options{
      .epochs = f.epochs, .out = f.out, .resume = f.resume,
      .progress = group.root(), .data_parallel = dp};
  mt::History history;
  if constexpr (P::needs_loss_scaling) {
    mt::LossScaler scaler;  // float16 training does not compile without one
    history = mt::fit(model, opt, scaler, mt::SoftmaxCrossEntropy{}, train, test, options);
  } else {
    history = mt::fit(model, opt, mt::SoftmaxCrossEntropy{}, train, test, options);
  }
  mt::SoftmaxCrossEntropy loss_fn;
  const double accuracy = history.epochs.empty() ? mt::evaluate(model, loss_fn, test).accuracy
                                                 : history.epochs.back().val_accuracy;
  if (!group.root()) return 0;
  if (!f.out.empty()) std::printf("history and checkpoint in %s\n", f.out.c_str());
  std::printf("test accuracy: %.4f\n", accuracy);
  return 0;
}

template <class D>
int run_on(const Flags& f, Group& g) {
  if (f.precision == "float32") return run<mt::policy::float32, D>(f, g);
  if (f.precision == "mixed_bfloat16") return run<mt::policy::mixed_bfloat16, D>(f, g);
  return run<mt::policy::mixed_float16, D>(f, g);
}

// --device: cpu; cuda (an error where mantissa has no CUDA backend or no GPU is present);
// auto: the GPU when there is one.
bool use_cuda(const std::string& device) {
  if (device == "cpu") return false;
#if defined(MANTISSA_WITH_CUDA)
  if (mt::Cuda::available()) return true;
  if (device == "cuda") throw mt::CudaError("--device cuda: no CUDA device is present");
#else
  if (device == "cuda")
    throw mt::CudaError("--device cuda: this build of mantissa has no CUDA backend "
                        "(configure with MANTISSA_CUDA=ON where nvcc is present)");
#endif
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  int status = 0;
  const auto parsed = parse_flags(argc, argv, status);  // fashion_mnist_flags.cpp
  if (!parsed) return status;  // --help, or a flag it refused
  const Flags& f = *parsed;
  try {
    if (f.threads != 0) mt::set_num_threads(f.threads);  // 0: all cores; a bad count: ValueError
    auto group = make_group(f);  // --distributed: MPI
#if defined(MANTISSA_WITH_CUDA)
    // (The MPI communicator reduces host memory: a distributed run trains on the CPU.)
    if (!f.distributed && use_cuda(f.device)) return run_on<mt::Cuda>(f, group);
#endif
    if (f.distributed && f.device == "cuda")
      throw mt::ValueError("--distributed --device cuda: the GPU path of data parallelism is "
                           "NcclCommunicator (dist/README.md); this example runs MPI on the CPU");
    (void)use_cuda(f.device);  // refuses --device cuda with the reason
    return run_on<mt::Cpu>(f, group);
  } catch (const mt::Error& e) {
    std::fprintf(stderr, "fashion_mnist: %s\n", e.what());
    return 1;
  }
}
