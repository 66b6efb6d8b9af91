// examples/fashion_mnist.cpp: the main job. Trains the reference CNN on Fashion-MNIST and
// reports test accuracy.
//
//   fashion_mnist [--precision float32|mixed_float16|mixed_bfloat16] [--epochs 5]
//                 [--batch-size 64] [--lr 1e-3] [--threads N] [--limit N] [--seed S]
//                 [--out DIR] [--resume]
//
// The model: Conv2D(32, 3x3, same)+ReLU, MaxPool 2, Conv2D(64, 3x3, same)+ReLU, MaxPool 2,
// Flatten, Dense(128)+ReLU, Dense(10); Adam with cosine decay; softmax cross-entropy. The data comes from
// Debian's dataset-fashion-mnist package. The precision flag is read once, here at the
// program's edge, and picks which instantiation runs: inside, the policy is a type.
#include <cstdio>
#include <iostream>
#include <mantissa/mantissa.hpp>

#include "fashion_mnist_flags.hpp"

namespace mt = mantissa;

namespace {

template <class P>
float evaluate(mt::Sequential<P>& model, mt::data::ImageLoader<typename P::compute>& test) {
  std::int64_t hits = 0;
  for (std::int64_t b = 0; b < test.batches(); ++b) {
    auto [x, y] = test.batch(b);
    const auto pred = mt::argmax(model.forward(x, mt::Mode::infer), 1);
    for (std::int64_t i = 0; i < pred.numel(); ++i) hits += pred[i] == y[i];
  }
  return static_cast<float>(hits) / static_cast<float>(test.size());
}

template <class P>
int run(const Flags& f) {
  using T = typename P::compute;
  auto train_set = mt::data::fashion_mnist("train");
  auto test_set = mt::data::fashion_mnist("test");
  if (f.limit > 0 && f.limit < train_set.images.shape()[0]) {
    auto imgs = mt::Tensor<std::uint8_t>::empty(train_set.images.shape().with(0, f.limit));
    auto labs = mt::Tensor<std::int32_t>::empty(mt::Shape{f.limit});
    mt::copy_bytes<mt::Cpu, mt::Cpu>(imgs.data(), train_set.images.data(), imgs.size_bytes());
    mt::copy_bytes<mt::Cpu, mt::Cpu>(labs.data(), train_set.labels.data(), labs.size_bytes());
    train_set = {std::move(imgs), std::move(labs)};
  }
  mt::data::ImageLoader<T> train(train_set, {.batch = f.batch, .shuffle = true, .seed = f.seed});
  mt::data::ImageLoader<T> test(test_set, {.batch = 256, .shuffle = false});

  mt::Sequential<P> model(mt::Shape{28, 28, 1}, mt::Seed{f.seed}, mt::Conv2D(32, 3, mt::same),
                          mt::ReLU(), mt::MaxPool2D(2), mt::Conv2D(64, 3, mt::same), mt::ReLU(),
                          mt::MaxPool2D(2), mt::Flatten(), mt::Dense(128), mt::ReLU(),
                          mt::Dense(10));
  model.summary(std::cout);
  // Adam with cosine decay of the learning rate to zero over the run (counted in applied steps).
  mt::Adam opt(model, {.lr = f.lr,
                       .schedule = mt::schedule::cosine(f.lr, f.epochs * train.batches())});
  std::printf("training on %lld images, testing on %lld, policy %s, %d threads\n",
              static_cast<long long>(train.size()), static_cast<long long>(test.size()),
              std::string(P::name).c_str(), mt::num_threads());
  std::fflush(stdout);
  const mt::FitOptions<mt::data::ImageLoader<T>> options{
      .epochs = f.epochs, .validation = &test, .out = f.out, .resume = f.resume};
  mt::History history;
  if constexpr (P::needs_loss_scaling) {
    mt::LossScaler scaler;  // float16 training does not compile without one
    history = mt::fit(model, opt, scaler, mt::SoftmaxCrossEntropy{}, train, options);
  } else {
    history = mt::fit(model, opt, mt::SoftmaxCrossEntropy{}, train, options);
  }
  const float accuracy = history.epochs.empty()
                             ? evaluate(model, test)
                             : static_cast<float>(history.epochs.back().val_accuracy);
  if (!f.out.empty()) std::printf("history and checkpoint in %s\n", f.out.c_str());
  std::printf("test accuracy: %.4f\n", accuracy);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  int status = 0;
  const auto parsed = parse_flags(argc, argv, status);  // fashion_mnist_flags.cpp
  if (!parsed) return status;  // --help, or a flag it refused
  const Flags& f = *parsed;
  if (f.threads > 0) mt::set_num_threads(f.threads);
  if (f.device == "cuda") {
    std::fprintf(stderr, "fashion_mnist: --device cuda: the CUDA training path is not built yet; "
                         "use --device cpu\n");
    return 2;
  }
  try {
    if (f.precision == "float32") return run<mt::policy::float32>(f);
    if (f.precision == "mixed_bfloat16") return run<mt::policy::mixed_bfloat16>(f);
    return run<mt::policy::mixed_float16>(f);
  } catch (const mt::Error& e) {
    std::fprintf(stderr, "fashion_mnist: %s\n", e.what());
    return 1;
  }
}
