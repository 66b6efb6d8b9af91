// mantissa/layers/layer.hpp: the contract every layer implements, built-in or a user's.
//
// What a layer represents: a function y = f(x; parameters) on a batch, in the policy's
// compute dtype T = P::compute, on device D, with its derivative. Shapes are per sample (no
// batch axis) when a layer is built, and (N, ...) when data flows; images are NHWC.
//
// A custom layer is one class deriving from Layer<P, D> (see examples/custom_layer.cpp) and
// is checked by check_gradients (layers/gradient_check.hpp) like every built-in one. It is
// written once for every device: its work goes through ops (ops::gemm(ctx, ...), ...) in the
// context it is handed, never to a device's kernels directly.
//
// Lifecycle (Sequential drives it; a user calling a layer by hand follows the same order):
//   1. build(input, gen)      once, before any data: check the input shape, create and
//                             initialise parameters, return the output shape.
//   2. reserve(ctx, max_batch)  once: size any op state and workspace for batches up to
//                             max_batch.
//   3. forward / backward     any number of times, allocating nothing.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "mantissa/layers/parameter.hpp"

namespace mantissa {

template <Policy P, Device D>
class Layer;

// Anything Sequential can hold: a layer spec such as Dense(128) that makes the layer for a
// policy and device, or a ready layer object of the right type (a user's custom layer).
template <class S, class P, class D>
concept LayerSpec = requires(const S& s) {
  { s.template make<P, D>() } -> std::convertible_to<std::unique_ptr<Layer<P, D>>>;
};

// What a spec derives from to make its layer class template L from itself, for whatever
// policy and device the model has: struct Dense : MakesLayer<Dense, DenseLayer> { ... }.
template <class Spec, template <Policy, Device> class L>
struct MakesLayer {
  template <class P, class D>
  std::unique_ptr<Layer<P, D>> make() const {
    return std::make_unique<L<P, D>>(static_cast<const Spec&>(*this));
  }
};

template <Policy P, Device D>
class Layer {
 public:
  using T = typename P::compute;
  using View = TensorView<T, D>;
  using CView = TensorView<const T, D>;
  using Ctx = Context<D>;

  virtual ~Layer() = default;

  // The layer's kind as Keras names it: "Dense", "Conv2D", ...
  virtual std::string_view kind() const = 0;

  // requires: input is the per-sample input shape.
  // ensures:  parameters exist and are initialised from gen; returns the per-sample output
  //           shape. Throws ShapeError saying what the layer needs and what it got (the
  //           model adds the layer's index and name).
  virtual Shape build(const Shape& input, Generator& gen) = 0;

  // ensures: forward/backward on batches of up to max_batch allocate nothing.
  virtual void reserve(Ctx& ctx, std::int64_t max_batch) {
    (void)ctx;
    (void)max_batch;
  }

  // The trainable tensors, in a fixed order (checkpoints and optimizers rely on it).
  virtual std::vector<Parameter<P, D>*> parameters() { return {}; }

  // Non-trainable state a checkpoint must carry (BatchNorm's running statistics), float32,
  // named within the layer ("running_mean").
  virtual std::vector<std::pair<std::string, Tensor<float, D>*>> buffers() { return {}; }

  // Random generators whose position a checkpoint must carry (Dropout's), named in the layer.
  virtual std::vector<std::pair<std::string, Generator*>> generators() { return {}; }

  // ---- forward and backward, side by side: context, outputs, then inputs ----

  // requires: x is (N, input...), y is (N, output...), N <= max_batch.
  // ensures:  y = f(x). x is kept intact (backward receives it again).
  virtual void forward(Ctx& ctx, View y, CView x, Mode mode) = 0;

  // Whether forward computes differently in Mode::train and Mode::infer (Dropout,
  // BatchNorm): Sequential names such a layer when backward follows an inference forward.
  virtual bool depends_on_mode() const { return false; }

  // requires: dy = dL/dy, and x, y exactly as the last forward(y, x, train) saw them.
  // ensures:  dx = dL/dx (skipped when dx is empty: the first layer's input needs none);
  //           every parameter's grad = dL/dparam (acc == overwrite) or += it (acc == add),
  //           in float32.
  virtual void backward(Ctx& ctx, View dx, CView dy, CView x, CView y, Accumulate acc) = 0;

  // ---- an elementwise activation fused into the output (optional) ----
  //
  // Sequential fuses a layer with the activation layer after it (Conv2D or Dense, then ReLU)
  // when fuses(f) says the layer can: the bias and f are then applied to the output in one pass
  // over it instead of two or three, and the activation layer runs no pass of its own. The
  // results are those of the two layers run one after the other, bit for bit.

  // Whether forward_activated / backward_activated below implement f (never softmax).
  virtual bool fuses(Activation f) const {
    (void)f;
    return false;
  }

  // requires: fuses(f); forward's requirements.
  // ensures:  y = f(this layer's output), as forward then ActivationLayer(f)::forward.
  virtual void forward_activated(Ctx& ctx, View y, CView x, Mode mode, Activation f) {
    (void)ctx, (void)y, (void)x, (void)mode;
    throw StateError("Layer::forward_activated: " + std::string(kind()) + " does not fuse " +
                     activation_name(f) + " (fuses() is false)");
  }

  // requires: fuses(f); dy = dL/dy of y = f(output) as forward_activated wrote it; dz is
  //           scratch of y's shape; x as forward_activated saw it.
  // ensures:  dz = dL/d(output), and backward's dx and parameter gradients.
  virtual void backward_activated(Ctx& ctx, View dx, View dz, CView dy, CView x, CView y,
                                  Activation f, Accumulate acc) {
    (void)ctx, (void)dx, (void)dz, (void)dy, (void)x, (void)y, (void)acc;
    throw StateError("Layer::backward_activated: " + std::string(kind()) + " does not fuse " +
                     activation_name(f) + " (fuses() is false)");
  }
};

}  // namespace mantissa
