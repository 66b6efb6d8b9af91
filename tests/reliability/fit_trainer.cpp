// tests/reliability/fit_trainer.cpp: a whole fit() run that test_resume_kill kills and
// resumes. A small classifier under mixed_float16 (loss scaling, Dropout, Adam on a cosine
// schedule) on seeded synthetic 8x8 images with noisy labels, validated every epoch, stopped
// early when the validation loss stops improving, checkpointing every 2 steps into DIR.
//   fit_trainer DIR            resumes from DIR/checkpoint.safetensors when it exists
//   fit_trainer DIR BATCH      the same with another batch size (the test's refusal case)
// Exit 0 when the run ended (its last epoch, or stopped early); 1 with the error on stderr.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;

namespace {

// n images: class k brightens quadrant k; 15% of the labels are wrong (so that the
// validation loss turns and early stopping ends the run).
mt::data::ImageDataset synthetic(std::int64_t n, std::uint64_t seed) {
  mt::data::ImageDataset d{mt::Tensor<std::uint8_t>::empty(mt::Shape{n, 8, 8, 1}),
                           mt::Tensor<std::int32_t>::empty(mt::Shape{n})};
  const mt::Generator g(seed);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto r = g.block(static_cast<std::uint64_t>(i));
    const auto k = static_cast<std::int32_t>(r[0] % 4);
    for (std::int64_t p = 0; p < 64; ++p) {
      const std::int64_t row = p / 8, col = p % 8, quadrant = (row / 4) * 2 + col / 4;
      const auto noise = static_cast<int>(g.block(static_cast<std::uint64_t>(i * 64 + p) + (1u << 20))[0] % 160);
      d.images.data()[i * 64 + p] = static_cast<std::uint8_t>(noise + (quadrant == k ? 90 : 0));
    }
    d.labels[i] = r[1] % 100 < 15 ? static_cast<std::int32_t>(r[2] % 4) : k;
  }
  return d;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argc > 3) {
    std::fprintf(stderr, "usage: fit_trainer DIR [BATCH]\n");
    return 2;
  }
  try {
    using P = mt::policy::mixed_float16;
    mt::set_num_threads(1);
    const std::filesystem::path dir = argv[1];
    const std::int64_t batch = argc == 3 ? std::stoll(argv[2]) : 32;
    mt::data::ImageLoader<mt::half> train(synthetic(768, 7), {.batch = batch, .seed = 11});
    mt::data::ImageLoader<mt::half> valid(synthetic(128, 8), {.batch = 64, .shuffle = false});
    const int epochs = 40;
    mt::Sequential<P> model(mt::Shape{8, 8, 1}, mt::Seed{3}, mt::Flatten(), mt::Dense(96),
                            mt::ReLU(), mt::Dropout(0.2f, 5), mt::Dense(4));
    mt::Adam opt(model, {.lr = 3e-3f, .schedule = mt::schedule::cosine(3e-3f, epochs * train.batches())});
    mt::LossScaler scaler({.growth_interval = 16});
    const mt::FitOptions options{
        .epochs = epochs, .out = dir, .checkpoint_every = 2,
        .early_stopping_patience = 3, .resume = std::filesystem::exists(dir / "checkpoint.safetensors"),
        .progress = false};
    const auto history = mt::fit(model, opt, scaler, mt::SoftmaxCrossEntropy{}, train, valid, options);
    std::printf("done: %zu epochs%s\n", history.epochs.size(), history.stopped_early ? ", stopped early" : "");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fit_trainer: %s\n", e.what());
    return 1;
  }
}
