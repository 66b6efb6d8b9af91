// tests/reliability/bad_input_rows.cpp: the catalogue's rows for the file readers: CSV, IDX and
// Fashion-MNIST, safetensors and checkpoints.
#include "bad_input_rows.hpp"

#include <sys/stat.h>

namespace bad_inputs {

namespace {

// A named pipe in the scratch folder: opening it for reading would wait for a writer forever,
// so a reader must refuse it by its type before it opens it.
fs::path fifo(const std::string& name) {
  const auto p = scratch() / name;
  fs::remove(p);
  if (::mkfifo(p.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed: " + p.string());
  return p;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The bytes of a gzip file of `data`; level 0 stores the data as is (a flipped byte in it
// is a flipped pixel that only the CRC-32 can catch).
std::string gz_bytes(const std::string& data, int level = 6) {
  const auto p = scratch() / "gz_bytes.tmp";
  gzFile f = gzopen(p.c_str(), ("wb" + std::to_string(level)).c_str());
  gzwrite(f, data.data(), static_cast<unsigned>(data.size()));
  gzclose(f);
  return slurp(p);
}

// An IDX (4, 4) image of pixels 0..15.
std::string idx_4x4() {
  std::string b = idx(0x08, {4, 4});
  for (char v = 0; v < 16; ++v) b += v;
  return b;
}


// The stored pixels' place in a level-0 gzip file.
std::size_t pixels_at(const std::string& gz) {
  std::string pixels;
  for (char v = 0; v < 16; ++v) pixels += v;
  const auto at = gz.find(pixels);
  if (at == std::string::npos) throw std::runtime_error("level-0 gzip did not store the pixels");
  return at;
}

// read_idx must return the (4, 4) image of pixels 0..15.
void expect_idx_4x4(const fs::path& p) {
  const auto t = mt::data::read_idx(p);
  ASSERT_EQ(t.shape(), (Shape{4, 4}));
  for (std::int64_t i = 0; i < 16; ++i) EXPECT_EQ(t.data()[i], i) << "pixel " << i;
}

}  // namespace

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
      csv("Csv_OnlyTheLabelColumn", "y\n1\n0\n", Kind::data,
          {"t.csv:1", "no feature columns", "only the label column 'y'"}),
      // Special files are refused by their type, before they are opened: a FIFO would be waited
      // on, /dev/zero read without end.
      {"Csv_PathIsAFifo",
       [] { (void)mt::data::read_csv<std::int32_t>(fifo("pipe.csv"), {.label = "y"}); },
       Kind::io,
       {"pipe.csv", "is a FIFO", "only regular files"}},
      {"Csv_PathIsDevZero",
       [] { (void)mt::data::read_csv<std::int32_t>("/dev/zero", {.label = "y"}); },
       Kind::io,
       {"/dev/zero", "character device", "only regular files"}},
      // binary_labels: the targets of binary cross-entropy are 0 or 1, named by line and row.
      {"Csv_BinaryLabelOneHalf",
       [] {
         (void)mt::data::parse_csv<float>("a,y\n1,0\n2,0.5\n", "t.csv",
                                          {.label = "y", .binary_labels = true});
       },
       Kind::data,
       {"t.csv:3:2", "'0.5'", "row 2", "not 0 or 1"}},
      {"Csv_BinaryLabelMinusOne",
       [] {
         (void)mt::data::parse_csv<float>("a,y\n1,-1\n", "t.csv",
                                          {.label = "y", .binary_labels = true});
       },
       Kind::data,
       {"t.csv:2:2", "'-1'", "row 1", "not 0 or 1"}},
      {"Csv_BinaryClassLabelTwo",
       [] {
         (void)mt::data::parse_csv<std::int32_t>("a,y\n1,1\n2,0\n3,2\n", "t.csv",
                                                 {.label = "y", .binary_labels = true});
       },
       Kind::data,
       {"t.csv:4:2", "'2'", "row 3", "binary labels"}},
      {"Csv_BinaryLabelsInAnySpellingAreAccepted",
       [] {
         const auto ds = mt::data::parse_csv<float>("a,y\n1,0.0\n2,1e0\n3,-0\n4,1\n", "t.csv",
                                                    {.label = "y", .binary_labels = true});
         ASSERT_EQ(ds.labels.shape(), Shape{4});
         EXPECT_EQ(ds.labels[0], 0.0f);
         EXPECT_EQ(ds.labels[1], 1.0f);
         EXPECT_EQ(ds.labels[2], 0.0f);
         EXPECT_EQ(ds.labels[3], 1.0f);
       },
       Kind::accepted,
       {}},
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
      {"Idx_PathIsAFifo",
       [] { (void)mt::data::read_idx(fifo("pipe.gz")); },
       Kind::io,
       {"pipe.gz", "is a FIFO", "only regular files"}},
      {"Idx_PathIsDevZero",
       [] { (void)mt::data::read_idx("/dev/zero"); },
       Kind::io,
       {"/dev/zero", "character device"}},
      // gzip to the letter (RFC 1952): the trailer's CRC-32 and length vouch for every pixel.
      {"Idx_GzipFlippedPixelInAStoredBlock",
       [] {
         auto b = gz_bytes(idx_4x4(), 0);  // stored: the pixels appear as they are
         b[pixels_at(b) + 13] ^= 0x40;     // pixel 13 becomes 77: a wrong pixel, unless checked
         (void)mt::data::read_idx(file("flipped_pixel.gz", b));
       },
       D,
       {"flipped_pixel.gz", "CRC-32 does not match", "corrupt"}},
      {"Idx_GzipFlippedCrcField",
       [] {
         auto b = gz_bytes(idx_4x4());
         b[b.size() - 8] ^= 0x01;
         (void)mt::data::read_idx(file("flipped_crc.gz", b));
       },
       D,
       {"flipped_crc.gz", "CRC-32 does not match"}},
      {"Idx_GzipWrongLengthField",
       [] {
         auto b = gz_bytes(idx_4x4());
         b[b.size() - 4] ^= 0x01;
         (void)mt::data::read_idx(file("wrong_length.gz", b));
       },
       D,
       {"wrong_length.gz", "length does not match"}},
      {"Idx_GzipTrailerMissing",
       [] {  // every pixel is there; the CRC-32 that vouches for them is not
         const auto b = gz_bytes(idx_4x4());
         (void)mt::data::read_idx(file("no_trailer.gz", b.substr(0, b.size() - 8)));
       },
       D,
       {"no_trailer.gz", "truncated", "before its 8-byte trailer"}},
      {"Idx_GzipTrailerHalfThere",
       [] {
         const auto b = gz_bytes(idx_4x4());
         (void)mt::data::read_idx(file("half_trailer.gz", b.substr(0, b.size() - 3)));
       },
       D,
       {"half_trailer.gz", "truncated", "trailer"}},
      {"Idx_GzipCutInsideTheStoredData",
       [] {
         const auto b = gz_bytes(idx_4x4(), 0);
         (void)mt::data::read_idx(file("cut_stored.gz", b.substr(0, pixels_at(b) + 11)));
       },
       D,
       {"cut_stored.gz", "promises 16 data bytes (4, 4), the file has 11", "cut short"}},
      {"Idx_JunkAfterTheGzipStream",
       [] { (void)mt::data::read_idx(file("junk_after.gz", gz_bytes(idx_4x4()) + "junk")); },
       D,
       {"junk_after.gz", "4 bytes after the end of the gzip stream", "not another gzip member"}},
      {"Idx_ZeroPaddingAfterTheGzipStream",
       [] {
         (void)mt::data::read_idx(
             file("zero_pad.gz", gz_bytes(idx_4x4()) + std::string(512, '\0')));
       },
       D,
       {"zero_pad.gz", "512 bytes after the end of the gzip stream"}},
      {"Idx_OneByteAfterTheGzipStream",
       [] { (void)mt::data::read_idx(file("one_after.gz", gz_bytes(idx_4x4()) + "\x1f")); },
       D,
       {"one_after.gz", "1 byte after the end of the gzip stream"}},
      // RFC 1952: a gzip file is a series of members, each with its own trailer (`cat a.gz
      // b.gz`); the data may run across them.
      {"Idx_TwoGzipMembersAreAccepted",
       [] {
         const auto b = idx_4x4();
         expect_idx_4x4(file("two_members.gz", gz_bytes(b.substr(0, 13)) + gz_bytes(b.substr(13))));
       },
       Kind::accepted,
       {}},
      {"Idx_SecondGzipMemberCorrupt",
       [] {
         const auto b = idx_4x4();
         auto second = gz_bytes(b.substr(13));
         second[second.size() - 6] ^= 0x10;  // its CRC-32
         (void)mt::data::read_idx(file("second_bad.gz", gz_bytes(b.substr(0, 13)) + second));
       },
       D,
       {"second_bad.gz", "CRC-32 does not match"}},
      {"Idx_GzipUnknownCompressionMethod",
       [] {
         auto b = gz_bytes(idx_4x4());
         b[2] = 9;  // CM: 8 (deflate) is the only method RFC 1952 defines
         (void)mt::data::read_idx(file("method9.gz", b));
       },
       D,
       {"method9.gz", "corrupt compressed data", "unknown compression method"}},
      {"Idx_GzipPromisesMoreThanDeflateCanHold",
       [] {  // 2^36 bytes promised by a file of a few dozen bytes: refused before allocating
         (void)mt::data::read_idx(
             file("tiny_promise.gz", gz_bytes(idx(0x08, {1u << 18, 1u << 18}, 4))));
       },
       D,
       {"tiny_promise.gz", "promises 68719476736 data bytes", "1032:1"}},
      {"Idx_PlainFileIsStillAccepted",
       [] { expect_idx_4x4(file("plain_4x4", idx_4x4())); },
       Kind::accepted,
       {}},
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
      // The format requires no alignment: a header length that is not a multiple of 8 and
      // odd data offsets (files other writers make) load, each tensor's values exact and its
      // view aligned for its type.
      {"St_UnpaddedHeaderIsAccepted",
       [] {
         std::string json = R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
         const float v = 2.5f;
         const std::string data(reinterpret_cast<const char*>(&v), 4);
         mt::io::SafetensorsFile f(file("unpadded.safetensors", le64(json.size()) + json + data));
         EXPECT_EQ(f.get<float>("a", Shape{1})[0], 2.5f);
       },
       Kind::accepted,
       {}},
      {"St_OddDataOffsetsAreAccepted",
       [] {
         // u: U8 [0, 1); f: F32 [1, 9); h: F16 [9, 13); i: I32 [13, 17); b: BF16 [17, 19)
         const std::string json =
             R"({"u":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},)"
             R"("f":{"dtype":"F32","shape":[2],"data_offsets":[1,9]},)"
             R"("h":{"dtype":"F16","shape":[2],"data_offsets":[9,13]},)"
             R"("i":{"dtype":"I32","shape":[1],"data_offsets":[13,17]},)"
             R"("b":{"dtype":"BF16","shape":[1],"data_offsets":[17,19]}})";
         auto bytes = [](auto... v) {
           std::string d;
           ((d += std::string(reinterpret_cast<const char*>(&v), sizeof v)), ...);
           return d;
         };
         const std::string data = bytes(std::uint8_t{7}, 1.5f, -3.25f, std::uint16_t{0x3c00},
                                        std::uint16_t{0xc000}, std::int32_t{-123456},
                                        std::uint16_t{0x4049});
         std::string padded = json;  // 8-byte aligned data section: the odd offsets stay odd
         padded.append((8 - padded.size() % 8) % 8, ' ');
         mt::io::SafetensorsFile f(file("odd.safetensors", le64(padded.size()) + padded + data));
         const auto fv = f.get<float>("f", Shape{2});
         const auto hv = f.get<mt::half>("h", Shape{2});
         const auto iv = f.get<std::int32_t>("i", Shape{1});
         const auto bv = f.get<mt::bfloat16>("b", Shape{1});
         EXPECT_EQ(f.get<std::uint8_t>("u", Shape{1})[0], 7);
         EXPECT_EQ(fv[0], 1.5f);
         EXPECT_EQ(fv[1], -3.25f);
         EXPECT_EQ(static_cast<float>(hv[0]), 1.0f);
         EXPECT_EQ(static_cast<float>(hv[1]), -2.0f);
         EXPECT_EQ(iv[0], -123456);
         EXPECT_EQ(static_cast<float>(bv[0]), 3.140625f);
         EXPECT_EQ(reinterpret_cast<std::uintptr_t>(fv.data()) % alignof(float), 0u);
         EXPECT_EQ(reinterpret_cast<std::uintptr_t>(hv.data()) % alignof(mt::half), 0u);
         EXPECT_EQ(reinterpret_cast<std::uintptr_t>(iv.data()) % alignof(std::int32_t), 0u);
         EXPECT_EQ(reinterpret_cast<std::uintptr_t>(bv.data()) % alignof(mt::bfloat16), 0u);
       },
       Kind::accepted,
       {}},
      st("St_DuplicateTensorName",
         "{\"a\":{" + f32_2 + R"(,"data_offsets":[0,8]},"a":{)" + f32_2 +
             R"(,"data_offsets":[8,16]}})",
         16, {"St_DuplicateTensorName", "tensor name 'a' appears twice"}),
      st("St_SecondMetadata", R"({"__metadata__":{"k":"v"},"__metadata__":{"k":"w"}})", 0,
         {"St_SecondMetadata", "\"__metadata__\" appears twice"}),
      st("St_KeyTwiceInAnEntry",
         R"({"a":{"dtype":"F32","dtype":"F16","shape":[2],"data_offsets":[0,8]}})", 8,
         {"St_KeyTwiceInAnEntry", "the key 'dtype' appears twice"}),
      st("St_MetadataValueNull", R"({"__metadata__":{"k":null}})", 0,
         {"__metadata__['k'] is not a string", "null"}),
      st("St_MetadataValueBool", R"({"__metadata__":{"k":true}})", 0,
         {"__metadata__['k'] is not a string", "true"}),
      st("St_MetadataValueArray", R"({"__metadata__":{"k":["v"]}})", 0,
         {"__metadata__['k'] is not a string", "[\"v\"]"}),
      st("St_MetadataValueObject", R"({"__metadata__":{"k":{"v":"w"}}})", 0,
         {"__metadata__['k'] is not a string", "strings to strings"}),
      // Only spaces (0x20) may pad the header: not NUL (nlohmann would stop reading there and
      // ignore the rest), not newlines or tabs, and it must begin with '{'.
      st("St_NulPaddedHeader", std::string("{}") + std::string(6, '\0'), 0,
         {"St_NulPaddedHeader", "NUL byte at byte 2"}),
      st("St_NulThenAnotherObject", "{}\0{\"a\":1}   "s, 0,
         {"St_NulThenAnotherObject", "NUL byte", "spaces only"}),
      st("St_NewlineAfterTheJson", "{}\n     ", 0,
         {"St_NewlineAfterTheJson", "0x0a", "only spaces (0x20) may pad"}),
      st("St_TabAfterTheJson", "{} \t     ", 0, {"St_TabAfterTheJson", "0x09"}),
      st("St_TextAfterTheJson", "{}  x", 0, {"St_TextAfterTheJson", "not valid JSON"}),
      st("St_SpaceBeforeTheJson", " {}", 0, {"St_SpaceBeforeTheJson", "must begin with '{'"}),
      // The tensors tile the data section: a byte that belongs to no tensor is an error.
      st("St_HoleBetweenTensors",
         "{\"a\":{" + f32_2 + R"(,"data_offsets":[0,8]},"b":{)" + f32_2 +
             R"(,"data_offsets":[12,20]}})",
         20, {"St_HoleBetweenTensors", "4 bytes", "[8, 12]", "between tensors 'a' and 'b'"}),
      st("St_HoleBeforeTheFirstTensor", "{\"a\":{" + f32_2 + R"(,"data_offsets":[8,16]}})", 16,
         {"St_HoleBeforeTheFirstTensor", "8 bytes", "[0, 8]", "before tensor 'a'"}),
      st("St_BytesAfterTheLastTensor", "{\"a\":{" + f32_2 + R"(,"data_offsets":[0,8]}})", 12,
         {"St_BytesAfterTheLastTensor", "4 bytes after the last tensor ('a' ends at byte 8)"}),
      st("St_DataButNoTensors", R"({"__metadata__":{"k":"v"}})", 3,
         {"St_DataButNoTensors", "3 bytes after the header (it lists no tensor)"}),
      {"St_EmptyTensorsAreAccepted",
       [] {
         mt::io::SafetensorsFile f(st_file(
             "empty_tensors.safetensors",
             R"({"e":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},)"
             R"("z":{"dtype":"U8","shape":[2,0],"data_offsets":[4,4]},)"
             R"("a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})",
             4));
         EXPECT_EQ(f.names().size(), 3u);
         EXPECT_EQ(f.get<float>("a", Shape{1})[0], 0.0f);
       },
       Kind::accepted,
       {}},
      // Nesting is bounded before anything walks the JSON: 100,000 '[' was a stack overflow
      // (the "bad dimension" message dumped it recursively).
      st("St_ShapeNested100000Deep",
         R"({"a":{"dtype":"F32","shape":[)" + std::string(100000, '[') + std::string(100000, ']') +
             R"(],"data_offsets":[0,4]}})",
         4, {"St_ShapeNested100000Deep", "nests deeper than 8 levels"}),
      st("St_Unclosed100000Brackets", R"({"a":{"dtype":"F32","shape":)" + std::string(100000, '['),
         0, {"St_Unclosed100000Brackets", "nests deeper than 8 levels"}),
      st("St_MetadataNested100000Deep",
         R"({"__metadata__":{"k":)" + std::string(100000, '[') + std::string(100000, ']') + "}}", 0,
         {"St_MetadataNested100000Deep", "nests deeper than 8 levels"}),
      st("St_ShapeOfDepth4IsABadDimension",
         R"({"a":{"dtype":"F32","shape":[[1]],"data_offsets":[0,4]}})", 4,
         {"tensor 'a'", "bad dimension [1]"}),
      // A name from the file is shown with its control bytes escaped (a NUL would cut what())
      // and cut after 64 bytes.
      st("St_NameWithANulByte", R"({"a\u0000b":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})",
         8, {"tensor 'a\\x00b'", "dtype F64"}),
      st("St_MegabyteLongNameIsCut",
         "{\"" + std::string(1 << 20, 'n') +
             R"(":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}})",
         8, {"tensor '" + std::string(64, 'n') + "...'", "dtype F64"}),
      {"St_PathIsAFifo",
       [] { mt::io::SafetensorsFile f(fifo("pipe.safetensors")); },
       Kind::io,
       {"pipe.safetensors", "is a FIFO", "would be waited on"}},
      {"St_PathIsDevZero",
       [] { mt::io::SafetensorsFile f("/dev/zero"); },
       Kind::io,
       {"/dev/zero", "is a character device", "never ends"}},
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
