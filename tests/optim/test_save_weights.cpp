// tests/optim/test_save_weights.cpp: save_weights / load_weights, a trained model's weights
// alone. Round trip into a fresh model: the same logits to the bit, under float32 and
// mixed_float16 (float32 masters saved), BatchNorm's running statistics included; a file of
// another architecture is a DataError naming the tensor, and changes nothing.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace fs = std::filesystem;
using mt::Shape;
using F32 = mt::policy::float32;
using F16 = mt::policy::mixed_float16;

namespace {
const fs::path scratch_dir = fs::temp_directory_path() / ("mantissa_weights_" + std::to_string(::getpid()));
fs::path scratch(const std::string& name) {
  fs::create_directories(scratch_dir);
  return scratch_dir / name;
}
struct ScratchCleanup : ::testing::Environment {
  void TearDown() override { fs::remove_all(scratch_dir); }
};
[[maybe_unused]] const auto* const cleanup = ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

template <class P>
auto model(std::uint64_t seed, std::int64_t width = 16) {
  return std::make_unique<mt::Sequential<P>>(Shape{6}, mt::Seed{seed}, mt::Dense(width),
                                             mt::ReLU(), mt::Dropout(0.25f, 7), mt::BatchNorm(),
                                             mt::Dense(3));
}
template <class V>
auto host(const V& t) {
  using T = std::remove_cv_t<std::remove_pointer_t<decltype(t.data())>>;
  return std::vector<T>(t.data(), t.data() + t.numel());
}
template <class P>
std::vector<float> state(mt::Sequential<P>& m) {  // masters, then buffers
  std::vector<float> all;
  for (auto* p : m.parameters()) all.insert(all.end(), p->master.data(), p->master.data() + p->master.numel());
  for (auto& [n, t] : m.buffers()) all.insert(all.end(), t->data(), t->data() + t->numel());
  return all;
}
template <class P>
auto input(std::int64_t n, std::uint64_t seed) {
  mt::Generator g(seed);
  auto x = mt::normal<float>(Shape{n, 6}, 0.5f, 2.0f, g);
  if constexpr (std::same_as<typename P::compute, float>) return x;
  else return mt::checked_cast<typename P::compute>(x);
}
// A few training steps, so that the weights and the running statistics are not the initial ones.
template <class P>
void train(mt::Sequential<P>& m) {
  mt::Adam opt(m, {.lr = 1e-2f});
  mt::LossScaler scaler;
  mt::SoftmaxCrossEntropy loss_fn;
  mt::Tensor<std::int32_t> y(Shape{16});
  for (std::int64_t i = 0; i < 16; ++i) y[i] = static_cast<std::int32_t>(i % 3);
  for (std::uint64_t s = 0; s < 5; ++s) {
    const auto x = input<P>(16, 100 + s);
    auto loss = loss_fn(m.forward(x, mt::Mode::train), y);
    (void)opt.step(scaler.unscale(m.backward(scaler.scale(loss))), scaler);
  }
}
std::string data_error(auto&& f) {
  try {
    f();
  } catch (const mt::DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

template <class P>
void round_trip(const char* file) {
  auto trained = model<P>(1);
  train(*trained);
  const auto path = scratch(file);
  mt::save_weights(path, *trained);
  auto fresh = model<P>(2);  // other initial weights
  ASSERT_NE(state(*fresh), state(*trained));
  mt::load_weights(path, *fresh);
  EXPECT_EQ(state(*fresh), state(*trained)) << "masters and running statistics";
  const auto x = input<P>(32, 7);
  const auto a = trained->forward(x).clone();
  const auto b = fresh->forward(x).clone();
  ASSERT_EQ(a.shape(), b.shape());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size_bytes()), 0) << "logits differ";
  // What the file holds: float32 masters and buffers, under the checkpoint's names.
  mt::io::SafetensorsFile f(path);
  for (const char* name : {"model/dense/kernel", "model/batchnorm/gamma",
                           "model/batchnorm/running_mean", "model/batchnorm/running_var",
                           "model/dense_1/bias"}) {
    const auto* e = f.find(name);
    ASSERT_NE(e, nullptr) << name;
    EXPECT_EQ(e->dtype, "F32") << name;
  }
  EXPECT_EQ(f.metadata().at("format"), "mantissa-weights-1");
  EXPECT_EQ(f.metadata().at("policy"), std::string(P::name));
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
}
}  // namespace

TEST(SaveWeights, RoundTripIsBitIdenticalFloat32) { round_trip<F32>("f32.safetensors"); }
TEST(SaveWeights, RoundTripIsBitIdenticalMixedFloat16) { round_trip<F16>("f16.safetensors"); }

// The masters are float32 whatever the policy: weights trained under mixed_float16 load into
// a float32 model (the same masters; its compute copies are float32 now).
TEST(SaveWeights, LoadsIntoAModelOfAnotherPolicy) {
  auto trained = model<F16>(1);
  train(*trained);
  const auto path = scratch("to_f32.safetensors");
  mt::save_weights(path, *trained);
  auto f32 = model<F32>(2);
  mt::load_weights(path, *f32);
  EXPECT_EQ(state(*f32), state(*trained));
}

TEST(SaveWeights, AnotherArchitectureIsADataErrorNamingTheTensor) {
  auto trained = model<F32>(1);
  train(*trained);
  const auto path = scratch("arch.safetensors");
  mt::save_weights(path, *trained);
  auto wider = model<F32>(2, 32);
  const auto before = state(*wider);
  const auto msg = data_error([&] { mt::load_weights(path, *wider); });
  EXPECT_NE(msg.find("dense/kernel: shape (6, 16) in the file, (6, 32) in the model"), std::string::npos) << msg;
  EXPECT_NE(msg.find("batchnorm/running_mean: shape (16,) in the file, (32,) in the model"), std::string::npos) << msg;
  EXPECT_EQ(state(*wider), before) << "a failed load changes nothing";
  // One layer more: the missing tensors are named, with what the file has.
  mt::Sequential<F32> deeper(Shape{6}, mt::Dense(16), mt::ReLU(), mt::Dropout(0.25f), mt::BatchNorm(),
                             mt::Dense(3), mt::Dense(3));
  const auto missing = data_error([&] { mt::load_weights(path, deeper); });
  EXPECT_NE(missing.find("dense_2/kernel: missing"), std::string::npos) << missing;
  EXPECT_NE(missing.find("the file has 8 tensors"), std::string::npos) << missing;
  // A model with a BatchNorm the file lacks is refused: inference would use the initial
  // running statistics.
  mt::Sequential<F32> plain(Shape{6}, mt::Dense(4), mt::BatchNorm(), mt::Dense(3));
  const auto foreign = scratch("no_stats.safetensors");
  mt::Sequential<F32> source(Shape{6}, mt::Dense(4), mt::Dense(3));
  mt::save_weights(foreign, source);
  const auto no_stats = data_error([&] { mt::load_weights(foreign, plain); });
  EXPECT_NE(no_stats.find("batchnorm/running_var: missing"), std::string::npos) << no_stats;
}

// A weights file is not a checkpoint: resuming from it says what it lacks.
TEST(SaveWeights, IsNotACheckpoint) {
  auto m = model<F32>(1);
  const auto path = scratch("weights_only.safetensors");
  mt::save_weights(path, *m);
  mt::Adam opt(*m);
  const auto msg = data_error([&] { (void)mt::load_checkpoint(path, *m, opt); });
  EXPECT_NE(msg.find("not a mantissa checkpoint"), std::string::npos) << msg;
}

// A checkpoint's model/ part loads as weights, running statistics included.
TEST(SaveWeights, LoadWeightsReadsACheckpointsBuffers) {
  auto trained = model<F32>(1);
  train(*trained);
  mt::Adam opt(*trained);
  const auto path = scratch("ckpt.safetensors");
  mt::save_checkpoint(path, *trained, opt);
  auto fresh = model<F32>(2);
  mt::load_weights(path, *fresh);
  EXPECT_EQ(state(*fresh), state(*trained));
}

TEST(SaveWeights, ANegativeRunningVarianceIsRefused) {
  mt::Sequential<F32> m(Shape{2}, mt::BatchNorm());
  const auto path = scratch("neg_var.safetensors");
  auto one = mt::full<float>(Shape{2}, 1.0f);
  auto neg = mt::full<float>(Shape{2}, 1.0f);
  neg[1] = -0.5f;
  mt::io::write_safetensors(path, {mt::io::record<float>("batchnorm/gamma", one.view()),
                                   mt::io::record<float>("batchnorm/beta", one.view()),
                                   mt::io::record<float>("batchnorm/running_mean", one.view()),
                                   mt::io::record<float>("batchnorm/running_var", neg.view())});
  const auto before = state(m);
  const auto msg = data_error([&] { mt::load_weights(path, m); });
  EXPECT_NE(msg.find("'batchnorm/running_var' holds -0.500000 at flat index 1; a variance is never negative"),
            std::string::npos) << msg;
  EXPECT_EQ(state(m), before);
}

TEST(SaveWeights, ANonFiniteWeightIsNotWritten) {
  auto m = model<F32>(1);
  m->parameters()[0]->master.data()[3] = std::numeric_limits<float>::quiet_NaN();
  const auto path = scratch("nan.safetensors");
  EXPECT_THROW(mt::save_weights(path, *m), mt::NumericsError);
  EXPECT_FALSE(fs::exists(path));
}
