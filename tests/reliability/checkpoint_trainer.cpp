// tests/reliability/checkpoint_trainer.cpp: a training job that saves a checkpoint after every
// step and says so on stdout ("saved <step>") once save_checkpoint has returned. Started (and
// SIGKILLed) by test_checkpoint_kill; resumes from DIR/ckpt.safetensors when it exists.
//   checkpoint_trainer DIR
#include <cstdio>
#include <exception>

#include "kill_trainer.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: checkpoint_trainer DIR\n");
    return 2;
  }
  try {
    mantissa::set_num_threads(1);
    const std::filesystem::path file = std::filesystem::path(argv[1]) / "ckpt.safetensors";
    killtest::Job job;
    if (std::filesystem::exists(file)) job.load(file);
    for (int i = 0; i < 100000; ++i) {  // bounded: the test kills it long before
      job.train_one();
      job.save(file);
      std::printf("saved %lld\n", static_cast<long long>(job.step()));
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "checkpoint_trainer: %s\n", e.what());
    return 1;
  }
}
