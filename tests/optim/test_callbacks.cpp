// tests/optim/test_callbacks.cpp: fit's callbacks (callbacks.hpp): the order and count of the
// hooks, stop() from a batch or an epoch, what FitContext shows (history, step, loss, the
// model), and the built-in EarlyStopping (on a scripted validation loss), TerminateOnNaN (on
// scripted non-finite steps) and ModelCheckpoint (the checkpoint read back at every batch).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace fs = std::filesystem;
using mt::Shape;
using F32 = mt::policy::float32;
using BF16 = mt::policy::mixed_bfloat16;
using Model = mt::Sequential<F32>;

#define EXPECT_HAS(what, word) \
  EXPECT_NE(std::string(what).find(word), std::string::npos) << (what) << "\n  lacks: " << (word)

namespace {

// 16 rows of 4 features and a float target: 4 batches of 4 with batch_size 4.
struct Rows {
  mt::Tensor<float> x;
  mt::Tensor<float> y;
};
Rows rows(std::int64_t n, std::uint64_t seed) {
  mt::Generator gen(seed);
  Rows r{mt::normal<float>({n, 4}, 0.0f, 1.0f, gen), mt::Tensor<float>(Shape{n})};
  for (std::int64_t i = 0; i < n; ++i) r.y[i] = r.x(i, 0) - 0.5f * r.x(i, 1);
  return r;
}
Model model() { return Model(Shape{4}, mt::Seed{7}, mt::Dense(8), mt::ReLU(), mt::Dense(1)); }

std::vector<float> masters(Model& m) {
  std::vector<float> w;
  for (auto* p : m.parameters()) w.insert(w.end(), p->master.begin(), p->master.end());
  return w;
}

// Logs every hook as "<tag><hook> <epoch>.<batch>".
struct Recorder : mt::Callback {
  Recorder(std::vector<std::string>& into, std::string name) : log(&into), tag(std::move(name)) {}
  void on_train_begin(mt::FitContext& c) override { add(c, "train_begin"); }
  void on_epoch_begin(mt::FitContext& c) override { add(c, "epoch_begin"); }
  void on_batch_begin(mt::FitContext& c) override { add(c, "batch_begin"); }
  void on_batch_end(mt::FitContext& c) override { add(c, "batch_end"); }
  void on_epoch_end(mt::FitContext& c) override { add(c, "epoch_end"); }
  void on_train_end(mt::FitContext& c) override { add(c, "train_end"); }
  void add(mt::FitContext& c, const char* hook) {
    log->push_back(tag + hook + " " + std::to_string(c.epoch()) + "." + std::to_string(c.batch()));
  }
  std::vector<std::string>* log;
  std::string tag;
};
std::string event(const char* hook, int epoch, std::int64_t batch) {
  return std::string(hook) + " " + std::to_string(epoch) + "." + std::to_string(batch);
}

// Calls stop() from one hook at one place.
struct StopAt : mt::Callback {
  enum class Hook { batch_end, epoch_begin, epoch_end } hook;
  int epoch;
  std::int64_t batch;
  StopAt(Hook h, int e, std::int64_t b = 0) : hook(h), epoch(e), batch(b) {}
  void on_epoch_begin(mt::FitContext& c) override {
    if (hook == Hook::epoch_begin && c.epoch() == epoch) c.stop("stop at epoch_begin");
  }
  void on_batch_end(mt::FitContext& c) override {
    if (hook == Hook::batch_end && c.epoch() == epoch && c.batch() == batch) c.stop("stop at batch_end");
  }
  void on_epoch_end(mt::FitContext& c) override {
    if (hook == Hook::epoch_end && c.epoch() == epoch) c.stop("stop at epoch_end");
  }
};

// Makes the steps at the chosen (epoch, batch) non-finite: a NaN weight for that step only
// (the skipped step leaves the weights as they were; the weight is put back after it).
struct Poison : mt::Callback {
  std::set<std::pair<int, std::int64_t>> at;
  float saved = 0.0f;
  explicit Poison(std::set<std::pair<int, std::int64_t>> where) : at(std::move(where)) {}
  float& weight(mt::FitContext& c) { return c.model<Model>().parameters()[0]->master.data()[0]; }
  void on_batch_begin(mt::FitContext& c) override {
    if (!at.count({c.epoch(), c.batch()})) return;
    saved = weight(c);
    weight(c) = std::numeric_limits<float>::quiet_NaN();
  }
  void on_batch_end(mt::FitContext& c) override {
    if (at.count({c.epoch(), c.batch()})) weight(c) = saved;
  }
};

fs::path scratch(const char* name) {
  auto d = fs::temp_directory_path() / ("mantissa_callbacks_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  return d;
}

}  // namespace

// ---- the hooks ---------------------------------------------------------------------------

TEST(Callbacks, HooksRunInOrderOncePerEdgeAndCallbackInTheOrderGiven) {
  const auto d = rows(16, 1);
  auto m = model();
  mt::Adam opt(m, {.lr = 1e-2f});
  std::vector<std::string> log;
  Recorder a(log, "a:"), b(log, "b:");
  const auto h = mt::fit(m, opt, mt::MeanSquaredError{}, d.x, d.y,
                         {.epochs = 3, .progress = false, .callbacks = {&a, &b}, .batch_size = 4});
  ASSERT_EQ(h.epochs.size(), 3u);
  EXPECT_FALSE(h.stopped_early);
  std::vector<std::string> want;
  auto both = [&](const char* hook, int e, std::int64_t bt) {
    want.push_back("a:" + event(hook, e, bt));
    want.push_back("b:" + event(hook, e, bt));
  };
  both("train_begin", 0, 0);
  for (int e = 1; e <= 3; ++e) {
    both("epoch_begin", e, 0);
    for (int bt = 1; bt <= 4; ++bt) {
      both("batch_begin", e, bt);
      both("batch_end", e, bt);
    }
    both("epoch_end", e, 0);
  }
  both("train_end", 3, 0);
  EXPECT_EQ(log, want);
}

// What a callback sees: epochs/batches, the step just taken, the batch's loss, and at the
// epoch's end that epoch's record (the one fit returns).
TEST(Callbacks, ContextShowsTheStepTheLossAndTheEpochsRecord) {
  const auto d = rows(20, 2);
  struct Watch : mt::Callback {
    std::vector<mt::EpochRecord> seen;
    std::vector<double> batch_loss_sum;
    void on_epoch_begin(mt::FitContext& c) override {
      EXPECT_EQ(c.epochs(), 3);
      EXPECT_EQ(c.batches(), 4);  // 16 training rows of 20 (validation_split 0.2)
      EXPECT_EQ(c.history().epochs.size(), static_cast<std::size_t>(c.epoch() - 1));
      batch_loss_sum.push_back(0.0);
    }
    void on_batch_end(mt::FitContext& c) override {
      EXPECT_TRUE(c.step().applied);
      EXPECT_EQ(c.step().step, (c.epoch() - 1) * 4 + c.batch());
      EXPECT_FALSE(c.nonfinite());
      EXPECT_TRUE(std::isfinite(c.loss()));
      batch_loss_sum.back() += c.loss();
    }
    void on_epoch_end(mt::FitContext& c) override {
      ASSERT_EQ(c.history().epochs.size(), static_cast<std::size_t>(c.epoch()));
      seen.push_back(c.history().epochs.back());
    }
  } watch;
  auto m = model();
  mt::Adam opt(m, {.lr = 1e-2f});
  const auto h = mt::fit(m, opt, mt::MeanSquaredError{}, d.x, d.y,
                         {.epochs = 3, .progress = false, .callbacks = {&watch}, .batch_size = 4,
                          .shuffle = false, .validation_split = 0.2});
  ASSERT_EQ(h.epochs.size(), 3u);
  ASSERT_EQ(watch.seen.size(), 3u);
  for (std::size_t e = 0; e < 3; ++e) {
    EXPECT_EQ(watch.seen[e].epoch, static_cast<int>(e + 1));
    EXPECT_EQ(watch.seen[e].loss, h.epochs[e].loss);
    EXPECT_EQ(watch.seen[e].val_loss, h.epochs[e].val_loss);
    EXPECT_TRUE(std::isfinite(watch.seen[e].val_loss));
    // Equal batches: the epoch's loss is the mean of its batches' losses.
    EXPECT_NEAR(watch.batch_loss_sum[e] / 4, h.epochs[e].loss, 1e-5 * h.epochs[e].loss);
  }
}

TEST(Callbacks, ModelIsTheTrainedModelAndAnotherTypeIsAStateError) {
  const auto d = rows(8, 3);
  auto m = model();
  struct Ask : mt::Callback {
    Model* expected = nullptr;
    bool asked = false;
    void on_train_begin(mt::FitContext& c) override {
      EXPECT_EQ(&c.model<Model>(), expected);
      asked = true;
    }
    void on_epoch_end(mt::FitContext& c) override { (void)c.model<mt::Sequential<BF16>>(); }
  } ask;
  ask.expected = &m;
  mt::Adam opt(m, {.lr = 1e-2f});
  try {
    (void)mt::fit(m, opt, mt::MeanSquaredError{}, d.x, d.y,
                  {.progress = false, .callbacks = {&ask}, .batch_size = 4});
    ADD_FAILURE() << "model<another type>() did not throw";
  } catch (const mt::StateError& e) {
    EXPECT_HAS(e.what(), "FitContext::model<");
    EXPECT_HAS(e.what(), typeid(mt::Sequential<BF16>).name());
    EXPECT_HAS(e.what(), typeid(Model).name());
  }
  EXPECT_TRUE(ask.asked);
}

// ---- stop() ------------------------------------------------------------------------------

struct StopCase {
  StopAt stop;
  std::size_t epochs;         // records in the history
  std::int64_t steps;         // steps taken
  std::string last_batch;     // the last batch_end seen
};

TEST(Callbacks, StopEndsTheRunWhereItWasAsked) {
  const auto d = rows(16, 4);
  const std::vector<StopCase> cases = {
      {StopAt(StopAt::Hook::batch_end, 2, 3), 2, 7, "batch_end 2.3"},  // mid-epoch: epoch 2 cut
      {StopAt(StopAt::Hook::batch_end, 1, 4), 1, 4, "batch_end 1.4"},  // the epoch's last batch
      {StopAt(StopAt::Hook::epoch_end, 1), 1, 4, "batch_end 1.4"},
      // from on_epoch_begin: "this epoch" runs to its end, then the run stops
      {StopAt(StopAt::Hook::epoch_begin, 2), 2, 8, "batch_end 2.4"},
  };
  for (auto sc : cases) {
    SCOPED_TRACE(sc.last_batch + " after " + std::to_string(sc.steps) + " steps");
    std::vector<std::string> log;
    Recorder rec(log, "");
    auto m = model();
    mt::Adam opt(m, {.lr = 1e-2f});
    const auto h = mt::fit(m, opt, mt::MeanSquaredError{}, d.x, d.y,
                           {.epochs = 3, .progress = false, .callbacks = {&sc.stop, &rec},
                            .batch_size = 4});
    EXPECT_EQ(h.epochs.size(), sc.epochs);
    EXPECT_TRUE(h.stopped_early);
    EXPECT_EQ(opt.steps(), sc.steps);
    // The epoch's record and on_epoch_end come after the stop, then on_train_end, once.
    ASSERT_GE(log.size(), 3u);
    const int last = static_cast<int>(sc.epochs);
    EXPECT_EQ(log[log.size() - 3], sc.last_batch);
    EXPECT_EQ(log[log.size() - 2], event("epoch_end", last, 0));
    EXPECT_EQ(log.back(), event("train_end", last, 0));
  }
}

// ---- EarlyStopping -----------------------------------------------------------------------

namespace {

// A validation set of 4 rows whose targets a callback sets per epoch: with a model that
// outputs 0, the validation loss (MSE) is target^2, whatever the epoch says.
struct ScriptedValidation {
  struct Batch {
    mt::TensorView<const float> x;
    mt::TensorView<const float> y;
  };
  mt::Tensor<float> x{Shape{4, 4}}, y{Shape{4}};
  std::int64_t size() const { return 4; }
  std::int64_t batches() const { return 1; }
  Batch batch(std::int64_t) { return {{x.data(), x.shape()}, {y.data(), y.shape()}}; }
  void set_epoch(std::int64_t) {}
};

// Runs fit for up to `losses.size()` epochs on a frozen zero model (every training step is
// made non-finite, so skipped) with the validation loss of epoch e = losses[e - 1].
mt::History scripted_run(const std::vector<float>& losses, mt::EarlyStopping& early) {
  const auto d = rows(8, 5);
  auto m = model();
  for (auto* p : m.parameters())
    for (auto& w : p->master) w = 0.0f;
  std::set<std::pair<int, std::int64_t>> all;
  for (int e = 1; e <= static_cast<int>(losses.size()); ++e) all.insert({e, 1}), all.insert({e, 2});
  Poison freeze(all);
  ScriptedValidation val;
  struct Script : mt::Callback {
    const std::vector<float>* losses;
    ScriptedValidation* val;
    void on_epoch_begin(mt::FitContext& c) override {
      const float t = std::sqrt((*losses)[static_cast<std::size_t>(c.epoch() - 1)]);
      for (std::int64_t i = 0; i < val->y.numel(); ++i) val->y[i] = t;
    }
  } script;
  script.losses = &losses, script.val = &val;
  mt::data::TabularLoader<float, float> train(d.x, d.y, {.batch = 4, .shuffle = false});
  mt::Adam opt(m, {.lr = 1e-2f});
  auto h = mt::fit(m, opt, mt::MeanSquaredError{}, train, val,
                   {.epochs = static_cast<int>(losses.size()), .progress = false,
                    .terminate_on_nan = 0, .callbacks = {&freeze, &script, &early}});
  EXPECT_EQ(opt.steps(), 0);
  for (std::size_t e = 0; e < h.epochs.size(); ++e)
    EXPECT_NEAR(h.epochs[e].val_loss, losses[e], 1e-6) << "epoch " << e + 1;
  return h;
}

}  // namespace

TEST(EarlyStopping, StopsAtTheEpochPatienceAndMinDeltaGive) {
  const std::vector<float> losses = {1.0f, 0.9f, 0.895f, 0.7f, 0.71f, 0.695f, 0.8f, 0.8f, 0.8f, 0.8f};
  // min_delta 0.01: 0.895 (epoch 3) is no improvement on 0.9, 0.7 is; 0.71 and 0.695 are not:
  // two epochs without, at epoch 6.
  mt::EarlyStopping with_delta({.patience = 2, .min_delta = 0.01});
  const auto a = scripted_run(losses, with_delta);
  EXPECT_TRUE(a.stopped_early);
  EXPECT_EQ(a.epochs.size(), 6u);
  // min_delta 0: 0.695 improves on 0.7; 0.8, 0.8 do not: stops at epoch 8.
  mt::EarlyStopping strict({.patience = 2});
  const auto b = scripted_run(losses, strict);
  EXPECT_TRUE(b.stopped_early);
  EXPECT_EQ(b.epochs.size(), 8u);
  // A patience longer than the run: it runs to the end, not stopped early.
  mt::EarlyStopping patient({.patience = 5});
  const auto c = scripted_run(losses, patient);
  EXPECT_FALSE(c.stopped_early);
  EXPECT_EQ(c.epochs.size(), losses.size());
}

TEST(EarlyStopping, RefusesBadOptionsNoValidationDataAndASecondOne) {
  EXPECT_THROW(mt::EarlyStopping({.patience = 0}), mt::ValueError);
  EXPECT_THROW(mt::EarlyStopping({.patience = 1, .min_delta = -0.1}), mt::ValueError);
  EXPECT_THROW(mt::EarlyStopping({.patience = 1, .min_delta = std::nan("")}), mt::ValueError);
  const auto d = rows(8, 6);
  auto m = model();
  mt::Adam opt(m, {.lr = 1e-2f});
  mt::EarlyStopping early({.patience = 1});
  try {
    (void)mt::fit(m, opt, mt::MeanSquaredError{}, d.x, d.y,
                  {.progress = false, .callbacks = {&early}, .batch_size = 4});
    ADD_FAILURE() << "EarlyStopping without validation data was accepted";
  } catch (const mt::ValueError& e) {
    EXPECT_HAS(e.what(), "EarlyStopping");
    EXPECT_HAS(e.what(), "validation");
  }
  EXPECT_EQ(opt.steps(), 0);
  // Two early stoppings would share one patience count: refused, naming both.
  mt::EarlyStopping other({.patience = 2});
  for (const auto& o : {mt::FitOptions{.early_stopping_patience = 3, .progress = false,
                                       .callbacks = {&early}, .batch_size = 4,
                                       .validation_split = 0.5},
                        mt::FitOptions{.progress = false, .callbacks = {&early, &other},
                                       .batch_size = 4, .validation_split = 0.5}}) {
    try {
      (void)mt::fit(m, opt, mt::MeanSquaredError{}, d.x, d.y, o);
      ADD_FAILURE() << "two early stoppings were accepted";
    } catch (const mt::ValueError& e) {
      EXPECT_HAS(e.what(), "one EarlyStopping");
    }
  }
  EXPECT_EQ(opt.steps(), 0);
}

// ---- TerminateOnNaN ----------------------------------------------------------------------

// Steps 1.2 and 1.3 are non-finite, 1.4 is not (the run restarts), then 2.1, 2.2, 2.3: the
// third in a row ends fit at epoch 2, batch 3, with or without the options' own guard.
TEST(TerminateOnNaN, EndsFitAfterPatienceNonFiniteStepsInARow) {
  const auto d = rows(16, 7);
  for (int builtin : {0, 10}) {
    SCOPED_TRACE("FitOptions::terminate_on_nan = " + std::to_string(builtin));
    auto m = model();
    mt::Adam opt(m, {.lr = 1e-2f});
    mt::TerminateOnNaN guard({.patience = 3});
    Poison poison({{1, 2}, {1, 3}, {2, 1}, {2, 2}, {2, 3}, {2, 4}});
    struct Observe : mt::Callback {
      std::vector<std::string> nonfinite;
      void on_batch_end(mt::FitContext& c) override {
        EXPECT_EQ(c.step().applied, !c.nonfinite());
        if (c.nonfinite()) nonfinite.push_back(event("", c.epoch(), c.batch()));
      }
    } observe;
    const auto before = masters(m);
    try {
      (void)mt::fit(m, opt, mt::MeanSquaredError{}, d.x, d.y,
                    {.epochs = 3, .progress = false, .terminate_on_nan = builtin,
                     .callbacks = {&guard, &poison, &observe}, .batch_size = 4});
      ADD_FAILURE() << "fit went on through 3 non-finite steps in a row";
    } catch (const mt::NumericsError& e) {
      EXPECT_HAS(e.what(), "epoch 2, batch 3: the last 3 steps");
      EXPECT_HAS(e.what(), "non-finite loss");
    }
    // The guard runs before the observer: 2.3 is not observed.
    EXPECT_EQ(observe.nonfinite, (std::vector<std::string>{" 1.2", " 1.3", " 2.1", " 2.2"}));
    EXPECT_EQ(opt.steps(), 2);  // 1.1 and 1.4
    EXPECT_NE(masters(m), before);
  }
  EXPECT_THROW(mt::TerminateOnNaN({.patience = 0}), mt::ValueError);
}

// ---- ModelCheckpoint and save_checkpoint -------------------------------------------------

namespace {
// After every batch: the checkpoint's position ("-" before there is one), read back into a
// fresh model; when it was written at this very batch, its weights are the model's.
struct ReadBack : mt::Callback {
  fs::path file;
  std::vector<std::string> positions;
  int current = 0;  // checkpoints found written at their own batch
  void on_batch_end(mt::FitContext& c) override {
    if (!fs::exists(file)) {
      positions.push_back("-");
      return;
    }
    EXPECT_FALSE(fs::exists(file.string() + ".tmp"));
    auto fresh = model();
    mt::Adam opt(fresh, {.lr = 1e-2f});
    const auto pos = mt::load_checkpoint(file, fresh, opt);
    positions.push_back(std::to_string(pos.epoch) + "." + std::to_string(pos.batch));
    if (pos.epoch == c.epoch() - 1 && pos.batch == c.batch()) {
      ++current;
      EXPECT_EQ(masters(fresh), masters(c.model<Model>()));
      EXPECT_EQ(opt.steps(), c.step().step);
    }
  }
};
}  // namespace

TEST(ModelCheckpoint, WritesEveryStepsInsideTheEpoch) {
  const auto d = rows(16, 8);
  const auto out = scratch("every3");
  auto m = model();
  mt::Adam opt(m, {.lr = 1e-2f});
  mt::ModelCheckpoint every({.every_steps = 3});
  ReadBack read;
  read.file = out / "checkpoint.safetensors";
  (void)mt::fit(m, opt, mt::MeanSquaredError{}, d.x, d.y,
                {.epochs = 3, .out = out, .progress = false, .callbacks = {&every, &read},
                 .batch_size = 4});
  // Steps 3 (1.3), 6 (2.2), 9 (3.1); step 12 is the last batch, where the epoch's own
  // checkpoint follows (the epochs' ends: 1.0, 2.0, 3.0 as positions).
  EXPECT_EQ(read.positions, (std::vector<std::string>{"-", "-", "0.3", "0.3",        //
                                                      "1.0", "1.2", "1.2", "1.2",    //
                                                      "2.1", "2.1", "2.1", "2.1"}));
  EXPECT_EQ(read.current, 3);
  auto fresh = model();
  mt::Adam opt2(fresh, {.lr = 1e-2f});
  EXPECT_EQ(mt::load_checkpoint(read.file, fresh, opt2), (mt::TrainingPosition{3, 0, 0}));
  EXPECT_EQ(masters(fresh), masters(m));

  EXPECT_THROW(mt::ModelCheckpoint({.every_steps = 0}), mt::ValueError);
  try {  // no output folder: refused before the first step
    (void)mt::fit(m, opt, mt::MeanSquaredError{}, d.x, d.y,
                  {.progress = false, .callbacks = {&every}, .batch_size = 4});
    ADD_FAILURE() << "ModelCheckpoint without FitOptions::out was accepted";
  } catch (const mt::StateError& e) {
    EXPECT_HAS(e.what(), "FitOptions::out");
  }
  EXPECT_EQ(opt.steps(), 12);
}

TEST(ModelCheckpoint, SaveCheckpointFromACallbackWritesAtThatBatch) {
  const auto d = rows(16, 9);
  struct SaveAt : mt::Callback {
    bool has = false;
    void on_train_begin(mt::FitContext& c) override { has = c.has_checkpoint(); }
    void on_batch_end(mt::FitContext& c) override {
      if (c.epoch() == 2 && c.batch() == 2) c.save_checkpoint();
    }
  } save;
  const auto out = scratch("save_at");
  ReadBack read;
  read.file = out / "checkpoint.safetensors";
  auto m = model();
  mt::Adam opt(m, {.lr = 1e-2f});
  (void)mt::fit(m, opt, mt::MeanSquaredError{}, d.x, d.y,
                {.epochs = 2, .out = out, .progress = false, .callbacks = {&save, &read},
                 .batch_size = 4});
  EXPECT_TRUE(save.has);
  EXPECT_EQ(read.positions,
            (std::vector<std::string>{"-", "-", "-", "-", "1.0", "1.2", "1.2", "1.2"}));
  EXPECT_EQ(read.current, 1);
  try {
    (void)mt::fit(m, opt, mt::MeanSquaredError{}, d.x, d.y,
                  {.epochs = 2, .progress = false, .callbacks = {&save}, .batch_size = 4});
    ADD_FAILURE() << "save_checkpoint without FitOptions::out did not throw";
  } catch (const mt::StateError& e) {
    EXPECT_HAS(e.what(), "FitOptions::out");
  }
  EXPECT_FALSE(save.has);
  fs::remove_all(out.parent_path());
}
