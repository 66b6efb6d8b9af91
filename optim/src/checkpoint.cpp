// optim/src/checkpoint.cpp: metadata parsing and load_weights.
#include "mantissa/optim/checkpoint.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

namespace mantissa {

namespace detail {

void check_checkpoint_format(const io::SafetensorsFile& f, std::string_view policy,
                             const std::filesystem::path& file) {
  const auto& m = f.metadata();
  const auto fmt = m.find("format");
  if (fmt == m.end() || fmt->second != "mantissa-checkpoint-1")
    throw DataError(file.string() + ": not a mantissa checkpoint (no \"format\": "
                    "\"mantissa-checkpoint-1\" in __metadata__); load_weights reads weights only");
  const auto pol = m.find("policy");
  if (pol == m.end() || pol->second != policy)
    throw DataError(file.string() + ": saved under policy " +
                    (pol == m.end() ? std::string("(none)") : pol->second) +
                    ", loading into a model of policy " + std::string(policy));
}

std::int64_t metadata_int(const io::SafetensorsFile& f, const std::string& key,
                          const std::filesystem::path& file) {
  const auto it = f.metadata().find(key);
  if (it == f.metadata().end()) throw DataError(file.string() + ": metadata '" + key + "' is missing");
  std::int64_t v = 0;
  const auto& s = it->second;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size())
    throw DataError(file.string() + ": metadata '" + key + "' = '" + s + "' is not an integer");
  return v;
}

float metadata_float(const io::SafetensorsFile& f, const std::string& key,
                     const std::filesystem::path& file) {
  const auto it = f.metadata().find(key);
  if (it == f.metadata().end()) throw DataError(file.string() + ": metadata '" + key + "' is missing");
  char* end = nullptr;
  const float v = std::strtof(it->second.c_str(), &end);
  if (end == it->second.c_str() || *end != '\0')
    throw DataError(file.string() + ": metadata '" + key + "' = '" + it->second + "' is not a number");
  return v;
}

void check_tensors(const io::SafetensorsFile& f,
                   const std::vector<std::pair<std::string, Shape>>& expected,
                   const std::filesystem::path& file) {
  std::vector<std::string> problems;
  std::set<std::string> known;
  for (const auto& [name, shape] : expected) {
    known.insert(name);
    const auto* e = f.find(name);
    if (!e)
      problems.push_back("'" + name + "' " + shape.str() + " is missing from the file");
    else if (e->dtype != "F32" || !(e->shape == shape))
      problems.push_back("'" + name + "' is " + e->dtype + " " + e->shape.str() +
                         " in the file, the model needs F32 " + shape.str());
  }
  for (const auto& name : f.names())
    if ((name.starts_with("model/") || name.starts_with("optimizer/")) && !known.count(name))
      problems.push_back("'" + name + "' in the file has no place in this model");
  if (problems.empty()) return;
  std::string msg = file.string() + ": does not fit this model and optimizer (" +
                    std::to_string(problems.size()) + " difference" +
                    (problems.size() == 1 ? "" : "s") + "; nothing was loaded):";
  constexpr std::size_t shown = 12;  // the first ones; a wholly different model lists many
  for (std::size_t i = 0; i < std::min(problems.size(), shown); ++i) msg += "\n  " + problems[i];
  if (problems.size() > shown) msg += "\n  ... and " + std::to_string(problems.size() - shown) + " more";
  throw DataError(msg);
}

Generator metadata_generator(const io::SafetensorsFile& f, const std::string& key,
                             const std::filesystem::path& file) {
  const auto it = f.metadata().find(key);
  if (it == f.metadata().end()) throw DataError(file.string() + ": metadata '" + key + "' is missing");
  const auto& s = it->second;
  const auto colon = s.find(':');
  std::uint64_t seed = 0, offset = 0;
  const auto a = std::from_chars(s.data(), s.data() + (colon == std::string::npos ? 0 : colon), seed);
  const auto b = colon == std::string::npos
                     ? std::from_chars_result{s.data(), std::errc::invalid_argument}
                     : std::from_chars(s.data() + colon + 1, s.data() + s.size(), offset);
  if (a.ec != std::errc() || b.ec != std::errc() || b.ptr != s.data() + s.size())
    throw DataError(file.string() + ": metadata '" + key + "' = '" + s + "' is not seed:offset");
  return Generator(seed, offset);
}

std::string format_float(float v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", static_cast<double>(v));  // hex float: exact round trip
  return buf;
}

}  // namespace detail

namespace detail {

std::vector<Tensor<float>> read_weights(const std::filesystem::path& file,
                                        const std::vector<std::pair<std::string, Shape>>& names) {
  io::SafetensorsFile f(file);
  std::string problems;
  std::vector<const io::SafetensorsFile::Entry*> found;
  for (const auto& [name, shape] : names) {
    const auto* e = f.find("model/" + name);
    if (!e) e = f.find(name);
    if (!e) {
      problems += "\n  " + name + ": missing";
    } else if (!(e->shape == shape)) {
      problems += "\n  " + name + ": shape " + e->shape.str() + " in the file, " + shape.str() +
                  " in the model";
    } else if (e->dtype != "F32" && e->dtype != "F16" && e->dtype != "BF16") {
      problems += "\n  " + name + ": dtype " + e->dtype + " is not a floating dtype";
    }
    found.push_back(e);
  }
  if (!problems.empty())
    throw DataError(file.string() + ": the weights do not match the model:" + problems);
  std::vector<Tensor<float>> out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto* e = found[i];
    auto& t = out.emplace_back(Tensor<float>::empty(names[i].second));
    const auto n = static_cast<std::size_t>(t.numel());
    auto& host = default_context<Cpu>();
    if (e->dtype == "F32")
      std::memcpy(t.data(), f.bytes(*e), n * 4);
    else if (e->dtype == "F16")
      ops::cast_into(host, t, TensorView<const half>(reinterpret_cast<const half*>(f.bytes(*e)), t.shape()));
    else
      ops::cast_into(host, t, TensorView<const bfloat16>(reinterpret_cast<const bfloat16*>(f.bytes(*e)), t.shape()));
  }
  return out;
}

}  // namespace detail

}  // namespace mantissa
