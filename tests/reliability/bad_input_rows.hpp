// tests/reliability/bad_input_rows.hpp: the bad-input catalogue's row type, scratch files
// and row builders, shared by its parts (test_bad_inputs.cpp says what a row asserts).
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
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
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include "mantissa/mantissa.hpp"

namespace bad_inputs {

namespace mt = mantissa;
namespace fs = std::filesystem;
using mt::Shape;
using P32 = mt::policy::float32;
using namespace std::string_literals;

// ---- the table ------------------------------------------------------------------------------

// resource: a bare mantissa::Error, the kind error.hpp keeps for an exhausted resource (host
// memory, a thread the system will not start); for any other row a bare Error fails.
enum class Kind { accepted, data, io, shape, numerics, value, resource };

struct Case {
  std::string name;                // the CTest name: Catalogue/BadInput.BehavesAsCatalogued/<name>
  std::function<void()> run;       // performs the read or build; throws, or checks values
  Kind kind;                       // the exact class expected, or accepted
  std::vector<std::string> words;  // substrings what() must hold
};

inline void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

inline std::string kind_name(Kind k) {
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
    case Kind::resource:
      return "mantissa::Error (an exhausted resource)";
  }
  return "?";
}

// ---- scratch files --------------------------------------------------------------------------

// Fixed before main, so the forked child of a crash probe writes where the parent cleans up.
inline const fs::path scratch_dir =
    fs::temp_directory_path() / ("mantissa_bad_inputs_" + std::to_string(::getpid()));
inline fs::path scratch() {
  fs::create_directories(scratch_dir);  // again after a --gtest_repeat teardown
  return scratch_dir;
}

struct ScratchCleanup : ::testing::Environment {
  void TearDown() override { fs::remove_all(scratch_dir); }
};
[[maybe_unused]] inline const auto* const cleanup =
    ::testing::AddGlobalTestEnvironment(new ScratchCleanup);

inline fs::path file(const std::string& name, const std::string& bytes) {
  const auto p = scratch() / name;
  std::ofstream(p, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

inline fs::path gz_file(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  gzFile f = gzopen(p.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
  return p;
}

// An IDX header (magic, dtype code, rank, big-endian dims) and `data` bytes of 1.
inline std::string idx(unsigned char code, const std::vector<std::uint32_t>& dims, std::size_t data = 0) {
  std::string b{'\0', '\0', static_cast<char>(code), static_cast<char>(dims.size())};
  for (auto d : dims)
    for (int s = 24; s >= 0; s -= 8) b += static_cast<char>(d >> s);
  return b + std::string(data, '\1');
}

inline std::string le64(std::uint64_t n) {
  std::string b;
  for (int i = 0; i < 8; ++i) b += static_cast<char>(n >> (8 * i));
  return b;
}

// A safetensors file: length, JSON (space-padded to 8 bytes unless `pad` is false), zeros.
inline fs::path st_file(const std::string& name, std::string json, std::size_t data, bool pad = true) {
  if (pad) json.append((8 - json.size() % 8) % 8, ' ');
  return file(name, le64(json.size()) + json + std::string(data, '\0'));
}

// A valid file with one F32 tensor "w" of shape (2, 3).
inline fs::path good_st() {
  const auto w = mt::arange<float>(6);
  const auto p = scratch() / "good.safetensors";
  mt::io::write_safetensors(p, {mt::io::record<float>("w", w.reshape({2, 3}))});
  return p;
}

// ---- rows -----------------------------------------------------------------------------------

// parse_csv<int32_t> of `text` named "t.csv", label column "y".
inline Case csv(std::string name, std::string text, Kind k, std::vector<std::string> words,
         mt::data::CsvSchema schema = {.label = "y"}) {
  return {std::move(name),
          [text = std::move(text), schema] {
            (void)mt::data::parse_csv<std::int32_t>(text, "t.csv", schema);
          },
          k, std::move(words)};
}

// parse_csv<int32_t> that must succeed with one row: features `x`, label `y`.
inline Case csv_ok(std::string name, std::string text, std::vector<float> x, std::int32_t y,
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

inline Case idx_case(std::string name, std::string bytes, bool gz, int rank, Kind k,
              std::vector<std::string> words) {
  auto run = [name, bytes = std::move(bytes), gz, rank] {
    const auto p = gz ? gz_file(scratch() / (name + ".gz"), bytes) : file(name, bytes);
    (void)mt::data::read_idx(p, rank);
  };
  return {std::move(name), std::move(run), k, std::move(words)};
}

inline Case st(std::string name, std::string json, std::size_t data, std::vector<std::string> words,
        bool pad = true) {
  auto run = [name, json = std::move(json), data, pad] {
    mt::io::SafetensorsFile f(st_file(name + ".safetensors", json, data, pad));
  };
  return {std::move(name), std::move(run), Kind::data, std::move(words)};
}

inline Case build(std::string name, std::function<void()> f, std::vector<std::string> words) {
  return {std::move(name), std::move(f), Kind::shape, std::move(words)};
}

// A named pipe in the scratch folder: opening it for reading would wait for a writer forever,
// so a reader must refuse it by its type before it opens it.
inline fs::path fifo(const std::string& name) {
  const auto p = scratch() / name;
  fs::remove(p);
  if (::mkfifo(p.c_str(), 0600) != 0) throw std::runtime_error("mkfifo failed: " + p.string());
  return p;
}

// The file-reader rows (bad_input_rows.cpp, safetensors_rows.cpp).
std::vector<Case> csv_cases();
std::vector<Case> idx_cases();
std::vector<Case> safetensors_cases();
std::vector<Case> checkpoint_cases();  // checkpoint_rows.cpp
std::vector<Case> numerics_cases();    // numerics_rows.cpp
std::vector<Case> resource_cases();    // resource_rows.cpp

}  // namespace bad_inputs
