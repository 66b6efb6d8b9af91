// core/src/data/csv.cpp: the CSV reader (std::from_chars: locale-independent, exact).
#include "mantissa/core/data/csv.hpp"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "mantissa/core/error.hpp"

namespace mantissa::data {

namespace {

struct Cell {
  std::string_view text;
  std::int64_t column;  // 1-based
};

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::vector<Cell> split(std::string_view line) {
  std::vector<Cell> cells;
  std::int64_t col = 1;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= line.size(); ++i) {
    if (i == line.size() || line[i] == ',') {
      cells.push_back({trim(line.substr(start, i - start)), col++});
      start = i + 1;
    }
  }
  return cells;
}

std::string where(const std::string& name, std::int64_t line, std::int64_t col) {
  return name + ":" + std::to_string(line) + ":" + std::to_string(col) + ": ";
}

float parse_float(const Cell& c, const std::string& name, std::int64_t line, bool allow_nonfinite) {
  std::string_view t = c.text;
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);  // from_chars takes no '+'
  float v = 0.0f;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || end != t.data() + t.size() || ec == std::errc::invalid_argument)
    throw DataError(where(name, line, c.column) + "'" + std::string(c.text) + "' is not a number");
  if (ec == std::errc::result_out_of_range)
    throw DataError(where(name, line, c.column) + "'" + std::string(c.text) +
                    "' is outside float32's range");
  if (!std::isfinite(v) && !allow_nonfinite)
    throw DataError(where(name, line, c.column) + "'" + std::string(c.text) +
                    "' is not finite (set allow_nonfinite in the schema to accept it)");
  return v;
}

template <class L>
L parse_label(const Cell& c, const std::string& name, std::int64_t line) {
  if constexpr (std::same_as<L, std::int32_t>) {
    std::int32_t v = 0;
    const auto [end, ec] = std::from_chars(c.text.data(), c.text.data() + c.text.size(), v);
    if (c.text.empty() || end != c.text.data() + c.text.size() || ec != std::errc())
      throw DataError(where(name, line, c.column) + "'" + std::string(c.text) +
                      "' is not an integer class label");
    return v;
  } else {
    return parse_float(c, name, line, false);
  }
}

}  // namespace

template <class L>
TabularDataset<L> parse_csv(std::string_view text, const std::string& name,
                            const CsvSchema& schema) {
  static_assert(std::same_as<L, std::int32_t> || std::same_as<L, float>,
                "read_csv<L>: labels are int32 (classes) or float (targets)");
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // BOM
  // Split into lines, dropping "\r" before "\n".
  std::vector<std::string_view> lines;
  for (std::size_t start = 0; start < text.size();) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view l = text.substr(start, end - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines.push_back(l);
    start = end + 1;
  }
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
  if (lines.empty()) throw DataError(name + ": empty file (a header row is required)");

  const auto header = split(lines[0]);
  std::int64_t label_col = -1;
  std::vector<std::string> names;
  for (const auto& c : header) {
    if (c.text.empty())
      throw DataError(where(name, 1, c.column) + "empty column name in the header");
    if (c.text == schema.label) label_col = c.column - 1;
    else names.emplace_back(c.text);
  }
  if (label_col < 0) {
    std::string cols;
    for (const auto& c : header) cols += (cols.empty() ? "" : ", ") + std::string(c.text);
    throw DataError(name + ":1: no column named '" + schema.label + "' (the columns are: " +
                    cols + ")");
  }
  const auto rows = static_cast<std::int64_t>(lines.size()) - 1;
  if (rows == 0) throw DataError(name + ": a header but no data rows");
  const auto ncols = static_cast<std::int64_t>(header.size());
  TabularDataset<L> ds{Tensor<float>::empty(Shape{rows, ncols - 1}),
                       Tensor<L>::empty(Shape{rows}), std::move(names)};
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t line = r + 2;
    const auto cells = split(lines[static_cast<std::size_t>(r + 1)]);
    if (static_cast<std::int64_t>(cells.size()) != ncols)
      throw DataError(name + ":" + std::to_string(line) + ": " + std::to_string(cells.size()) +
                      " cells, but the header has " + std::to_string(ncols) + " columns");
    std::int64_t f = 0;
    for (const auto& c : cells) {
      if (c.column - 1 == label_col) ds.labels[r] = parse_label<L>(c, name, line);
      else ds.features(r, f++) = parse_float(c, name, line, schema.allow_nonfinite);
    }
  }
  return ds;
}

template <class L>
TabularDataset<L> read_csv(const std::filesystem::path& file, const CsvSchema& schema) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw IoError(file.string() + ": cannot open: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  return parse_csv<L>(buf.str(), file.filename().string(), schema);
}

template TabularDataset<std::int32_t> parse_csv<std::int32_t>(std::string_view, const std::string&, const CsvSchema&);
template TabularDataset<float> parse_csv<float>(std::string_view, const std::string&, const CsvSchema&);
template TabularDataset<std::int32_t> read_csv<std::int32_t>(const std::filesystem::path&, const CsvSchema&);
template TabularDataset<float> read_csv<float>(const std::filesystem::path&, const CsvSchema&);

}  // namespace mantissa::data
