// mantissa/layers/maxpool2d.hpp: MaxPool2D, the per-channel maximum of each window of an
// NHWC image (Keras's MaxPooling2D).
//
// Letters: N batch; H, W, C input height, width, channels; OH, OW output height, width.
//   x (N, H, W, C)  ->  y (N, OH, OW, C);   no parameters
//
//   forward:   y = max over each window; forward(train) saves the winner's index per output
//   backward:  dx = dy routed to the saved winners (summed where windows overlap)
// The stride defaults to the pool size (Keras). Under `same` padding (TensorFlow's rule) the
// padded positions never win, so a window at the border takes the max of its real pixels.
#pragma once

#include "mantissa/layers/conv2d.hpp"  // Padding, Size2D and the shared input checks
#include "mantissa/layers/layer.hpp"

namespace mantissa {

template <Policy P, Device D>
class MaxPool2DLayer;

// The spec users write: MaxPool2D(2), MaxPool2D(3, 2), MaxPool2D(2, same), MaxPool2D({2, 3}).
struct MaxPool2D {
  Size2D pool;
  Size2D strides;
  Padding padding;

  explicit MaxPool2D(Size2D p, Padding pad = valid) : pool(p), strides(p), padding(pad) {}
  explicit MaxPool2D(Size2D p, Size2D s, Padding pad = valid) : pool(p), strides(s), padding(pad) {}
  // MaxPool2D({2, 3}): without this overload the braces would read as MaxPool2D(2, 3) too
  // (pool 2, stride 3, through the copy constructor) and the call would be ambiguous.
  explicit MaxPool2D(const std::int64_t (&p)[2], Padding pad = valid)
      : MaxPool2D(Size2D(p[0], p[1]), pad) {}

  template <class P, class D>
  std::unique_ptr<Layer<P, D>> make() const {
    return std::make_unique<MaxPool2DLayer<P, D>>(*this);
  }
};

template <Policy P, Device D>
class MaxPool2DLayer final : public Layer<P, D> {
 public:
  using T = typename P::compute;
  using typename Layer<P, D>::View;
  using typename Layer<P, D>::CView;

  explicit MaxPool2DLayer(MaxPool2D spec) : spec_(spec) {
    detail::check_spec_size("MaxPool2D", "the pool size", spec.pool);
    detail::check_spec_size("MaxPool2D", "strides", spec.strides);
  }

  std::string_view kind() const override { return "MaxPooling2D"; }

  Shape build(const Shape& input, Generator&) override {
    detail::check_image_input(input);
    detail::check_window_fits(input, "pool", spec_.pool, spec_.padding);
    window_ = window_2d(1, input[0], input[1], input[2], spec_.pool, spec_.strides,
                        spec_.padding);
    detail::check_argmax_range("MaxPool2D", window_);
    reserved_ = 0;
    argmax_ = {};
    return Shape{window_.oh, window_.ow, window_.c};
  }

  void reserve(std::int64_t max_batch) override {
    if (max_batch <= reserved_) return;
    argmax_ = Tensor<std::int32_t, D>::empty(Shape{max_batch, window_.oh, window_.ow, window_.c});
    reserved_ = max_batch;
  }

  // ---- forward and backward -----------------------------------------------------------------

  void forward(View y, CView x, Mode mode) override {
    const auto g = batch_window(x);
    if (mode == Mode::train && g.n > reserved_) reserve(g.n);  // by hand: allocate once, here
    // Inference saves nothing, so an evaluation between forward(train) and backward is safe.
    if (mode == Mode::train) ops::maxpool2d(y, argmax_.slice(0, g.n), x, g);
    else ops::maxpool2d(y, TensorView<std::int32_t, D>{}, x, g);
  }

  void backward(View dx, CView dy, CView x, CView, Accumulate) override {
    if (dx.empty()) return;
    const auto g = batch_window(x);
    if (g.n > reserved_)
      throw ShapeError("MaxPool2D backward: got a batch of " + std::to_string(g.n) +
                       ", larger than any forward(train) so far (" + std::to_string(reserved_) +
                       "); backward needs the batch of the last forward(train)");
    ops::maxpool2d_backward(dx, dy, argmax_.slice(0, g.n), g);
  }

  // The window over one sample (n = 1), from build(): padding and output size.
  const cpu::Window2D& window() const noexcept { return window_; }

 private:
  cpu::Window2D batch_window(CView x) const {
    cpu::Window2D g = window_;
    g.n = x.rank() == 4 ? x.shape()[0] : 0;  // any other rank: the op's check names it
    return g;
  }

  MaxPool2D spec_;
  cpu::Window2D window_{};  // per-sample geometry (n = 1); set per batch
  std::int64_t reserved_ = 0;
  Tensor<std::int32_t, D> argmax_;  // (max_batch, OH, OW, C): forward(train)'s winners
};

}  // namespace mantissa
