// optim/src/checkpoint_check.cpp: everything a checkpoint load checks before it changes
// anything (checksums, format, tensors, values, metadata fields), and the save side's
// metadata and checksums. checkpoint.hpp states the guarantees.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "mantissa/io/checksum.hpp"
#include "mantissa/optim/checkpoint.hpp"

namespace mantissa::detail {

namespace {

constexpr std::string_view checksum_prefix = "checksum/";
constexpr std::string_view metadata_checksum = "checksum/__metadata__";

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
  throw DataError(file.string() + ": " + what + " (nothing was loaded)");
}

// CRC-32 over every metadata entry but the whole-metadata checksum itself: key NUL value NUL,
// in key order (std::map's), so that no two different sets of entries read alike.
std::uint32_t metadata_crc(const io::Metadata& m) {
  std::uint32_t crc = 0;
  for (const auto& [k, v] : m) {
    if (k == metadata_checksum) continue;
    crc = io::crc32(k.data(), k.size() + 1, crc);  // with its NUL terminator
    crc = io::crc32(v.data(), v.size() + 1, crc);
  }
  return crc;
}

std::uint32_t recorded_crc(const io::SafetensorsFile& f, const std::string& key,
                           const std::string& what, const std::filesystem::path& file) {
  const auto it = f.metadata().find(key);
  if (it == f.metadata().end())
    fail(file, what + " has no checksum ('" + key +
                   "' is missing, while the file has others): "
                   "the file is corrupt or was edited");
  const auto crc = io::parse_crc32_hex(it->second);
  if (!crc)
    fail(file, "metadata '" + key + "' = '" + it->second + "' is not a CRC-32 (8 hex digits)");
  return *crc;
}

void check_format(const io::SafetensorsFile& f, std::string_view policy,
                  const std::filesystem::path& file) {
  const auto& m = f.metadata();
  const auto fmt = m.find("format");
  if (fmt == m.end() || fmt->second != "mantissa-checkpoint-1")
    throw DataError(file.string() +
                    ": not a mantissa checkpoint (no \"format\": "
                    "\"mantissa-checkpoint-1\" in __metadata__); load_weights reads weights only");
  const auto pol = m.find("policy");
  if (pol == m.end() || pol->second != policy)
    throw DataError(file.string() + ": saved under policy " +
                    (pol == m.end() ? std::string("(none)") : pol->second) +
                    ", loading into a model of policy " + std::string(policy));
}

// Every expected float32 tensor present with its shape, and no model/ or optimizer/ tensor
// the model lacks; otherwise one DataError that lists every difference.
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
  if (problems.size() > shown)
    msg += "\n  ... and " + std::to_string(problems.size() - shown) + " more";
  throw DataError(msg);
}

std::string show(float v) {  // "-0.5", "nan", "1e-30": shortest exact-enough form
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", static_cast<double>(v));
  return buf;
}

// Finite everywhere; Adam's second moments and BatchNorm's running variances are never
// negative (a negative one makes the next step's sqrt NaN, or the next inference's).
void check_values(const io::SafetensorsFile& f,
                  const std::vector<std::pair<std::string, Shape>>& expected,
                  const std::filesystem::path& file) {
  for (const auto& [name, shape] : expected) {
    const auto t = f.get<float>(name, shape);
    const bool nonnegative = name.ends_with("/exp_avg_sq") || name.ends_with("/running_var");
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      const float v = t.data()[i];
      if (!std::isfinite(v))
        fail(file, "tensor '" + name + "' holds " + show(v) + " at flat index " +
                       std::to_string(i) + ": a checkpoint's weights and moments are finite");
      if (nonnegative && v < 0.0f)
        fail(file, "tensor '" + name + "' holds " + show(v) + " at flat index " +
                       std::to_string(i) + ": a " +
                       (name.ends_with("/exp_avg_sq") ? "second moment" : "running variance") +
                       " is never negative");
    }
  }
}

const std::string& field(const io::SafetensorsFile& f, const std::string& key,
                         const std::filesystem::path& file) {
  const auto it = f.metadata().find(key);
  if (it == f.metadata().end()) fail(file, "metadata '" + key + "' is missing");
  return it->second;
}

template <class Int>  // std::int64_t or std::uint64_t, every digit of it, nothing else
bool parse_integer(std::string_view s, Int& v) {
  if (s.empty() || s.front() == '+') return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size();
}

std::int64_t count_field(const io::SafetensorsFile& f, const std::string& key, const char* what,
                         const std::filesystem::path& file) {
  const auto& s = field(f, key, file);
  std::int64_t v = 0;
  if (!parse_integer(s, v))
    fail(file, "metadata '" + key + "' = '" + s + "' is not an integer in [0, 2^63)");
  if (v < 0) fail(file, "metadata '" + key + "' = '" + s + "' is negative; " + what + " is >= 0");
  return v;
}

std::uint64_t u64_field(const io::SafetensorsFile& f, const std::string& key,
                        const std::filesystem::path& file) {
  const auto& s = field(f, key, file);
  std::uint64_t v = 0;
  if (!parse_integer(s, v))
    fail(file, "metadata '" + key + "' = '" + s + "' is not an integer in [0, 2^64)");
  return v;
}

Generator generator_field(const io::SafetensorsFile& f, const std::string& key,
                          const std::filesystem::path& file) {
  const auto& s = field(f, key, file);
  const auto colon = s.find(':');
  std::uint64_t seed = 0, offset = 0;
  if (colon == std::string::npos || !parse_integer(std::string_view(s).substr(0, colon), seed) ||
      !parse_integer(std::string_view(s).substr(colon + 1), offset))
    fail(file,
         "metadata '" + key + "' = '" + s + "' is not seed:offset (two integers in [0, 2^64))");
  return Generator(seed, offset);
}

float scale_field(const io::SafetensorsFile& f, const std::string& key,
                  const std::filesystem::path& file) {
  const auto& s = field(f, key, file);
  char* end = nullptr;
  errno = 0;
  const float v = s.empty() || std::isspace(static_cast<unsigned char>(s.front()))
                      ? 0.0f
                      : std::strtof(s.c_str(), &end);
  if (end == nullptr || end == s.c_str() || *end != '\0')
    fail(file, "metadata '" + key + "' = '" + s + "' is not a number");
  if (!std::isfinite(v) || errno == ERANGE || !(v >= min_checkpoint_loss_scale))
    fail(file, "metadata '" + key + "' = '" + s +
                   "' is not a loss scale: it must be finite and "
                   "at least 2^-24 (float16's smallest subnormal)");
  return v;
}

}  // namespace

// A file "has checksums" when any metadata key starts with "checksum/" (mantissa writes them;
// other writers do not, and their files load unverified). Then every tensor and every field
// must have one that matches, every checksum must belong to something, and the whole-metadata
// checksum must match: a flipped bit anywhere in a key, a value or a tensor's bytes is caught.
void verify_checksums(const io::SafetensorsFile& f, const std::filesystem::path& file) {
  const auto& m = f.metadata();
  const bool sealed = std::any_of(
      m.begin(), m.end(), [](const auto& kv) { return kv.first.starts_with(checksum_prefix); });
  if (!sealed) return;
  for (const auto& name : f.names()) {
    const auto* e = f.find(name);
    const std::uint32_t want = recorded_crc(f, "checksum/" + name, "tensor '" + name + "'", file);
    const std::uint32_t got = io::crc32(f.bytes(*e), e->end - e->begin);
    if (got != want)
      fail(file, "tensor '" + name + "' is corrupt: its bytes have CRC-32 " + io::crc32_hex(got) +
                     ", the file recorded " + io::crc32_hex(want));
  }
  for (const auto& [k, v] : m) {
    if (k.starts_with(checksum_prefix)) {
      const std::string of = k.substr(checksum_prefix.size());
      if (k != metadata_checksum && !f.contains(of) &&
          (!m.count(of) || of.starts_with(checksum_prefix)))
        fail(file, "metadata '" + k + "' is the checksum of '" + of +
                       "', which the file does not hold: the file is corrupt or was edited");
      continue;
    }
    const std::uint32_t want = recorded_crc(f, "checksum/" + k, "metadata '" + k + "'", file);
    if (io::crc32(v) != want)
      fail(file, "metadata '" + k + "' = '" + v +
                     "' does not match its checksum: the file is "
                     "corrupt or was edited");
  }
  const std::uint32_t want = recorded_crc(f, std::string(metadata_checksum), "the metadata", file);
  if (metadata_crc(m) != want)
    fail(file, "the metadata does not match its checksum '" + std::string(metadata_checksum) +
                   "': the file is corrupt or was edited");
}

CheckpointMetadata check_checkpoint(const io::SafetensorsFile& f, std::string_view policy,
                                    const std::vector<std::pair<std::string, Shape>>& expected,
                                    const std::vector<std::string>& generators, bool with_scaler,
                                    const std::filesystem::path& file) {
  verify_checksums(f, file);  // first: a corrupt file is the root cause of anything below
  check_format(f, policy, file);
  check_tensors(f, expected, file);
  check_values(f, expected, file);
  CheckpointMetadata m;
  for (const auto& name : generators)
    m.generators.push_back(generator_field(f, "rng/" + name, file));
  // A generator this model lacks: saved from another architecture (Dropout has no tensors, so
  // the tensor check cannot see it).
  for (const auto& [k, v] : f.metadata())
    if (k.starts_with("rng/") &&
        std::find(generators.begin(), generators.end(), k.substr(4)) == generators.end())
      fail(file, "metadata '" + k + "' is the state of a generator this model does not have (" +
                     std::to_string(generators.size()) +
                     " generator(s) here); it was saved from another architecture");
  m.optimizer_step = count_field(f, "optimizer_step", "a step count", file);
  if (with_scaler) {
    if (!f.metadata().count("loss_scale"))
      fail(file,
           "no loss-scaler state in this checkpoint (metadata 'loss_scale' is missing); "
           "it was saved without a LossScaler");
    m.scaler = LossScaler::State{scale_field(f, "loss_scale", file),
                                 count_field(f, "loss_scale_clean_steps", "a step count", file),
                                 count_field(f, "loss_scale_skipped_steps", "a step count", file)};
  }
  m.position = {count_field(f, "epoch", "an epoch count", file),
                count_field(f, "batch", "a batch count", file), u64_field(f, "data_seed", file)};
  return m;
}

std::string format_float(float v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%a", static_cast<double>(v));  // hex float: exact round trip
  return buf;
}

void seal_checkpoint(const std::vector<io::TensorRecord>& records, io::Metadata& meta) {
  // What is written can be read: a state the load would refuse is refused here, before the
  // previous checkpoint is replaced (a diverged run keeps its last good one).
  for (const auto& r : records) {
    const auto* v = static_cast<const float*>(r.data);  // every record is float32
    for (std::size_t i = 0; i < r.bytes / sizeof(float); ++i)
      if (!std::isfinite(v[i]) ||
          (v[i] < 0.0f && (r.name.ends_with("/exp_avg_sq") || r.name.ends_with("/running_var"))))
        throw NumericsError("save_checkpoint: tensor '" + r.name + "' holds " + show(v[i]) +
                            " at flat index " + std::to_string(i) +
                            ", which no load accepts; the previous checkpoint is kept. "
                            "model.check_numerics(true) names the layer that produced it");
  }
  if (const auto it = meta.find("loss_scale"); it != meta.end()) {
    const float s = std::strtof(it->second.c_str(), nullptr);
    if (!(s >= min_checkpoint_loss_scale) || !std::isfinite(s))
      throw ValueError("save_checkpoint: the loss scale " + it->second +
                       " is below 2^-24 (or not finite), which no load accepts: a scale that "
                       "small flushes float16 gradients to zero; raise LossScalerOptions::"
                       "min_scale (or the fixed scale) to at least 2^-24");
  }
  for (const auto& [k, v] : meta)
    if (k.starts_with(checksum_prefix))
      throw ValueError("save_checkpoint: metadata key '" + k + "' is reserved for checksums");
  io::Metadata sums;
  for (const auto& r : records)
    sums["checksum/" + r.name] = io::crc32_hex(io::crc32(r.data, r.bytes));
  for (const auto& [k, v] : meta) sums["checksum/" + k] = io::crc32_hex(io::crc32(v));
  meta.merge(sums);
  meta[std::string(metadata_checksum)] = io::crc32_hex(metadata_crc(meta));
}

}  // namespace mantissa::detail
