// tests/optim/test_checkpoint.cpp: safetensors round trips and malformed files; a resumed
// run that is bit-identical to the uninterrupted one; load errors that say what differs
// (test_checkpoint_integrity.cpp: loads as transactions, checksums, ranges, save paths).
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

void write_raw(const fs::path& p, const std::string& header, std::size_t data_bytes) {
  std::ofstream out(p, std::ios::binary);
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>(n >> (8 * i)));
  out << header << std::string(data_bytes, '\0');
}

std::string data_error(const fs::path& p) {
  try {
    mt::io::SafetensorsFile f(p);
  } catch (const mt::DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}

}  // namespace

TEST(Safetensors, RoundTripsEveryDtypeAndMetadata) {
  auto a = mt::arange<float>(6);
  auto h = mt::cast<mt::half>(a);
  auto l = mt::arange<std::int32_t>(4);
  const auto p = scratch("rt.safetensors");
  mt::io::write_safetensors(p, {mt::io::record<float>("a", a.reshape({2, 3})),
                                mt::io::record<mt::half>("h", h.view()),
                                mt::io::record<std::int32_t>("l", l.view())},
                            {{"step", "7"}});
  mt::io::SafetensorsFile f(p);
  EXPECT_EQ(f.metadata().at("step"), "7");
  EXPECT_EQ(f.get<float>("a", Shape{2, 3})(1, 2), 5.0f);
  EXPECT_EQ(f.get<mt::half>("h", Shape{6})[3].bits, mt::half(3.0f).bits);
  EXPECT_EQ(f.get<std::int32_t>("l", Shape{4})[3], 3);
  EXPECT_FALSE(fs::exists(p.string() + ".tmp"));
  try {
    (void)f.get<float>("a", Shape{3, 2});
    FAIL();
  } catch (const mt::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("tensor 'a' is F32 (2, 3), expected F32 (3, 2)"),
              std::string::npos) << e.what();
  }
  EXPECT_THROW((void)f.get<mt::half>("a", Shape{2, 3}), mt::DataError);
  EXPECT_THROW((void)f.get<float>("b", Shape{1}), mt::DataError);
}

TEST(Safetensors, MalformedFilesAreDataErrors) {
  auto has = [](const std::string& m, const char* w) { return m.find(w) != std::string::npos; };
  const auto p = scratch("bad.safetensors");
  { std::ofstream(p) << "abc"; }
  EXPECT_TRUE(has(data_error(p), "fewer than the 8-byte header length"));
  write_raw(p, "{}", 0);
  { std::ofstream f(p, std::ios::binary | std::ios::in | std::ios::out); f.put('\x7f'); }
  EXPECT_TRUE(has(data_error(p), "runs past the end of the file"));
  write_raw(p, "{\"a\": ", 0);
  EXPECT_TRUE(has(data_error(p), "not valid JSON"));
  write_raw(p, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}})", 8);
  EXPECT_TRUE(has(data_error(p), "fall outside the data section"));
  write_raw(p, R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8);
  EXPECT_TRUE(has(data_error(p), "8 bytes for shape (3,) of F32 (which needs 12)"));
  write_raw(p, R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", 8);
  EXPECT_TRUE(has(data_error(p), "dtype F64 is not one mantissa reads"));
  write_raw(p, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 16);
  EXPECT_TRUE(has(data_error(p), "overlap"));
  write_raw(p, R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 8);
  EXPECT_TRUE(has(data_error(p), "bad dimension"));
  write_raw(p, R"({"a":{"dtype":"F32","shape":[1]}})", 8);
  EXPECT_TRUE(has(data_error(p), "needs \"dtype\", \"shape\" and \"data_offsets\""));
  EXPECT_THROW(mt::io::SafetensorsFile(scratch("missing")), mt::IoError);
}

// Train 10 steps straight; train 5, save, restore into fresh objects, train 5 more: the
// weights must be identical to the bit (same thread count).
TEST(Checkpoint, ResumeIsBitIdenticalToTheUninterruptedRun) {
  mt::Generator g(11);
  auto x = mt::normal<mt::half>(Shape{8, 6}, 0.0f, 1.0f, g);
  auto y = mt::Tensor<std::int32_t>(Shape{8});
  for (std::int64_t i = 0; i < 8; ++i) y[i] = static_cast<std::int32_t>(i % 3);
  auto steps = [&](mt::Sequential<F16>& m, mt::Adam<F16>& opt, mt::LossScaler& s, int n) {
    mt::SoftmaxCrossEntropy loss_fn;
    for (int i = 0; i < n; ++i)
      (void)opt.step(s.unscale(m.backward(s.scale(loss_fn(m.forward(x.view(), mt::Mode::train), y.view())))), s);
  };
  auto straight = make_model(1);
  mt::Adam<F16> opt1(*straight);
  mt::LossScaler s1({.growth_interval = 3});
  steps(*straight, opt1, s1, 10);

  auto first = make_model(1);
  mt::Adam<F16> opt2(*first);
  mt::LossScaler s2({.growth_interval = 3});
  steps(*first, opt2, s2, 5);
  const auto path = scratch("resume.safetensors");
  mt::save_checkpoint(path, *first, opt2, s2, {.epoch = 2, .batch = 5, .data_seed = 9});

  auto resumed = make_model(99);  // other initial weights: the load must overwrite them all
  mt::Adam<F16> opt3(*resumed);
  mt::LossScaler s3({.growth_interval = 3});
  const auto pos = mt::load_checkpoint(path, *resumed, opt3, s3);
  EXPECT_EQ(pos, (mt::TrainingPosition{2, 5, 9}));
  EXPECT_EQ(opt3.steps(), opt2.steps());  // 5 minus any step the scaler skipped
  EXPECT_EQ(s3.state(), s2.state());
  steps(*resumed, opt3, s3, 5);

  auto pa = straight->parameters(), pb = resumed->parameters();
  for (std::size_t k = 0; k < pa.size(); ++k)
    EXPECT_EQ(std::memcmp(pa[k]->master.data(), pb[k]->master.data(), pa[k]->master.size_bytes()), 0)
        << pa[k]->name;
  auto ba = straight->buffers(), bb = resumed->buffers();
  for (std::size_t k = 0; k < ba.size(); ++k)
    EXPECT_EQ(std::memcmp(ba[k].second->data(), bb[k].second->data(), ba[k].second->size_bytes()), 0)
        << ba[k].first;
  EXPECT_EQ(s3.state(), s1.state());
}

TEST(Checkpoint, LoadingIntoAnotherModelSaysWhatDiffers) {
  auto m = make_model(1);
  mt::Adam<F16> opt(*m);
  mt::LossScaler s;
  const auto path = scratch("other.safetensors");
  mt::save_checkpoint(path, *m, opt, s, {});
  mt::Sequential<F16> wider(Shape{6}, mt::Dense(32), mt::ReLU(), mt::Dropout(0.25f, 7),
                            mt::BatchNorm(), mt::Dense(3));
  mt::Adam<F16> opt_w(wider);
  const float before = wider.parameters()[0]->master[0];
  try {
    (void)mt::load_checkpoint(path, wider, opt_w, s);
    FAIL();
  } catch (const mt::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("'model/dense/kernel' is F32 (6, 16) in the file, the model needs F32 (6, 32)"),
              std::string::npos) << e.what();
  }
  EXPECT_EQ(wider.parameters()[0]->master[0], before) << "a failed load changes nothing";
  mt::Sequential<mt::policy::float32> other_policy(Shape{6}, mt::Dense(16), mt::ReLU(),
                                                   mt::Dropout(0.25f, 7), mt::BatchNorm(),
                                                   mt::Dense(3));
  mt::Adam opt_p(other_policy);
  EXPECT_THROW((void)mt::load_checkpoint(path, other_policy, opt_p), mt::DataError);
}

TEST(Checkpoint, WeightsFromAnotherWriterLoadWhereNamesAndShapesMatch) {
  mt::Sequential<mt::policy::float32> m(Shape{3}, mt::Dense(2));
  auto k = mt::cast<mt::half>(mt::arange<float>(6));
  auto b = mt::full<mt::bfloat16>(Shape{2}, 0.5f);
  const auto path = scratch("foreign.safetensors");
  mt::io::write_safetensors(path, {mt::io::record<mt::half>("dense/kernel", k.reshape({3, 2})),
                                   mt::io::record<mt::bfloat16>("dense/bias", b.view())});
  mt::load_weights(path, m);
  EXPECT_EQ(m.parameters()[0]->master[5], 5.0f);
  EXPECT_EQ(m.parameters()[1]->master[1], 0.5f);
  mt::Sequential<mt::policy::float32> bigger(Shape{4}, mt::Dense(2));
  try {
    mt::load_weights(path, bigger);
    FAIL();
  } catch (const mt::DataError& e) {
    EXPECT_NE(
        std::string(e.what()).find("dense/kernel: shape (3, 2) in the file, (4, 2) in the model"),
        std::string::npos)
        << e.what();
  }
  // Other names (PyTorch's, say): the message lists what the file has.
  const auto torch_named = scratch("torch_named.safetensors");
  mt::io::write_safetensors(torch_named, {mt::io::record<mt::half>("fc.weight", k.reshape({2, 3})),
                                          mt::io::record<mt::bfloat16>("fc.bias", b.view())});
  try {
    mt::load_weights(torch_named, m);
    FAIL();
  } catch (const mt::DataError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("dense/kernel: missing"), std::string::npos) << msg;
    EXPECT_NE(msg.find("the file has 2 tensors"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'fc.weight' F16 (2, 3)"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'fc.bias' BF16 (2,)"), std::string::npos) << msg;
  }
}

// ---- loading is a transaction; values, checksums, ranges; where a save may go ----------------

