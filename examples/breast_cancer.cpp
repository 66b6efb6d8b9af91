// examples/breast_cancer.cpp: tabular data from a CSV with a typed schema, standardised,
// a small network trained on tensors (fit(model, opt, loss, x, y, ...), as Keras's) with
// binary cross-entropy from logits, accuracy on a held-out 20%.
//
//   breast_cancer [--csv FILE] [--epochs N] [--precision float32|mixed_bfloat16] [--seed S]
//
// A malformed file stops with the file:line:column of the first bad cell and exit status 1.
#include <cstdio>
#include <mantissa/mantissa.hpp>

#include "example_cli.hpp"

namespace mt = mantissa;

namespace {

template <class P>
int run(const std::string& csv, int epochs, std::uint64_t seed) {
  auto ds = mt::data::read_csv<float>(csv, {.label = "benign", .binary_labels = true});
  auto [train, test] = mt::data::split(ds, 0.2f, seed);
  const auto stats = mt::data::Standardizer::fit(train.features);  // training split only
  stats.apply(train.features);
  stats.apply(test.features);

  mt::Sequential<P> model(mt::Shape{train.features.shape()[1]}, mt::Seed{seed}, mt::Dense(16),
                          mt::ReLU(), mt::Dense(1));
  mt::Adam opt(model, {.lr = 1e-2f});
  // The features are cast to the policy's compute dtype inside fit, checked on the way in.
  const auto history =
      mt::fit(model, opt, mt::BinaryCrossEntropy{}, train.features, train.labels,
              {.epochs = epochs, .progress = false, .batch_size = 32, .seed = seed});
  for (const auto& e : history.epochs)
    if (e.epoch % 10 == 0 || e.epoch == epochs)
      std::printf("epoch %3d  train loss %.4f  train accuracy %.4f\n", e.epoch, e.loss, e.accuracy);
  const auto held_out = mt::evaluate(model, mt::BinaryCrossEntropy{}, test.features, test.labels);
  std::printf("held-out accuracy (%lld samples): %.4f\n",
              static_cast<long long>(test.labels.numel()), held_out.accuracy);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"binary classification of the UCI breast cancer data"};
  example::configure(app);
  std::string csv = MANTISSA_EXAMPLE_DATA "/breast_cancer.csv";
  std::string precision = "float32";
  int epochs = 50;
  std::uint64_t seed = 1;
  app.add_option("--csv", csv, "the CSV file (label column 'benign')")->check(CLI::ExistingFile);
  app.add_option("--epochs", epochs, "epochs (mini-batches of 32, shuffled)")
      ->check(CLI::Range(1, 100000));
  app.add_option("--precision", precision, "precision policy")
      ->check(CLI::IsMember({"float32", "mixed_bfloat16"}));
  app.add_option("--seed", seed, "seed for the split and initialisation")
      ->check(CLI::NonNegativeNumber);  // "-1" would wrap to 2^64 - 1
  CLI11_PARSE(app, argc, argv);
  try {
    if (precision == "mixed_bfloat16") return run<mt::policy::mixed_bfloat16>(csv, epochs, seed);
    return run<mt::policy::float32>(csv, epochs, seed);
  } catch (const mt::Error& e) {
    std::fprintf(stderr, "breast_cancer: %s\n", e.what());
    return 1;
  }
}
