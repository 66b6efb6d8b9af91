// examples/fashion_mnist_flags.cpp: the main job's command line, with CLI11.
#include "fashion_mnist_flags.hpp"

#include <CLI/CLI.hpp>

std::optional<Flags> parse_flags(int argc, char** argv, int& status) {
  CLI::App app{"mantissa: train the reference CNN on Fashion-MNIST"};
  Flags f;
  app.add_option("--precision", f.precision, "precision policy")
      ->check(CLI::IsMember({"float32", "mixed_float16", "mixed_bfloat16"}));
  app.add_option("--device", f.device, "auto, cpu or cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_option("--epochs", f.epochs, "passes over the training set")->check(CLI::PositiveNumber);
  app.add_option("--batch-size", f.batch, "images per step")->check(CLI::PositiveNumber);
  app.add_option("--lr", f.lr, "Adam's learning rate")->check(CLI::PositiveNumber);
  app.add_option("--threads", f.threads, "CPU threads (default: all cores)");
  app.add_option("--limit", f.limit, "train on the first N images only (0: all)");
  app.add_option("--seed", f.seed, "seed for initialisation and shuffling");
  app.add_option("--out", f.out, "directory for history.csv, history.svg and the checkpoint");
  app.add_option("--data", f.data, "directory of the four Fashion-MNIST .gz files")
      ->check(CLI::ExistingDirectory);
  app.add_flag("--resume", f.resume, "continue from <out>/checkpoint.safetensors");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    status = app.exit(e);
    return std::nullopt;
  }
  return f;
}
