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
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <ostream>
#include <set>
#include <string>
#include <typeinfo>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace mt = mantissa;
namespace fs = std::filesystem;
using mt::Shape;
using P32 = mt::policy::float32;
using namespace std::string_literals;

namespace {

// ---- the table ------------------------------------------------------------------------------

enum class Kind { accepted, data, io, shape, numerics, value };

struct Case {
  std::string name;                // the CTest name: Catalogue/BadInput.BehavesAsCatalogued/<name>
  std::function<void()> run;       // performs the read or build; throws, or checks values
  Kind kind;                       // the exact class expected, or accepted
  std::vector<std::string> words;  // substrings what() must hold
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

std::string kind_name(Kind k) {
  switch (k) {
    case Kind::accepted:
      return "accepted";
    case Kind::data:
      return "DataError";
    case Kind::io:
      return "IoError";
    case Kind::shape:
      return "ShapeError";
    case Kind::numerics:
      return "NumericsError";
    case Kind::value:
      return "ValueError";
  }
  return "?";
}

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
  if (t == typeid(mt::Error)) return "mantissa::Error (the base class, no kind)";
  return std::string("a non-mantissa exception (") + t.name() + ")";
}

// ---- scratch files --------------------------------------------------------------------------

// Fixed before main, so the forked child of a crash probe writes where the parent cleans up.
const fs::path scratch_dir =
    fs::temp_directory_path() / ("mantissa_bad_inputs_" + std::to_string(::getpid()));
fs::path scratch() {
  fs::create_directories(scratch_dir);  // again after a --gtest_repeat teardown
  return scratch_dir;
}

struct ScratchCleanup : ::testing::Environment {
  void TearDown() override { fs::remove_all(scratch_dir); }
};
[[maybe_unused]] const auto* const cleanup =
    ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

fs::path file(const std::string& name, const std::string& bytes) {
  const auto p = scratch() / name;
  std::ofstream(p, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

fs::path gz_file(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  return p;
}

// An IDX header (magic, dtype code, rank, big-endian dims) and `data` bytes of 1.
std::string idx(unsigned char code, const std::vector<std::uint32_t>& dims, std::size_t data = 0) {
  std::string b{'\0', '\0', static_cast<char>(code), static_cast<char>(dims.size())};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) b += static_cast<char>(d >> s);
  return b + std::string(data, '\1');
}

std::string le64(std::uint64_t n) {
  std::string b;
  for (int i = 0; i < 8; ++i) b += static_cast<char>(n >> (8 * i));
  return b;
}

// A safetensors file: length, JSON (space-padded to 8 bytes unless `pad` is false), zeros.
fs::path st_file(const std::string& name, std::string json, std::size_t data, bool pad = true) {
  if (pad) json.append((8 - json.size() % 8) % 8, ' ');
  return file(name, le64(json.size()) + json + std::string(data, '\0'));
}

// A valid file with one F32 tensor "w" of shape (2, 3).
fs::path good_st() {
  const auto w = mt::arange<float>(6);
  const auto p = scratch() / "good.safetensors";
  mt::io::write_safetensors(p, {mt::io::record<float>("w", w.reshape({2, 3}))});
  return p;
}

// ---- rows -----------------------------------------------------------------------------------

// parse_csv<int32_t> of `text` named "t.csv", label column "y".
Case csv(std::string name, std::string text, Kind k, std::vector<std::string> words,
         mt::data::CsvSchema schema = {.label = "y"}) {
  return {std::move(name),
          [text = std::move(text), schema] {
            (void)mt::data::parse_csv<std::int32_t>(text, "t.csv", schema);
          },
          k, std::move(words)};
}

// parse_csv<int32_t> that must succeed with one row: features `x`, label `y`.
Case csv_ok(std::string name, std::string text, std::vector<float> x, std::int32_t y,
            mt::data::CsvSchema schema = {.label = "y"}) {
  return {std::move(name),
          [text = std::move(text), x = std::move(x), y, schema] {
            const auto ds = mt::data::parse_csv<std::int32_t>(text, "t.csv", schema);
            ASSERT_EQ(ds.features.shape(), (Shape{1, static_cast<std::int64_t>(x.size())}));
            for (std::size_t i = 0; i < x.size(); ++i) {
              const float v = ds.features(0, static_cast<std::int64_t>(i));
              if (std::isnan(x[i])) {
                EXPECT_TRUE(std::isnan(v)) << "feature " << i;
              } else {
                EXPECT_EQ(v, x[i]) << "feature " << i;
                EXPECT_EQ(std::signbit(v), std::signbit(x[i])) << "feature " << i;  // -0 too
              }
            }
            EXPECT_EQ(ds.labels[0], y);
          },
          Kind::accepted,
          {}};
}

Case idx_case(std::string name, std::string bytes, bool gz, int rank, Kind k,
              std::vector<std::string> words) {
  auto run = [name, bytes = std::move(bytes), gz, rank] {
    const auto p = gz ? gz_file(scratch() / (name + ".gz"), bytes) : file(name, bytes);
    (void)mt::data::read_idx(p, rank);
  };
  return {std::move(name), std::move(run), k, std::move(words)};
}

Case st(std::string name, std::string json, std::size_t data, std::vector<std::string> words,
        bool pad = true) {
  auto run = [name, json = std::move(json), data, pad] {
    mt::io::SafetensorsFile f(st_file(name + ".safetensors", json, data, pad));
  };
  return {std::move(name), std::move(run), Kind::data, std::move(words)};
}

Case build(std::string name, std::function<void()> f, std::vector<std::string> words) {
  return {std::move(name), std::move(f), Kind::shape, std::move(words)};
}

std::vector<Case> csv_cases() {
  const auto nan = std::nanf("");
  const auto inf = std::numeric_limits<float>::infinity();
  return {
      csv("Csv_NonNumericCell", "a,y\n1.0x,1\n", Kind::data,
          {"t.csv:2:1", "'1.0x'", "is not a number"}),
      csv("Csv_EmptyCell", "a,b,y\n1,,1\n", Kind::data, {"t.csv:2:2", "''", "is not a number"}),
      csv("Csv_RowWithTooFewCells", "a,b,y\n1,2,0\n3,1\n", Kind::data,
          {"t.csv:3", "2 cells", "header has 3 columns"}),
      csv("Csv_RowWithTooManyCells", "a,y\n1,0\n2,3,1\n", Kind::data,
          {"t.csv:3", "3 cells", "header has 2 columns"}),
      csv("Csv_BlankLineMidFile", "a,y\n1,0\n\n2,1\n", Kind::data,
          {"t.csv:3", "blank line", "header has 2 columns"}),
      csv("Csv_EmptyFile", "", Kind::data, {"t.csv", "empty file", "header row is required"}),
      csv("Csv_WhitespaceOnlyFile", "  \n\t\r\n \n", Kind::data, {"t.csv", "empty file"}),
      csv("Csv_HeaderOnly", "a,b,y\n", Kind::data, {"t.csv", "a header but no data rows"}),
      csv("Csv_MissingLabelColumn", "a,b\n1,2\n", Kind::data,
          {"t.csv:1", "no column named 'y'", "the columns are: a, b"}),
      csv("Csv_EmptyColumnName", "a,,y\n1,2,3\n", Kind::data, {"t.csv:1:2", "empty column name"}),
      csv("Csv_DuplicateColumnName", "x,y,x\n1,2,3\n", Kind::data,
          {"t.csv:1:3", "column 'x' appears twice in the header (columns 1 and 3)"}),
      {"Csv_ByteOrderMarkIsAccepted",
       [] {
         const auto ds = mt::data::read_csv<std::int32_t>(file("bom.csv",
                                                               "\xEF\xBB\xBF"
                                                               "a,y\n2.5,1\n"),
                                                          {.label = "y"});
         EXPECT_EQ(ds.feature_names, std::vector<std::string>{"a"});
         EXPECT_EQ(ds.features(0, 0), 2.5f);
         EXPECT_EQ(ds.labels[0], 1);
       },
       Kind::accepted,
       {}},
      csv_ok("Csv_CrlfLineEndsAreAccepted", "a,b,y\r\n1.5,-2,3\r\n", {1.5f, -2.0f}, 3),
      csv_ok("Csv_QuotedNumbersAreAccepted", "\"a\",\"y\"\n\"1.25\",\"4\"\n", {1.25f}, 4),
      csv_ok("Csv_SpacesAndPlusSignAreAccepted", "a, b ,y\n +2.5 ,\t-0.5, 7 \n", {2.5f, -0.5f}, 7),
      csv("Csv_1e300IsOutsideFloat32", "a,y\n1e300,1\n", Kind::data,
          {"t.csv:2:1", "'1e300'", "outside float32's range"}),
      csv("Csv_JustAboveFloat32Max", "a,y\n1,0\n-3.5e38,1\n", Kind::data,
          {"t.csv:3:1", "'-3.5e38'", "outside float32's range"}),
      // 1e-50 is below the smallest float32 subnormal (1.4e-45) but well inside float32's range:
      // like strtof and every CSV reader, round it to the nearest float, (signed) zero.
      csv_ok("Csv_1eMinus50UnderflowsToZero", "a,b,y\n1e-50,-1e-50,1\n", {0.0f, -0.0f}, 1),
      csv_ok("Csv_SubnormalIsKept", "a,y\n1e-40,1\n", {1e-40f}, 1),
      csv("Csv_NanCell", "a,y\n1,0\nNaN,1\n", Kind::data,
          {"t.csv:3:1", "'NaN'", "not finite", "allow_nonfinite"}),
      csv("Csv_InfCell", "a,b,y\n1,inf,1\n", Kind::data, {"t.csv:2:2", "'inf'", "not finite"}),
      csv("Csv_MinusInfCell", "a,y\n-inf,1\n", Kind::data, {"t.csv:2:1", "'-inf'", "not finite"}),
      csv_ok("Csv_NonfiniteAcceptedWhenAllowed", "a,b,c,y\nnan,inf,-inf,2\n", {nan, inf, -inf}, 2,
             {.label = "y", .allow_nonfinite = true}),
      csv("Csv_NonIntegerClassLabel", "a,y\n1,1.5\n", Kind::data,
          {"t.csv:2:2", "'1.5'", "integer class label"}),
      // It is an integer: the message must say that it does not fit int32.
      csv("Csv_ClassLabelOverflowsInt32", "a,y\n1,3000000000\n", Kind::data,
          {"t.csv:2:2", "'3000000000'", "int32"}),
      // allow_nonfinite covers features only: say it is the label, not "set allow_nonfinite".
      {"Csv_NanRegressionTargetEvenWhenNonfiniteAllowed",
       [] {
         (void)mt::data::parse_csv<float>("a,y\n1,nan\n", "t.csv",
                                          {.label = "y", .allow_nonfinite = true});
       },
       Kind::data,
       {"t.csv:2:2", "'nan'", "label"}},
      {"Csv_BeyondHalfIsCaughtAtTheInputCast",
       [] {
         const auto ds = mt::data::parse_csv<std::int32_t>("a,b,y\n1,2,0\n3,70000,1\n", "t.csv",
                                                           {.label = "y"});
         EXPECT_EQ(ds.features(1, 1), 70000.0f);  // fine as float32
         (void)mt::checked_cast<mt::half>(ds.features);
       },
       Kind::numerics,
       {"float16", "element 3", "70000", "65504"}},
      {"Csv_MissingFile",
       [] { (void)mt::data::read_csv<std::int32_t>(scratch() / "no_such.csv", {.label = "y"}); },
       Kind::io,
       {"no_such.csv", "cannot open", "No such file"}},
      // A directory is the file system saying no: IoError naming it (not "empty file").
      {"Csv_PathIsADirectory",
       [] {
         fs::create_directories(scratch() / "a_dir.csv");
         (void)mt::data::read_csv<std::int32_t>(scratch() / "a_dir.csv", {.label = "y"});
       },
       Kind::io,
       {"a_dir.csv", "directory"}},
      // what() is a C string: a raw NUL echoed into the message would cut it short.
      {"Csv_NulByteInACell",
       [] {
         (void)mt::data::read_csv<std::int32_t>(file("nul.csv", "a,y\n1\0,2\n"s), {.label = "y"});
       },
       Kind::data,
       {"nul.csv:2:1", "is not a number"}},
  };
}

std::vector<Case> idx_cases() {
  const Kind D = Kind::data;
  return {
      idx_case("Idx_BadMagic", "\x01\x02\x08\x01\0\0\0\x01\x07"s, true, -1, D,
               {"Idx_BadMagic", "not an IDX file", "0x01020801"}),
      idx_case("Idx_FloatDtypeCode", idx(0x0D, {1}, 4), true, -1, D,
               {"Idx_FloatDtypeCode", "dtype code 0x0d", "only 0x08"}),
      idx_case("Idx_RankZero", idx(0x08, {}), false, -1, D,
               {"Idx_RankZero", "IDX rank 0", "out of range 1..7"}),
      idx_case("Idx_RankTooLarge", idx(0x08, {1, 1, 1, 1, 1, 1, 1, 1}, 1), false, -1, D,
               {"IDX rank 8", "out of range 1..7"}),
      idx_case("Idx_WrongExpectedRank", idx(0x08, {2, 2}, 4), true, 3, D,
               {"Idx_WrongExpectedRank", "IDX rank is 2, expected 3"}),
      idx_case("Idx_HeaderShorterThan4Bytes", "\0\0\x08"s, false, -1, D,
               {"Idx_HeaderShorterThan4Bytes", "4-byte IDX header is missing"}),
      idx_case("Idx_MissingDimension", idx(0x08, {5, 5}).substr(0, 10), false, -1, D,
               {"truncated header", "dimension 1 of 2 is missing"}),
      idx_case("Idx_TruncatedData", idx(0x08, {4, 4}, 10), true, -1, D,
               {"Idx_TruncatedData", "promises 16 data bytes (4, 4)", "the file has 10"}),
      idx_case("Idx_TrailingBytes", idx(0x08, {2}, 5), false, -1, D,
               {"Idx_TrailingBytes", "trailing bytes", "the 2 data bytes"}),
      idx_case("Idx_DimensionProductOverflows",
               idx(0x08, {0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu}), false, -1, D,
               {"Idx_DimensionProductOverflows", "too large", "2^40"}),
      idx_case("Idx_Promises2To40BytesInATinyFile", idx(0x08, {1u << 20, 1u << 20}, 4), false, -1,
               D,
               {"Idx_Promises2To40BytesInATinyFile", "promises 1099511627776 data bytes",
                "the file has 4"}),
      {"Idx_ZeroImagesAreAccepted",
       [] {
         const auto t =
             mt::data::read_idx(gz_file(scratch() / "zero.gz", idx(0x08, {0, 28, 28})), 3);
         EXPECT_EQ(t.shape(), (Shape{0, 28, 28}));
       },
       Kind::accepted,
       {}},
      {"Idx_GzipHeaderThenGarbage",
       [] {  // a valid gzip member header, then a deflate block of reserved type 3
         (void)mt::data::read_idx(
             file("garbage.gz", "\x1f\x8b\x08\0\0\0\0\0\0\x03\xff\xff\xff\xff\xff\xff"s));
       },
       D,
       {"garbage.gz", "corrupt compressed data"}},
      {"Idx_GzipCutInTheData",
       [] {  // noisy pixels, so that half of the .gz file still holds the whole IDX header
         std::string b = idx(0x08, {64, 64});
         for (std::uint32_t i = 0, r = 1; i < 4096; ++i)
           b += static_cast<char>((r = r * 1664525u + 1013904223u) >> 24);
         const auto p = gz_file(scratch() / "whole.gz", b);
         std::ifstream in(p, std::ios::binary);
         const std::string all((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
         (void)mt::data::read_idx(file("cut.gz", all.substr(0, all.size() / 2)));
       },
       D,
       {"cut.gz", "truncated", "promises 4096 data bytes (64, 64)"}},
      idx_case("Idx_EmptyFile", "", false, -1, D,
               {"Idx_EmptyFile", "4-byte IDX header is missing"}),
      {"Idx_MissingFile",
       [] { (void)mt::data::read_idx(scratch() / "no_such.gz"); },
       Kind::io,
       {"no_such.gz", "cannot open", "No such file"}},
      // A directory is the file system saying no: IoError (not "corrupt compressed data").
      {"Idx_PathIsADirectory",
       [] {
         fs::create_directories(scratch() / "a_dir.gz");
         (void)mt::data::read_idx(scratch() / "a_dir.gz");
       },
       Kind::io,
       {"a_dir.gz", "directory"}},
      // There is no "validation" split in the files (split() makes one from "train"): an
      // argument outside what the function takes is a ValueError naming the value.
      {"FashionMnist_UnknownSplitName",
       [] { (void)mt::data::fashion_mnist("validation", scratch()); },
       Kind::value,
       {"\"validation\"", "\"train\" or \"test\""}},
      {"FashionMnist_DirectoryWithoutTheFiles",
       [] {
         fs::create_directories(scratch() / "fmnist_empty");
         (void)mt::data::fashion_mnist("train", scratch() / "fmnist_empty");
       },
       Kind::io,
       {"fmnist_empty/train-images-idx3-ubyte.gz", "not found"}},
      {"FashionMnist_LabelCountDiffersFromImages",
       [] {
         const auto d = scratch() / "fmnist_count";
         gz_file(d / "t10k-images-idx3-ubyte.gz", idx(0x08, {2, 2, 2}, 8));
         gz_file(d / "t10k-labels-idx1-ubyte.gz", idx(0x08, {3}, 3));
         (void)mt::data::fashion_mnist("test", d);
       },
       D,
       {"t10k-labels-idx1-ubyte.gz", "3 labels for 2 images"}},
      {"FashionMnist_LabelOutsideTenClasses",
       [] {
         const auto d = scratch() / "fmnist_label";
         gz_file(d / "t10k-images-idx3-ubyte.gz", idx(0x08, {1, 2, 2}, 4));
         gz_file(d / "t10k-labels-idx1-ubyte.gz", idx(0x08, {1}) + "\x0a");
         (void)mt::data::fashion_mnist("test", d);
       },
       D,
       {"t10k-labels-idx1-ubyte.gz", "label 10 at index 0", "0..9"}},
  };
}

std::vector<Case> safetensors_cases() {
  const std::string f32_2 = R"("dtype":"F32","shape":[2])";
  return {
      {"St_ShorterThan8Bytes",
       [] { mt::io::SafetensorsFile f(file("short.safetensors", "abc")); },
       Kind::data,
       {"short.safetensors", "3 bytes", "fewer than the 8-byte header length"}},
      {"St_EmptyFile",
       [] { mt::io::SafetensorsFile f(file("empty.safetensors", "")); },
       Kind::data,
       {"empty.safetensors", "0 bytes", "8-byte header length"}},
      {"St_HeaderLengthPastTheEnd",
       [] { mt::io::SafetensorsFile f(file("past.safetensors", le64(100) + "{}")); },
       Kind::data,
       {"past.safetensors", "header length 100", "runs past the end of the file (10 bytes)"}},
      {"St_HeaderLength2To64Minus1",
       [] { mt::io::SafetensorsFile f(file("max.safetensors", le64(~0ull) + "{}")); },
       Kind::data,
       {"max.safetensors", "header length 18446744073709551615", "runs past the end"}},
      st("St_InvalidJson", R"({"a": )", 0, {"St_InvalidJson", "not valid JSON"}),
      st("St_JsonNotAnObject", "[1, 2]", 0, {"St_JsonNotAnObject", "not a JSON object"}),
      st("St_EntryWithoutDataOffsets", R"({"a":{"dtype":"F32","shape":[2]}})", 8,
         {"tensor 'a'", "\"data_offsets\": [begin, end]"}),
      st("St_DataOffsetsAreFloats", "{\"a\":{" + f32_2 + R"(,"data_offsets":[0.0,8.0]}})", 8,
         {"tensor 'a'", "data_offsets must be two unsigned integers"}),
      st("St_DataOffsetsNegative", "{\"a\":{" + f32_2 + R"(,"data_offsets":[-8,0]}})", 8,
         {"tensor 'a'", "two unsigned integers"}),
      st("St_ThreeDataOffsets", "{\"a\":{" + f32_2 + R"(,"data_offsets":[0,4,8]}})", 8,
         {"tensor 'a'", "\"data_offsets\": [begin, end]"}),
      st("St_OffsetsOutOfBounds", "{\"a\":{" + f32_2 + R"(,"data_offsets":[0,16]}})", 8,
         {"tensor 'a'", "[0, 16]", "outside the data section (8 bytes)"}),
      // Both offsets lie inside the data section: the message must say begin > end.
      st("St_BeginAfterEnd", "{\"a\":{" + f32_2 + R"(,"data_offsets":[8,0]}})", 16,
         {"tensor 'a'", "[8, 0]", "begin"}),
      st("St_TwoTensorsOverlap",
         "{\"a\":{" + f32_2 + R"(,"data_offsets":[0,8]},"b":{)" + f32_2 +
             R"(,"data_offsets":[4,12]}})",
         16, {"St_TwoTensorsOverlap", "overlap", "[0, 8] and [4, 12]"}),
      st("St_UnknownDtypeF64", R"({"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})", 8,
         {"tensor 'a'", "dtype F64", "F32, F16, BF16, I32, U8"}),
      st("St_ShapeSizeMismatch", R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8,
         {"tensor 'a'", "8 bytes for shape (3,) of F32", "needs 12"}),
      st("St_NegativeDimension", R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 8,
         {"tensor 'a'", "bad dimension -1"}),
      st("St_ElementCountOverflows",
         R"({"a":{"dtype":"U8","shape":[1099511627776,1099511627776],"data_offsets":[0,0]}})", 8,
         {"tensor 'a'", "element count overflows"}),
      // A shape read from a file is data: DataError naming the file and tensor, not Shape's
      // own ShapeError with neither.
      st("St_RankAboveTheShapeLimit",
         R"({"a":{"dtype":"U8","shape":[1,1,1,1,1,1,1,1,1],"data_offsets":[0,1]}})", 8,
         {"St_RankAboveTheShapeLimit", "tensor 'a'", "rank"}),
      st("St_MetadataValueNotAString", R"({"__metadata__":{"step":7}})", 0,
         {"St_MetadataValueNotAString", "__metadata__['step'] is not a string"}),
      st("St_MetadataNotAnObject", R"({"__metadata__":"v1"})", 0,
         {"St_MetadataNotAnObject", "__metadata__ is not an object"}),
      st("St_UnalignedF32Data", R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 8,
         {"tensor 'a'", "not aligned"}, false),
      {"St_MissingFile",
       [] { mt::io::SafetensorsFile f(scratch() / "no_such.safetensors"); },
       Kind::io,
       {"no_such.safetensors", "cannot open", "No such file"}},
      // A directory is the file system saying no: IoError (not a std::ios_base::failure).
      {"St_PathIsADirectory",
       [] {
         fs::create_directories(scratch() / "a_dir.safetensors");
         mt::io::SafetensorsFile f(scratch() / "a_dir.safetensors");
       },
       Kind::io,
       {"a_dir.safetensors", "directory"}},
      {"St_GetWithWrongDtype",
       [] {
         (void)mt::io::SafetensorsFile(good_st()).get<mt::half>("w", Shape{2, 3});
       },
       Kind::data,
       {"good.safetensors", "tensor 'w' is F32 (2, 3)", "expected F16 (2, 3)"}},
      {"St_GetWithWrongShape",
       [] {
         (void)mt::io::SafetensorsFile(good_st()).get<float>("w", Shape{3, 2});
       },
       Kind::data,
       {"good.safetensors", "tensor 'w' is F32 (2, 3)", "expected F32 (3, 2)"}},
      {"St_GetMissingName",
       [] {
         (void)mt::io::SafetensorsFile(good_st()).get<float>("v", Shape{2, 3});
       },
       Kind::data,
       {"good.safetensors", "no tensor named 'v'"}},
      // checkpoint.hpp: "loading checks every name, dtype and shape and lists what differs":
      // here dense_1's shape and the missing dense_2, not only the first difference.
      {"Checkpoint_AnotherArchitectureListsWhatDiffers",
       [] {
         const auto path = scratch() / "arch.safetensors";
         {
           mt::Sequential<P32> a(Shape{4}, mt::Dense(8), mt::ReLU(), mt::Dense(3));
           mt::Adam opt(a);
           mt::save_checkpoint(path, a, opt, nullptr, {});
         }
         mt::Sequential<P32> b(Shape{4}, mt::Dense(8), mt::ReLU(), mt::Dense(5), mt::ReLU(),
                               mt::Dense(3));
         mt::Adam opt(b);
         (void)mt::load_checkpoint(path, b, opt, nullptr);
       },
       Kind::data,
       {"arch.safetensors", "dense_1/kernel", "(8, 5)", "dense_2/kernel"}},
      {"Checkpoint_AnotherPolicy",
       [] {
         const auto path = scratch() / "policy.safetensors";
         {
           mt::Sequential<P32> a(Shape{4}, mt::Dense(3));
           mt::Adam opt(a);
           mt::save_checkpoint(path, a, opt, nullptr, {});
         }
         mt::Sequential<mt::policy::mixed_bfloat16> b(Shape{4}, mt::Dense(3));
         mt::Adam opt(b);
         (void)mt::load_checkpoint(path, b, opt, nullptr);
       },
       Kind::data,
       {"policy.safetensors", "saved under policy float32", "policy mixed_bfloat16"}},
      {"Checkpoint_PlainSafetensorsFile",
       [] {
         mt::Sequential<P32> m(Shape{3}, mt::Dense(2));
         mt::Adam opt(m);
         (void)mt::load_checkpoint(good_st(), m, opt, nullptr);
       },
       Kind::data,
       {"good.safetensors", "not a mantissa checkpoint", "load_weights"}},
  };
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
    for (auto part : {csv_cases(), idx_cases(), safetensors_cases(), model_cases()})
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
