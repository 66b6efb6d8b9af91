// data/src/io/safetensors.cpp: safetensors writer (atomic) and reader (validating).
#include "mantissa/io/safetensors.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "mantissa/core/error.hpp"
#include "mantissa/io/replace_file.hpp"
#include "printable.hpp"
#include "regular_file.hpp"

namespace mantissa::io {

namespace {

std::size_t dtype_size(const std::string& d) {
  if (d == "F32" || d == "I32") return 4;
  if (d == "F16" || d == "BF16") return 2;
  if (d == "U8") return 1;
  if (d == "I64") return 8;  // PyTorch's counters (BatchNorm's num_batches_tracked)
  return 0;
}

}  // namespace

void check_destination(const std::filesystem::path& file) {
  check_replaceable(file, "write_safetensors");
}

void write_safetensors(const std::filesystem::path& file, const std::vector<TensorRecord>& tensors,
                       const Metadata& metadata) {
  nlohmann::ordered_json header;
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::size_t offset = 0;
  std::set<std::string> seen;
  for (const auto& t : tensors) {
    if (!seen.insert(t.name).second)
      throw ValueError("write_safetensors: duplicate tensor name '" + t.name + "'");
    if (t.bytes != static_cast<std::size_t>(t.shape.numel()) * dtype_size(t.dtype))
      throw ValueError("write_safetensors: '" + t.name + "' has " + std::to_string(t.bytes) +
                  " bytes for shape " + t.shape.str() + " of " + t.dtype);
    header[t.name] = {{"dtype", t.dtype},
                      {"shape", std::vector<std::int64_t>(t.shape.begin(), t.shape.end())},
                      {"data_offsets", {offset, offset + t.bytes}}};
    offset += t.bytes;
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // pad so the data starts 8-byte aligned
  const std::uint64_t n = json.size();
  unsigned char len[8];
  for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(n >> (8 * i));

  // Whole or not at all: a full disk or a failed write leaves the old file (replace_file.hpp).
  std::vector<std::string_view> parts{
      {reinterpret_cast<const char*>(len), sizeof len}, json};
  for (const auto& t : tensors) parts.emplace_back(static_cast<const char*>(t.data), t.bytes);
  replace_file(file, parts, "write_safetensors");
}

// ---- reading ---------------------------------------------------------------------------------

namespace {

// The format needs three levels (header object, entry object, shape array); the bound leaves
// room and keeps every walk over the parsed JSON, dump() in a message included, shallow.
constexpr std::size_t max_json_depth = 8;

// A name or value from the file, fit for a message: control bytes (a NUL would end what()) as
// \xNN, and cut after 64 bytes (a megabyte-long name is not repeated).
std::string shown(std::string_view s) {
  const auto q = detail::printable(s.substr(0, 64));
  return s.size() > 64 ? q + "..." : q;
}
std::string shown_json(const nlohmann::json& v) {
  return shown(v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

// A first pass over the header, before it is built: nesting at most max_json_depth, and no
// key twice in one object (nlohmann keeps one of the two silently; the format allows neither).
class HeaderCheck : public nlohmann::json_sax<nlohmann::json> {
 public:
  std::string fault;  // why the pass stopped; empty when it stopped on a syntax error

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return open(); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(); }
  bool end_array() override { return close(); }
  bool key(string_t& k) override {
    if (keys_.back().insert(k).second) return true;
    if (keys_.size() > 1)
      fault = "the key '" + shown(k) + "' appears twice in one object";
    else if (k == "__metadata__")
      fault = "\"__metadata__\" appears twice";
    else
      fault = "the tensor name '" + shown(k) + "' appears twice";
    return false;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  // One set per open object or array (an array's stays empty): keys_.size() is the depth.
  std::vector<std::set<std::string>> keys_;

  bool open() {
    if (keys_.size() == max_json_depth) {
      fault = "the JSON nests deeper than " + std::to_string(max_json_depth) +
              " levels (a safetensors header needs 3)";
      return false;
    }
    keys_.emplace_back();
    return true;
  }
  bool close() {
    keys_.pop_back();
    return true;
  }
};

// The header as the format defines it: a JSON object that starts at its first byte, padded
// with spaces (0x20) only, no key twice, nested within bounds.
nlohmann::json parse_header(const std::string& text, const std::string& file) {
  if (text.empty() || text.front() != '{')
    throw DataError(file + ": the header is not a JSON object: it must begin with '{'" +
                    (text.empty() ? std::string(" (it is empty)")
                                  : ", not '" + shown(text.substr(0, 1)) + "'"));
  // nlohmann stops at a NUL as if the text ended there; JSON allows none anywhere.
  if (const auto nul = text.find('\0'); nul != std::string::npos)
    throw DataError(file + ": the header holds a NUL byte at byte " + std::to_string(nul) +
                    " of " + std::to_string(text.size()) +
                    " (JSON allows none; the format pads the header with spaces only)");
  HeaderCheck check;
  const bool ok = nlohmann::json::sax_parse(text, &check);
  if (!check.fault.empty()) throw DataError(file + ": header: " + check.fault);
  nlohmann::json header;
  try {
    header = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw DataError(file + ": the header is not valid JSON (" + e.what() + ")");
  }
  if (!ok || !header.is_object()) throw DataError(file + ": the header is not a JSON object");
  // A valid parse ends with '}' then JSON whitespace; only spaces are padding here.
  if (const auto last = text.find_last_not_of(' '); text[last] != '}')
    throw DataError(file + ": byte " + std::to_string(last) + " of the header is 0x" + [&] {
      char b[8];
      std::snprintf(b, sizeof b, "%02x", static_cast<unsigned char>(text[last]));
      return std::string(b);
    }() + " after the JSON object: only spaces (0x20) may pad the header");
  return header;
}

std::string count_bytes(std::uint64_t n) {
  return std::to_string(n) + (n == 1 ? " byte" : " bytes");
}

std::string range(std::uint64_t b, std::uint64_t e) {
  return "[" + std::to_string(b) + ", " + std::to_string(e) + "]";
}

}  // namespace

SafetensorsFile::SafetensorsFile(const std::filesystem::path& file) : file_(file.string()) {
  detail::RegularFile in(file, "a safetensors file");
  const std::uint64_t file_size = in.size();
  if (file_size < 8)
    throw DataError(file_ + ": truncated: " + std::to_string(file_size) +
                    " bytes, fewer than the 8-byte header length");
  unsigned char len[8];
  in.read_exact(len, 8);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len[i];
  if (n > file_size - 8)
    throw DataError(file_ + ": the header length " + std::to_string(n) +
                    " runs past the end of the file (" + std::to_string(file_size) + " bytes)");
  std::string text(static_cast<std::size_t>(n), '\0');
  in.read_exact(text.data(), text.size());
  const nlohmann::json header = parse_header(text, file_);
  text = {};

  const std::size_t data_size = file_size - 8 - n;
  struct Range {
    std::uint64_t begin, end;
    const std::string* name;
  };
  std::vector<Range> ranges;
  for (const auto& [name, v] : header.items()) {
    const std::string where = file_ + ": tensor '" + shown(name) + "': ";
    if (name == "__metadata__") {
      if (!v.is_object()) throw DataError(file_ + ": __metadata__ is not an object");
      for (const auto& [k, s] : v.items()) {
        if (!s.is_string())
          throw DataError(file_ + ": __metadata__['" + shown(k) + "'] is not a string (it is " +
                          shown_json(s) + "; the format's metadata maps strings to strings)");
        metadata_[k] = s.get<std::string>();
      }
      continue;
    }
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") ||
        !v.contains("data_offsets") || !v["dtype"].is_string() || !v["shape"].is_array() ||
        !v["data_offsets"].is_array() || v["data_offsets"].size() != 2)
      throw DataError(where + "needs \"dtype\", \"shape\" and \"data_offsets\": [begin, end]");
    Entry e;
    e.dtype = v["dtype"].get<std::string>();
    const std::size_t size = dtype_size(e.dtype);
    if (size == 0)
      throw DataError(where + "dtype " + shown(e.dtype) +
                      " is not one mantissa reads (F32, F16, BF16, I32, U8, I64)");
    if (v["shape"].size() > static_cast<std::size_t>(Shape::max_rank))
      throw DataError(where + "shape " + shown_json(v["shape"]) + " has rank " +
                      std::to_string(v["shape"].size()) + ", above the " +
                      std::to_string(Shape::max_rank) + " mantissa supports");
    std::uint64_t numel = 1;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned() || d.get<std::uint64_t>() > (std::uint64_t{1} << 40))
        throw DataError(where + "bad dimension " + shown_json(d));
      const auto dim = d.get<std::uint64_t>();
      if (dim != 0 && numel > (std::uint64_t{1} << 40) / dim)
        throw DataError(where + "the shape's element count overflows");
      numel *= dim;
      e.shape.push_back(static_cast<std::int64_t>(dim));
    }
    const auto& off = v["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned())
      throw DataError(where + "data_offsets must be two unsigned integers");
    const auto b = off[0].get<std::uint64_t>(), en = off[1].get<std::uint64_t>();
    if (b > en) throw DataError(where + "data_offsets " + range(b, en) + ": begin is after end");
    if (en > data_size)
      throw DataError(where + "data_offsets " + range(b, en) + " fall outside the data section (" +
                      std::to_string(data_size) + " bytes)");
    if (en - b != numel * size)
      throw DataError(where + std::to_string(en - b) + " bytes for shape " + e.shape.str() +
                      " of " + e.dtype + " (which needs " + std::to_string(numel * size) + ")");
    e.begin = b;
    e.end = en;
    e.file_begin = 8 + static_cast<std::size_t>(n) + b;
    const auto [it, fresh] = entries_.emplace(name, std::move(e));
    ranges.push_back({b, en, &it->first});
  }

  // The tensors tile the data section: no overlap, no byte that belongs to none (a hole could
  // hide anything, and the format's reference reader refuses it too).
  std::sort(ranges.begin(), ranges.end(), [](const Range& x, const Range& y) {
    return std::tie(x.begin, x.end) < std::tie(y.begin, y.end);
  });
  std::uint64_t at = 0;
  const Range* prev = nullptr;
  for (const auto& r : ranges) {
    if (prev && r.begin < at)
      throw DataError(file_ + ": two tensors' data_offsets overlap (" +
                      range(prev->begin, prev->end) + " and " + range(r.begin, r.end) +
                      ", tensors '" + shown(*prev->name) + "' and '" + shown(*r.name) + "')");
    if (r.begin > at)
      throw DataError(
          file_ + ": " + count_bytes(r.begin - at) + " of the data section " + range(at, r.begin) +
          " belong to no tensor (a hole " +
          (prev ? "between tensors '" + shown(*prev->name) + "' and '" : "before tensor '") +
          shown(*r.name) + "')");
    at = r.end;
    prev = &r;
  }
  if (at != data_size)
    throw DataError(
        file_ + ": " + count_bytes(data_size - at) + " after the " +
        (prev ? "last tensor ('" + shown(*prev->name) + "' ends at byte " + std::to_string(at) + ")"
              : "header (it lists no tensor)") +
        " belong to no tensor: the data section must end where the last tensor does");

  // The format does not align tensor data. Views need their element type's alignment, so a
  // tensor whose offset is not a multiple of its element size is copied into an aligned slot
  // after the data section (only those: an aligned file costs no copy).
  std::size_t tail = (data_size + 7) / 8 * 8;
  for (const auto& [name, e] : entries_)
    if (e.begin % dtype_size(e.dtype) != 0) tail += (e.end - e.begin + 7) / 8 * 8;
  data_.resize(tail);
  in.read_exact(data_.data(), data_size);
  std::size_t slot = (data_size + 7) / 8 * 8;
  for (auto& [name, e] : entries_) {
    if (e.begin % dtype_size(e.dtype) == 0) continue;
    const std::size_t bytes = e.end - e.begin;
    std::memcpy(data_.data() + slot, data_.data() + e.begin, bytes);
    e.begin = slot;
    e.end = slot + bytes;
    slot += (bytes + 7) / 8 * 8;
  }
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> n;
  for (const auto& [k, v] : entries_) n.push_back(k);
  return n;
}

const SafetensorsFile::Entry& SafetensorsFile::entry(const std::string& name, std::string_view dtype,
                                                     const Shape& shape) const {
  const auto it = entries_.find(name);
  if (it == entries_.end()) throw DataError(file_ + ": no tensor named '" + name + "'");
  const auto& e = it->second;
  if (e.dtype != dtype || !(e.shape == shape))
    throw DataError(file_ + ": tensor '" + name + "' is " + e.dtype + " " + e.shape.str() +
                    ", expected " + std::string(dtype) + " " + shape.str());
  return e;
}

}  // namespace mantissa::io
