// tests/optim/checkpoint_scratch.hpp: what the checkpoint suites share: a scratch folder (removed
// when the suite ends) and the model they save and load.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "mantissa/mantissa.hpp"

namespace checkpoint_tests {

namespace mt = mantissa;
namespace fs = std::filesystem;
using F16 = mt::policy::mixed_float16;

inline const fs::path scratch_dir =
    fs::temp_directory_path() / ("mantissa_ckpt_" + std::to_string(::getpid()));
inline fs::path scratch(const std::string& name) {
  fs::create_directories(scratch_dir);
  return scratch_dir / name;
}
struct ScratchCleanup : ::testing::Environment {  // the flip test alone leaves a dozen files
  void TearDown() override { fs::remove_all(scratch_dir); }
};
[[maybe_unused]] inline const auto* const cleanup =
    ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

inline auto make_model(std::uint64_t seed) {
  // Dropout's generator position must travel with the checkpoint for the resume to match.
  return std::make_unique<mt::Sequential<F16>>(mt::Shape{6}, mt::Seed{seed}, mt::Dense(16),
                                               mt::ReLU(), mt::Dropout(0.25f, 7), mt::BatchNorm(),
                                               mt::Dense(3));
}

}  // namespace checkpoint_tests
