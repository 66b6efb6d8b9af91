// tests/reliability/bad_input_rows.cpp: the catalogue's rows for the file readers: CSV, IDX and
// Fashion-MNIST, safetensors and checkpoints.
#include "bad_input_rows.hpp"

namespace bad_inputs {

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
         const mt::io::SafetensorsFile f(good_st()); (void)f.get<mt::half>("w", Shape{2, 3});
       },
       Kind::data,
       {"good.safetensors", "tensor 'w' is F32 (2, 3)", "expected F16 (2, 3)"}},
      {"St_GetWithWrongShape",
       [] {
         const mt::io::SafetensorsFile f(good_st()); (void)f.get<float>("w", Shape{3, 2});
       },
       Kind::data,
       {"good.safetensors", "tensor 'w' is F32 (2, 3)", "expected F32 (3, 2)"}},
      {"St_GetMissingName",
       [] {
         const mt::io::SafetensorsFile f(good_st()); (void)f.get<float>("v", Shape{2, 3});
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
           mt::save_checkpoint(path, a, opt, {});
         }
         mt::Sequential<P32> b(Shape{4}, mt::Dense(8), mt::ReLU(), mt::Dense(5), mt::ReLU(),
                               mt::Dense(3));
         mt::Adam opt(b);
         (void)mt::load_checkpoint(path, b, opt);
       },
       Kind::data,
       {"arch.safetensors", "dense_1/kernel", "(8, 5)", "dense_2/kernel"}},
      {"Checkpoint_AnotherPolicy",
       [] {
         const auto path = scratch() / "policy.safetensors";
         {
           mt::Sequential<P32> a(Shape{4}, mt::Dense(3));
           mt::Adam opt(a);
           mt::save_checkpoint(path, a, opt, {});
         }
         mt::Sequential<mt::policy::mixed_bfloat16> b(Shape{4}, mt::Dense(3));
         mt::Adam opt(b);
         (void)mt::load_checkpoint(path, b, opt);
       },
       Kind::data,
       {"policy.safetensors", "saved under policy float32", "policy mixed_bfloat16"}},
      {"Checkpoint_PlainSafetensorsFile",
       [] {
         mt::Sequential<P32> m(Shape{3}, mt::Dense(2));
         mt::Adam opt(m);
         (void)mt::load_checkpoint(good_st(), m, opt);
       },
       Kind::data,
       {"good.safetensors", "not a mantissa checkpoint", "load_weights"}},
  };
}

}  // namespace bad_inputs
