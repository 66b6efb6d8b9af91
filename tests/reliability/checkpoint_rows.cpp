// tests/reliability/checkpoint_rows.cpp: the catalogue's rows for checkpoints (checkpoint.hpp
// states what they hold): every metadata field bad, missing or out of range; non-finite and
// negative values; corruption under checksums; the whole range of what is written; where a
// save may go. Every refused load also asserts that it changed nothing.
#include <map>
#include <optional>

#include "bad_input_rows.hpp"

namespace bad_inputs {

namespace {

using F16 = mt::policy::mixed_float16;
using Tensors = std::map<std::string, std::vector<float>>;
using Edit = std::function<void(mt::io::Metadata&, Tensors&)>;

struct Job {
  mt::Sequential<F16> model;
  mt::Adam<F16> opt;
  mt::LossScaler scaler;
  explicit Job(std::uint64_t seed)
      : model(Shape{4}, mt::Seed{seed}, mt::Dense(3), mt::Dropout(0.5f, 7), mt::BatchNorm(),
              mt::Dense(2)),
        opt(model) {}
};

// Every byte of a job's state: masters, buffers, moments, step, scaler, generators.
std::string state(Job& j) {
  std::string s;
  auto add = [&](const void* p, std::size_t n) { s.append(static_cast<const char*>(p), n); };
  for (auto* p : j.model.parameters()) add(p->master.data(), p->master.size_bytes());
  for (auto& [n, t] : j.model.buffers()) add(t->data(), t->size_bytes());
  for (auto& [n, t] : j.opt.state_tensors()) add(t.data(), t.size_bytes());
  const auto st = j.scaler.state();
  const std::int64_t step = j.opt.steps();
  add(&st.scale, 4), add(&st.clean_steps, 8), add(&st.skipped_steps, 8), add(&step, 8);
  for (auto& [n, g] : j.model.generators()) add(g, sizeof *g);
  return s;
}

// A checkpoint of Job(1) at (epoch 2, batch 3, seed 4), as mantissa writes it (sealed).
fs::path saved(const std::string& name, const mt::TrainingPosition& pos = {2, 3, 4}) {
  Job j(1);
  const auto p = scratch() / name;
  mt::save_checkpoint(p, j.model, j.opt, j.scaler, pos);
  return p;
}

// The checkpoint with `edit` applied, written as another writer would: no checksums.
fs::path edited(const std::string& name, const Edit& edit) {
  const auto from = saved(name + ".orig");
  mt::io::Metadata meta;
  Tensors data;
  std::vector<mt::io::TensorRecord> recs;
  {
    mt::io::SafetensorsFile f(from);
    for (const auto& [k, v] : f.metadata())
      if (!k.starts_with("checksum/")) meta[k] = v;
    for (const auto& n : f.names()) {
      const auto* e = f.find(n);
      const auto* b = reinterpret_cast<const float*>(f.bytes(*e));
      data[n].assign(b, b + (e->end - e->begin) / 4);
    }
    edit(meta, data);
    for (auto& [n, v] : data) recs.push_back({n, "F32", f.find(n)->shape, v.data(), v.size() * 4});
  }
  const auto p = scratch() / name;
  mt::io::write_safetensors(p, recs, meta);
  return p;
}

// Loads `p` into a job whose every piece of state differs from the saved one; a refused load
// must leave it bit-identical (checked here, then the error goes on to the row's checks).
void load_into_other(const fs::path& p) {
  Job j(2);
  for (auto& [n, t] : j.opt.state_tensors())
    for (std::int64_t i = 0; i < t.numel(); ++i) t.data()[i] = 0.25f;
  j.opt.set_steps(9);
  j.scaler.load_state({1024.0f, 5, 6});
  const auto before = state(j);
  try {
    (void)mt::load_checkpoint(p, j.model, j.opt, j.scaler);
  } catch (...) {
    EXPECT_TRUE(state(j) == before) << "a refused load changed the model, optimizer or scaler";
    throw;
  }
}

Case field(std::string name, std::string key, std::optional<std::string> value,
           std::vector<std::string> words) {
  auto run = [name, key, value] {
    load_into_other(edited(name + ".safetensors", [&](mt::io::Metadata& m, Tensors&) {
      if (value)
        m[key] = *value;
      else
        m.erase(key);
    }));
  };
  return {std::move(name), std::move(run), Kind::data, std::move(words)};
}

Case value(std::string name, std::string tensor, float v, std::vector<std::string> words) {
  auto run = [name, tensor, v] {
    load_into_other(edited(name + ".safetensors",
                           [&](mt::io::Metadata&, Tensors& t) { t.at(tensor).back() = v; }));
  };
  return {std::move(name), std::move(run), Kind::data, std::move(words)};
}

// A sealed checkpoint with `change` applied to its bytes (the data section starts at `data`).
Case corrupt(std::string name,
             std::function<void(std::string& bytes, mt::io::SafetensorsFile&)> change,
             std::vector<std::string> words) {
  auto run = [name, change] {
    const auto p = saved(name + ".safetensors");
    std::string b;
    {
      std::ifstream in(p, std::ios::binary);
      b.assign(std::istreambuf_iterator<char>(in), {});
    }
    mt::io::SafetensorsFile f(p);
    change(b, f);
    load_into_other(file(name + ".safetensors", b));
  };
  return {std::move(name), std::move(run), Kind::data, std::move(words)};
}

Case save_to(std::string name, std::function<fs::path()> where, Kind k,
             std::vector<std::string> words) {
  auto run = [where] {
    Job j(1);
    mt::save_checkpoint(where(), j.model, j.opt, j.scaler, {});
  };
  return {std::move(name), std::move(run), k, std::move(words)};
}

const std::string rng = "rng/dropout/rng";
const std::string kernel = "model/dense/kernel";

}  // namespace

std::vector<Case> checkpoint_cases() {
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  return {
      field("Ckpt_RngEntryNotSeedOffset", rng, "12",
            {"'rng/dropout/rng' = '12'", "seed:offset", "nothing was loaded"}),
      field("Ckpt_RngEntryMissing", rng, std::nullopt,
            {"'rng/dropout/rng' is missing", "nothing was loaded"}),
      field("Ckpt_RngSeedNegative", rng, "-1:0", {"'rng/dropout/rng' = '-1:0'", "seed:offset"}),
      field("Ckpt_RngEntryOfAGeneratorTheModelLacks", "rng/dropout_1/rng", "1:2",
            {"'rng/dropout_1/rng'", "generator this model does not have"}),
      field("Ckpt_StepNotANumber", "optimizer_step", "12x",
            {"'optimizer_step' = '12x'", "not an integer"}),
      field("Ckpt_StepNegative", "optimizer_step", "-3",
            {"'optimizer_step' = '-3'", "is negative"}),
      field("Ckpt_StepAbove2To63", "optimizer_step", "9223372036854775808",
            {"'optimizer_step'", "not an integer in [0, 2^63)"}),
      field("Ckpt_StepMissing", "optimizer_step", std::nullopt,
            {"'optimizer_step' is missing", "nothing was loaded"}),
      field("Ckpt_LossScaleNaN", "loss_scale", "nan", {"'loss_scale' = 'nan'", "finite"}),
      field("Ckpt_LossScaleInf", "loss_scale", "inf", {"'loss_scale' = 'inf'", "finite"}),
      field("Ckpt_LossScaleZero", "loss_scale", "0", {"'loss_scale' = '0'", "at least 2^-24"}),
      field("Ckpt_LossScaleNegative", "loss_scale", "-0x1p+16",
            {"'loss_scale' = '-0x1p+16'", "at least 2^-24"}),
      field("Ckpt_LossScaleTiny", "loss_scale", "0x1p-30",
            {"'loss_scale' = '0x1p-30'", "at least 2^-24"}),
      field("Ckpt_LossScaleNotANumber", "loss_scale", "big",
            {"'loss_scale' = 'big'", "not a number"}),
      field("Ckpt_ScalerStateMissing", "loss_scale", std::nullopt,
            {"no loss-scaler state", "'loss_scale' is missing"}),
      field("Ckpt_CleanStepsNegative", "loss_scale_clean_steps", "-1",
            {"'loss_scale_clean_steps' = '-1'", "is negative"}),
      field("Ckpt_SkippedStepsNotANumber", "loss_scale_skipped_steps", "1e3",
            {"'loss_scale_skipped_steps' = '1e3'", "not an integer"}),
      field("Ckpt_SkippedStepsMissing", "loss_scale_skipped_steps", std::nullopt,
            {"'loss_scale_skipped_steps' is missing", "nothing was loaded"}),
      field("Ckpt_EpochNegative", "epoch", "-1", {"'epoch' = '-1'", "an epoch count is >= 0"}),
      field("Ckpt_EpochHex", "epoch", "0x10", {"'epoch' = '0x10'", "not an integer"}),
      field("Ckpt_BatchNotANumber", "batch", "two", {"'batch' = 'two'", "not an integer"}),
      field("Ckpt_BatchMissing", "batch", std::nullopt,
            {"'batch' is missing", "nothing was loaded"}),
      field("Ckpt_DataSeedAbove2To64", "data_seed", "18446744073709551616",
            {"'data_seed' = '18446744073709551616'", "[0, 2^64)"}),
      field("Ckpt_DataSeedNegative", "data_seed", "-1", {"'data_seed' = '-1'", "[0, 2^64)"}),
      value("Ckpt_NaNWeight", kernel, nan, {"tensor 'model/dense/kernel'", "nan", "finite"}),
      value("Ckpt_InfMoment", "optimizer/dense_1/bias/exp_avg", inf,
            {"tensor 'optimizer/dense_1/bias/exp_avg'", "inf", "finite"}),
      value("Ckpt_NegativeSecondMoment", "optimizer/dense/kernel/exp_avg_sq", -1.0f,
            {"tensor 'optimizer/dense/kernel/exp_avg_sq'", "second moment is never negative"}),
      value("Ckpt_NegativeRunningVariance", "model/batchnorm/running_var", -0.5f,
            {"tensor 'model/batchnorm/running_var'", "running variance is never negative"}),
      corrupt(
          "Ckpt_FlippedBitInATensor",
          [](std::string& b, mt::io::SafetensorsFile& f) { b[f.find(kernel)->file_begin + 2] ^= 0x04; },
          {"tensor 'model/dense/kernel' is corrupt", "CRC-32"}),
      corrupt(
          "Ckpt_EditedFieldUnderChecksum",
          [](std::string& b, mt::io::SafetensorsFile&) { b[b.find("\"epoch\":\"2\"") + 9] = '5'; },
          {"metadata 'epoch' = '5' does not match its checksum", "corrupt or was edited"}),
      corrupt("Ckpt_ChecksumKeyHit",  // checksum/model/dense/kernel -> checksum/model/dense/kernem
              [](std::string& b, mt::io::SafetensorsFile&) {
                b[b.find("\"checksum/model/dense/kernel\"") + 27] ^= 0x01;
              },
              {"tensor 'model/dense/kernel' has no checksum", "corrupt or was edited"}),
      corrupt("Ckpt_ChecksumNotHex",
              [](std::string& b, mt::io::SafetensorsFile&) {
                b[b.find("\"checksum/epoch\":\"") + 18] = 'z';
              },
              {"'checksum/epoch'", "not a CRC-32"}),
      {"Ckpt_EveryFieldAtItsMaximumRoundTrips",
       [] {
         constexpr auto i64 = std::numeric_limits<std::int64_t>::max();
         constexpr auto u64 = std::numeric_limits<std::uint64_t>::max();
         Job a(1), b(2);
         a.opt.set_steps(i64);
         a.scaler.load_state({std::numeric_limits<float>::max(), i64, i64});
         *a.model.generators().at(0).second = mt::Generator(u64, u64);
         const auto p = scratch() / "max.safetensors";
         mt::save_checkpoint(p, a.model, a.opt, a.scaler, {i64, i64, u64});
         EXPECT_EQ(mt::load_checkpoint(p, b.model, b.opt, b.scaler),
                   (mt::TrainingPosition{i64, i64, u64}));
         EXPECT_TRUE(state(b) == state(a));
       },
       Kind::accepted,
       {}},
      {"Ckpt_AnotherWritersFileWithoutChecksumsLoads",
       [] {
         Job a(1), b(2);
         (void)mt::load_checkpoint(edited("plain.safetensors", [](auto&, auto&) {}), b.model, b.opt,
                                   b.scaler);
         EXPECT_TRUE(state(b) == state(a));
       },
       Kind::accepted,
       {}},
      save_to("Ckpt_SaveToADirectory", [] { return scratch(); }, Kind::io,
              {"is a directory", "replaces only a regular file"}),
      save_to("Ckpt_SaveToAnEmptyName", [] { return fs::path(); }, Kind::io,
              {"''", "not a file name"}),
      save_to("Ckpt_SaveToDevNull", [] { return fs::path("/dev/null"); }, Kind::io,
              {"/dev/null", "is a device file"}),
      save_to("Ckpt_SaveUnderARegularFile", [] { return file("plain", "x") / "ckpt.safetensors"; },
              Kind::io, {"ckpt.safetensors", "cannot create its folder"}),
      {"Ckpt_SaveNaNWeightsKeepsThePreviousFile",
       [] {
         Job j(1);
         j.model.parameters()[0]->master[0] = std::nanf("");
         mt::save_checkpoint(saved("keep.safetensors"), j.model, j.opt, j.scaler, {});
       },
       Kind::numerics,
       {"tensor 'model/dense/kernel' holds nan", "the previous checkpoint is kept"}},
  };
}

}  // namespace bad_inputs
