// tests/interop/test_torch_weights.cpp: PyTorch's names and layouts (torch_weights.hpp) checked
// against formulas written here from PyTorch's documented layouts, round trips under every
// policy, and the errors of a file that is not the model's. (test_torch_parity.cpp checks the
// same files against PyTorch itself, where it is installed.)
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "common/policies.hpp"
#include "torch_models.hpp"

namespace mt = mantissa;
using mt::Shape;
using interop_tests::batchnorm_cnn;
using interop_tests::reference_cnn;
using interop_tests::scratch_dir;

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const mt::Error& e) {
    return e.what();
  }
  return "(no error)";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

// Sets every master to a distinct value (its flat position in the model times a small step)
// and every buffer to distinct positive values, so that any misplaced element shows.
template <class M>
void number_everything(M& m) {
  float v = 0.001f;
  for (auto* p : m.parameters()) {
    for (std::int64_t i = 0; i < p->numel(); ++i) p->master.data()[i] = (v += 0.001f);
    p->refresh_compute();
  }
  for (auto& [n, t] : m.buffers())
    for (std::int64_t i = 0; i < t->numel(); ++i) t->data()[i] = (v += 0.001f);
}

}  // namespace

TEST(TorchWeights, ReferenceCnnHasNnSequentialNamesAndShapes) {
  auto m = reference_cnn(1);
  const std::vector<std::pair<std::string, Shape>> expected = {
      {"0.weight", Shape{32, 1, 3, 3}}, {"0.bias", Shape{32}},
      {"3.weight", Shape{64, 32, 3, 3}}, {"3.bias", Shape{64}},
      {"7.weight", Shape{128, 3136}},    {"7.bias", Shape{128}},
      {"9.weight", Shape{10, 128}},      {"9.bias", Shape{10}}};
  EXPECT_EQ(mt::torch_state_dict_names(m), expected);
  auto prefixed = mt::torch_state_dict_names(m, {.prefix = "features."});
  EXPECT_EQ(prefixed.front().first, "features.0.weight");
}

TEST(TorchWeights, BatchNormHasRunningStatisticsAndACounter) {
  auto m = batchnorm_cnn(1);
  const auto names = mt::torch_state_dict_names(m);
  std::vector<std::string> bn1;
  for (auto& [n, s] : names)
    if (n.starts_with("1.")) bn1.push_back(n + " " + s.str());
  EXPECT_EQ(bn1, (std::vector<std::string>{"1.weight (32,)", "1.bias (32,)", "1.running_mean (32,)",
                                           "1.running_var (32,)", "1.num_batches_tracked ()"}));
  // The Dense after the Flatten is layer 9, its BatchNorm1d layer 10.
  EXPECT_EQ(std::count_if(names.begin(), names.end(),
                          [](auto& e) { return e.first == "9.weight" && e.second == Shape{128, 3136}; }),
            1);
  EXPECT_EQ(std::count_if(names.begin(), names.end(),
                          [](auto& e) { return e.first == "10.running_var" && e.second == Shape{128}; }),
            1);
}

TEST(TorchWeights, ConvKernelIsWrittenOihw) {
  using namespace mt;
  Sequential<policy::float32, Cpu> m(Shape{5, 5, 3}, Conv2D(4, {2, 3}, same));
  number_everything(m);
  const auto d = scratch_dir("oihw");
  save_torch_weights(d / "w.safetensors", m);
  io::SafetensorsFile f(d / "w.safetensors");
  const auto w = f.get<float>("0.weight", Shape{4, 3, 2, 3});  // (O, I, KH, KW)
  const float* k = m.parameters()[0]->master.data();           // (KH, KW, I, O)
  for (std::int64_t o = 0; o < 4; ++o)
    for (std::int64_t i = 0; i < 3; ++i)
      for (std::int64_t y = 0; y < 2; ++y)
        for (std::int64_t x = 0; x < 3; ++x)
          ASSERT_EQ(w.data()[o * 18 + i * 6 + y * 3 + x], k[y * 36 + x * 12 + i * 4 + o])
              << o << i << y << x;
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.get<float>("0.bias", Shape{4})[2], m.parameters()[1]->master.data()[2]);
}

// What PyTorch computes for Flatten + Linear on the NCHW image, written out here: the exported
// weight applied to the transposed input must give mantissa's output.
TEST(TorchWeights, DenseAfterFlattenTakesPyTorchsFeatureOrder) {
  using namespace mt;
  const std::int64_t H = 2, W = 3, C = 4, U = 5;
  Sequential<policy::float32, Cpu> m(Shape{H, W, C}, Seed{3}, Flatten(), Dense(U));
  Generator gen(9);
  auto x = uniform<float>(Shape{1, H, W, C}, -1.0f, 1.0f, gen);
  auto y = m.forward(x.view(), Mode::infer).clone();
  const auto d = scratch_dir("flatten");
  save_torch_weights(d / "w.safetensors", m);
  io::SafetensorsFile f(d / "w.safetensors");
  const auto w = f.get<float>("1.weight", Shape{U, H * W * C});
  const auto b = f.get<float>("1.bias", Shape{U});
  for (std::int64_t u = 0; u < U; ++u) {
    double s = b.data()[u];
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t h = 0; h < H; ++h)
        for (std::int64_t ww = 0; ww < W; ++ww)  // torch.flatten of x.permute(0, 3, 1, 2)
          s += double(w.data()[u * H * W * C + (c * H + h) * W + ww]) *
               x.data()[(h * W + ww) * C + c];
    EXPECT_NEAR(y.data()[u], s, 1e-5) << "unit " << u;
  }
}

template <class P>
class TorchWeightsPolicies : public ::testing::Test {};
TYPED_TEST_SUITE(TorchWeightsPolicies, mt_test::Policies);

// Exported from one model, imported into another with other initial weights: every master,
// buffer and compute copy and the outputs are the first model's.
TYPED_TEST(TorchWeightsPolicies, RoundTripRestoresTheModel) {
  auto a = batchnorm_cnn<TypeParam>(1);
  auto b = batchnorm_cnn<TypeParam>(2);
  number_everything(a);
  const auto d = scratch_dir("roundtrip");
  mt::save_torch_weights(d / "w.safetensors", a);
  mt::load_torch_weights(d / "w.safetensors", b);
  for (std::size_t i = 0; i < a.parameters().size(); ++i) {
    auto* pa = a.parameters()[i];
    auto* pb = b.parameters()[i];
    for (std::int64_t k = 0; k < pa->numel(); ++k)
      ASSERT_EQ(pa->master.data()[k], pb->master.data()[k]) << pa->name << " " << k;
    if constexpr (mt::Parameter<TypeParam, mt::Cpu>::has_compute_copy) {
      for (std::int64_t k = 0; k < pa->numel(); ++k)
        ASSERT_EQ(float(pa->compute.data()[k]), float(pb->compute.data()[k])) << pa->name;
    }
  }
  auto ba = a.buffers(), bb = b.buffers();
  for (std::size_t i = 0; i < ba.size(); ++i)
    for (std::int64_t k = 0; k < ba[i].second->numel(); ++k)
      ASSERT_EQ(ba[i].second->data()[k], bb[i].second->data()[k]) << ba[i].first;
  mt::Generator gen(5);
  auto x = mt::uniform<typename TypeParam::compute>(Shape{2, 28, 28, 1}, 0.0f, 1.0f, gen);
  auto ya = a.forward(x.view(), mt::Mode::infer).clone();
  auto yb = b.forward(x.view(), mt::Mode::infer).clone();
  for (std::int64_t k = 0; k < ya.numel(); ++k) ASSERT_EQ(float(ya.data()[k]), float(yb.data()[k]));
}

namespace {
// The file a's export writes, with `edit` applied to its tensor list before writing.
template <class Edit>
std::filesystem::path edited_file(const std::string& name, Edit edit) {
  auto a = batchnorm_cnn(1);
  const auto d = scratch_dir(name);
  mt::save_torch_weights(d / "good.safetensors", a);
  mt::io::SafetensorsFile good(d / "good.safetensors");
  std::vector<mt::io::TensorRecord> records;
  for (const auto& n : good.names()) {
    const auto* e = good.find(n);
    records.push_back({n, e->dtype, e->shape, good.bytes(*e), e->end - e->begin});
  }
  edit(records);
  mt::io::write_safetensors(d / "bad.safetensors", records);
  return d / "bad.safetensors";
}

// Loads `file` into a fresh model and returns the error; checks that nothing changed.
std::string load_error(const std::filesystem::path& file) {
  auto b = batchnorm_cnn(2);
  const float before = b.parameters()[0]->master.data()[0];
  const auto e = error_of([&] { mt::load_torch_weights(file, b); });
  EXPECT_EQ(b.parameters()[0]->master.data()[0], before) << "a failed load changed the model";
  return e;
}
}  // namespace

TEST(TorchWeights, MissingTensorIsNamedAndTheFileListed) {
  const auto e = load_error(edited_file("missing", [](auto& r) {
    std::erase_if(r, [](auto& t) { return t.name == "5.running_var"; });
  }));
  EXPECT_TRUE(has(e, "'5.running_var': missing (layer 5 'batchnorm_1' (BatchNorm) running_var (64,))"))
      << e;
  EXPECT_TRUE(has(e, "the file has 22 tensors:")) << e;
  EXPECT_TRUE(has(e, "'0.weight' F32 (32, 1, 3, 3)")) << e;
}

TEST(TorchWeights, ExtraTensorIsNamed) {
  static const float one = 1.0f;
  const auto e = load_error(edited_file("extra", [](auto& r) {
    r.push_back({"13.weight", "F32", Shape{1}, &one, 4});
  }));
  EXPECT_TRUE(has(e, "'13.weight': in the file, not in the model")) << e;
  EXPECT_TRUE(has(e, "'13.weight' F32 (1,)")) << e;
}

TEST(TorchWeights, MisShapedTensorIsNamedWithBothShapes) {
  // A Keras-layout kernel under PyTorch's name: the mistake a hand-made file would make.
  const auto e = load_error(edited_file("shape", [](auto& r) {
    for (auto& t : r)
      if (t.name == "0.weight") t.shape = Shape{3, 3, 1, 32};
  }));
  EXPECT_TRUE(has(e, "'0.weight': shape (3, 3, 1, 32) in the file, PyTorch's (32, 1, 3, 3) for "
                     "layer 0 'conv2d' (Conv2D) kernel (3, 3, 1, 32)")) << e;
}

namespace {
// Replacement data for one tensor: the first element bad, the rest zero.
const std::vector<float> negative_first = [] {
  std::vector<float> v(128, 0.0f);
  v[0] = -1.0f;
  return v;
}();
const std::vector<float> nan_first = [] {
  std::vector<float> v(10, 0.0f);
  v[0] = std::nanf("");
  return v;
}();
}  // namespace

TEST(TorchWeights, WrongDtypeAndBadValuesAreRefused) {
  const auto e = load_error(edited_file("dtype", [](auto& r) {
    for (auto& t : r)
      if (t.name == "1.num_batches_tracked") t.dtype = "F32", t.bytes = 4;
  }));
  EXPECT_TRUE(has(e, "'1.num_batches_tracked': dtype F32, where layer 1 'batchnorm' (BatchNorm) "
                     "batch count () needs I64 or I32")) << e;
  const auto v = load_error(edited_file("variance", [](auto& r) {
    for (auto& t : r)
      if (t.name == "10.running_var") t.data = negative_first.data();
  }));
  EXPECT_TRUE(has(v, "'10.running_var' (layer 10 'batchnorm_2' (BatchNorm) running_var (128,)) "
                     "holds -1.000000 at flat index 0: a variance must be finite and >= 0")) << v;
  const auto n = load_error(edited_file("nan", [](auto& r) {
    for (auto& t : r)
      if (t.name == "12.bias") t.data = nan_first.data();
  }));
  EXPECT_TRUE(has(n, "'12.bias'") && has(n, "a weight must be finite")) << n;
}

TEST(TorchWeights, CounterIsAnInt64ScalarAndMayBeInt32) {
  auto a = batchnorm_cnn(1);
  const auto d = scratch_dir("counter");
  mt::save_torch_weights(d / "w.safetensors", a);
  mt::io::SafetensorsFile f(d / "w.safetensors");
  const auto* e = f.find("1.num_batches_tracked");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->dtype, "I64");
  EXPECT_EQ(e->shape.rank(), 0);
  std::int64_t n = -1;
  std::memcpy(&n, f.bytes(*e), 8);
  EXPECT_EQ(n, 0);
  static const std::int32_t seven = 7, minus = -3;
  auto b = batchnorm_cnn(2);
  EXPECT_NO_THROW(mt::load_torch_weights(edited_file("i32", [](auto& r) {
    for (auto& t : r)
      if (t.name.ends_with("num_batches_tracked")) t.dtype = "I32", t.data = &seven, t.bytes = 4;
  }), b));
  EXPECT_EQ(b.parameters()[0]->master.data()[0], a.parameters()[0]->master.data()[0]);
  const auto m = load_error(edited_file("negative", [](auto& r) {
    r.push_back({"6.num_batches_tracked", "I32", Shape{}, &minus, 4});
  }));
  // Layer 6 is a ReLU: the name is not the model's at all.
  EXPECT_TRUE(has(m, "'6.num_batches_tracked': in the file, not in the model")) << m;
  const auto k = load_error(edited_file("negative4", [](auto& r) {
    for (auto& t : r)
      if (t.name == "5.num_batches_tracked") t.dtype = "I32", t.data = &minus, t.bytes = 4;
  }));
  EXPECT_TRUE(has(k, "'5.num_batches_tracked' (layer 5 'batchnorm_1' (BatchNorm) batch count ()) "
                     "is -3, a count must be >= 0")) << k;
}

TEST(TorchWeights, HalfPrecisionFilesAreReadAsFloat) {
  auto a = reference_cnn(1);
  const auto d = scratch_dir("half");
  mt::save_torch_weights(d / "w.safetensors", a);
  mt::io::SafetensorsFile f(d / "w.safetensors");
  std::vector<mt::Tensor<mt::half>> keep;
  std::vector<mt::io::TensorRecord> records;
  for (const auto& n : f.names()) {
    const auto* e = f.find(n);
    keep.push_back(mt::cast<mt::half>(mt::TensorView<const float>(
        reinterpret_cast<const float*>(f.bytes(*e)), e->shape)));
    records.push_back(mt::io::record<mt::half>(n, std::as_const(keep.back()).view()));
  }
  mt::io::write_safetensors(d / "h.safetensors", records);
  auto b = reference_cnn(2);
  mt::load_torch_weights(d / "h.safetensors", b);
  const float w = a.parameters()[2]->master.data()[1234];
  EXPECT_EQ(b.parameters()[2]->master.data()[1234], float(mt::half(w)));
}

TEST(TorchWeights, LayerWithoutAPyTorchModuleIsAValueError) {
  mt::detail::TorchLayerInfo custom{"Scale", "scale", {{"scale/alpha", Shape{1}}}, {}, {}};
  const auto e = error_of([&] { mt::detail::torch_plan(Shape{4}, {custom}, ""); });
  EXPECT_TRUE(has(e, "layer 0 'scale' (Scale) has no PyTorch module that mantissa maps")) << e;
  mt::detail::TorchLayerInfo dense{"Dense", "dense", {{"dense/scale", Shape{4}}}, {}, {}};
  const auto f = error_of([&] { mt::detail::torch_plan(Shape{4}, {dense}, ""); });
  EXPECT_TRUE(has(f, "has a parameter 'dense/scale' with no PyTorch counterpart")) << f;
}
