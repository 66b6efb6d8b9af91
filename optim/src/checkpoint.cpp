// optim/src/checkpoint.cpp: load_weights (the checks of a full load: checkpoint_check.cpp).
#include "mantissa/optim/checkpoint.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace mantissa {

namespace detail {

std::vector<Tensor<float>> read_weights(const std::filesystem::path& file,
                                        const std::vector<std::pair<std::string, Shape>>& names) {
  io::SafetensorsFile f(file);
  verify_checksums(f, file);  // a mantissa checkpoint's; other writers' files have none
  std::string problems;
  bool missing = false;
  std::vector<const io::SafetensorsFile::Entry*> found;
  for (const auto& [name, shape] : names) {
    const auto* e = f.find("model/" + name);
    if (!e) e = f.find(name);
    if (!e) {
      problems += "\n  " + name + ": missing";
      missing = true;
    } else if (!(e->shape == shape)) {
      problems += "\n  " + name + ": shape " + e->shape.str() + " in the file, " + shape.str() +
                  " in the model";
    } else if (e->dtype != "F32" && e->dtype != "F16" && e->dtype != "BF16") {
      problems += "\n  " + name + ": dtype " + e->dtype + " is not a floating dtype";
    }
    found.push_back(e);
  }
  if (missing) {  // named otherwise (another framework's names?): what the file does have
    const auto& have = f.names();
    problems += "\nthe file has " + std::to_string(have.size()) + " tensor" +
                (have.size() == 1 ? "" : "s") + " (the model's are named <layer>/<param>, or "
                "model/<layer>/<param> in a checkpoint):";
    constexpr std::size_t shown = 20;
    for (std::size_t i = 0; i < std::min(have.size(), shown); ++i) {
      const auto* e = f.find(have[i]);
      problems += "\n  '" + have[i] + "' " + e->dtype + " " + e->shape.str();
    }
    if (have.size() > shown) problems += "\n  ... and " + std::to_string(have.size() - shown) + " more";
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
    // A NaN weight, or a negative running variance, would only surface as NaN output.
    const bool variance = names[i].first.ends_with("/running_var");
    for (std::int64_t k = 0; k < t.numel(); ++k) {
      if (!std::isfinite(t.data()[k]))
        throw DataError(file.string() + ": weight '" + names[i].first + "' holds " +
                        std::to_string(t.data()[k]) + " at flat index " + std::to_string(k) +
                        "; weights must be finite (nothing was loaded)");
      if (variance && t.data()[k] < 0.0f)
        throw DataError(file.string() + ": '" + names[i].first + "' holds " +
                        std::to_string(t.data()[k]) + " at flat index " + std::to_string(k) +
                        "; a variance is never negative (nothing was loaded)");
    }
  }
  return out;
}

}  // namespace detail

}  // namespace mantissa
