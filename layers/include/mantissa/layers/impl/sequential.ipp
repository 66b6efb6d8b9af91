// mantissa/layers/impl/sequential.ipp: Sequential's definitions, for any device. Included
// only where a device's models are instantiated (layers/src/sequential.cpp for Cpu, a
// backend's own file for another device), never by user code: mantissa.hpp stays light.
#pragma once

#include "mantissa/layers/sequential.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "mantissa/layers/activation.hpp"


namespace mantissa {

namespace detail {
// Keras-style layer names: the kind in lower case, numbered from the second one on.
inline std::string base_name(std::string_view kind) {
  std::string s;
  for (char ch : kind) s += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

inline std::string with_thousands(std::int64_t v) {
  std::string digits = std::to_string(v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

inline std::string batch_shape(const Shape& s) {
  std::string out = "(None";
  for (auto d : s) out += ", " + std::to_string(d);
  return out + ")";
}
}  // namespace detail

template <Policy P, Device D>
void Sequential<P, D>::build() {
  std::map<std::string, int> seen;
  shapes_ = {input_};
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    auto& layer = *layers_[i];
    const std::string base = detail::base_name(layer.kind());
    const int k = seen[base]++;
    names_.push_back(k == 0 ? base : base + "_" + std::to_string(k));
    try {
      shapes_.push_back(layer.build(shapes_.back(), gen_));
    } catch (const ShapeError& e) {
      throw ShapeError("Sequential: layer " + std::to_string(i) + " '" + names_.back() + "' (" +
                       std::string(layer.kind()) + "): " + e.what());
    }
    for (auto* p : layer.parameters()) {
      p->name = names_.back() + "/" + p->name;
      trainables_.params.push_back(p);
    }
  }
  // An elementwise activation layer right after a layer that fuses it runs inside that layer.
  fused_ = fused_activations(layers_);
  absorbed_.assign(layers_.size(), false);
  for (std::size_t i = 0; i + 1 < layers_.size(); ++i) absorbed_[i + 1] = fused_[i].has_value();
  trainables_.arena.adopt(context(), trainables_.params);
  // The arena holds the parameters in layer order: after layer i's backward, every gradient
  // from its first parameter's slot to the end is final.
  ready_from_.assign(layers_.size(), trainables_.arena.size());
  std::size_t param = trainables_.params.size();
  for (std::size_t i = layers_.size(); i-- > 0;) {
    const auto n = layers_[i]->parameters().size();
    param -= n;
    ready_from_[i] = n > 0 ? trainables_.arena.offsets()[param]
                           : (i + 1 < layers_.size() ? ready_from_[i + 1] : trainables_.arena.size());
  }
}

template <Policy P, Device D>
std::int64_t Sequential<P, D>::parameter_count() const {
  std::int64_t n = 0;
  for (auto* p : trainables_.params) n += p->numel();
  return n;
}

template <Policy P, Device D>
void Sequential<P, D>::summary(std::ostream& os) const {
  const std::string rule(72, '_'), thick(72, '=');
  char line[160];
  os << "Model: \"sequential\" (policy " << P::name << ", device " << D::name << ")\n"
     << rule << "\n";
  std::snprintf(line, sizeof line, " %-30s %-26s %12s\n", "Layer (type)", "Output Shape", "Param #");
  os << line << thick << "\n";
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    std::int64_t n = 0;
    for (auto* p : layers_[i]->parameters()) n += p->numel();
    const std::string name = names_[i] + " (" + std::string(layers_[i]->kind()) + ")";
    std::snprintf(line, sizeof line, " %-30s %-26s %12s\n", name.c_str(),
                  detail::batch_shape(shapes_[i + 1]).c_str(), detail::with_thousands(n).c_str());
    os << line;
  }
  const auto total = parameter_count();
  os << thick << "\nTotal params: " << detail::with_thousands(total) << "\nTrainable params: "
     << detail::with_thousands(total) << "\nNon-trainable params: 0\n" << rule << "\n";
}

template <Policy P, Device D>
void Sequential<P, D>::reserve(std::int64_t max_batch) {
  if (max_batch <= max_batch_) return;
  acts_.clear();
  grads_.clear();
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    const Shape s = shapes_[i + 1].prepend(max_batch);
    acts_.emplace_back(fused_[i] && !check_numerics_ ? Tensor<T, D>() : Tensor<T, D>::empty(s));
    grads_.emplace_back(Tensor<T, D>::empty(s));  // a fused layer's: dL/d(its output before f)
    layers_[i]->reserve(context(), max_batch);
  }
  max_batch_ = max_batch;
}

template <Policy P, Device D>
void Sequential<P, D>::check_batch(const Shape& x) const {
  if (x.rank() >= 1 && x[0] == 0)
    throw ShapeError("Sequential::forward: got an empty batch " + x.str() +
                     ": a batch needs at least one sample");
  if (x.rank() != input_.rank() + 1 || !(x.drop_front() == input_))
    throw ShapeError("Sequential::forward: got a batch of shape " + x.str() +
                     " but the model was built for samples of shape " + input_.str() +
                     ", i.e. batches of shape " + input_.prepend(x.rank() ? x[0] : 0).str());
}

// ---- forward and backward -----------------------------------------------------------------

template <Policy P, Device D>
OutputView<typename P::compute, D> Sequential<P, D>::forward_view(TensorView<const T, D> x,
                                                                  Mode mode) {
  outputs_.advance();  // the last forward's output is overwritten from here on
  check_batch(x.shape());
  const std::int64_t n = x.shape()[0];
  reserve(n);
  batch_ = n;
  mode_ = mode;
  input_view_ = x;
  TensorView<const T, D> in = x;
  fusing_ = !check_numerics_;
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    if (fusing_ && absorbed_[i]) continue;  // layer i - 1 applied it: its output is acts_[i]
    const bool fused = fusing_ && fused_[i];
    auto out = acts_[fused ? i + 1 : i].slice(0, n);
    if (fused) layers_[i]->forward_activated(context(), out, in, mode, *fused_[i]);
    else layers_[i]->forward(context(), out, in, mode);
    if (check_numerics_) check_finite(i, "forward", "output", out);
    in = out;
  }
  return OutputView<T, D>(in, outputs_.stamp(),
                          "Sequential::forward's output (the model's buffer, overwritten by its "
                          "next forward)");
}

template <Policy P, Device D>
void Sequential<P, D>::require_training_forward() const {
  if (batch_ == 0 || mode_ == Mode::train) return;  // no forward yet: backward says so itself
  std::string what = "Sequential::backward: the last forward ran in inference mode (the default";
  for (std::size_t i = 0; i < layers_.size(); ++i)
    if (layers_[i]->depends_on_mode()) {
      what += "; layer " + std::to_string(i) + " '" + names_[i] + "' (" +
              std::string(layers_[i]->kind()) + ") computes differently when training";
      break;
    }
  throw StateError(what + "), and backward trains from a training forward: call "
                          "model.forward(x, Mode::train) before backward");
}

template <Policy P, Device D>
void Sequential<P, D>::backward_compute(TensorView<const T, D> dy, Accumulate acc) {
  const std::int64_t n = batch_;
  if (layers_.empty() || n == 0)
    throw StateError("Sequential::backward: call forward first");
  if (!(dy.shape() == shapes_.back().prepend(n)))
    throw ShapeError("Sequential::backward: the output gradient is " + dy.shape().str() +
                     " but the last forward produced " + shapes_.back().prepend(n).str());
  TensorView<const T, D> g = dy;
  for (std::size_t i = layers_.size(); i-- > 0;) {
    if (fusing_ && absorbed_[i]) {  // layer i - 1 takes g, the gradient of this layer's output
      if (gradients_ready_) gradients_ready_(ready_from_[i]);
      continue;
    }
    TensorView<const T, D> x = i == 0 ? input_view_ : TensorView<const T, D>(acts_[i - 1].slice(0, n));
    TensorView<T, D> dx = i == 0 ? TensorView<T, D>() : grads_[i - 1].slice(0, n);
    if (fusing_ && fused_[i])
      layers_[i]->backward_activated(context(), dx, grads_[i].slice(0, n), g, x,
                                     acts_[i + 1].slice(0, n), *fused_[i], acc);
    else
      layers_[i]->backward(context(), dx, g, x, acts_[i].slice(0, n), acc);
    if (check_numerics_) {
      if (!dx.empty()) check_finite(i, "backward", "input gradient", dx);
      for (auto* p : layers_[i]->parameters())
        check_finite(i, "backward", ("gradient of " + p->name).c_str(), p->grad);
    }
    if (gradients_ready_) gradients_ready_(ready_from_[i]);
    g = dx;
  }
}

template <Policy P, Device D>
void Sequential<P, D>::backward_from(TensorView<const float, D> grad, float scale,
                                     Accumulate acc) {
  const std::int64_t n = batch_;
  if (layers_.empty() || n == 0) throw StateError("Sequential::backward: call forward first");
  auto dy = grads_.back().slice(0, n);
  if (!(grad.shape() == dy.shape()))
    throw ShapeError("Sequential::backward: the loss gradient is " + grad.shape().str() +
                     " but the last forward produced " + dy.shape().str());
  trainables_.generation.advance();  // every gradient token made before is stale
  ops::convert_scaled(context(), dy, grad, scale);
  backward_compute(TensorView<const T, D>(dy), acc);
}

template <Policy P, Device D>
template <class X>
void Sequential<P, D>::check_finite(std::size_t i, const char* pass, const char* tensor,
                                    const X& x) const {
  const auto bad = ops::count_nonfinite(context(), x);
  if (bad.total() == 0) return;
  throw NumericsError("check_numerics: layer " + std::to_string(i) + " '" + names_[i] + "' (" +
                      std::string(layers_[i]->kind()) + "), " + pass + " pass: " + tensor +
                      " " + x.shape().str() + " holds " + std::to_string(bad.total()) +
                      " non-finite values (" + std::to_string(bad.inf) + " inf, " +
                      std::to_string(bad.nan) + " NaN)");
}

}  // namespace mantissa
