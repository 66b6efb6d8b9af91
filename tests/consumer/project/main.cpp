// A user's program against the installed mantissa: a product of half tensors, cast back, and
// a small model trained with fit on tensors, saved and loaded (the layers, optimizers and
// checkpoint code of the static libraries, linked as a CPU-only program links them).
#include <cstdio>
#include <iostream>
#include <mantissa/mantissa.hpp>

namespace mt = mantissa;

int main() {
  auto a = mt::cast<mt::half>(mt::arange<float>(6));
  auto b = mt::cast<mt::half>(mt::arange<float>(6));
  auto c = mt::cast<float>(mt::matmul(a.reshape({2, 3}), b.reshape({3, 2})));
  std::cout << "consumer ok: mantissa " << CONSUMER_MANTISSA_VERSION << ", "
            << c.shape().str() << " " << mt::dtype_name<float> << " product";
  for (float v : c) std::cout << ' ' << v;
  std::cout << '\n';

  // y = 1 where x0 + x1 > 1: a line a Dense layer learns in a few epochs.
  mt::Tensor<float> x({64, 2});
  mt::Tensor<float> y({64});
  for (std::int64_t i = 0; i < 64; ++i) {
    x(i, 0) = static_cast<float>(i % 8) / 4.0f;
    x(i, 1) = static_cast<float>(i / 8) / 4.0f;
    y(i) = x(i, 0) + x(i, 1) > 1.0f ? 1.0f : 0.0f;
  }
  using P = mt::policy::mixed_bfloat16;
  mt::Sequential<P> model({2}, mt::Dense(8), mt::ReLU(), mt::Dense(1));
  mt::Adam opt(model, {.lr = 5e-2f});
  auto history = mt::fit(model, opt, mt::BinaryCrossEntropy{}, x, y,
                         {.epochs = 20, .progress = false, .batch_size = 16, .seed = 1});
  mt::save_weights("consumer.safetensors", model);
  mt::Sequential<P> served({2}, mt::Dense(8), mt::ReLU(), mt::Dense(1));
  mt::load_weights("consumer.safetensors", served);
  auto [loss, accuracy] = mt::evaluate(served, mt::BinaryCrossEntropy{}, x, y);
  const double first = history.epochs.front().loss;
  std::cout << "consumer model: loss " << (loss < first ? "fell" : "did not fall")
            << ", accuracy " << (accuracy >= 0.9 ? "at least 0.9" : "below 0.9") << '\n';
  std::remove("consumer.safetensors");
}
