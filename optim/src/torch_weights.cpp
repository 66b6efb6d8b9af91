// optim/src/torch_weights.cpp: the name and layout mapping to PyTorch (torch_weights.hpp), and
// the checked reading and the writing of its files.
#include "mantissa/optim/torch_weights.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

namespace mantissa::detail {

namespace {

using Source = TorchTensor::Source;

// The part of a parameter's name after the layer's: "conv2d_1/kernel" -> "kernel".
std::string role(const std::string& param) {
  const auto slash = param.rfind('/');
  return slash == std::string::npos ? param : param.substr(slash + 1);
}

std::string describe(std::size_t i, const TorchLayerInfo& l, const std::string& what,
                     const Shape& shape) {
  return "layer " + std::to_string(i) + " '" + l.name + "' (" + l.kind + ") " + what + " " +
         shape.str();
}

[[noreturn]] void unmappable(std::size_t i, const TorchLayerInfo& l, const std::string& why) {
  throw ValueError("PyTorch weights: layer " + std::to_string(i) + " '" + l.name + "' (" + l.kind +
                   ") " + why + "; the layers mapped to PyTorch modules are Conv2D, Dense, "
                   "BatchNorm, ReLU, Sigmoid, Tanh, Softmax, MaxPooling2D, Flatten and Dropout "
                   "(save a model with other layers with save_checkpoint or its own names)");
}

}  // namespace

std::vector<TorchTensor> torch_plan(const Shape& input, const std::vector<TorchLayerInfo>& layers,
                                    const std::string& prefix) {
  std::vector<TorchTensor> plan;
  Shape cur = input;  // per-sample shape entering the layer, mantissa's order
  // After a Flatten of an image (H, W, C): PyTorch's feature t = (c H + h) W + w is mantissa's
  // perm[t] = (h W + w) C + c, until a Dense mixes the features.
  std::vector<std::int64_t> perm;
  std::size_t param = 0, buffer = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    const auto& l = layers[i];
    const std::string base = prefix + std::to_string(i) + ".";
    auto add = [&](const std::string& n, std::string dtype, Shape shape, Source src,
                   std::size_t index, std::vector<std::int64_t> from, const std::string& what,
                   const Shape& ours) {
      plan.push_back({base + n, std::move(dtype), std::move(shape), src, index, std::move(from),
                      describe(i, l, what, ours)});
    };
    auto check_roles = [&](std::initializer_list<const char*> allowed) {
      for (const auto& [n, s] : l.params)
        if (std::find(allowed.begin(), allowed.end(), role(n)) == allowed.end())
          unmappable(i, l, "has a parameter '" + n + "' with no PyTorch counterpart");
    };
    if (l.kind == "Conv2D") {
      check_roles({"kernel", "bias"});
      for (const auto& [n, s] : l.params) {
        if (role(n) == "bias") {
          add("bias", "F32", s, Source::parameter, param++, {}, "bias", s);
          continue;
        }
        const std::int64_t kh = s[0], kw = s[1], c = s[2], f = s[3];
        std::vector<std::int64_t> from(static_cast<std::size_t>(s.numel()));
        for (std::int64_t o = 0; o < f; ++o)
          for (std::int64_t ci = 0; ci < c; ++ci)
            for (std::int64_t y = 0; y < kh; ++y)
              for (std::int64_t x = 0; x < kw; ++x)
                from[static_cast<std::size_t>(((o * c + ci) * kh + y) * kw + x)] =
                    ((y * kw + x) * c + ci) * f + o;
        add("weight", "F32", Shape{f, c, kh, kw}, Source::parameter, param++, std::move(from),
            "kernel", s);
      }
      cur = l.image;
    } else if (l.kind == "Dense") {
      check_roles({"kernel", "bias"});
      std::int64_t units = 0;
      for (const auto& [n, s] : l.params) {
        if (role(n) == "bias") {
          add("bias", "F32", s, Source::parameter, param++, {}, "bias", s);
          continue;
        }
        const std::int64_t in = s[0];
        units = s[1];
        std::vector<std::int64_t> from(static_cast<std::size_t>(s.numel()));
        for (std::int64_t u = 0; u < units; ++u)
          for (std::int64_t t = 0; t < in; ++t)
            from[static_cast<std::size_t>(u * in + t)] =
                (perm.empty() ? t : perm[static_cast<std::size_t>(t)]) * units + u;
        add("weight", "F32", Shape{units, in}, Source::parameter, param++, std::move(from),
            "kernel", s);
      }
      cur = Shape{units};
      perm.clear();
    } else if (l.kind == "BatchNorm") {
      check_roles({"gamma", "beta"});
      // Per channel of an image (the last axis here, the second in PyTorch: the same vector),
      // or per feature, in PyTorch's feature order after a Flatten.
      const bool features = cur.rank() == 1 && !perm.empty();
      auto vec = [&](const std::string& n, const Shape& s, Source src, std::size_t index,
                     const std::string& what) {
        add(n, "F32", s, src, index, features ? perm : std::vector<std::int64_t>{}, what, s);
      };
      for (const auto& [n, s] : l.params)
        vec(role(n) == "gamma" ? "weight" : "bias", s, Source::parameter, param++, role(n));
      for (const auto& [n, s] : l.buffers) vec(n, s, Source::buffer, buffer++, n);
      add("num_batches_tracked", "I64", Shape{}, Source::counter, 0, {}, "batch count", Shape{});
    } else if (l.kind == "Flatten") {
      if (cur.rank() == 3) {
        const std::int64_t h = cur[0], w = cur[1], c = cur[2];
        perm.assign(static_cast<std::size_t>(cur.numel()), 0);
        for (std::int64_t ci = 0; ci < c; ++ci)
          for (std::int64_t y = 0; y < h; ++y)
            for (std::int64_t x = 0; x < w; ++x)
              perm[static_cast<std::size_t>((ci * h + y) * w + x)] = (y * w + x) * c + ci;
      }
      cur = Shape{cur.numel()};
    } else if (l.kind == "MaxPooling2D") {
      cur = l.image;
    } else if (l.kind == "ReLU" || l.kind == "Sigmoid" || l.kind == "Tanh" ||
               l.kind == "Softmax" || l.kind == "Dropout") {
      if (!l.params.empty()) unmappable(i, l, "has parameters");
    } else {
      unmappable(i, l, "has no PyTorch module that mantissa maps");
    }
  }
  return plan;
}

void write_torch_tensors(const std::filesystem::path& file, const std::vector<TorchTensor>& plan,
                         const std::vector<TensorView<const float, Cpu>>& ours) {
  std::vector<Tensor<float>> values;
  values.reserve(plan.size());
  static const std::int64_t zero_count = 0;
  std::vector<io::TensorRecord> records;
  for (std::size_t k = 0; k < plan.size(); ++k) {
    const auto& t = plan[k];
    if (t.source == Source::counter) {
      records.push_back({t.name, "I64", t.shape, &zero_count, sizeof zero_count});
      continue;
    }
    auto& v = values.emplace_back(Tensor<float>::empty(t.shape));
    const float* src = ours[k].data();
    if (t.from.empty())
      std::memcpy(v.data(), src, v.size_bytes());
    else
      for (std::size_t j = 0; j < t.from.size(); ++j) v.data()[j] = src[t.from[j]];
    records.push_back(io::record<float>(t.name, std::as_const(v).view()));
  }
  io::write_safetensors(file, records, {{"format", "pt"}});
}

std::vector<Tensor<float>> read_torch_tensors(const std::filesystem::path& file,
                                              const std::vector<TorchTensor>& plan) {
  io::SafetensorsFile f(file);
  std::string problems;
  std::set<std::string> expected;
  std::vector<const io::SafetensorsFile::Entry*> found;
  for (const auto& t : plan) {
    expected.insert(t.name);
    const auto* e = f.find(t.name);
    found.push_back(e);
    const bool counter = t.source == Source::counter;
    if (!e)
      problems += "\n  '" + t.name + "': missing (" + t.what + ")";
    else if (!(e->shape == t.shape))
      problems += "\n  '" + t.name + "': shape " + e->shape.str() + " in the file, PyTorch's " +
                  t.shape.str() + " for " + t.what;
    else if (counter ? e->dtype != "I64" && e->dtype != "I32"
                     : e->dtype != "F32" && e->dtype != "F16" && e->dtype != "BF16")
      problems += "\n  '" + t.name + "': dtype " + e->dtype + ", where " + t.what + " needs " +
                  (counter ? "I64 or I32" : "F32, F16 or BF16");
  }
  for (const auto& n : f.names())
    if (!expected.count(n)) problems += "\n  '" + n + "': in the file, not in the model";
  if (!problems.empty()) {
    const auto have = f.names();
    problems += "\nthe file has " + std::to_string(have.size()) + " tensor" +
                (have.size() == 1 ? "" : "s") + ":";
    constexpr std::size_t shown = 40;
    for (std::size_t i = 0; i < std::min(have.size(), shown); ++i) {
      const auto* e = f.find(have[i]);
      problems += "\n  '" + have[i] + "' " + e->dtype + " " + e->shape.str();
    }
    if (have.size() > shown) problems += "\n  ... and " + std::to_string(have.size() - shown) + " more";
    throw DataError(file.string() + ": the PyTorch weights do not match the model (an "
                    "nn.Sequential's state_dict, names '<layer index>.<param>'):" + problems);
  }
  std::vector<Tensor<float>> out;
  auto& host = default_context<Cpu>();
  for (std::size_t k = 0; k < plan.size(); ++k) {
    const auto& t = plan[k];
    const auto* e = found[k];
    if (t.source == Source::counter) {
      std::int64_t n = 0;
      if (e->dtype == "I64") {
        std::memcpy(&n, f.bytes(*e), 8);
      } else {
        std::int32_t n32 = 0;
        std::memcpy(&n32, f.bytes(*e), 4);
        n = n32;
      }
      if (n < 0)
        throw DataError(file.string() + ": '" + t.name + "' (" + t.what + ") is " +
                        std::to_string(n) + ", a count must be >= 0");
      out.emplace_back();
      continue;
    }
    auto theirs = Tensor<float>::empty(t.shape);
    const auto n = static_cast<std::size_t>(theirs.numel());
    if (e->dtype == "F32")
      std::memcpy(theirs.data(), f.bytes(*e), n * 4);
    else if (e->dtype == "F16")
      ops::cast_into(host, theirs.view(),
                     TensorView<const half>(reinterpret_cast<const half*>(f.bytes(*e)), t.shape));
    else
      ops::cast_into(host, theirs.view(),
                     TensorView<const bfloat16>(reinterpret_cast<const bfloat16*>(f.bytes(*e)), t.shape));
    const bool variance = t.name.size() >= 12 && t.name.ends_with("running_var");
    for (std::size_t j = 0; j < n; ++j) {
      const float x = theirs.data()[j];
      if (!std::isfinite(x) || (variance && x < 0))
        throw DataError(file.string() + ": '" + t.name + "' (" + t.what + ") holds " +
                        std::to_string(x) + " at flat index " + std::to_string(j) + ": " +
                        (variance ? "a variance must be finite and >= 0"
                                  : "a weight must be finite") +
                        " (was the model diverging when it was saved?)");
    }
    if (t.from.empty()) {
      out.push_back(std::move(theirs));
    } else {
      auto& ours = out.emplace_back(Tensor<float>::empty(t.shape));
      for (std::size_t j = 0; j < n; ++j) ours.data()[t.from[j]] = theirs.data()[j];
    }
  }
  return out;
}

}  // namespace mantissa::detail
