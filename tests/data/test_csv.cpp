// tests/data/test_csv.cpp: the CSV reader on the real data sets and on malformed text.
#include <gtest/gtest.h>

#include <cmath>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
using mt::data::CsvSchema;

#ifndef MANTISSA_EXAMPLE_DATA
#error "MANTISSA_EXAMPLE_DATA must name examples/data"
#endif

namespace {
std::string error_of(std::string_view text, CsvSchema schema = {.label = "y"}) {
  try {
    (void)mt::data::parse_csv<std::int32_t>(text, "train.csv", schema);
  } catch (const mt::DataError& e) {
    return e.what();
  }
  return "(no DataError)";
}
}  // namespace

TEST(Csv, ReadsTheBreastCancerData) {
  auto ds = mt::data::read_csv<std::int32_t>(MANTISSA_EXAMPLE_DATA "/breast_cancer.csv",
                                             {.label = "benign"});
  EXPECT_EQ(ds.features.shape(), (mt::Shape{569, 30}));
  EXPECT_EQ(ds.feature_names.size(), 30u);
  std::int64_t benign = 0;
  for (auto l : ds.labels) benign += l;
  EXPECT_EQ(benign, 357);
  float worst_area = 0;
  for (std::int64_t r = 0; r < 569; ++r) worst_area = std::max(worst_area, ds.features(r, 23));
  EXPECT_FLOAT_EQ(worst_area, 4254.0f);
}

// binary_labels: the breast-cancer targets (0/1) pass as float targets for binary
// cross-entropy; iris's three classes (0, 1, 2) do not, and the message names the first row.
TEST(Csv, BinaryLabelsAcceptZeroOneTargetsAndNameTheFirstOtherRow) {
  auto ds = mt::data::read_csv<float>(MANTISSA_EXAMPLE_DATA "/breast_cancer.csv",
                                      {.label = "benign", .binary_labels = true});
  double benign = 0;
  for (auto l : ds.labels) benign += l;
  EXPECT_EQ(benign, 357.0);
  try {
    (void)mt::data::read_csv<float>(MANTISSA_EXAMPLE_DATA "/iris.csv",
                                    {.label = "species", .binary_labels = true});
    ADD_FAILURE() << "iris's class 2 passed as a binary label";
  } catch (const mt::DataError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("iris.csv:"), std::string::npos) << what;
    EXPECT_NE(what.find("'2' in row"), std::string::npos) << what;
    EXPECT_NE(what.find("not 0 or 1"), std::string::npos) << what;
  }
}

TEST(Csv, IrisAndWineWithFloatLabels) {
  auto iris = mt::data::read_csv<float>(MANTISSA_EXAMPLE_DATA "/iris.csv", {.label = "species"});
  EXPECT_EQ(iris.features.shape(), (mt::Shape{150, 4}));
  EXPECT_EQ(iris.labels[149], 2.0f);
  auto wine = mt::data::read_csv<std::int32_t>(MANTISSA_EXAMPLE_DATA "/wine.csv", {.label = "cultivar"});
  EXPECT_EQ(wine.features.shape(), (mt::Shape{178, 13}));
}

TEST(Csv, AcceptsBomCrlfQuotesSpacesAndLabelAnywhere) {
  auto ds = mt::data::parse_csv<std::int32_t>(
      "\xEF\xBB\xBFy,a, b\r\n1, 2.5 ,\"3\"\r\n0,-1e-3,+4\r\n\r\n", "t.csv", {.label = "y"});
  EXPECT_EQ(ds.features.shape(), (mt::Shape{2, 2}));
  EXPECT_EQ(ds.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ds.features(0, 0), 2.5f);
  EXPECT_EQ(ds.features(0, 1), 3.0f);
  EXPECT_EQ(ds.features(1, 1), 4.0f);
  EXPECT_EQ(ds.labels[0], 1);
}

TEST(Csv, MalformedCellsNameFileLineColumnAndText) {
  EXPECT_EQ(error_of("a,b,y\n1,2,0\n3,1.0x,1\n"), "train.csv:3:2: '1.0x' is not a number");
  EXPECT_EQ(error_of("a,b,y\n1,2,0\n3,4\n"), "train.csv:3: 2 cells, but the header has 3 columns");
  EXPECT_EQ(error_of("a,b,y\n1,2,0,9\n"), "train.csv:2: 4 cells, but the header has 3 columns");
  EXPECT_EQ(error_of(""), "train.csv: empty file (a header row is required)");
  EXPECT_EQ(error_of("a,b,y\n"), "train.csv: a header but no data rows");
  EXPECT_EQ(error_of("a,b,label\n1,2,0\n"),
            "train.csv:1: no column named 'y' (the columns are: a, b, label)");
  EXPECT_EQ(error_of("a,y\n1e300,0\n"), "train.csv:2:1: '1e300' is outside float32's range (largest 3.4e38)");
  EXPECT_EQ(error_of("a,y\nnan,0\n"),
            "train.csv:2:1: 'nan' is not finite (set allow_nonfinite in the schema to accept it)");
  EXPECT_EQ(error_of("a,y\n-inf,0\n"),
            "train.csv:2:1: '-inf' is not finite (set allow_nonfinite in the schema to accept it)");
  EXPECT_EQ(error_of("a,y\n1,1.5\n"), "train.csv:2:2: '1.5' is not an integer class label");
  EXPECT_EQ(error_of("a,y\n,1\n"), "train.csv:2:1: '' is not a number");
  EXPECT_EQ(error_of("a,,y\n1,2,3\n"), "train.csv:1:2: empty column name in the header");
  auto ok = mt::data::parse_csv<std::int32_t>("a,y\nnan,0\n", "t.csv",
                                              {.label = "y", .allow_nonfinite = true});
  EXPECT_TRUE(std::isnan(ok.features(0, 0)));
  EXPECT_THROW((void)mt::data::read_csv<float>("/nonexistent.csv", {.label = "y"}), mt::IoError);
}

TEST(Csv, ValuesBeyondHalfAreCaughtAtTheInputCast) {
  auto ds = mt::data::parse_csv<std::int32_t>("a,y\n70000,1\n", "t.csv", {.label = "y"});
  EXPECT_THROW((void)mt::checked_cast<mt::half>(ds.features), mt::NumericsError);
}
