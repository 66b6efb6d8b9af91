// benchmarks/train_bench_profile.hpp: where a training step's time goes, layer by layer.
//
// Sequential runs its layers without hooks, so the profile drives the same layer classes by
// hand, in the order Sequential does (layer.hpp's lifecycle: build, reserve, forward in
// order, backward in reverse), each call between two timer reads; on a GPU each call is
// followed by a synchronize, so a layer's time is its kernels'. The buffers are the profile's
// own, shaped as Sequential shapes them. What a layer does not cover (the loss, rounding its
// gradient into the compute dtype, the unscale and inf check, the optimizer) is timed around
// the model's own calls in train_bench.cpp, so "layers + rest" can be checked against a step.
// Fusion as Sequential does it (Layer::fuses): a Conv2D or Dense followed by an elementwise
// activation is timed as one layer ("Conv2D+ReLU"), and the activation's own row reads
// "(fused)" with no time of its own.
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "train_bench_models.hpp"

namespace train_bench {

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The p-quantile (0..1) of v, nearest rank.
inline double quantile(std::vector<double> v, double p) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const auto i = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

template <class D>
void sync(mt::Context<D>& ctx) {
  if constexpr (requires { ctx.synchronize(); }) ctx.synchronize();
}

struct LayerTime {
  std::string kind;    // "Conv2D"
  std::string output;  // per-sample output shape, "(28, 28, 32)"
  double forward_ms = 0, backward_ms = 0;  // medians over the timed steps
};

// Times every layer of `model` at `batch`: `warmup` untimed passes, then the median of
// `steps` timed ones. The first layer's input gradient is not computed (as in Sequential).
template <class P, class D>
std::vector<LayerTime> profile_layers(std::string_view model, std::int64_t batch, int warmup,
                                      int steps, std::uint64_t seed) {
  using T = typename P::compute;
  auto& ctx = mt::default_context<D>();
  mt::Shape input;
  auto layers = with_model(model, [&](mt::Shape in, auto&&... specs) {
    input = in;
    std::vector<std::unique_ptr<mt::Layer<P, D>>> ls;
    (ls.push_back(specs.template make<P, D>()), ...);
    return ls;
  });
  mt::Generator init(seed);
  std::vector<mt::Shape> shapes{input};
  for (auto& l : layers) {
    shapes.push_back(l->build(shapes.back(), init));
    l->reserve(ctx, batch);
  }
  std::vector<mt::Tensor<T, D>> acts, grads;
  for (std::size_t i = 1; i < shapes.size(); ++i) {
    acts.emplace_back(shapes[i].prepend(batch));
    grads.emplace_back(shapes[i].prepend(batch));
  }
  mt::Generator gen(seed + 1);
  const auto x = mt::to<D>(mt::normal<T>(input.prepend(batch), 0.0f, 1.0f, gen));
  // The loss gradient: small values, as softmax cross-entropy's (p - onehot) / N are.
  const auto dy = mt::to<D>(mt::normal<T>(shapes.back().prepend(batch), 0.0f, 0.01f, gen));

  const std::size_t n = layers.size();
  // fused[i]: layer i runs layer i + 1's activation (absorbed[i + 1]), as Sequential does.
  const auto fused = mt::fused_activations(layers);
  std::vector<bool> absorbed(n, false);
  for (std::size_t i = 0; i + 1 < n; ++i) absorbed[i + 1] = fused[i].has_value();
  std::vector<std::vector<double>> fw(n), bw(n);
  for (int s = 0; s < warmup + steps; ++s) {
    const bool timed = s >= warmup;
    mt::TensorView<const T, D> in = x.view();
    for (std::size_t i = 0; i < n; ++i) {
      if (absorbed[i]) continue;
      auto out = acts[fused[i] ? i + 1 : i].view();
      sync(ctx);
      const double t0 = now_s();
      if (fused[i]) layers[i]->forward_activated(ctx, out, in, mt::Mode::train, *fused[i]);
      else layers[i]->forward(ctx, out, in, mt::Mode::train);
      sync(ctx);
      if (timed) fw[i].push_back(now_s() - t0);
      in = out;
    }
    mt::TensorView<const T, D> g = dy.view();
    for (std::size_t i = n; i-- > 0;) {
      if (absorbed[i]) continue;  // g: the gradient of this activation's output, layer i - 1's
      mt::TensorView<const T, D> xi = i == 0 ? x.view() : mt::TensorView<const T, D>(acts[i - 1].view());
      mt::TensorView<T, D> dx = i == 0 ? mt::TensorView<T, D>() : grads[i - 1].view();
      sync(ctx);
      const double t0 = now_s();
      if (fused[i])
        layers[i]->backward_activated(ctx, dx, grads[i].view(), g, xi, acts[i + 1].view(),
                                      *fused[i], mt::Accumulate::overwrite);
      else
        layers[i]->backward(ctx, dx, g, xi, acts[i].view(), mt::Accumulate::overwrite);
      sync(ctx);
      if (timed) bw[i].push_back(now_s() - t0);
      g = dx;
    }
  }
  std::vector<LayerTime> out;
  for (std::size_t i = 0; i < n; ++i) {
    std::string kind(layers[i]->kind());
    if (fused[i]) kind += "+" + std::string(mt::activation_name(*fused[i]));
    if (absorbed[i]) kind = "(fused)";
    out.push_back({kind, shapes[i + 1].str(), 1e3 * quantile(fw[i], 0.5),
                   1e3 * quantile(bw[i], 0.5)});
  }
  return out;
}

}  // namespace train_bench
