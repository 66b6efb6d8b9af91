// tests/optim/test_fit.cpp: fit / evaluate / predict on a small synthetic image task:
// learning, history files, early stopping, resume from a mid-epoch checkpoint.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace fs = std::filesystem;
using mt::Shape;
using F32 = mt::policy::float32;

namespace {
// 4x4 one-channel images whose class is the quadrant holding the bright pixel.
mt::data::ImageDataset quadrants(std::int64_t n, std::uint64_t seed) {
  mt::data::ImageDataset d{mt::Tensor<std::uint8_t>(Shape{n, 4, 4, 1}), mt::Tensor<std::int32_t>(Shape{n})};
  mt::Generator g(seed);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto r = g.block(static_cast<std::uint64_t>(i));
    const int row = static_cast<int>(r[0] % 4), col = static_cast<int>(r[1] % 4);
    d.images[i * 16 + row * 4 + col] = 255;
    d.labels[i] = (row / 2) * 2 + col / 2;
  }
  return d;
}
auto model() {
  return std::make_unique<mt::Sequential<F32>>(Shape{4, 4, 1}, mt::Seed{2}, mt::Flatten(),
                                               mt::Dense(16), mt::ReLU(), mt::Dense(4));
}
fs::path scratch(const char* name) {
  auto d = fs::temp_directory_path() / ("mantissa_fit_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  return d;
}
}  // namespace

TEST(Fit, LearnsWritesHistoryAndEvaluates) {
  auto train_set = quadrants(512, 1), test_set = quadrants(128, 2);
  mt::data::ImageLoader<float> train(train_set, {.batch = 32, .seed = 3});
  mt::data::ImageLoader<float> test(test_set, {.batch = 64, .shuffle = false});
  auto m = model();
  mt::Adam opt(*m, {.lr = 1e-2f});
  const auto out = scratch("learn");
  auto h = mt::fit(*m, opt, mt::SoftmaxCrossEntropy{}, train, test,
                   {.epochs = 4, .out = out, .progress = false});
  ASSERT_EQ(h.epochs.size(), 4u);
  EXPECT_GT(h.epochs.back().val_accuracy, 0.95);
  EXPECT_LT(h.epochs.back().loss, h.epochs.front().loss);
  mt::SoftmaxCrossEntropy ce;
  const auto ev = mt::evaluate(*m, ce, test);
  EXPECT_DOUBLE_EQ(ev.accuracy, h.epochs.back().val_accuracy);
  const auto pred = mt::predict(*m, test);
  EXPECT_EQ(pred.shape(), (Shape{128, 4}));
  std::ifstream csv(out / "history.csv");
  std::string header, line;
  std::getline(csv, header);
  EXPECT_EQ(header, "epoch,loss,accuracy,val_loss,val_accuracy,images_per_second,lr,loss_scale,skipped_steps");
  int rows = 0;
  while (std::getline(csv, line)) ++rows;
  EXPECT_EQ(rows, 4);
  std::ifstream svg(out / "history.svg");
  std::string text((std::istreambuf_iterator<char>(svg)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("<svg"), std::string::npos);
  EXPECT_NE(text.find("<polyline"), std::string::npos);
  EXPECT_TRUE(fs::exists(out / "checkpoint.safetensors"));
}

TEST(Fit, ResumeContinuesFromTheCheckpointBitIdentically) {
  auto train_set = quadrants(256, 4);
  auto run = [&](int epochs, const fs::path& out, bool resume, std::int64_t every) {
    mt::data::ImageLoader<float> train(train_set, {.batch = 32, .seed = 5});
    auto m = model();
    mt::Adam opt(*m, {.lr = 1e-2f});
    (void)mt::fit(*m, opt, mt::SoftmaxCrossEntropy{}, train,
                  {.epochs = epochs, .out = out, .checkpoint_every = every, .resume = resume,
                   .progress = false});
    std::vector<float> w;
    for (auto* p : m->parameters()) w.insert(w.end(), p->master.begin(), p->master.end());
    return w;
  };
  const auto straight = run(3, scratch("straight"), false, 0);
  const auto out = scratch("interrupted");
  (void)run(2, out, false, 0);  // stops after 2 epochs: the checkpoint says epoch 2, batch 0
  const auto resumed = run(3, out, true, 0);
  ASSERT_EQ(straight.size(), resumed.size());
  EXPECT_EQ(std::memcmp(straight.data(), resumed.data(), straight.size() * sizeof(float)), 0);
  EXPECT_THROW((void)run(3, scratch("nothing"), true, 0), mt::IoError);
}

TEST(Fit, EarlyStoppingStopsWhenValidationStopsImproving) {
  auto train_set = quadrants(64, 6), val_set = quadrants(64, 7);
  for (auto& l : val_set.labels) l = 0;  // validation labels unrelated to the images
  mt::data::ImageLoader<float> train(train_set, {.batch = 16});
  mt::data::ImageLoader<float> val(val_set, {.batch = 64, .shuffle = false});
  auto m = model();
  mt::Adam opt(*m, {.lr = 5e-2f});
  auto h = mt::fit(*m, opt, mt::SoftmaxCrossEntropy{}, train, val,
                   {.epochs = 50, .out = {}, .early_stopping_patience = 2, .progress = false});
  EXPECT_TRUE(h.stopped_early);
  EXPECT_LT(h.epochs.size(), 50u);
}
