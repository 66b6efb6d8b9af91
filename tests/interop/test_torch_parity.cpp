// tests/interop/test_torch_parity.cpp: mantissa's PyTorch export and import checked against
// PyTorch itself (torch_parity.py). The reference CNN, and one with BatchNorm, are exported
// with a fixed input and their float32 logits; PyTorch builds the same nn.Sequential, loads
// the file, must give the same logits, trains 3 SGD steps and writes its state_dict back;
// mantissa imports it and must give PyTorch's logits after the steps; for the plain CNN,
// mantissa's own 3 SGD steps from the same start must too. Tolerance: 1e-5 of the
// largest logit. Without Debian's python3-torch every test reports itself skipped.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "torch_models.hpp"

namespace mt = mantissa;
using mt::Shape;

namespace {

constexpr double kTolerance = 1e-5;

// A python3 that imports torch: $MANTISSA_TORCH_PYTHON alone where it is set, else Debian's
// /usr/bin/python3 (where python3-torch installs; a pyenv or venv python3 first on PATH does
// not see it), else python3.
std::string torch_python() {
  std::vector<std::string> candidates{"/usr/bin/python3", "python3"};
  if (const char* p = std::getenv("MANTISSA_TORCH_PYTHON")) candidates = {p};
  for (const auto& py : candidates)
    if (std::system((py + " -c 'import torch' >/dev/null 2>&1").c_str()) == 0) return py;
  return "";
}

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// max |a - b| / max |b|
double relative_error(const float* a, const float* b, std::int64_t n) {
  double diff = 0, scale = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    diff = std::max(diff, std::abs(double(a[i]) - double(b[i])));
    scale = std::max(scale, std::abs(double(b[i])));
  }
  return diff / scale;
}

// `twin`, where given, is a model built as `model` (same seed): it trains the same SGD steps in
// mantissa, and its logits must equal PyTorch's after them (BatchNorm's running variance is
// PyTorch's unbiased one there, so the plain CNN only).
template <class M>
void check_against_torch(M model, const std::string& arch, M* twin = nullptr) {
  const auto py = torch_python();
  if (py.empty())
    GTEST_SKIP() << "PyTorch is not installed (Debian package python3-torch; .ci/run installs "
                    "it): mantissa's PyTorch export and import are unchecked against PyTorch";
  const auto dir = interop_tests::scratch_dir("parity_" + arch);
  constexpr std::int64_t n = 8;
  mt::Generator gen(11);
  auto x = mt::uniform<float>(Shape{n, 28, 28, 1}, 0.0f, 1.0f, gen);
  auto y = mt::Tensor<std::int32_t>::empty(Shape{n});
  for (std::int64_t i = 0; i < n; ++i) y.data()[i] = static_cast<std::int32_t>((i * 7) % 10);
  auto before = model.forward(x.view(), mt::Mode::infer).clone();
  mt::save_torch_weights(dir / "mantissa.safetensors", model);
  mt::io::write_safetensors(dir / "data.safetensors",
                            {mt::io::record<float>("x", std::as_const(x).view()),
                             mt::io::record<std::int32_t>("y", std::as_const(y).view()),
                             mt::io::record<float>("logits", std::as_const(before).view())},
                            {{"lr", "0.05"}, {"steps", "3"}});

  const std::string cmd = py + " " + MANTISSA_TORCH_SCRIPT + " " + dir.string() + " " + arch +
                          " > " + (dir / "log.txt").string() + " 2>&1";
  const int rc = std::system(cmd.c_str());
  const auto log = read_text(dir / "log.txt");
  std::cout << log;
  ASSERT_EQ(rc, 0) << cmd << "\n" << log;

  mt::io::SafetensorsFile theirs(dir / "torch.safetensors");
  const auto torch_before = theirs.get<float>("logits_before", Shape{n, 10});
  const double e0 = relative_error(before.data(), torch_before.data(), n * 10);
  EXPECT_LE(e0, kTolerance) << "mantissa's logits vs PyTorch's on the exported weights";

  mt::load_torch_weights(dir / "trained.safetensors", model);
  auto after = model.forward(x.view(), mt::Mode::infer).clone();
  const auto torch_after = theirs.get<float>("logits_after", Shape{n, 10});
  const double e1 = relative_error(after.data(), torch_after.data(), n * 10);
  EXPECT_LE(e1, kTolerance) << "mantissa's logits vs PyTorch's after its 3 SGD steps";
  // The steps changed the outputs far beyond the tolerance: the import is what agrees.
  const double moved = relative_error(before.data(), torch_after.data(), n * 10);
  EXPECT_GT(moved, 100 * kTolerance);
  std::cout << "parity " << arch << ": before " << e0 << ", after 3 SGD steps " << e1
            << " (the steps moved the logits by " << moved << ")\n";
  if (twin) {
    // The same 3 SGD steps in mantissa, from the same initial weights: its training step
    // (forward, softmax cross-entropy, backward, update) is PyTorch's.
    mt::SGD opt(*twin, {.lr = 0.05f});
    mt::SoftmaxCrossEntropy loss_fn;
    for (int step = 0; step < 3; ++step) {
      auto logits = twin->forward(x.view(), mt::Mode::train);
      auto loss = loss_fn(logits, y.view());
      (void)opt.step(twin->backward(loss));
    }
    auto ours = twin->forward(x.view(), mt::Mode::infer).clone();
    const double e2 = relative_error(ours.data(), torch_after.data(), n * 10);
    EXPECT_LE(e2, kTolerance) << "mantissa's own 3 SGD steps vs PyTorch's";
    std::cout << "parity " << arch << ": mantissa's own 3 SGD steps vs PyTorch's: " << e2 << "\n";
    ::testing::Test::RecordProperty("relative_error_own_sgd", std::to_string(e2));
  }
  ::testing::Test::RecordProperty("relative_error_before", std::to_string(e0));
  ::testing::Test::RecordProperty("relative_error_after", std::to_string(e1));
}

}  // namespace

TEST(TorchParity, ReferenceCnn) {
  auto twin = interop_tests::reference_cnn(7);
  check_against_torch(interop_tests::reference_cnn(7), "cnn", &twin);
}

TEST(TorchParity, CnnWithBatchNorm) {
  check_against_torch(interop_tests::batchnorm_cnn(7), "cnn_bn");
}
