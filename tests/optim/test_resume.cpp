// tests/optim/test_resume.cpp: resume is the run it resumes: fit's own state in the checkpoint
// (history, early stopping, the interrupted epoch's sums, the data it refers to), parsed
// strictly, and the resume refusals. test_resume_kill (tests/reliability/) kills whole runs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace fs = std::filesystem;
using mt::Shape;
using F32 = mt::policy::float32;

namespace {

// 4x4 one-channel images whose class is the quadrant of the bright pixel; `noise` of the
// labels replaced (so that validation loss turns and early stopping ends a run).
mt::data::ImageDataset quadrants(std::int64_t n, std::uint64_t seed, int noise_percent = 0) {
  mt::data::ImageDataset d{mt::Tensor<std::uint8_t>(Shape{n, 4, 4, 1}), mt::Tensor<std::int32_t>(Shape{n})};
  mt::Generator g(seed);
  for (std::int64_t i = 0; i < n; ++i) {
    const auto r = g.block(static_cast<std::uint64_t>(i));
    const int row = static_cast<int>(r[0] % 4), col = static_cast<int>(r[1] % 4);
    d.images[i * 16 + row * 4 + col] = 255;
    d.labels[i] = static_cast<int>(r[2] % 100) < noise_percent ? static_cast<std::int32_t>(r[3] % 4)
                                                                : (row / 2) * 2 + col / 2;
  }
  return d;
}

fs::path scratch(const char* name) {
  auto d = fs::temp_directory_path() / ("mantissa_resume_" + std::to_string(::getpid())) / name;
  fs::remove_all(d);
  return d;
}

std::string masters(mt::Sequential<F32>& m) {
  std::string s;
  for (auto* p : m.parameters()) s.append(reinterpret_cast<const char*>(p->master.data()), p->master.size_bytes());
  return s;
}

int csv_rows(const fs::path& p) {
  std::ifstream in(p);
  int rows = -1;  // the header
  for (std::string line; std::getline(in, line);) ++rows;
  return rows;
}

// One fit() on its own model and optimizer (the same initial state every time).
struct Job {
  mt::data::ImageDataset train_set = quadrants(192, 4, 20), val_set = quadrants(64, 5, 20);
  mt::Sequential<F32> model{Shape{4, 4, 1}, mt::Seed{2}, mt::Flatten(), mt::Dense(16), mt::ReLU(),
                            mt::Dropout(0.25f, 9), mt::Dense(4)};
  mt::Adam<F32> opt{model, {.lr = 2e-2f}};

  mt::History fit(const fs::path& out, int epochs, bool resume, std::int64_t batch = 32,
                  std::uint64_t seed = 6, std::int64_t every = 0, int patience = 0,
                  bool allow_change = false) {
    mt::data::ImageLoader<float> train(train_set, {.batch = batch, .seed = seed});
    mt::data::ImageLoader<float> val(val_set, {.batch = 64, .shuffle = false});
    return mt::fit(model, opt, mt::SoftmaxCrossEntropy{}, train, val,
                   {.epochs = epochs, .out = out,
                                                 .checkpoint_every = every,
                                                 .early_stopping_patience = patience,
                                                 .resume = resume,
                                                 .allow_data_change = allow_change,
                                                 .progress = false});
  }
};

void expect_same_records(const mt::History& a, const mt::History& b) {
  ASSERT_EQ(a.epochs.size(), b.epochs.size());
  EXPECT_EQ(a.stopped_early, b.stopped_early);
  for (std::size_t i = 0; i < a.epochs.size(); ++i) {
    const auto& x = a.epochs[i];
    const auto& y = b.epochs[i];
    EXPECT_EQ(x.epoch, y.epoch);
    // Bit for bit: the same sums in the same order (NaN where there was no validation).
    auto same = [](double u, double v) { return std::memcmp(&u, &v, sizeof u) == 0; };
    EXPECT_TRUE(same(x.loss, y.loss)) << "epoch " << x.epoch << ": " << x.loss << " vs " << y.loss;
    EXPECT_TRUE(same(x.accuracy, y.accuracy)) << "epoch " << x.epoch;
    EXPECT_TRUE(same(x.val_loss, y.val_loss)) << "epoch " << x.epoch;
    EXPECT_TRUE(same(x.val_accuracy, y.val_accuracy)) << "epoch " << x.epoch;
    EXPECT_EQ(x.lr, y.lr);
    EXPECT_EQ(x.skipped_steps, y.skipped_steps);
  }
}

}  // namespace

TEST(Resume, HistoryContinuesAcrossResumes) {
  Job straight;
  const auto whole = straight.fit(scratch("straight"), 5, false);

  // Three sessions: 2 epochs, then to epoch 4 (checkpointing every 4 steps too), then 5.
  const auto out = scratch("resumed");
  {
    Job a;
    (void)a.fit(out, 2, false);
  }
  {
    Job b;
    (void)b.fit(out, 4, true, 32, 6, 4);
  }
  Job c;
  const auto h = c.fit(out, 5, true);
  expect_same_records(whole, h);
  EXPECT_EQ(masters(straight.model), masters(c.model));
  EXPECT_EQ(csv_rows(out / "history.csv"), 5) << "history.csv restarted at the resume";
}

TEST(Resume, AMidEpochCheckpointResumesWithTheEpochsRunningSums) {
  Job straight;
  const auto whole = straight.fit(scratch("straight2"), 3, false);
  // The same run, cut mid-epoch 2 by a loss that throws at its 10th call (6 training batches
  // and a validation batch make epoch 1), after the checkpoint of step 8 (epoch 2, batch 2 of
  // 6), then resumed.
  const auto out = scratch("cut");
  struct Cut {};
  {
    Job a;
    mt::data::ImageLoader<float> train(a.train_set, {.batch = 32, .seed = 6});
    mt::data::ImageLoader<float> val(a.val_set, {.batch = 64, .shuffle = false});
    int calls = 0;
    mt::SoftmaxCrossEntropy ce;
    auto loss = [&](const auto& logits, const auto& labels) {
      if (++calls == 10) throw Cut{};
      return ce(logits, labels);
    };
    EXPECT_THROW((void)mt::fit(a.model, a.opt, loss, train, val,
                               {.epochs = 3, .out = out, .checkpoint_every = 2,
                                .progress = false}),
                 Cut);
  }
  const mt::io::SafetensorsFile f(out / "checkpoint.safetensors");
  ASSERT_EQ(f.metadata().at("epoch"), "1");
  ASSERT_EQ(f.metadata().at("batch"), "2");
  Job b;
  const auto h = b.fit(out, 3, true);
  expect_same_records(whole, h);
  EXPECT_EQ(masters(straight.model), masters(b.model));
}

TEST(Resume, EarlyStoppingStateIsPartOfTheRun) {
  Job straight;
  const auto whole = straight.fit(scratch("es_straight"), 60, false, 32, 6, 0, 2);
  ASSERT_TRUE(whole.stopped_early);
  ASSERT_GE(whole.epochs.size(), 3u);
  const int cut = static_cast<int>(whole.epochs.size()) - 1;  // inside the patience window
  const auto out = scratch("es_resumed");
  {
    Job a;
    (void)a.fit(out, cut, false, 32, 6, 0, 2);
  }
  Job b;
  const auto h = b.fit(out, 60, true, 32, 6, 0, 2);
  expect_same_records(whole, h);  // stops at the same epoch: best loss and count restored
  EXPECT_EQ(masters(straight.model), masters(b.model));
  // Resuming a run that had stopped early returns its history and trains no further.
  Job c;
  const auto again = c.fit(out, 60, true, 32, 6, 0, 2);
  expect_same_records(whole, again);
  EXPECT_EQ(c.opt.steps(), b.opt.steps());
}

TEST(Resume, OtherDataIsRefusedNamingItUnlessAsked) {
  const auto out = scratch("data");
  {
    Job a;
    (void)a.fit(out, 3, false, 32, 6, 4);
  }
  Job b;
  (void)b.fit(out, 1, false, 32, 6);  // another state in b, which a refusal must keep
  const auto before = masters(b.model);
  const auto steps = b.opt.steps();
  try {
    (void)b.fit(out, 5, true, 16, 7);
    ADD_FAILURE() << "resumed with another batch size and seed";
  } catch (const mt::StateError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("the batch size is 16, the checkpoint's was 32"), std::string::npos) << m;
    EXPECT_NE(m.find("the shuffling seed is 7, the checkpoint's was 6"), std::string::npos) << m;
    EXPECT_NE(m.find("allow_data_change"), std::string::npos) << m;
  }
  EXPECT_EQ(masters(b.model), before) << "a refused resume changed the model";
  EXPECT_EQ(b.opt.steps(), steps);
  // Asked for: the position is mapped, the run continues and its history too.
  Job c;
  const auto h = c.fit(out, 5, true, 16, 7, 0, 0, true);
  ASSERT_EQ(h.epochs.size(), 5u);
  EXPECT_EQ(h.epochs[3].epoch, 4);
}

// ---- the fit state's fields, parsed strictly ----

namespace {
mt::io::Metadata encoded(const mt::detail::FitState& s) {
  mt::io::Metadata m;
  mt::detail::encode_fit_state(s, m);
  return m;
}
mt::detail::FitState sample_state() {
  mt::detail::FitState s;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  s.history.epochs = {{1, 0.9, 0.5, nan, nan, 1234.5, 1e-3f, 65536.0f, 2},
                      {2, 0.1 / 3, 0.75, 0.25, 0.875, 99.0, 5e-4f, 0.0f, 0}};
  s.history.stopped_early = true;
  s.best_val = 0.1 / 7;
  s.since_best = 1;
  s.sums = {3.14159f, 17.0f, 32.0f};
  s.skipped = 3, s.nonfinite_run = 1, s.batch_size = 32, s.samples = 600, s.started = 1764633600;
  return s;
}
}  // namespace

TEST(FitState, EveryFieldRoundTripsExactly) {
  const auto s = sample_state();
  const auto back = mt::detail::decode_fit_state(encoded(s), 2, "x");
  ASSERT_TRUE(back);
  expect_same_records(s.history, back->history);
  EXPECT_TRUE(std::isnan(back->history.epochs[0].val_loss));
  EXPECT_EQ(back->history.epochs[0].images_per_second, 1234.5);
  EXPECT_EQ(back->best_val, s.best_val);
  EXPECT_EQ(back->since_best, 1);
  EXPECT_EQ(std::memcmp(back->sums.data(), s.sums.data(), sizeof s.sums), 0);
  EXPECT_EQ(back->skipped, 3);
  EXPECT_EQ(back->nonfinite_run, 1);
  EXPECT_EQ(back->batch_size, 32);
  EXPECT_EQ(back->samples, 600);
  EXPECT_EQ(back->started, 1764633600);
  // A fresh state (no epochs, infinite best loss) too; and no fit/ field: nothing.
  const auto fresh = mt::detail::decode_fit_state(encoded({}), 0, "x");
  ASSERT_TRUE(fresh);
  EXPECT_TRUE(std::isinf(fresh->best_val));
  EXPECT_FALSE(mt::detail::decode_fit_state(mt::io::Metadata{{"epoch", "2"}}, 2, "x"));
}

TEST(FitState, EachBadFieldIsADataErrorNamingIt) {
  struct Case {
    std::string key, value, says;
  };
  const std::vector<Case> cases{
      {"fit/history", "1,0x1p-1,0x1p-1,nan,nan,0x1p+0,0x1p-10,0x0p+0,0", "holds 1 epochs"},
      {"fit/history", "2,0x1p-1,0x1p-1,nan,nan,0x1p+0,0x1p-10,0x0p+0,0\n1,0x1p-1,0x1p-1,nan,nan,0x1p+0,0x1p-10,0x0p+0,0",
       "out of order"},
      {"fit/history", "1,0x1p-1,0x1p-1,nan,nan\n2,0,0,0,0", "row of 5 fields"},
      {"fit/history", "1,0x1p-1,abc,nan,nan,0x1p+0,0x1p-10,0x0p+0,0\n2,0x1p-1,0x1p-1,nan,nan,0x1p+0,0x1p-10,0x0p+0,0",
       "'abc', which is not a number"},
      {"fit/history", "1,0x1p-1,0x1p-1,nan,nan,0x1p+0,0x1p-10,0x0p+0,-1\n2,0x1p-1,0x1p-1,nan,nan,0x1p+0,0x1p-10,0x0p+0,0",
       "not a count"},
      {"fit/history", "1,1e999,0x1p-1,nan,nan,0x1p+0,0x1p-10,0x0p+0,0\n2,0x1p-1,0x1p-1,nan,nan,0x1p+0,0x1p-10,0x0p+0,0",
       "not a number"},
      {"fit/stopped_early", "yes", "neither 0 nor 1"},
      {"fit/early_stopping", "0x1p-2", "is not 'best validation loss"},
      {"fit/early_stopping", "nan,0", "NaN best validation loss"},
      {"fit/early_stopping", "0x1p-2,3", "more epochs without improvement"},
      {"fit/early_stopping", "0x1p-2, 1", "not a count"},
      {"fit/epoch_sums", "0x1p+0,-1,4", "negative or non-finite count"},
      {"fit/epoch_sums", "0x1p+0,5,4", "more correct rows than rows"},
      {"fit/epoch_sums", "0x1.00000001p+0,1,4", "not a float32"},
      {"fit/epoch_sums", "1,2", "is not 'loss sum"},
      {"fit/epoch_skipped", "-3", "not a count"},
      {"fit/nonfinite_run", "", "not a count"},
      {"fit/batch_size", "32x", "not a count"},
      {"fit/samples", "99999999999999999999", "not a count"},
      {"fit/started", "+5", "not a count"},
      {"fit/world", "0", "not a number of ranks"},
      {"fit/unknown", "1", "not a field of fit's state"},
  };
  for (const auto& c : cases) {
    auto m = encoded(sample_state());
    m[c.key] = c.value;
    try {
      (void)mt::detail::decode_fit_state(m, 2, "ckpt.safetensors");
      ADD_FAILURE() << c.key << " = '" << c.value << "' was accepted";
    } catch (const mt::DataError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("ckpt.safetensors: metadata '" + c.key + "'"), std::string::npos) << msg;
      EXPECT_NE(msg.find(c.says), std::string::npos) << c.key << ": " << msg;
    }
  }
  for (const char* key : {"fit/history", "fit/stopped_early", "fit/early_stopping", "fit/epoch_sums",
                          "fit/epoch_skipped", "fit/nonfinite_run", "fit/batch_size", "fit/samples",
                          "fit/started", "fit/world"}) {
    auto m = encoded(sample_state());
    m.erase(key);
    try {
      (void)mt::detail::decode_fit_state(m, 2, "ckpt.safetensors");
      ADD_FAILURE() << key << " missing was accepted";
    } catch (const mt::DataError& e) {
      EXPECT_NE(std::string(e.what()).find("'" + std::string(key) + "' is missing"), std::string::npos)
          << e.what();
    }
  }
}
