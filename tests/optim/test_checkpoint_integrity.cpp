// tests/optim/test_checkpoint_integrity.cpp: a load that is a transaction (every field and
// value checked, a flipped bit caught, nothing changed by a failure); every field's whole
// range; what a save refuses and where it may go.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>

#include "checkpoint_scratch.hpp"
#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace fs = std::filesystem;
using mt::Shape;
using F16 = mt::policy::mixed_float16;
using checkpoint_tests::make_model;
using checkpoint_tests::scratch;

namespace {

// A trained model, its Adam and scaler: every piece of state away from its initial value.
struct Job {
  std::unique_ptr<mt::Sequential<F16>> model;
  std::unique_ptr<mt::Adam<F16>> opt;
  mt::LossScaler scaler{{.growth_interval = 2}};
  explicit Job(std::uint64_t seed, int steps = 3) : model(make_model(seed)) {
    opt = std::make_unique<mt::Adam<F16>>(*model);
    mt::Generator g(seed);
    auto x = mt::normal<mt::half>(Shape{8, 6}, 0.0f, 1.0f, g);
    auto y = mt::Tensor<std::int32_t>(Shape{8});
    for (std::int64_t i = 0; i < 8; ++i) y[i] = static_cast<std::int32_t>((i + seed) % 3);
    mt::SoftmaxCrossEntropy loss_fn;
    for (int i = 0; i < steps; ++i)
      (void)opt->step(scaler.unscale(model->backward(
                          scaler.scale(loss_fn(model->forward(x.view(), mt::Mode::train), y.view())))),
                      scaler);
  }
  mt::TrainingPosition load(const fs::path& p) {
    return mt::load_checkpoint(p, *model, *opt, scaler);
  }
};

// Every byte of a job's state: masters, compute copies, buffers, moments, step, scaler, RNG.
std::string snapshot(Job& j) {
  std::string s;
  auto add = [&](const void* p, std::size_t n) { s.append(static_cast<const char*>(p), n); };
  for (auto* p : j.model->parameters()) {
    add(p->master.data(), p->master.size_bytes());
    add(p->compute.data(), p->compute.size_bytes());
  }
  for (auto& [n, t] : j.model->buffers()) add(t->data(), t->size_bytes());
  for (auto& [n, t] : j.opt->state_tensors()) add(t.data(), t.size_bytes());
  const auto st = j.scaler.state();
  const std::int64_t step = j.opt->steps();
  add(&st.scale, 4), add(&st.clean_steps, 8), add(&st.skipped_steps, 8), add(&step, 8);
  for (auto& [n, g] : j.model->generators())
    s += std::to_string(g->seed()) + ":" + std::to_string(g->offset());
  return s;
}

// A copy of checkpoint `from` with `edit` applied to its metadata and float32 tensors, written
// as another writer would (no checksums) or resealed with mantissa's checksums.
using Tensors = std::map<std::string, std::vector<float>>;
fs::path rewrite(const fs::path& from, const std::string& name,
                 const std::function<void(mt::io::Metadata&, Tensors&)>& edit, bool seal = false) {
  mt::io::SafetensorsFile f(from);
  mt::io::Metadata meta;
  for (const auto& [k, v] : f.metadata())
    if (!k.starts_with("checksum/")) meta[k] = v;
  Tensors data;
  for (const auto& n : f.names()) {
    const auto* e = f.find(n);
    const auto* b = reinterpret_cast<const float*>(f.bytes(*e));
    data[n].assign(b, b + (e->end - e->begin) / 4);
  }
  edit(meta, data);
  std::vector<mt::io::TensorRecord> recs;
  for (auto& [n, v] : data) recs.push_back({n, "F32", f.find(n)->shape, v.data(), v.size() * 4});
  if (seal) mt::detail::seal_checkpoint(recs, meta);
  const auto p = scratch(name);
  mt::io::write_safetensors(p, recs, meta);
  return p;
}

// Loading `p` into `target` is a DataError naming every one of `words`, and changes nothing.
void expect_refused(Job& target, const fs::path& p, const std::vector<std::string>& words,
                    const std::string& what) {
  const auto before = snapshot(target);
  try {
    (void)target.load(p);
    ADD_FAILURE() << what << ": loaded";
  } catch (const mt::DataError& e) {
    for (const auto& w : words)
      EXPECT_NE(std::string(e.what()).find(w), std::string::npos) << what << ": " << e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": not a DataError: " << e.what();
  }
  EXPECT_TRUE(snapshot(target) == before) << what << ": a failed load changed the state";
}

}  // namespace

TEST(CheckpointLoad, EveryFieldBadOrMissingIsRefusedAndChangesNothing) {
  Job source(1), target(2);
  const auto path = scratch("fields.safetensors");
  mt::save_checkpoint(path, *source.model, *source.opt, source.scaler, {3, 4, 5});
  ASSERT_NE(snapshot(source), snapshot(target));  // so "unchanged" is not "already equal"
  const std::string rng = "rng/" + source.model->generators().at(0).first;
  const std::vector<std::pair<std::string, std::vector<std::string>>> bad = {
      {rng,
       {"", "1", "1:", ":1", "a:b", "1:2:3", "-1:0", "1:-2", " 1:2", "1:18446744073709551616"}},
      {"optimizer_step", {"", "x", "1x", "+1", " 1", "-1", "1.5", "9223372036854775808"}},
      {"loss_scale",
       {"", "x", "1x", " 1", "nan", "inf", "-inf", "0", "-0", "-1", "0x1p-25", "1e-30", "1e39"}},
      {"loss_scale_clean_steps", {"x", "-1", "9223372036854775808"}},
      {"loss_scale_skipped_steps", {"x", "-1", "1e3"}},
      {"epoch", {"x", "-1", "0x10", "9223372036854775808"}},
      {"batch", {"x", "-1", "2.0"}},
      {"data_seed", {"x", "-1", "18446744073709551616", "1 "}}};
  for (const auto& [key, values] : bad) {
    for (const auto& v : values)
      expect_refused(target, rewrite(path, "f.safetensors", [&](auto& m, auto&) { m[key] = v; }),
                     {"'" + key + "'", "'" + v + "'", "nothing was loaded"},
                     key + " = '" + v + "'");
    expect_refused(target, rewrite(path, "f.safetensors", [&](auto& m, auto&) { m.erase(key); }),
                   {"'" + key + "' is missing"}, key + " missing");
  }
  // The unedited copy (no checksums) loads: the refusals above are the edits'.
  const auto ok = rewrite(path, "ok.safetensors", [](auto&, auto&) {});
  EXPECT_EQ(target.load(ok), (mt::TrainingPosition{3, 4, 5}));
  EXPECT_EQ(snapshot(target), snapshot(source));
}

TEST(CheckpointLoad, NonFiniteOrNegativeValuesAreRefused) {
  Job source(1), target(2);
  const auto path = scratch("values.safetensors");
  mt::save_checkpoint(path, *source.model, *source.opt, source.scaler, {});
  const float nan = std::numeric_limits<float>::quiet_NaN(),
              inf = std::numeric_limits<float>::infinity();
  const std::vector<std::pair<std::string, float>> bad = {
      {"model/dense/kernel", nan},
      {"model/dense_1/bias", -inf},
      {"model/batchnorm/running_mean", inf},
      {"model/batchnorm/running_var", -1.0f},
      {"optimizer/dense/kernel/exp_avg", nan},
      {"optimizer/dense/bias/exp_avg_sq", -1e-30f},
      {"optimizer/dense_1/kernel/exp_avg_sq", inf}};
  for (const auto& [name, v] : bad) {
    auto p = rewrite(path, "v.safetensors", [&](auto&, Tensors& t) { t.at(name).back() = v; });
    expect_refused(target, p, {"'" + name + "'", "flat index"}, name);
  }
  // -0 is not negative; a zero variance is a variance.
  auto p = rewrite(path, "z.safetensors", [](auto&, Tensors& t) {
    t.at("model/batchnorm/running_var")[0] = -0.0f;
    t.at("optimizer/dense/bias/exp_avg_sq")[0] = 0.0f;
  });
  EXPECT_NO_THROW((void)target.load(p));
}

TEST(CheckpointLoad, AFlippedBitAnywhereIsADataErrorAndChangesNothing) {
  Job source(1), target(2);
  const auto path = scratch("sealed.safetensors");
  mt::save_checkpoint(path, *source.model, *source.opt, source.scaler, {1, 2, 3});
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const auto before = snapshot(target);
  const auto flipped = scratch("flipped.safetensors");
  std::ofstream(flipped, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::fstream io(flipped, std::ios::binary | std::ios::in | std::ios::out);
  auto put = [&](std::size_t i, char c) {  // one byte, in place: cheaper than a new file each
    io.seekp(static_cast<std::streamoff>(i));
    io.put(c);
    io.flush();
  };
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    put(i, static_cast<char>(bytes[i] ^ (1 << (i % 8))));  // each bit position in turn
    try {
      (void)target.load(flipped);
      ADD_FAILURE() << "byte " << i << " flipped: loaded";
    } catch (const mt::DataError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "byte " << i << " flipped: not a DataError: " << e.what();
    }
    ASSERT_TRUE(snapshot(target) == before) << "byte " << i;
    put(i, bytes[i]);
  }
  io.close();
  // The messages name what the bit hit: a tensor's bytes, a field's value.
  mt::io::SafetensorsFile f(path);
  const auto* e = f.find("optimizer/dense/kernel/exp_avg");
  auto b = bytes;
  b[e->file_begin + 5] ^= 0x10;
  std::ofstream(flipped, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
  expect_refused(target, flipped, {"tensor 'optimizer/dense/kernel/exp_avg' is corrupt", "CRC-32"},
                 "data");
  b = bytes;
  const auto at = b.find("\"epoch\":\"1\"");
  ASSERT_NE(at, std::string::npos);
  b[at + 9] = '7';
  std::ofstream(flipped, std::ios::binary).write(b.data(), static_cast<std::streamsize>(b.size()));
  expect_refused(target, flipped, {"metadata 'epoch' = '7' does not match its checksum"}, "epoch");
  // A field edited and resealed by mantissa's own sealing loads (the checksum is the guard,
  // not the values), and one copied without checksums (another writer's) loads too.
  EXPECT_EQ(target.load(rewrite(
                path, "r.safetensors", [](auto& m, auto&) { m["epoch"] = "9"; }, true)),
            (mt::TrainingPosition{9, 2, 3}));
  EXPECT_EQ(target.load(rewrite(path, "u.safetensors", [](auto&, auto&) {})),
            (mt::TrainingPosition{1, 2, 3}));
}

TEST(CheckpointLoad, EveryFieldRoundTripsOverItsWholeRange) {
  constexpr auto i64 = std::numeric_limits<std::int64_t>::max();
  constexpr auto u64 = std::numeric_limits<std::uint64_t>::max();
  for (const float scale : {0x1p-24f, 1.0f, 0x1.8p+3f, std::numeric_limits<float>::max()}) {
    Job source(1), target(2);
    source.opt->set_steps(i64);
    source.scaler.load_state({scale, i64, i64});
    for (auto& [n, g] : source.model->generators()) *g = mt::Generator(u64, u64);
    const auto path = scratch("range.safetensors");
    mt::save_checkpoint(path, *source.model, *source.opt, source.scaler, {i64, i64, u64});
    EXPECT_EQ(target.load(path), (mt::TrainingPosition{i64, i64, u64}));
    EXPECT_EQ(snapshot(target), snapshot(source)) << scale;
    EXPECT_EQ(target.opt->steps(), i64);
    EXPECT_EQ(target.scaler.state(), (mt::LossScaler::State{scale, i64, i64}));
    EXPECT_EQ(*target.model->generators().at(0).second, mt::Generator(u64, u64));
  }
}

TEST(CheckpointSave, AStateNoLoadAcceptsIsRefusedAndKeepsThePreviousFile) {
  Job j(1);
  const auto path = scratch("keep.safetensors");
  mt::save_checkpoint(path, *j.model, *j.opt, j.scaler, {});
  const auto size = fs::file_size(path);
  j.model->parameters()[2]->master[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(mt::save_checkpoint(path, *j.model, *j.opt, j.scaler, {}), mt::NumericsError);
  EXPECT_EQ(fs::file_size(path), size);
  EXPECT_FALSE(fs::exists(path.string() + ".tmp"));
  Job k(1);
  k.scaler.load_state({0x1p-25f, 0, 0});
  EXPECT_THROW(mt::save_checkpoint(path, *k.model, *k.opt, k.scaler, {}), mt::ValueError);
}

TEST(CheckpointSave, AnInvalidPathIsAnIoErrorAndLeavesNoStrayFile) {
  Job j(1);
  auto io_error = [&](const fs::path& p) {
    try {
      mt::save_checkpoint(p, *j.model, *j.opt, j.scaler, {});
    } catch (const mt::IoError& e) {
      return std::string(e.what());
    } catch (const std::exception& e) {
      return std::string("not an IoError: ") + e.what();
    }
    return std::string("saved");
  };
  auto has = [](const std::string& m, const char* w) { return m.find(w) != std::string::npos; };
  const auto dir = scratch("a_folder");
  fs::create_directories(dir);
  EXPECT_TRUE(has(io_error(dir), "is a directory")) << io_error(dir);
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_TRUE(has(io_error(dir.string() + "/"), "not a file name"));
  EXPECT_FALSE(fs::exists(dir.string() + ".tmp"));
  EXPECT_TRUE(has(io_error(""), "not a file name"));
  EXPECT_FALSE(fs::exists(".tmp"));
  EXPECT_TRUE(has(io_error("/dev/null"), "is a device file"));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  EXPECT_FALSE(fs::exists("/dev/null.tmp"));
  const auto fifo = scratch("a_fifo");
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_TRUE(has(io_error(fifo), "is a FIFO"));  // and never opened: no wait for a reader
  EXPECT_TRUE(fs::is_fifo(fifo));
  EXPECT_FALSE(fs::exists(fifo.string() + ".tmp"));
  const auto target = scratch("target.safetensors"), link = scratch("link.safetensors");
  { std::ofstream(target) << "keep"; }
  fs::remove(link);
  fs::create_symlink(target, link);
  EXPECT_TRUE(has(io_error(link), "symbolic link"));
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::file_size(target), 4u);
  const auto blocker = scratch("a_file");
  { std::ofstream(blocker) << "x"; }
  const auto under = blocker / "sub" / "ckpt.safetensors";  // a folder that cannot be made
  EXPECT_TRUE(has(io_error(under), "cannot create its folder")) << io_error(under);
  const auto missing = scratch("no_such_folder") / "no_such_file.tmp.d";
  EXPECT_TRUE(has(io_error(missing / "x" / ""), "not a file name"));
  EXPECT_FALSE(fs::exists(missing));
  // A missing folder that can be made is made (fit saves into its fresh --out folder).
  const auto fresh = scratch("new_folder") / "deeper" / "ckpt.safetensors";
  fs::remove_all(scratch("new_folder"));
  mt::save_checkpoint(fresh, *j.model, *j.opt, j.scaler, {});
  EXPECT_TRUE(fs::is_regular_file(fresh));
}

TEST(CheckpointLoad, LoadWeightsVerifiesChecksumsAndFiniteness) {
  Job source(1), target(2);
  const auto path = scratch("weights.safetensors");
  mt::save_checkpoint(path, *source.model, *source.opt, source.scaler, {});
  std::string bytes;
  {
    std::ifstream in(path, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  const mt::io::SafetensorsFile file(path);
  const auto* e = file.find("model/dense_1/kernel");
  ASSERT_NE(e, nullptr);
  const auto begin = e->file_begin;
  bytes[begin + 1] ^= 0x01;
  const auto flipped = scratch("weights_flipped.safetensors");
  std::ofstream(flipped, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  const auto before = snapshot(target);
  try {
    mt::load_weights(flipped, *target.model);
    ADD_FAILURE() << "loaded";
  } catch (const mt::DataError& err) {
    EXPECT_NE(std::string(err.what()).find("tensor 'model/dense_1/kernel' is corrupt"),
              std::string::npos)
        << err.what();
  }
  EXPECT_TRUE(snapshot(target) == before);
  mt::load_weights(path, *target.model);  // the intact file loads
  EXPECT_EQ(target.model->parameters()[2]->master[0], source.model->parameters()[2]->master[0]);

  // Another writer's float16 weights holding inf: refused, naming the weight.
  mt::Sequential<mt::policy::float32> m(Shape{3}, mt::Dense(2));
  auto k = mt::cast<mt::half>(mt::arange<float>(6));
  k[4] = mt::half(std::numeric_limits<float>::infinity());
  auto b = mt::full<mt::half>(Shape{2}, 0.5f);
  const auto foreign = scratch("foreign_inf.safetensors");
  mt::io::write_safetensors(foreign, {mt::io::record<mt::half>("dense/kernel", k.reshape({3, 2})),
                                      mt::io::record<mt::half>("dense/bias", b.view())});
  const float w0 = m.parameters()[0]->master[0];
  try {
    mt::load_weights(foreign, m);
    ADD_FAILURE() << "loaded";
  } catch (const mt::DataError& err) {
    EXPECT_NE(std::string(err.what()).find("weight 'dense/kernel' holds inf at flat index 4"),
              std::string::npos)
        << err.what();
  }
  EXPECT_EQ(m.parameters()[0]->master[0], w0);
}
