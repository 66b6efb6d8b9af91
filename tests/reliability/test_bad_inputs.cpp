// tests/reliability/test_bad_inputs.cpp: the bad-input catalogue.
//
// One row per malformed (or borderline) input at a public entry point: CSV, IDX and
// Fashion-MNIST, safetensors and checkpoints, model building and losses. Every row is its own
// CTest test (Catalogue/BadInput.*) and asserts
//   (a) the exact error class, by typeid: a bare mantissa::Error or a sibling kind fails;
//   (b) the words a user needs in what(): the file, line:column, the offending text, what
//       was expected (2-4 substrings per row);
//   (c) no leak: cpu_allocation_stats().live_bytes is the same after the row as before
//       (AllocationStats counts live bytes; its allocation count is cumulative).
// Accepted-but-irregular inputs (BOM, CRLF, quoted cells) are rows of kind `accepted`: their
// lambda checks the parsed values itself. Every row must also finish within a few seconds,
// which is how the "promises 2^40 bytes" rows prove that nothing huge was allocated, and must
// not crash: each row runs first in a forked child (a death test), so a segfault fails that
// row alone instead of ending the run. The README's "Bad input" section summarises the table.
#include "bad_input_rows.hpp"

using namespace bad_inputs;

namespace {

// The most-derived class of what was thrown, as a name.
std::string kind_name(const std::exception& e) {
  const std::type_info& t = typeid(e);
  if (t == typeid(mt::DataError)) return "DataError";
  if (t == typeid(mt::IoError)) return "IoError";
  if (t == typeid(mt::ShapeError)) return "ShapeError";
  if (t == typeid(mt::NumericsError)) return "NumericsError";
  if (t == typeid(mt::CudaError)) return "CudaError";
  if (t == typeid(mt::ValueError)) return "ValueError";
  if (t == typeid(mt::StateError)) return "StateError";
  if (t == typeid(mt::Error)) return "mantissa::Error (an exhausted resource)";
  return std::string("a non-mantissa exception (") + t.name() + ")";
}

std::vector<Case> model_cases() {
  return {
      build("Model_DenseFedAnImageWithoutFlatten",
            [] {
              mt::Sequential<P32> m(Shape{28, 28, 1}, mt::Dense(128));
            },
            {"layer 0 'dense' (Dense)", "(28, 28, 1)", "add Flatten() before it"}),
      build("Model_DenseOfZeroUnits",
            [] { mt::Sequential<P32> m(Shape{4}, mt::Dense(8), mt::ReLU(), mt::Dense(0)); },
            {"layer 2 'dense_1' (Dense)", "units must be at least 1, got 0"}),
      build("Model_ConvKernelLargerThanItsInput",
            [] {
              mt::Sequential<P32> m(Shape{5, 5, 8}, mt::Conv2D(8, 7));
            },
            {"layer 0 'conv2d' (Conv2D)", "(5, 5, 8)", "kernel size (7, 7)", "5 x 5 image"}),
      build("Model_ConvFedAnImageWithoutChannels",
            [] {
              mt::Sequential<P32> m(Shape{28, 28}, mt::Conv2D(8, 3));
            },
            {"layer 0 'conv2d'", "(28, 28)", "add a channels axis", "(28, 28, 1)"}),
      build("Model_MaxPoolLargerThanItsInput",
            [] {
              mt::Sequential<P32> m(Shape{3, 3, 1}, mt::MaxPool2D(4));
            },
            {"layer 0 'maxpooling2d' (MaxPooling2D)", "(3, 3, 1)", "pool size (4, 4)",
             "3 x 3 image"}),
      build("Model_BatchOfTheWrongSampleShape",
            [] {
              mt::Sequential<P32> m(Shape{4}, mt::Dense(2));
              (void)m.forward(mt::Tensor<float>(Shape{2, 5}));
            },
            {"Sequential::forward", "batch of shape (2, 5)", "samples of shape (4,)", "(2, 4)"}),
      // A batch of no samples is refused (a mean loss over no rows is NaN), and never crashes:
      // reserve(0) allocates no activation buffers for forward to index.
      build("Model_EmptyBatchOnAFreshModel",
            [] {
              mt::Sequential<P32> m(Shape{4}, mt::Dense(2));
              (void)m.forward(mt::Tensor<float>(Shape{0, 4}));
            },
            {"Sequential::forward", "(0, 4)"}),
      build("Loss_LabelCountDiffersFromBatch",
            [] {
              mt::SoftmaxCrossEntropy loss;
              (void)loss(mt::Tensor<float>(Shape{4, 3}), mt::Tensor<std::int32_t>(Shape{3}));
            },
            {"SoftmaxCrossEntropy", "logits (N, C) and labels (N,)", "(4, 3) and (3,)"}),
      build("Loss_TargetCountDiffersFromBatch",
            [] {
              mt::MeanSquaredError loss;
              (void)loss(mt::Tensor<float>(Shape{4, 1}), mt::Tensor<float>(Shape{5}));
            },
            {"MeanSquaredError", "(4, 1)", "(5,)"}),
      {"Loss_ClassLabelOutOfRange",
       [] {
         mt::SoftmaxCrossEntropy loss;
         auto labels = mt::Tensor<std::int32_t>(Shape{4});
         labels[1] = 3;
         (void)loss(mt::Tensor<float>(Shape{4, 3}), labels);
       },
       Kind::data,
       {"SoftmaxCrossEntropy", "label 3 at row 1", "outside [0, 3)"}},
      {"Loss_NegativeClassLabel",
       [] {
         mt::SoftmaxCrossEntropy loss;
         auto labels = mt::Tensor<std::int32_t>(Shape{2});
         labels[0] = -1;
         (void)loss(mt::Tensor<float>(Shape{2, 10}), labels);
       },
       Kind::data,
       {"label -1 at row 0", "outside [0, 10)"}},
  };
}

const std::vector<Case>& cases() {
  static const std::vector<Case> all = [] {
    std::vector<Case> v;
    for (auto part : {csv_cases(), idx_cases(), safetensors_cases(), model_cases(), checkpoint_cases(), numerics_cases(),
                      resource_cases()})
      for (auto& c : part) v.push_back(std::move(c));
    return v;
  }();
  return all;
}

}  // namespace

// ---- the tests ------------------------------------------------------------------------------

class BadInput : public ::testing::TestWithParam<Case> {};

TEST_P(BadInput, BehavesAsCatalogued) {
  const Case& c = GetParam();
  // A row that crashes fails alone instead of ending the whole run: it runs first in a forked
  // child (a death test) and here only if the child survived.
  EXPECT_EXIT(
      {
        try {
          c.run();
        } catch (...) {
        }
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "")
      << "the row crashed the process";
  if (HasFailure()) return;

  const auto before = mt::cpu_allocation_stats();
  const auto t0 = std::chrono::steady_clock::now();
  std::string kind = "accepted", what;
  try {
    c.run();
  } catch (const std::exception& e) {
    kind = kind_name(e);
    what = e.what();
  } catch (...) {
    kind = "an exception that is not a std::exception";
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - t0;
  const auto after = mt::cpu_allocation_stats();
  RecordProperty("what", what);  // the catalogue of messages: --gtest_output=xml

  EXPECT_EQ(kind, kind_name(c.kind)) << "what(): " << what;
  for (const auto& w : c.words)
    EXPECT_NE(what.find(w), std::string::npos) << "what() lacks \"" << w << "\": " << what;
  EXPECT_EQ(after.live_bytes, before.live_bytes) << "tensor bytes leaked";
  EXPECT_LT(took.count(), 5.0) << "a bad input must fail fast";
}

INSTANTIATE_TEST_SUITE_P(Catalogue, BadInput, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& row) { return row.param.name; });

TEST(BadInputCatalogue, HasAtLeast40UniquelyNamedRows) {
  EXPECT_GE(cases().size(), 40u);
  std::set<std::string> names;
  for (const auto& c : cases()) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name << " appears twice";
    if (c.kind != Kind::accepted) {
      EXPECT_GE(c.words.size(), 2u) << c.name;
    }
  }
}

// The leak check above is only as good as the counter: a live tensor must show in it.
TEST(BadInputCatalogue, LeakCheckSeesALiveTensor) {
  const auto before = mt::cpu_allocation_stats();
  const mt::Tensor<float> t(Shape{16});
  EXPECT_GE(mt::cpu_allocation_stats().live_bytes, before.live_bytes + 64);
}
