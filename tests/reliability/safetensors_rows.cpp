// tests/reliability/safetensors_rows.cpp: the catalogue's rows for the safetensors reader.
#include "bad_input_rows.hpp"

namespace bad_inputs {

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
