// mantissa/layers/sequential.hpp: Sequential<Policy, Device>, a stack of layers.
//
//   Sequential<policy::float32> model({28, 28, 1},
//       Conv2D(32, 3, same), ReLU(), MaxPool2D(2), Flatten(), Dense(10));
//
// Building runs shape inference before any data flows: a layer that cannot take its input
// throws ShapeError naming the layer (index, name, kind), the shape it got and what it needs.
// reserve(max_batch) allocates every activation and gradient buffer once; forward/backward
// then allocate nothing (forward reserves by itself when a batch is larger than any before).
//
// The model is written once for every device. Its work runs in one Context<D> (the
// thread's default unless use_context() gives another), its parameters live in one flat
// arena per role (parameter.hpp), and nothing in a forward or backward reads a value back
// to the host.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "mantissa/layers/gradients.hpp"
#include "mantissa/layers/layer.hpp"

namespace mantissa {

// The seed every layer's initialiser draws from: Sequential(shape, Seed{7}, layers...).
struct Seed {
  std::uint64_t value = 0;
};

namespace detail {
template <class P, class D>
std::true_type is_layer_of(const Layer<P, D>*);
std::false_type is_layer_of(const void*);
template <class L>
inline constexpr bool is_any_layer = decltype(is_layer_of(std::declval<L*>()))::value;
template <class L, class P, class D>
inline constexpr bool is_layer_for = std::is_base_of_v<Layer<P, D>, L>;
}  // namespace detail

template <Policy P, Device D = Cpu>
class Sequential {
 public:
  using T = typename P::compute;
  using policy_type = P;
  using device_type = D;

  template <class... Ls>
  explicit Sequential(Shape input, Ls&&... layers) : Sequential(input, Seed{}, std::forward<Ls>(layers)...) {}

  template <class... Ls>
  Sequential(Shape input, Seed seed, Ls&&... layers) : input_(input), gen_(seed.value) {
    trainables_.ctx = &default_context<D>();
    (add(std::forward<Ls>(layers)), ...);
    build();
  }

  Sequential(const Sequential&) = delete;
  Sequential& operator=(const Sequential&) = delete;

  // ---- structure ----
  const Shape& input_shape() const noexcept { return input_; }
  const Shape& output_shape() const noexcept { return shapes_.back(); }
  std::size_t size() const noexcept { return layers_.size(); }
  Layer<P, D>& layer(std::size_t i) { return *layers_.at(i); }
  const std::string& layer_name(std::size_t i) const { return names_.at(i); }
  // Every trainable tensor, in layer order; collected once when the model is built.
  const std::vector<Parameter<P, D>*>& parameters() const noexcept { return trainables_.params; }
  // The parameters with their arenas and context: what gradients and optimizers refer to.
  Trainables<P, D>& trainables() noexcept { return trainables_; }

  // The context the model's work runs in.
  Context<D>& context() const noexcept { return *trainables_.ctx; }
  void use_context(Context<D>& ctx) noexcept { trainables_.ctx = &ctx; }
  // Every layer's generators, named "<layer>/<name>".
  std::vector<std::pair<std::string, Generator*>> generators() {
    std::vector<std::pair<std::string, Generator*>> all;
    for (std::size_t i = 0; i < layers_.size(); ++i)
      for (auto& [n, g] : layers_[i]->generators()) all.emplace_back(names_[i] + "/" + n, g);
    return all;
  }
  // Every layer's buffers, named "<layer>/<buffer>".
  std::vector<std::pair<std::string, Tensor<float, D>*>> buffers() {
    std::vector<std::pair<std::string, Tensor<float, D>*>> all;
    for (std::size_t i = 0; i < layers_.size(); ++i)
      for (auto& [n, t] : layers_[i]->buffers()) all.emplace_back(names_[i] + "/" + n, t);
    return all;
  }
  std::int64_t parameter_count() const;
  void summary(std::ostream& os) const;

  // ---- running ----
  void reserve(std::int64_t max_batch);
  std::int64_t reserved_batch() const noexcept { return max_batch_; }
  // Bytes of the activation and activation-gradient buffers (max_batch rows each).
  std::size_t activation_bytes() const noexcept {
    std::size_t b = 0;
    for (auto& t : acts_) b += t.size_bytes();
    for (auto& t : grads_) b += t.size_bytes();
    return b;
  }

  // y = model(x). x is (N, input...) in the policy's compute dtype and must stay alive and
  // unchanged until backward.
  TensorView<const T, D> forward(TensorView<const T, D> x, Mode mode = Mode::train);
  template <TensorLike X>
  TensorView<const T, D> forward(const X& x, Mode mode = Mode::train) {
    static_assert(same_dtype<dtype_of<X>, T>,
                  "mantissa: the input's dtype is not the model's compute dtype (input first, "
                  "model second in the note below); convert at the boundary, e.g. "
                  "checked_cast<half>(x) for float data into a mixed_float16 model");
    static_assert(same_device<device_of<X>, D>,
                  "mantissa: the input lives on another device than the model (note below); "
                  "move it explicitly with to<D>(x)");
    if constexpr (same_dtype<dtype_of<X>, T> && same_device<device_of<X>, D>)
      return forward(TensorView<const T, D>(x.data(), x.shape()), mode);
    else
      return {};
  }

  // Backward from the loss's float32 gradient, which is rounded into the compute dtype once.
  // Under policy::mixed_float16 this does not compile: use backward(scaler.scale(loss)).
  // (A member template, so that the explicit instantiation of Sequential<mixed_float16>
  // leaves it alone: Clang 14 instantiates constrained-out members of such a class.)
  template <class = void>
  Gradients<P, D> backward(const LossValue<D>& loss, Accumulate acc = Accumulate::overwrite)
    requires(!P::needs_loss_scaling)
  {
    backward_from(loss.grad, 1.0f, acc);
    return Gradients<P, D>(*this);
  }
  template <class L>
  void backward(const L&, Accumulate = Accumulate::overwrite)
    requires(P::needs_loss_scaling && std::same_as<L, LossValue<D>>)
  {
    static_assert(!needs_loss_scaling_v<P>,
                  "mantissa: this policy (note below) trains float16 gradients, which underflow "
                  "without loss scaling: call model.backward(scaler.scale(loss)) with a "
                  "mantissa::LossScaler, then scaler.unscale(...) before clipping or stepping");
  }
  // Backward from S * the loss gradient; the parameter gradients come back scaled by S.
  ScaledGradients<P, D> backward(const ScaledLoss<D>& loss, Accumulate acc = Accumulate::overwrite) {
    backward_from(loss.loss.grad, loss.scale, acc);
    return ScaledGradients<P, D>(trainables_, loss.scale);
  }

  // Check every layer's output (forward) and input and parameter gradients (backward) for
  // inf/NaN, and throw NumericsError naming the first layer, pass and tensor that held one.
  // Off by default; when off it costs one branch per layer.
  void check_numerics(bool on) noexcept { check_numerics_ = on; }
  // Backward from a gradient already in the compute dtype (N, output...): fills every
  // Parameter::grad. Returns no Gradients token on purpose: a loss decides whether they are
  // scaled (use backward(LossValue) or backward(ScaledLoss) to get one).
  void backward(TensorView<const T, D> dy, Accumulate acc = Accumulate::overwrite);

 private:
  template <class L>
  void add(L&& l) {
    using X = std::remove_cvref_t<L>;
    if constexpr (std::is_same_v<X, std::unique_ptr<Layer<P, D>>>) {
      layers_.push_back(std::move(l));
    } else if constexpr (LayerSpec<X, P, D>) {
      layers_.push_back(l.template make<P, D>());
    } else if constexpr (detail::is_any_layer<X>) {
      static_assert(detail::is_layer_for<X, P, D>,
                    "mantissa::Sequential<P, D>: this layer object was made for another "
                    "precision policy or device than the model's (see the types in the note "
                    "below); one model has one policy: make the layer as Layer<P, D> of the "
                    "model's P and D");
      if constexpr (detail::is_layer_for<X, P, D>) layers_.push_back(std::make_unique<X>(std::move(l)));
    } else {
      static_assert(detail::is_any_layer<X>,
                    "mantissa::Sequential: an argument is neither a layer spec (Dense(10), "
                    "ReLU(), ...) nor a Layer<P, D> object");
    }
  }

  void build();
  void check_batch(const Shape& x) const;
  void backward_from(TensorView<const float, D> grad, float scale, Accumulate acc);
  template <class X>
  void check_finite(std::size_t layer, const char* pass, const char* tensor, const X& x) const;

  Shape input_;
  Generator gen_;
  std::vector<std::unique_ptr<Layer<P, D>>> layers_;
  std::vector<std::string> names_;  // "dense", "dense_1", ...
  Trainables<P, D> trainables_;     // parameters, their arenas, the context
  std::vector<Shape> shapes_;       // per-sample: shapes_[0] input, shapes_[i + 1] layer i's output

  std::int64_t max_batch_ = 0;
  std::int64_t batch_ = 0;               // N of the last forward
  TensorView<const T, D> input_view_;    // (N, input...) of the last forward
  std::vector<Tensor<T, D>> acts_;       // acts_[i]: (max_batch, shapes_[i + 1]...)
  std::vector<Tensor<T, D>> grads_;      // grads_[i]: d loss / d acts_[i], same shape
  bool check_numerics_ = false;
};

}  // namespace mantissa
