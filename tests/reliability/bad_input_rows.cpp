// tests/reliability/bad_input_rows.cpp: the catalogue's rows for the CSV and IDX readers and
// Fashion-MNIST (safetensors: safetensors_rows.cpp; checkpoints: checkpoint_rows.cpp).
#include "bad_input_rows.hpp"

namespace bad_inputs {

namespace {

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

}  // namespace bad_inputs
