// data/src/data/csv.cpp: the CSV reader (std::from_chars: locale-independent, exact).
#include "mantissa/data/csv.hpp"

#include <charconv>
#include <cmath>
#include <unordered_map>

#include "mantissa/core/error.hpp"
#include "../io/printable.hpp"
#include "../io/regular_file.hpp"

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

// A cell's text for a message: in quotes, control bytes (a NUL would end what()) as \xNN.
std::string quoted(std::string_view text) {
  return "'" + io::detail::printable(text) + "'";
}

// True when an out-of-range decimal is below float's range (1e-50, 0.000...1), not above it.
bool underflows(std::string_view t) {
  const auto e = t.find_first_of("eE");
  if (e != std::string_view::npos) return e + 1 < t.size() && t[e + 1] == '-';
  if (!t.empty() && t.front() == '-') t.remove_prefix(1);
  const auto dot = t.find('.');
  return t.substr(0, dot).find_first_not_of('0') == std::string_view::npos;
}

float parse_float(const Cell& c, const std::string& name, std::int64_t line, bool allow_nonfinite,
                  const char* what = "") {
  std::string_view t = c.text;
  if (!t.empty() && t.front() == '+') t.remove_prefix(1);  // from_chars takes no '+'
  float v = 0.0f;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (t.empty() || end != t.data() + t.size() || ec == std::errc::invalid_argument)
    throw DataError(where(name, line, c.column) + quoted(c.text) + " is not a number");
  if (ec == std::errc::result_out_of_range) {
    // libstdc++ reports values below float's smallest subnormal as out of range too; those
    // read as the nearest float (0 or a subnormal), as strtof and numpy read them.
    double d = 0.0;
    const auto [end2, ec2] = std::from_chars(t.data(), t.data() + t.size(), d);
    if (ec2 == std::errc() && std::abs(d) < 1.0)
      v = static_cast<float>(d);
    else if (ec2 == std::errc::result_out_of_range && underflows(t))
      v = t.front() == '-' ? -0.0f : 0.0f;
    else
      throw DataError(where(name, line, c.column) + quoted(c.text) +
                      " is outside float32's range (largest 3.4e38)");
  }
  if (!std::isfinite(v) && !allow_nonfinite) {
    if (*what)  // a label: never non-finite
      throw DataError(where(name, line, c.column) + quoted(c.text) + " is not a finite " + what);
    throw DataError(where(name, line, c.column) + quoted(c.text) +
                    " is not finite (set allow_nonfinite in the schema to accept it)");
  }
  return v;
}

template <class L>
L parse_label(const Cell& c, const std::string& name, std::int64_t line) {
  if constexpr (std::same_as<L, std::int32_t>) {
    std::int32_t v = 0;
    const auto [end, ec] = std::from_chars(c.text.data(), c.text.data() + c.text.size(), v);
    if (!c.text.empty() && end == c.text.data() + c.text.size() &&
        ec == std::errc::result_out_of_range)
      throw DataError(where(name, line, c.column) + quoted(c.text) +
                      " is outside int32's range for a class label");
    if (c.text.empty() || end != c.text.data() + c.text.size() || ec != std::errc())
      throw DataError(where(name, line, c.column) + quoted(c.text) +
                      " is not an integer class label");
    return v;
  } else {
    return parse_float(c, name, line, false, "label (labels must be finite)");
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
  std::unordered_map<std::string_view, std::int64_t> columns;  // name -> column
  for (const auto& c : header) {
    if (c.text.empty())
      throw DataError(where(name, 1, c.column) + "empty column name in the header");
    if (const auto [it, fresh] = columns.emplace(c.text, c.column); !fresh)
      throw DataError(where(name, 1, c.column) + "column " + quoted(c.text) +
                      " appears twice in the header (columns " + std::to_string(it->second) +
                      " and " + std::to_string(c.column) + ")");
    if (c.text == schema.label) label_col = c.column - 1;
    else names.emplace_back(c.text);
  }
  if (label_col < 0) {
    std::string cols;
    for (const auto& c : header) cols += (cols.empty() ? "" : ", ") + std::string(c.text);
    throw DataError(name + ":1: no column named '" + schema.label + "' (the columns are: " +
                    cols + ")");
  }
  if (names.empty())
    throw DataError(name + ":1: no feature columns: the header holds only the label column '" +
                    schema.label + "' (a model needs at least one input)");
  const auto rows = static_cast<std::int64_t>(lines.size()) - 1;
  if (rows == 0) throw DataError(name + ": a header but no data rows");
  const auto ncols = static_cast<std::int64_t>(header.size());
  TabularDataset<L> ds{Tensor<float>::empty(Shape{rows, ncols - 1}),
                       Tensor<L>::empty(Shape{rows}), std::move(names)};
  for (std::int64_t r = 0; r < rows; ++r) {
    const std::int64_t line = r + 2;
    const auto text_line = lines[static_cast<std::size_t>(r + 1)];
    if (trim(text_line).empty())
      throw DataError(name + ":" + std::to_string(line) + ": blank line inside the data (the "
                      "header has " + std::to_string(ncols) + " columns; blank lines may only "
                      "end the file)");
    const auto cells = split(text_line);
    if (static_cast<std::int64_t>(cells.size()) != ncols)
      throw DataError(name + ":" + std::to_string(line) + ": " + std::to_string(cells.size()) +
                      " cells, but the header has " + std::to_string(ncols) + " columns");
    std::int64_t f = 0;
    for (const auto& c : cells) {
      if (c.column - 1 == label_col) {
        const L y = parse_label<L>(c, name, line);
        if (schema.binary_labels && y != L(0) && y != L(1))
          throw DataError(where(name, line, c.column) + "label " + quoted(c.text) + " in row " +
                          std::to_string(r + 1) + " is not 0 or 1 (the schema asks for binary "
                          "labels, binary cross-entropy's targets)");
        ds.labels[r] = y;
      }
      else ds.features(r, f++) = parse_float(c, name, line, schema.allow_nonfinite);
    }
  }
  return ds;
}

template <class L>
TabularDataset<L> read_csv(const std::filesystem::path& file, const CsvSchema& schema) {
  io::detail::RegularFile in(file, "a CSV file");
  std::string text(static_cast<std::size_t>(in.size()), '\0');
  in.read_exact(text.data(), text.size());
  return parse_csv<L>(text, file.filename().string(), schema);
}

template TabularDataset<std::int32_t> parse_csv<std::int32_t>(std::string_view, const std::string&, const CsvSchema&);
template TabularDataset<float> parse_csv<float>(std::string_view, const std::string&, const CsvSchema&);
template TabularDataset<std::int32_t> read_csv<std::int32_t>(const std::filesystem::path&, const CsvSchema&);
template TabularDataset<float> read_csv<float>(const std::filesystem::path&, const CsvSchema&);

}  // namespace mantissa::data
