// tests/optim/test_numerics.cpp: no silent NaN (issue 13). Every hyperparameter is checked
// where it enters; float32 and bfloat16 steps skip non-finite gradients as float16's do; fit
// stops a run whose loss stays non-finite; fit refuses empty sets and an output folder it
// cannot write before its first step; sizes and thread counts that cannot be honoured are
// mantissa errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace fs = std::filesystem;
using mt::Shape;
using F32 = mt::policy::float32;
using BF16 = mt::policy::mixed_bfloat16;
using F16 = mt::policy::mixed_float16;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

#define EXPECT_HAS(what, word) \
  EXPECT_NE(std::string(what).find(word), std::string::npos) << "'" << (word) << "' not in: " << (what)

// Runs f, expecting a ValueError whose message holds every word.
template <class F>
void expect_value_error(F&& f, std::vector<std::string> words) {
  try {
    f();
    ADD_FAILURE() << "no ValueError; expected one holding '" << words.front() << "'";
  } catch (const mt::ValueError& e) {
    for (const auto& w : words) EXPECT_HAS(e.what(), w);
  }
}

template <class P>
auto small_model() {
  return std::make_unique<mt::Sequential<P>>(Shape{4, 4, 1}, mt::Seed{2}, mt::Flatten(),
                                             mt::Dense(8), mt::ReLU(), mt::Dense(4));
}

template <class P>
std::vector<float> masters(mt::Sequential<P>& m) {
  std::vector<float> w;
  for (auto* p : m.parameters()) w.insert(w.end(), p->master.begin(), p->master.end());
  return w;
}

// A loader of float images (4x4x1) with chosen values: `bad` batches hold a NaN pixel.
template <class T>
struct FloatLoader {
  struct Batch {
    mt::TensorView<const T> x;
    mt::TensorView<const std::int32_t> y;
  };
  FloatLoader(std::int64_t batches, std::int64_t batch, std::vector<bool> bad)
      : x(Shape{batches * batch, 4, 4, 1}), y(Shape{batches * batch}), bs(batch) {
    for (std::int64_t i = 0; i < x.numel(); ++i) x[i] = T(static_cast<float>(i % 7) / 7.0f);
    for (std::int64_t i = 0; i < y.numel(); ++i) y[i] = static_cast<std::int32_t>(i % 4);
    for (std::size_t b = 0; b < bad.size(); ++b)
      if (bad[b]) x[static_cast<std::int64_t>(b) * bs * 16] = T(kNaN);
  }
  std::int64_t size() const { return y.numel(); }
  std::int64_t batches() const { return y.numel() / bs; }
  Batch batch(std::int64_t i) {
    return {{x.data() + i * bs * 16, Shape{bs, 4, 4, 1}}, {y.data() + i * bs, Shape{bs}}};
  }
  void set_epoch(std::int64_t) {}
  mt::Tensor<T> x;
  mt::Tensor<std::int32_t> y;
  std::int64_t bs;
};

fs::path scratch(const char* name) {
  auto d = fs::temp_directory_path() / ("mantissa_numerics_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  fs::create_directories(d.parent_path());
  return d;
}

}  // namespace

// ---- hyperparameters --------------------------------------------------------------------

TEST(Hyperparameters, OptimizerOptionsAreCheckedWhereTheyEnter) {
  auto m = small_model<F32>();
  expect_value_error([&] { mt::SGD o(*m, {.lr = kNaN}); }, {"SGD", "lr", "nan"});
  expect_value_error([&] { mt::SGD o(*m, {.lr = -1.0f}); }, {"SGD", "lr", "-1"});
  expect_value_error([&] { mt::SGD o(*m, {.lr = kInf}); }, {"SGD", "lr", "inf"});
  expect_value_error([&] { mt::SGD o(*m, {.lr = 0.1f, .momentum = kNaN}); }, {"momentum", "nan"});
  expect_value_error([&] { mt::SGD o(*m, {.lr = 0.1f, .momentum = 1.0f}); }, {"momentum", "[0, 1)", "1"});
  expect_value_error([&] { mt::SGD o(*m, {.lr = 0.1f, .momentum = -0.5f}); }, {"momentum", "-0.5"});
  expect_value_error([&] { mt::SGD o(*m, {.lr = 0.1f, .weight_decay = -1e-4f}); },
                     {"SGD", "weight_decay", "-1e-04"});
  expect_value_error([&] { mt::Adam o(*m, {.lr = kNaN}); }, {"Adam", "lr", "nan"});
  expect_value_error([&] { mt::Adam o(*m, {.beta1 = kNaN}); }, {"Adam", "beta1", "nan"});
  expect_value_error([&] { mt::Adam o(*m, {.beta2 = 1.0f}); }, {"Adam", "beta2", "1"});
  expect_value_error([&] { mt::Adam o(*m, {.eps = 0.0f}); }, {"Adam", "eps", "0"});
  expect_value_error([&] { mt::Adam o(*m, {.eps = kNaN}); }, {"Adam", "eps", "nan"});
  expect_value_error([&] { mt::Adam o(*m, {.weight_decay = kInf}); }, {"Adam", "weight_decay", "inf"});
  expect_value_error([&] { mt::AdamW o(*m, {.weight_decay = kNaN}); }, {"AdamW", "weight_decay", "nan"});
  expect_value_error([&] { mt::AdamW o(*m, {.lr = 0.0f}); }, {"AdamW", "lr", "0"});
  // The defaults and ordinary values are accepted.
  mt::SGD sgd(*m, {.lr = 0.1f, .momentum = 0.9f, .nesterov = true, .weight_decay = 1e-4f});
  mt::Adam adam(*m, {.beta1 = 0.0f});
  mt::AdamW adamw(*m);
}

TEST(Hyperparameters, SetLrIsCheckedAndKeepsTheOldRate) {
  auto m = small_model<F32>();
  mt::Adam opt(*m, {.lr = 1e-3f});
  expect_value_error([&] { opt.set_lr(kNaN); }, {"Adam", "lr", "nan"});
  expect_value_error([&] { opt.set_lr(-2.0f); }, {"Adam", "lr", "-2"});
  EXPECT_EQ(opt.lr(), 1e-3f);
  opt.set_lr(0.5f);
  EXPECT_EQ(opt.lr(), 0.5f);
}

TEST(Hyperparameters, ScheduleFactoriesCheckTheirParameters) {
  expect_value_error([] { (void)mt::schedule::constant(kNaN); }, {"constant", "lr", "nan"});
  expect_value_error([] { (void)mt::schedule::cosine(kNaN, 10); }, {"cosine", "lr", "nan"});
  expect_value_error([] { (void)mt::schedule::cosine(1e-3f, 10, -1.0f); }, {"cosine", "min_lr", "-1"});
  expect_value_error([] { (void)mt::schedule::step_decay(0.1f, 5, kNaN); },
                     {"step_decay", "gamma", "nan"});
  expect_value_error([] { (void)mt::schedule::step_decay(-0.1f, 5, 0.5f); },
                     {"step_decay", "lr", "-0.1"});
}

// A schedule a user writes may go wrong at any step: the step that would use the bad rate
// throws, naming the value and the step, and leaves the weights as they were.
TEST(Hyperparameters, EveryValueAScheduleGivesIsChecked) {
  for (float bad : {kNaN, -1e-3f, kInf}) {
    auto m = small_model<F32>();
    mt::SGD opt(*m, {.schedule = mt::LrSchedule([bad](std::int64_t s) { return s < 2 ? 0.1f : bad; })});
    FloatLoader<float> data(1, 8, {false});
    mt::SoftmaxCrossEntropy ce;
    auto one_step = [&] {
      auto [x, y] = data.batch(0);
      auto logits = m->forward(x, mt::Mode::train);
      return opt.step(m->backward(ce(logits, y)));
    };
    EXPECT_TRUE(one_step().applied);
    EXPECT_TRUE(one_step().applied);
    const auto before = masters(*m);
    expect_value_error([&] { (void)one_step(); }, {"SGD", "schedule", "at step 2"});
    EXPECT_EQ(masters(*m), before);
    EXPECT_EQ(opt.steps(), 2);
  }
}

TEST(Hyperparameters, ClipMaxNormMustBeFinitePositive) {
  auto m = small_model<F32>();
  for (float bad : {kNaN, kInf, 0.0f, -1.0f}) {
    auto grads = mt::Gradients<F32, mt::Cpu>(*m);
    expect_value_error([&] { (void)mt::clip_grad_norm(grads, bad); }, {"clip_grad_norm", "max_norm"});
  }
}

TEST(Hyperparameters, LossScalerOptionsNameTheParameterAndValue) {
  expect_value_error([] { mt::LossScaler s({.init_scale = kNaN}); }, {"init_scale", "nan"});
  expect_value_error([] { mt::LossScaler s({.init_scale = -4.0f}); }, {"init_scale", "-4"});
  expect_value_error([] { mt::LossScaler s({.growth_factor = 1.0f}); }, {"growth_factor", "1"});
  expect_value_error([] { mt::LossScaler s({.growth_factor = kNaN}); }, {"growth_factor", "nan"});
  expect_value_error([] { mt::LossScaler s({.backoff_factor = 1.0f}); }, {"backoff_factor", "1"});
  expect_value_error([] { mt::LossScaler s({.backoff_factor = 0.0f}); }, {"backoff_factor", "0"});
  expect_value_error([] { mt::LossScaler s({.growth_interval = 0}); }, {"growth_interval", "0"});
  expect_value_error([] { mt::LossScaler s({.min_scale = kNaN}); }, {"min_scale", "nan"});
  expect_value_error([] { mt::LossScaler s({.max_scale = kInf}); }, {"max_scale", "inf"});
  expect_value_error([] { (void)mt::LossScaler::fixed(kNaN); }, {"init_scale", "nan"});
  expect_value_error([] { mt::LossScaler s({.init_scale = 2.0f, .min_scale = 4.0f}); },
                     {"min_scale <= init_scale", "4"});
}

// ---- the plain step's guard -------------------------------------------------------------

// float32 and bfloat16 have no loss scaler, yet a NaN in the inputs must not reach the
// master weights: the step is skipped (weights and moments bit for bit) and says so.
template <class P>
void plain_step_skips_nonfinite() {
  auto m = small_model<P>();
  mt::Adam opt(*m, {.lr = 1e-2f});
  using T = typename P::compute;
  FloatLoader<T> data(2, 8, {true, false});
  mt::SoftmaxCrossEntropy ce;
  auto step = [&](std::int64_t b) {
    auto [x, y] = data.batch(b);
    auto logits = m->forward(x, mt::Mode::train);
    return opt.step(m->backward(ce(logits, y)));
  };
  const auto before = masters(*m);
  const auto out = step(0);
  EXPECT_FALSE(out.applied);
  EXPECT_EQ(out.step, 0);
  EXPECT_EQ(masters(*m), before);
  for (auto v : opt.first_moments())
    for (std::int64_t i = 0; i < v.numel(); ++i) ASSERT_EQ(v[i], 0.0f);
  // The next, finite batch steps as usual.
  EXPECT_TRUE(step(1).applied);
  EXPECT_EQ(opt.steps(), 1);
  for (float w : masters(*m)) ASSERT_TRUE(std::isfinite(w));
  EXPECT_NE(masters(*m), before);
}
TEST(PlainStep, Float32SkipsNonFiniteGradients) { plain_step_skips_nonfinite<F32>(); }
TEST(PlainStep, BFloat16SkipsNonFiniteGradients) { plain_step_skips_nonfinite<BF16>(); }

// ---- fit: TerminateOnNaN ----------------------------------------------------------------

template <class P>
void fit_stops_after_n_nonfinite_steps() {
  using T = typename P::compute;
  auto m = small_model<P>();
  mt::Adam opt(*m, {.lr = 1e-2f});
  FloatLoader<T> data(6, 8, {false, true, true, true, true, true});
  const mt::FitOptions o{.epochs = 2, .progress = false, .terminate_on_nan = 3};
  try {
    if constexpr (P::needs_loss_scaling) {
      mt::LossScaler scaler;
      (void)mt::fit(*m, opt, scaler, mt::SoftmaxCrossEntropy{}, data, o);
    } else {
      (void)mt::fit(*m, opt, mt::SoftmaxCrossEntropy{}, data, o);
    }
    ADD_FAILURE() << "fit went on through 3 non-finite steps";
  } catch (const mt::NumericsError& e) {
    EXPECT_HAS(e.what(), "epoch 1, batch 4");
    EXPECT_HAS(e.what(), "non-finite loss");
    EXPECT_HAS(e.what(), "terminate_on_nan");
  }
  EXPECT_EQ(opt.steps(), 1);
  for (float w : masters(*m)) ASSERT_TRUE(std::isfinite(w));
}
TEST(FitNumerics, Float32StopsAfterNNonFiniteSteps) { fit_stops_after_n_nonfinite_steps<F32>(); }
TEST(FitNumerics, BFloat16StopsAfterNNonFiniteSteps) { fit_stops_after_n_nonfinite_steps<BF16>(); }
TEST(FitNumerics, Float16StopsAfterNNonFiniteSteps) { fit_stops_after_n_nonfinite_steps<F16>(); }

// Non-finite steps that are not in a row, or with the guard off, are skipped and counted.
TEST(FitNumerics, SkipsAndCountsWhenNotInARow) {
  auto m = small_model<F32>();
  mt::Adam opt(*m, {.lr = 1e-2f});
  FloatLoader<float> data(6, 8, {true, true, false, true, true, false});
  const auto h = mt::fit(*m, opt, mt::SoftmaxCrossEntropy{}, data,
                         {.epochs = 2, .progress = false,
                                                            .terminate_on_nan = 3});
  ASSERT_EQ(h.epochs.size(), 2u);
  EXPECT_EQ(h.epochs[0].skipped_steps, 4);
  EXPECT_EQ(h.epochs[1].skipped_steps, 4);
  EXPECT_EQ(opt.steps(), 4);
  EXPECT_TRUE(std::isnan(h.epochs[0].loss));  // the epoch's mean loss shows the NaN batches
  for (float w : masters(*m)) ASSERT_TRUE(std::isfinite(w));

  auto m2 = small_model<F32>();
  mt::Adam opt2(*m2, {.lr = 1e-2f});
  FloatLoader<float> all_bad(4, 8, {true, true, true, true});
  const auto h2 = mt::fit(*m2, opt2, mt::SoftmaxCrossEntropy{}, all_bad,
                          {.progress = false, .terminate_on_nan = 0});
  EXPECT_EQ(h2.epochs[0].skipped_steps, 4);
  EXPECT_EQ(opt2.steps(), 0);
  expect_value_error(
      [&] {
        (void)mt::fit(*m2, opt2, mt::SoftmaxCrossEntropy{}, all_bad,
                      {.progress = false, .terminate_on_nan = -1});
      },
      {"terminate_on_nan", "-1"});
}

// ---- fit: what is refused before the first step ------------------------------------------

mt::data::ImageDataset images(std::int64_t n) {
  mt::data::ImageDataset d{mt::Tensor<std::uint8_t>(Shape{n, 4, 4, 1}), mt::Tensor<std::int32_t>(Shape{n})};
  for (std::int64_t i = 0; i < n; ++i) d.labels[i] = static_cast<std::int32_t>(i % 4);
  return d;
}

TEST(FitRefuses, EmptyAndTooSmallSetsBeforeTraining) {
  auto m = small_model<F32>();
  mt::Adam opt(*m);
  using L = mt::data::ImageLoader<float>;
  auto fit = [&](L& train, L* val) {
    if (val) (void)mt::fit(*m, opt, mt::SoftmaxCrossEntropy{}, train, *val, {.progress = false});
    else (void)mt::fit(*m, opt, mt::SoftmaxCrossEntropy{}, train, {.progress = false});
  };
  const auto none = images(0), ten = images(10), many = images(64);
  L empty(none, {.batch = 4});
  L small(ten, {.batch = 32, .drop_last = true});
  L good(many, {.batch = 16});
  expect_value_error([&] { fit(empty, nullptr); }, {"training set", "empty", "0 samples"});
  expect_value_error([&] { fit(small, nullptr); }, {"training set", "10 samples", "32", "drop_last"});
  expect_value_error([&] { fit(good, &empty); }, {"validation set", "empty"});
  expect_value_error([&] { fit(good, &small); }, {"validation set", "drop_last"});
  EXPECT_EQ(opt.steps(), 0);  // refused before any step
  mt::SoftmaxCrossEntropy ce;
  expect_value_error([&] { (void)mt::evaluate(*m, ce, empty); }, {"evaluate", "empty"});
}

// --out naming a regular file used to fail after a whole epoch, with a foreign exception.
TEST(FitRefuses, AnOutputFolderThatIsAFileBeforeTraining) {
  const auto dir = scratch("out_is_file");
  std::ofstream(dir) << "not a folder";
  auto m = small_model<F32>();
  mt::Adam opt(*m);
  const auto d = images(32);
  mt::data::ImageLoader<float> train(d, {.batch = 8});
  try {
    (void)mt::fit(*m, opt, mt::SoftmaxCrossEntropy{}, train,
                  {.out = dir, .progress = false});
    ADD_FAILURE() << "fit wrote into a regular file";
  } catch (const mt::IoError& e) {
    EXPECT_HAS(e.what(), dir.string());
    EXPECT_HAS(e.what(), "not a directory");
  }
  EXPECT_EQ(opt.steps(), 0);
  // A folder below a regular file cannot be created either: IoError, not filesystem_error.
  EXPECT_THROW((void)mt::fit(*m, opt, mt::SoftmaxCrossEntropy{}, train,
                             {.out = dir / "sub", .progress = false}),
               mt::IoError);
  fs::remove(dir);
}

// ---- sizes and threads ------------------------------------------------------------------

TEST(Resources, ATensorTooLargeToAddressIsAMantissaError) {
  try {
    (void)mt::Tensor<float>::empty(Shape{std::int64_t{1} << 40, std::int64_t{1} << 40});
    ADD_FAILURE() << "a 2^82-byte tensor was made";
  } catch (const mt::Error& e) {
    EXPECT_HAS(e.what(), "(1099511627776, 1099511627776)");
    EXPECT_HAS(e.what(), "bytes");
  }
  EXPECT_EQ(mt::Tensor<float>::empty(Shape{0, std::int64_t{1} << 62}).numel(), 0);
}

TEST(Resources, ThreadCountsAreBounded) {
  const int before = mt::num_threads();
  expect_value_error([] { mt::set_num_threads(1'000'000); }, {"set_num_threads", "1000000"});
  expect_value_error([] { mt::set_num_threads(0); }, {"set_num_threads", "0"});
  EXPECT_EQ(mt::num_threads(), before);
  mt::Context<mt::Cpu> ctx;
  expect_value_error([&] { ctx.set_threads(mt::max_threads() + 1); }, {"Context::set_threads"});
  ctx.set_threads(mt::max_threads());
  EXPECT_EQ(ctx.threads(), mt::max_threads());
}
