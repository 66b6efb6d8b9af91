// examples/fashion_mnist_flags.hpp: the main job's command line. Parsed in its own
// translation unit (fashion_mnist_flags.cpp), so that the trainer does not compile the
// command-line library.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

struct Flags {
  std::string precision = "mixed_float16";
  std::string device = "auto";
  int epochs = 5;
  std::int64_t batch = 64;
  float lr = 1e-3f;
  int threads = 0;
  std::int64_t limit = 0;  // 0: all 60,000 training images
  std::uint64_t seed = 1;
  std::string out = "runs/fashion_mnist";
  std::string data = "/usr/share/datasets/fashion-mnist";  // Debian's dataset-fashion-mnist
  bool resume = false;
  bool distributed = false;  // data-parallel over MPI: one process per rank (mpirun -np N)
};

// The flags, or nothing with `status` set to the exit status (0 after --help, non-zero for a
// flag it refused, with the message printed).
std::optional<Flags> parse_flags(int argc, char** argv, int& status);
