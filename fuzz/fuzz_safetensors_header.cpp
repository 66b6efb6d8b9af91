// fuzz/fuzz_safetensors_header.cpp: structure-aware libFuzzer target for the safetensors
// reader's header checks. The input is not the file: its bytes are a sequence of choices
// that build one (Choices below; an exhausted input chooses 0, the well-formed default), so
// nearly every input is JSON that gets past the parse and reaches the entry, offset and
// tiling checks of io::SafetensorsFile. The builder knows what it built:
//   well-formed (unique names, a supported dtype, rank <= 8, unsigned dims, offsets that
//   tile the data section exactly, string metadata, space padding, the right length), so
//   the file must load, list exactly these tensors and this metadata, and every get<T>()
//   returns a view of numel * sizeof(T) bytes, aligned, holding the data section's bytes
//   at the entry's offsets;
//   or with a fault the format forbids (a duplicate name or key, a second __metadata__, a
//   non-string metadata value, a bad dtype, dimension or offset, a hole, an overlap, bytes
//   after the last tensor, bad padding, nesting deeper than 8, a length past the end), so
//   the file must be refused with a DataError;
//   or with a liberty the reader may take either way (an extra key in an entry, a header
//   length off by a few bytes), where only the general oracle holds.
// Always: nothing but DataError / IoError escapes, and whatever loads passes the view checks.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "fuzz_input.hpp"
#include "mantissa/core/error.hpp"
#include "mantissa/io/safetensors.hpp"

namespace {

namespace mt = mantissa;

[[noreturn]] void finding(const std::string& what) {
  std::fprintf(stderr, "fuzz_safetensors_header: %s\n", what.c_str());
  std::abort();
}

// The input read as choices: one byte each, 0 once the input is spent.
class Choices {
 public:
  Choices(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  unsigned byte() { return i_ < n_ ? d_[i_++] : 0; }
  unsigned below(unsigned n) { return byte() % n; }
  // True with probability about k/256 (never once the input is spent).
  bool rarely(unsigned k = 16) { return byte() >= 256 - k; }

 private:
  const std::uint8_t* d_;
  std::size_t n_, i_ = 0;
};

enum class Expect { loads, refused, either };

struct Built {
  std::string file;
  Expect expect = Expect::loads;
  std::string fault;  // the first fault put in, for the message
  struct Tensor {
    std::string name, dtype;
    mt::Shape shape;
    std::uint64_t begin, end;
  };
  std::vector<Tensor> tensors;  // the well-formed ones, as written
  mt::io::Metadata metadata;
  std::size_t data_at = 0;      // where the data section starts in `file`

  void refuse(const char* why) {
    if (expect != Expect::refused) fault = why;
    expect = Expect::refused;
  }
  void liberty() {
    if (expect == Expect::loads) expect = Expect::either;
  }
};

const char* const dtypes[] = {"F32", "F16", "BF16", "I32", "U8"};
const std::uint64_t dtype_sizes[] = {4, 2, 2, 4, 1};

class Builder {
 public:
  explicit Builder(Choices& c) : c_(c) {}

  Built build() {
    std::string json = "{";
    const unsigned n = c_.below(6);
    const unsigned meta_at = c_.below(n + 2);  // n + 1: no __metadata__
    std::uint64_t cursor = 0;
    bool first = true;
    for (unsigned i = 0; i <= n; ++i) {
      if (i == meta_at) add_member(json, first, "\"__metadata__\"", metadata());
      if (i == n) break;
      std::string name;
      const std::string key = name_key(name);
      add_member(json, first, key, entry(name, cursor));
    }
    if (meta_at <= n && c_.rarely(8)) {  // a second __metadata__
      add_member(json, first, "\"__metadata__\"", "{}");
      b_.refuse("a second __metadata__");
    }
    json += ws() + "}";
    pad(json);
    std::uint64_t data_size = cursor;
    if (c_.rarely()) {  // bytes after the last tensor
      data_size += 1 + c_.below(16);
      b_.refuse("bytes after the last tensor");
    }
    // The header length: the header's own, or past the end of the file, or a few bytes off
    // (then the header either ends in a data byte, never a space, or is cut short, or the
    // data section gains bytes that belong to no tensor: refused every way).
    std::uint64_t length = json.size();
    if (c_.rarely(8)) {
      const unsigned how = c_.below(3);
      if (how == 0)
        length = json.size() + data_size + 1 + c_.below(1000);
      else if (how == 1)
        length = json.size() + 1 + c_.below(8);
      else
        length = json.size() - std::min<std::uint64_t>(json.size(), 1 + c_.below(8));
      b_.refuse("a header length that is not the header's");
    }
    for (int i = 0; i < 8; ++i) b_.file.push_back(static_cast<char>(length >> (8 * i)));
    b_.file += json;
    b_.data_at = b_.file.size();
    const unsigned salt = c_.byte();
    for (std::uint64_t i = 0; i < data_size; ++i)
      b_.file.push_back(static_cast<char>(0x80 | ((i * 131 + salt) & 0x7f)));  // never a space
    if (c_.rarely(2)) {  // shorter than the length field itself
      b_.file.resize(c_.below(8));
      b_.refuse("a file shorter than 8 bytes");
    }
    return std::move(b_);
  }

 private:
  Choices& c_;
  Built b_;
  std::vector<std::string> names_;  // decoded names so far

  // JSON whitespace between tokens, usually none.
  std::string ws() {
    if (!c_.rarely(24)) return "";
    static const char sp[] = {' ', '\t', '\n', '\r'};
    std::string s(1 + c_.below(3), ' ');
    for (auto& ch : s) ch = sp[c_.below(4)];
    return s;
  }
  void add_member(std::string& json, bool& first, const std::string& key, const std::string& v) {
    if (!first) json += ws() + ",";
    first = false;
    json += ws() + key + ws() + ":" + ws() + v;
  }

  // A tensor name: its JSON text; `name` gets the decoded string.
  std::string name_key(std::string& name) {
    const unsigned k = c_.below(8);
    std::string key;
    if (k < 5) {
      name = std::string("layer/") + char('a' + k);
      key = "\"" + name + "\"";
    } else if (k == 5) {  // the same name through a \u escape
      const unsigned j = c_.below(5);
      name = std::string("layer/") + char('a' + j);
      key = "\"layer\\/\\u00" + std::to_string(61 + j) + "\"";
    } else if (k == 6) {  // an escaped NUL is a character like any other in a JSON string
      name = std::string("nul\0", 4) + std::to_string(c_.below(3));
      key = "\"nul\\u0000" + name.substr(4) + "\"";
    } else {
      name = "";
      key = "\"\"";
    }
    if (std::find(names_.begin(), names_.end(), name) != names_.end())
      b_.refuse("a tensor name twice");
    names_.push_back(name);
    return key;
  }

  std::string number(std::uint64_t v) { return std::to_string(v); }

  // A number where an unsigned integer belongs: usually `v`, sometimes a fault.
  std::string unsigned_or_fault(std::uint64_t v, const char* what) {
    if (!c_.rarely(6)) return number(v);
    b_.refuse(what);
    static const char* const bad[] = {"-1", "1.0", "1e0", "\"1\"", "null", "[1]", "01",
                                      "18446744073709551616"};
    return bad[c_.below(8)];
  }

  std::string entry(const std::string& name, std::uint64_t& cursor) {
    // dtype
    std::string dtype_json;
    unsigned d = c_.below(5);
    if (c_.rarely(6)) {
      static const char* const bad[] = {"\"F64\"", "\"f32\"", "\"\"", "\"F32 \"", "3", "null"};
      dtype_json = bad[c_.below(6)];
      b_.refuse("an unsupported dtype");
    } else {
      dtype_json = std::string("\"") + dtypes[d] + "\"";
    }
    // shape
    unsigned rank = c_.below(4);
    if (c_.rarely(6)) {
      rank = 9 + c_.below(3);
      b_.refuse("rank above 8");
    }
    mt::Shape shape;
    std::uint64_t numel = 1;
    bool huge = false;
    std::string shape_json = "[";
    for (unsigned i = 0; i < rank; ++i) {
      std::uint64_t dim = c_.below(4);
      if (c_.rarely(4)) {
        // 2^40 is allowed, 2^40 + 1 not; 2^21 twice overflows the element count
        static const std::uint64_t big[] = {std::uint64_t{1} << 40, (std::uint64_t{1} << 40) + 1,
                                            std::uint64_t{1} << 21, std::uint64_t{1} << 39};
        dim = big[c_.below(4)];
        if (dim > (std::uint64_t{1} << 40)) b_.refuse("a dimension above 2^40");
        huge = true;
      }
      if (i) shape_json += ws() + ",";
      shape_json += ws() + unsigned_or_fault(dim, "a dimension that is not an unsigned integer");
      if (rank <= 8) shape.push_back(static_cast<std::int64_t>(dim));
      numel *= dim;
    }
    shape_json += ws() + "]";
    if (c_.rarely(4)) {  // deep nesting inside the shape
      const unsigned depth = 1 + c_.below(12);
      shape_json = "[" + std::string(depth, '[') + std::string(depth, ']') + "]";
      b_.refuse(depth + 3 > 8 ? "nesting deeper than 8" : "a dimension that is not a number");
      numel = 0;
    }
    // offsets: tiled after the previous tensor
    // A dimension of 2^40 with a 0 elsewhere: no elements, which the reader may take or, as
    // an element count past its bound on the way, refuse. With no 0, no file holds the bytes.
    if (huge) {
      if (std::find(shape.begin(), shape.end(), 0) == shape.end())
        b_.refuse("an element count of 2^40 or more");
      b_.liberty();
    }
    const std::uint64_t bytes = huge ? 0 : numel * dtype_sizes[d];  // keep the file small
    if (c_.rarely(8)) {  // bytes that belong to no tensor before this one
      cursor += 1 + c_.below(4);
      b_.refuse("a hole in the data section");
    }
    std::uint64_t begin = cursor, end = cursor + bytes;
    cursor = end;
    if (c_.rarely(8)) {
      const unsigned how = c_.below(4);
      if (how == 0 && bytes > 0) {  // shifted: a hole or an overlap, or past the end
        const std::uint64_t k = 1 + c_.below(3);
        begin += k, end += k;
        b_.refuse("an entry shifted: a hole, an overlap or past the end");
      } else if (how == 1) {  // one byte more or less than the shape needs
        end = c_.below(2) && end > begin ? end - 1 : end + 1;
        cursor = std::max(cursor, end);
        b_.refuse("offsets that disagree with the shape");
      } else if (how == 2 && end > begin) {
        std::swap(begin, end);
        b_.refuse("begin after end");
      } else if (how == 3 && bytes > 0 && begin >= bytes) {  // earlier tensors' bytes again
        begin -= bytes, end -= bytes;
        b_.refuse("two entries overlap");
      }
    }
    std::string off_json = "[" + ws() + unsigned_or_fault(begin, "an offset that is not an unsigned integer") +
                           ws() + "," + ws() + unsigned_or_fault(end, "an offset that is not an unsigned integer");
    if (c_.rarely(4)) {
      off_json += "," + number(end);
      b_.refuse("three data_offsets");
    }
    off_json += ws() + "]";

    std::vector<std::pair<std::string, std::string>> members = {
        {"\"dtype\"", dtype_json}, {"\"shape\"", shape_json}, {"\"data_offsets\"", off_json}};
    if (c_.rarely(6)) {
      members.erase(members.begin() + c_.below(3));
      b_.refuse("an entry without dtype, shape or data_offsets");
    }
    if (c_.rarely(6)) {
      members.push_back(members[c_.below(static_cast<unsigned>(members.size()))]);
      b_.refuse("a key twice in an entry");
    }
    if (c_.rarely(6)) {
      members.push_back({"\"extra\"", "{\"x\":[1,\"y\",null]}"});
      b_.liberty();
    }
    for (std::size_t i = members.size(); i > 1; --i)  // any order
      std::swap(members[i - 1], members[c_.below(static_cast<unsigned>(i))]);
    std::string json = "{";
    bool first = true;
    for (const auto& [k, v] : members) add_member(json, first, k, v);
    json += ws() + "}";
    if (c_.rarely(4)) {
      json = c_.below(2) ? "[]" : "\"F32\"";
      b_.refuse("an entry that is not an object");
    }
    b_.tensors.push_back({name, dtypes[d], shape, begin, end});
    return json;
  }

  std::string metadata() {
    if (c_.rarely(6)) {
      b_.refuse("__metadata__ that is not an object");
      return c_.below(2) ? "[]" : "\"x\"";
    }
    std::string json = "{";
    bool first = true;
    const unsigned n = c_.below(4);
    std::vector<std::string> keys;
    for (unsigned i = 0; i < n; ++i) {
      std::string key = "k";  // (not "k" + to_string(): GCC 12's -Wrestrict misfires on it)
      key += std::to_string(c_.below(4));
      if (std::find(keys.begin(), keys.end(), key) != keys.end())
        b_.refuse("a metadata key twice");
      keys.push_back(key);
      std::string value = std::to_string(c_.byte());
      std::string v = "\"" + value + "\"";
      if (c_.rarely(8)) {
        static const char* const bad[] = {"1", "null", "true", "[\"a\"]", "{\"a\":\"b\"}"};
        v = bad[c_.below(5)];
        b_.refuse("a metadata value that is not a string");
      }
      add_member(json, first, "\"" + key + "\"", v);
      b_.metadata[key] = value;
    }
    return json + ws() + "}";
  }

  // Padding after the object: spaces only (the format's), or a byte that is not a space.
  void pad(std::string& json) {
    json.append(c_.below(8), ' ');
    if (c_.rarely(8)) {
      static const char bad[] = {'\n', '\t', '\0', 'x', '}'};
      json.push_back(bad[c_.below(5)]);
      json.append(c_.below(3), ' ');
      b_.refuse("padding that is not spaces");
    }
    if (c_.rarely(4)) {
      json.insert(0, " ");
      b_.refuse("a header that does not begin with '{'");
    }
  }
};

template <class T>
void check_view(const mt::io::SafetensorsFile& f, const std::string& name,
                const mt::io::SafetensorsFile::Entry& e, const Built& b) {
  const auto v = f.get<T>(name, e.shape);  // its own dtype and shape: must not throw
  const std::uint64_t bytes = static_cast<std::uint64_t>(e.shape.numel()) * sizeof(T);
  if (v.size_bytes() != bytes || e.end - e.begin != bytes)
    finding("'" + name + "': a view of " + std::to_string(v.size_bytes()) + " bytes for " +
            std::to_string(bytes));
  if (reinterpret_cast<std::uintptr_t>(v.data()) % alignof(T) != 0)
    finding("'" + name + "': an unaligned view");
  if (reinterpret_cast<const unsigned char*>(v.data()) != f.bytes(e))
    finding("'" + name + "': get() and bytes() disagree");
  try {  // another shape (one element more) is a DataError, never a view
    (void)f.get<T>(name, mt::Shape{e.shape.numel() + 1});
    finding("'" + name + "': get() with another shape returned a view");
  } catch (const mt::DataError&) {
  }
  // The bytes the file holds at the entry's offsets (known when the name was written once).
  const auto& ts = b.tensors;
  const auto named = [&](const Built::Tensor& x) { return x.name == name; };
  if (std::count_if(ts.begin(), ts.end(), named) != 1) return;
  const auto& t = *std::find_if(ts.begin(), ts.end(), named);
  if (t.end - t.begin != bytes || b.data_at + t.end > b.file.size() ||
      (bytes > 0 && std::memcmp(v.data(), b.file.data() + b.data_at + t.begin, bytes) != 0))
    finding("'" + name + "': the view does not hold the file's bytes at its offsets");
}

// The built header, for a finding's message: bytes outside printable ASCII as \xNN.
std::string printable(const std::string& s) {
  std::string out;
  for (const char ch : s) {
    const auto u = static_cast<unsigned char>(ch);
    if (u >= 0x20 && u < 0x7f) {
      out += ch;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static mantissa::fuzz::MemoryFile file;
  Choices choices(data, size);
  const Built b = Builder(choices).build();
  const auto path = file.hold(reinterpret_cast<const std::uint8_t*>(b.file.data()), b.file.size());
  try {
    const mt::io::SafetensorsFile f(path);
    if (b.expect == Expect::refused)
      finding("loaded a file with " + b.fault + ": " + printable(b.file.substr(0, b.data_at)));
    for (const auto& name : f.names()) {
      const auto* e = f.find(name);
      if (!e) finding("a listed name is not found");
      if (e->dtype == "F32") check_view<float>(f, name, *e, b);
      else if (e->dtype == "F16") check_view<mt::half>(f, name, *e, b);
      else if (e->dtype == "BF16") check_view<mt::bfloat16>(f, name, *e, b);
      else if (e->dtype == "I32") check_view<std::int32_t>(f, name, *e, b);
      else if (e->dtype == "U8") check_view<std::uint8_t>(f, name, *e, b);
      else finding("an entry of dtype " + e->dtype);
    }
    if (b.expect == Expect::loads) {  // exactly what was written
      if (f.names().size() != b.tensors.size()) finding("another number of tensors");
      for (const auto& t : b.tensors) {
        const auto* e = f.find(t.name);
        if (!e || e->dtype != t.dtype || !(e->shape == t.shape))
          finding("tensor '" + t.name + "' missing or of another dtype or shape");
      }
      if (f.metadata() != b.metadata) finding("other metadata than written");
    }
  } catch (const mt::DataError& e) {
    if (b.expect == Expect::loads) finding(std::string("refused a well-formed file: ") + e.what() + ": " +
                                           printable(b.file.substr(0, b.data_at)));
  } catch (const mt::IoError& e) {
    if (b.expect == Expect::loads) finding(std::string("refused a well-formed file: ") + e.what() + ": " +
                                           printable(b.file.substr(0, b.data_at)));
  }
  return 0;
}
