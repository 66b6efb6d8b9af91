// tests/reliability/numerics_rows.cpp: the catalogue's rows for "no silent NaN, no foreign
// exception" (issue 13): hyperparameters out of range where they enter, data sets that yield
// no batch, an output folder fit cannot write, a loss that stays NaN, a thread count no
// machine has. tests/optim/test_numerics.cpp checks the behaviour around each in more depth.
#include <algorithm>

#include "bad_input_rows.hpp"

namespace bad_inputs {

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

mt::Sequential<P32> tiny() {
  return mt::Sequential<P32>(Shape{4, 4, 1}, mt::Seed{1}, mt::Flatten(), mt::Dense(4));
}

mt::data::ImageDataset images(std::int64_t n) {
  mt::data::ImageDataset d{mt::Tensor<std::uint8_t>(Shape{n, 4, 4, 1}),
                           mt::Tensor<std::int32_t>(Shape{n})};
  for (std::int64_t i = 0; i < n; ++i) d.labels[i] = static_cast<std::int32_t>(i % 4);
  return d;
}

Case value(std::string name, std::function<void()> f, std::vector<std::string> words) {
  return {std::move(name), std::move(f), Kind::value, std::move(words)};
}

// fit on `train` (and `val`, unless n_val is -1) of the given sizes and batch options.
void fit_sets(std::int64_t n_train, mt::data::LoaderOptions o_train, std::int64_t n_val,
              mt::data::LoaderOptions o_val) {
  auto m = tiny();
  mt::Adam opt(m);
  const auto a = images(n_train), b = images(std::max<std::int64_t>(n_val, 0));  // -1: none
  mt::data::ImageLoader<float> train(a, o_train), val(b, o_val);
  if (n_val >= 0) (void)mt::fit(m, opt, mt::SoftmaxCrossEntropy{}, train, val, {.progress = false});
  else (void)mt::fit(m, opt, mt::SoftmaxCrossEntropy{}, train, {.progress = false});
}

// A loader whose every batch holds a NaN feature: the loss is NaN at every step.
struct NaNLoader {
  struct Batch {
    mt::TensorView<const float> x;
    mt::TensorView<const std::int32_t> y;
  };
  mt::Tensor<float> x{Shape{4, 4, 4, 1}};
  mt::Tensor<std::int32_t> y{Shape{4}};
  NaNLoader() { x[0] = kNaN; }
  std::int64_t size() const { return 4; }
  std::int64_t batches() const { return 4; }
  Batch batch(std::int64_t) { return {x.view(), y.view()}; }
  void set_epoch(std::int64_t) {}
};

}  // namespace

std::vector<Case> numerics_cases() {
  return {
      value("Hyper_SgdLrNaN", [] { auto m = tiny(); mt::SGD o(m, {.lr = kNaN}); },
            {"SGD", "lr", "finite and > 0", "nan"}),
      value("Hyper_SgdLrNegative", [] { auto m = tiny(); mt::SGD o(m, {.lr = -0.1f}); },
            {"SGD", "lr", "-0.1"}),
      value("Hyper_SgdMomentumOne",
            [] { auto m = tiny(); mt::SGD o(m, {.lr = 0.1f, .momentum = 1.0f}); },
            {"SGD", "momentum", "[0, 1)", "got 1"}),
      value("Hyper_SgdWeightDecayNegative",
            [] { auto m = tiny(); mt::SGD o(m, {.lr = 0.1f, .weight_decay = -1.0f}); },
            {"SGD", "weight_decay", "-1"}),
      value("Hyper_AdamBeta1NaN", [] { auto m = tiny(); mt::Adam o(m, {.beta1 = kNaN}); },
            {"Adam", "beta1", "nan"}),
      value("Hyper_AdamBeta2One", [] { auto m = tiny(); mt::Adam o(m, {.beta2 = 1.0f}); },
            {"Adam", "beta2", "[0, 1)"}),
      value("Hyper_AdamEpsZero", [] { auto m = tiny(); mt::Adam o(m, {.eps = 0.0f}); },
            {"Adam", "eps", "got 0"}),
      value("Hyper_AdamWWeightDecayInf",
            [] { auto m = tiny(); mt::AdamW o(m, {.weight_decay = kInf}); },
            {"AdamW", "weight_decay", "inf"}),
      value("Hyper_SetLrNaN",
            [] {
              auto m = tiny();
              mt::Adam o(m);
              o.set_lr(kNaN);
            },
            {"Adam", "lr", "nan"}),
      value("Hyper_CosineLrNaN", [] { (void)mt::schedule::cosine(kNaN, 100); },
            {"cosine", "lr", "nan"}),
      value("Hyper_StepDecayGammaNegative", [] { (void)mt::schedule::step_decay(0.1f, 10, -0.5f); },
            {"step_decay", "gamma", "-0.5"}),
      value("Hyper_UserScheduleGivesNaN",
            [] {
              auto m = tiny();
              mt::SGD o(m, {.schedule = mt::LrSchedule([](std::int64_t) { return kNaN; })});
              (void)o.lr();
            },
            {"SGD", "schedule", "nan", "at step 0"}),
      value("Hyper_ClipMaxNormNaN",
            [] {
              auto m = tiny();
              auto g = mt::Gradients<P32, mt::Cpu>(m);
              (void)mt::clip_grad_norm(g, kNaN);
            },
            {"clip_grad_norm", "max_norm", "nan"}),
      value("Hyper_ScalerInitScaleNaN", [] { mt::LossScaler s({.init_scale = kNaN}); },
            {"LossScaler", "init_scale", "nan"}),
      value("Hyper_ScalerBackoffOne", [] { mt::LossScaler s({.backoff_factor = 1.0f}); },
            {"LossScaler", "backoff_factor", "(0, 1)", "got 1"}),
      value("Hyper_ScalerGrowthFactorOne", [] { mt::LossScaler s({.growth_factor = 1.0f}); },
            {"LossScaler", "growth_factor", "> 1"}),
      value("Hyper_ScalerGrowthIntervalZero", [] { mt::LossScaler s({.growth_interval = 0}); },
            {"LossScaler", "growth_interval", "got 0"}),
      value("Fit_EmptyTrainingSet", [] { fit_sets(0, {.batch = 8}, -1, {}); },
            {"training set", "empty", "0 samples"}),
      value("Fit_TrainingSetSmallerThanABatch",
            [] { fit_sets(5, {.batch = 8, .drop_last = true}, -1, {}); },
            {"training set", "5 samples", "batch of 8", "drop_last"}),
      value("Fit_EmptyValidationSet", [] { fit_sets(16, {.batch = 8}, 0, {.batch = 8}); },
            {"validation set", "empty"}),
      {"Fit_OutputFolderIsARegularFile",
       [] {
         const auto f = file("fit_out_is_a_file", "x");
         auto m = tiny();
         mt::Adam opt(m);
         const auto d = images(16);
         mt::data::ImageLoader<float> train(d, {.batch = 8});
         (void)mt::fit(m, opt, mt::SoftmaxCrossEntropy{}, train,
                       {.out = f, .progress = false});
       },
       Kind::io,
       {"fit_out_is_a_file", "not a directory"}},
      {"Fit_LossNaNForTenStepsInARow",
       [] {
         auto m = tiny();
         mt::Adam opt(m);
         NaNLoader data;
         (void)mt::fit(m, opt, mt::SoftmaxCrossEntropy{}, data,
                       {.epochs = 5, .progress = false});
       },
       Kind::numerics,
       {"epoch 3, batch 2", "last 10 steps", "non-finite loss"}},
      value("Threads_AMillion", [] { mt::set_num_threads(1'000'000); },
            {"set_num_threads", "1000000", "at most"}),
  };
}

}  // namespace bad_inputs
