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

#include <functional>
#include <memory>
#include <optional>
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
template <class X, class P, class D>
inline constexpr bool is_unique_ptr_to_layer = false;
template <class L, class P, class D>
inline constexpr bool is_unique_ptr_to_layer<std::unique_ptr<L>, P, D> = std::is_base_of_v<Layer<P, D>, L>;

// The input of a model computing in T: one message per model dtype, each with its own fix.
template <class X, class T>
constexpr void require_model_input() {
  if constexpr (std::same_as<T, half>)
    static_assert(same_dtype<X, T>,
                  "mantissa: this mixed_float16 model takes float16 input, and the input's dtype "
                  "differs (input first in the note below); convert at the boundary: "
                  "checked_cast<half>(x) (it refuses values beyond float16's range)");
  else if constexpr (std::same_as<T, bfloat16>)
    static_assert(same_dtype<X, T>,
                  "mantissa: this mixed_bfloat16 model takes bfloat16 input, and the input's "
                  "dtype differs (input first in the note below); convert at the boundary: "
                  "cast<bfloat16>(x)");
  else
    static_assert(same_dtype<X, T>,
                  "mantissa: this float32 model takes float input, and the input's dtype differs "
                  "(input first in the note below); convert at the boundary: cast<float>(x)");
}
}  // namespace detail

// Which models the library has compiled (their definitions are in impl/sequential.ipp, built
// into the library, not into user code): the three policies on the CPU, and on CUDA where
// the program links mantissa::cuda (which defines MANTISSA_WITH_CUDA). A device or policy of
// one's own that includes impl/sequential.ipp and instantiates its models says so by
// specialising this to true.
template <class P, class D>
inline constexpr bool model_is_built =
    (std::same_as<P, policy::float32> || std::same_as<P, policy::mixed_float16> ||
     std::same_as<P, policy::mixed_bfloat16>) &&
    (std::same_as<D, Cpu>
#if defined(MANTISSA_WITH_CUDA)
     || std::same_as<D, Cuda>
#endif
    );
template <class D>
inline constexpr bool cuda_backend_built = !std::same_as<D, Cuda>
#if defined(MANTISSA_WITH_CUDA)
    || true
#endif
    ;

template <Policy P, Device D = Cpu>
class Sequential {
  static_assert(scales_float16_loss<P>,
                "mantissa::Sequential<P>: this policy (note below) computes in float16 without "
                "loss scaling, whose gradients underflow; set needs_loss_scaling = true (or use "
                "policy::mixed_float16)");
  static_assert(!scales_float16_loss<P> || cuda_backend_built<D>,
                "mantissa::Sequential<P, Cuda>: this program does not link mantissa's CUDA "
                "backend: link mantissa::cuda (find_package(mantissa COMPONENTS cuda)); if this "
                "build of mantissa has no CUDA backend (nvcc was not found when it was built), "
                "rebuild it with -DMANTISSA_CUDA=ON; or train on the CPU: Sequential<P, Cpu>");
  static_assert(!scales_float16_loss<P> || !cuda_backend_built<D> || model_is_built<P, D>,
                "mantissa::Sequential<P, D>: mantissa's library holds models for policy::float32, "
                "mixed_float16 and mixed_bfloat16 on Cpu (and Cuda when built with it); for "
                "another policy or device (note below) include mantissa/layers/impl/sequential.ipp "
                "in one source file, instantiate the model there (template class "
                "mantissa::Sequential<P, D>;) and specialise mantissa::model_is_built<P, D> = true");

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

  // y = model(x). x is (N, input...) in the policy's compute dtype on the model's device.
  //
  // The mode: inference unless asked (as Keras's model(x, training=False)).
  //   model.forward(x)                   inference: Dropout is the identity, BatchNorm
  //                                      normalises with its running statistics and leaves
  //                                      them alone; the model's state does not change.
  //   model.forward(x, Mode::train)      training: Dropout draws its mask, BatchNorm uses the
  //                                      batch's statistics and updates the running ones.
  // backward always needs a training forward: after an inference forward it is a StateError
  // (naming the first layer whose result depends on the mode, Dropout or BatchNorm, when the
  // model has one), so a forgotten Mode::train cannot train silently in the wrong mode, and
  // a model without such layers follows the same rule (adding a Dropout later breaks
  // nothing). fit() passes Mode::train for its steps and Mode::infer for evaluate/predict.
  //
  // backward needs x again: a named tensor or view must stay alive and unchanged until
  // then; a temporary tensor (model.forward(checked_cast<half>(x))) is moved into the model,
  // which keeps it. The result is checked: it is the model's buffer, overwritten by the next
  // forward, and reading it after that (or after the model is gone) is a StateError.
  template <class X>
  OutputView<T, D> forward(X&& x, Mode mode = Mode::infer) {
    using Xd = std::remove_cvref_t<X>;
    static_assert(TensorLike<Xd>,
                  "mantissa::Sequential::forward takes a batch: a Tensor or TensorView of the "
                  "model's compute dtype, shaped (N, input...)");
    if constexpr (TensorLike<Xd>) {
      detail::require_model_input<dtype_of<Xd>, T>();
      static_assert(same_device<device_of<Xd>, D>,
                    "mantissa: the input lives on another device than the model (note below); "
                    "move it explicitly with to<D>(x)");
      if constexpr (same_dtype<dtype_of<Xd>, T> && same_device<device_of<Xd>, D>) {
        if constexpr (std::same_as<Xd, Tensor<T, D>> && !std::is_lvalue_reference_v<X>) {
          owned_input_ = std::move(x);  // a temporary: the model keeps it for backward
          input_is_output_ = false;
          return forward_view(std::as_const(owned_input_).view(), mode);
        } else {
          if constexpr (requires { x.stamp(); }) {
            auto y = forward_view(x.view(), mode);
            input_stamp_ = x.stamp();  // another model's output: backward checks it is current
            input_is_output_ = true;
            return y;
          } else {
            input_is_output_ = false;
            return forward_view(cview(x), mode);
          }
        }
      } else {
        return {};
      }
    } else {
      return {};
    }
  }

  // Backward from a loss, filling every parameter's float32 gradient. What it returns, and
  // which losses a policy takes, are the gradient protocol (gradients.hpp):
  //   model.backward(loss)                      -> Gradients        (float32, mixed_bfloat16)
  //   model.backward(scaler.scale(loss))        -> ScaledGradients  (any policy; mixed_float16's only form)
  //   model.backward(loss, std::move(grads))    -> the sum of both: gradient accumulation
  //   model.backward(dy)                        -> Gradients from an output gradient dy already
  //                                               in the compute dtype (no loss scaling only)
  // The loss gradient is rounded into the compute dtype once (times S when scaled).
  template <class L, class... Previous>
  auto backward(L&& loss, Previous&&... previous) {
    using X = std::remove_cvref_t<L>;
    constexpr bool one = sizeof...(Previous) <= 1;
    static_assert(one, "mantissa::Sequential::backward(loss, previous): at most one previous "
                       "gradient token to accumulate into");
    using Prev = std::remove_cvref_t<decltype((std::declval<Previous>(), ...)) >;
    constexpr bool accumulating = sizeof...(Previous) == 1;
    constexpr bool prev_is_rvalue = (... && (!std::is_lvalue_reference_v<Previous> && !std::is_const_v<std::remove_reference_t<Previous>>));
    if constexpr (!one) {
      return;
    } else if constexpr (is_scaled_loss<X>) {
      static_assert(std::is_same_v<X, ScaledLoss<D>>,
                    "mantissa: this scaled loss lives on another device than the model");
      static_assert(!std::is_lvalue_reference_v<L> && !std::is_const_v<std::remove_reference_t<L>>,
                    "mantissa::Sequential::backward: a ScaledLoss is used once; scale the loss in "
                    "the call: model.backward(scaler.scale(loss))");
      if constexpr (accumulating) {
        static_assert(std::is_same_v<Prev, ScaledGradients<P, D>>,
                      "mantissa::Sequential::backward: a scaled loss accumulates into the "
                      "previous micro-batch's ScaledGradients of this model, which are unscaled "
                      "once, after the last micro-batch: scaled = "
                      "model.backward(scaler.scale(loss), std::move(scaled))");
        static_assert(!std::is_same_v<Prev, ScaledGradients<P, D>> || prev_is_rvalue,
                      "mantissa::Sequential::backward: accumulating consumes the previous "
                      "token: scaled = model.backward(scaler.scale(loss), std::move(scaled))");
        if constexpr (std::same_as<Prev, ScaledGradients<P, D>> && prev_is_rvalue)
          return backward_scaled(loss, &previous...);
        else
          return;
      } else {
        return backward_scaled(loss, static_cast<ScaledGradients<P, D>*>(nullptr));
      }
    } else if constexpr (is_loss_value<X> || TensorLike<X>) {
      static_assert(!needs_loss_scaling_v<P>,
                    "mantissa: this policy (note below) trains float16 gradients, which underflow "
                    "without loss scaling: call model.backward(scaler.scale(loss)) with a "
                    "mantissa::LossScaler; then auto grads = scaler.unscale(std::move(scaled)) before "
                    "clipping or stepping");
      if constexpr (!needs_loss_scaling_v<P>) {
        if constexpr (is_loss_value<X>)
          static_assert(std::is_same_v<X, LossValue<D>>,
                        "mantissa: this loss lives on another device than the model");
        else
          static_assert(same_dtype<dtype_of<X>, T> && same_device<device_of<X>, D>,
                        "mantissa::Sequential::backward(dy): an output gradient is in the "
                        "model's compute dtype on its device (see the note below); for a "
                        "float32 gradient make a LossValue(value, std::move(grad)) instead");
        constexpr bool fits = [] {
          if constexpr (is_loss_value<X>)
            return std::is_same_v<X, LossValue<D>>;
          else
            return same_dtype<dtype_of<X>, T> && same_device<device_of<X>, D>;
        }();
        if constexpr (!fits) {
          return;  // the message above, and nothing after it
        } else if constexpr (accumulating) {
          static_assert(std::is_same_v<Prev, Gradients<P, D>>,
                        "mantissa::Sequential::backward: an unscaled loss accumulates into the "
                        "previous micro-batch's Gradients of this model: grads = "
                        "model.backward(loss, std::move(grads))");
          static_assert(!std::is_same_v<Prev, Gradients<P, D>> || prev_is_rvalue,
                        "mantissa::Sequential::backward: accumulating consumes the previous "
                        "token: grads = model.backward(loss, std::move(grads))");
          if constexpr (std::same_as<Prev, Gradients<P, D>> && prev_is_rvalue)
            return backward_plain(loss, &previous...);
          else
            return;
        } else {
          return backward_plain(loss, static_cast<Gradients<P, D>*>(nullptr));
        }
      } else {
        return;
      }
    } else {
      static_assert(is_scaled_loss<X> || is_loss_value<X> || TensorLike<X>,
                    "mantissa::Sequential::backward takes a loss: model.backward(loss), or "
                    "model.backward(scaler.scale(loss)) with a LossScaler");
      return;
    }
  }

  // Check every layer's output (forward) and input and parameter gradients (backward) for
  // inf/NaN, and throw NumericsError naming the first layer, pass and tensor that held one.
  // Off by default; when off it costs one branch per layer. While on, no activation is fused
  // into the layer before it (Layer::fuses): each layer's own output is checked, also the one
  // an activation would make finite again (ReLU(-inf) = 0).
  void check_numerics(bool on) {
    check_numerics_ = on;
    if (!on || max_batch_ == 0) return;
    for (std::size_t i = 0; i < acts_.size(); ++i)  // a fused layer's own output buffer
      if (fused_[i] && acts_[i].numel() == 0)
        acts_[i] = Tensor<T, D>::empty(shapes_[i + 1].prepend(max_batch_));
  }

  // Data-parallel training's hook (dist::DataParallel::backward): during backward, after each
  // layer (the last first), called with the offset in the gradient arena from which every
  // float32 gradient is final, so reducing those can start while the earlier layers compute.
  // Empty (the default): nothing is called.
  using GradientsReady = std::function<void(std::int64_t final_from)>;
  void on_gradients_ready(GradientsReady f) { gradients_ready_ = std::move(f); }

 private:
  template <class L>
  void add(L&& l) {
    using X = std::remove_cvref_t<L>;
    if constexpr (detail::is_unique_ptr_to_layer<X, P, D>) {
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
  OutputView<T, D> forward_view(TensorView<const T, D> x, Mode mode);
  void backward_from(TensorView<const float, D> grad, float scale, Accumulate acc);
  void backward_compute(TensorView<const T, D> dy, Accumulate acc);

  // The accumulate form's previous token (nullptr: none) is checked and used up first.
  template <class Token>
  Accumulate take_previous(Token* previous, float scale) {
    if (!previous) return Accumulate::overwrite;
    if constexpr (std::same_as<Token, ScaledGradients<P, D>>)
      if (previous->valid() && previous->scale() != scale)
        throw StateError("Sequential::backward: the previous micro-batch's gradients were scaled by " +
                         std::to_string(previous->scale()) + " and this loss by " +
                         std::to_string(scale) + "; accumulate micro-batches between two steps, "
                         "with one scaler");
    auto& t = previous->consume("accumulate into");
    if (&t != &trainables_)
      throw StateError("Sequential::backward: the gradients to accumulate into belong to another model");
    return Accumulate::add;
  }
  // The loss's gradient, if it is live and was computed from this model's latest forward.
  TensorView<const float, D> checked_loss_grad(const LossValue<D>& loss) const {
    const auto g = loss.grad().view();  // a StateError if the loss object has run again
    if (!loss.from_current_outputs())
      throw StateError("Sequential::backward: this loss was computed from the outputs of an "
                       "earlier forward, which the model has since overwritten; run backward "
                       "after each forward (forward, loss, backward per micro-batch)");
    if (!input_stamp_live())
      throw StateError("Sequential::backward: the input of the last forward was another model's "
                       "output, and that model has run forward again since; backward needs the "
                       "input as it was (clone() it to keep it)");
    return g;
  }
  bool input_stamp_live() const noexcept { return !input_is_output_ || input_stamp_.live(); }

  // backward's first check, before it uses up a loss or a previous token: the last forward
  // ran in training mode (forward's comment says why this holds for every model).
  void require_training_forward() const;

  template <class L>
  ScaledGradients<P, D> backward_scaled(L& loss, ScaledGradients<P, D>* previous) {
    require_training_forward();
    if (loss.scale() == 0.0f)
      throw StateError("Sequential::backward: this ScaledLoss was moved from or used already "
                       "(each is used once): scale the loss again, model.backward(scaler.scale(loss))");
    const auto grad = checked_loss_grad(loss.loss());
    const auto acc = take_previous(previous, loss.scale());
    const float scale = loss.take();
    backward_from(grad, scale, acc);
    trainables_.state = GradientState::scaled;
    trainables_.scaled_loss = loss.loss();
    return ScaledGradients<P, D>(trainables_, scale);
  }
  template <class L>
  Gradients<P, D> backward_plain(const L& loss, Gradients<P, D>* previous) {
    require_training_forward();
    const auto acc = take_previous(previous, 1.0f);
    if constexpr (TensorLike<L>) {
      trainables_.generation.advance();
      if (batch_ == 0) throw StateError("Sequential::backward: call forward first");
      backward_compute(cview(loss), acc);
    } else {
      backward_from(checked_loss_grad(loss), 1.0f, acc);
    }
    trainables_.state = GradientState::unscaled;
    trainables_.scaled_loss.reset();
    return Gradients<P, D>(trainables_, 1.0f);
  }
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
  Mode mode_ = Mode::infer;              // the last forward's
  TensorView<const T, D> input_view_;    // (N, input...) of the last forward
  Tensor<T, D> owned_input_;             // the last forward's input when it was a temporary
  Generation outputs_;                   // advanced by every forward: its outputs go stale
  Stamp input_stamp_;                    // the last input's, when it was another model's output
  bool input_is_output_ = false;
  // Fusion (Layer::fuses): fused_[i] is the activation layer i + 1's function when layer i
  // applies it itself; absorbed_[i + 1] then says that layer i + 1 runs no pass of its own.
  std::vector<std::optional<Activation>> fused_;
  std::vector<bool> absorbed_;
  bool fusing_ = true;  // the last forward's: fused_ applied (not while check_numerics is on)
  std::vector<Tensor<T, D>> acts_;       // acts_[i]: (max_batch, shapes_[i + 1]...); left
                                         // empty for a fused layer, which writes acts_[i + 1]
  std::vector<Tensor<T, D>> grads_;      // grads_[i]: d loss / d acts_[i], same shape
  bool check_numerics_ = false;
  GradientsReady gradients_ready_;
  std::vector<std::int64_t> ready_from_;  // per layer: the arena offset final after its backward
};

}  // namespace mantissa
