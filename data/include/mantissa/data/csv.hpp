// mantissa/data/csv.hpp: CSV files read against a typed schema.
//
//   auto ds = data::read_csv<std::int32_t>("breast_cancer.csv", {.label = "benign"});
//   // ds.features: Tensor<float> (N, F); ds.labels: Tensor<int32_t> (N,)
//
// The file: one header row of column names, comma-separated cells, one row per line. Every
// cell but the label's is a float32 feature; the label's type is the template argument
// (int32_t for classes, float for regression / binary targets). Accepted: "\r\n" line ends,
// a UTF-8 byte-order mark, surrounding spaces, cells in double quotes ("1.5"), a final line
// without "\n", blank lines at the end.
// Every other irregularity is a DataError that quotes the file, line and column (1-based)
// and the text: `train.csv:17:3: '1.0x' is not a number`; a row with the wrong number of
// cells, an empty file, a header without the label column or with no other (feature) column,
// a value outside float32's range, NaN or inf cells unless the schema allows them, and a label
// other than 0 or 1 when the schema asks for binary labels. Only a regular file is read: a
// directory, FIFO or device is an IoError before anything is read.
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <string>
#include <type_traits>
#include <vector>

#include "mantissa/core/tensor.hpp"

namespace mantissa::data {

struct CsvSchema {
  std::string label;              // the name of the label column (required)
  bool allow_nonfinite = false;   // accept nan / inf feature cells
  bool binary_labels = false;     // every label must be 0 or 1 (binary cross-entropy's targets)
};

// The label column's types: class indices or real-valued targets. (Every other type is
// refused here, at compile time, before a link error could name a missing instantiation.)
template <class L>
inline constexpr bool is_csv_label = std::same_as<L, std::int32_t> || std::same_as<L, float>;

template <class L>
struct TabularDataset {
  static_assert(is_csv_label<L>,
                "mantissa::data::read_csv<L>: a label column is read as std::int32_t (class "
                "indices, for the losses and accuracy) or float (regression or 0/1 targets); "
                "read it as std::int32_t and convert afterwards if another type is needed");
  Tensor<float> features;                   // (N, F)
  // (N,); the conditional only keeps a refused L to the one message above
  Tensor<std::conditional_t<is_csv_label<L>, L, std::int32_t>> labels;
  std::vector<std::string> feature_names;   // F names, in column order
};

template <class L>
TabularDataset<L> read_csv(const std::filesystem::path& file, const CsvSchema& schema);

// The same, from text already in memory (`name` is used in error messages).
template <class L>
TabularDataset<L> parse_csv(std::string_view text, const std::string& name,
                            const CsvSchema& schema);

}  // namespace mantissa::data
