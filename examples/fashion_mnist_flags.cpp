// examples/fashion_mnist_flags.cpp: the main job's command line, with CLI11.
#include "fashion_mnist_flags.hpp"

#include <cstdint>
#include <mantissa/core/threads.hpp>

#include "example_cli.hpp"

std::optional<Flags> parse_flags(int argc, char** argv, int& status) {
  CLI::App app{"mantissa: train the reference CNN on Fashion-MNIST"};
  example::configure(app);
  Flags f;
  app.add_option("--precision", f.precision, "precision policy")
      ->check(CLI::IsMember({"float32", "mixed_float16", "mixed_bfloat16"}));
  app.add_option("--device", f.device, "auto, cpu or cuda")->check(CLI::IsMember({"auto", "cpu", "cuda"}));
  app.add_option("--epochs", f.epochs, "passes over the training set")->check(CLI::Range(1, 1000));
  app.add_option("--batch-size", f.batch, "images per step")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{60000}));
  app.add_option("--lr", f.lr, "Adam's learning rate (decays to 0 over the run)")
      ->check(example::finite_in(0.0, 1.0));
  // The upper bound is the library's (mantissa::max_threads): OpenMP aborts past it.
  app.add_option("--threads", f.threads, "CPU threads (0: all cores)")
      ->check(CLI::Range(0, mantissa::max_threads()));
  app.add_option("--limit", f.limit, "train on the first N of the 60,000 images (0: all)")
      ->check(CLI::Range(std::int64_t{0}, std::int64_t{60000}));
  app.add_option("--seed", f.seed, "seed for initialisation and shuffling")
      ->check(CLI::NonNegativeNumber);  // "-1" would wrap to 2^64 - 1
  app.add_option("--out", f.out, "directory for history.csv, history.svg and the checkpoint");
  app.add_option("--data", f.data, "directory of the four Fashion-MNIST .gz files")
      ->check(CLI::ExistingDirectory);
  app.add_flag("--resume", f.resume, "continue from <out>/checkpoint.safetensors (off unless given)");
  app.add_flag("--distributed", f.distributed,
               "data-parallel over MPI, one process per rank: mpirun -np N fashion_mnist "
               "--distributed (--batch-size per rank; off unless given)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    status = app.exit(e);
    return std::nullopt;
  }
  return f;
}
