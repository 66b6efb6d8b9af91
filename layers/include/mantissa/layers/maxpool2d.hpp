// mantissa/layers/maxpool2d.hpp: MaxPool2D, the per-channel maximum of each window of an
// NHWC image (Keras's MaxPooling2D).
//
// Letters: N batch; H, W, C input height, width, channels; OH, OW output height, width.
//   x (N, H, W, C)  ->  y (N, OH, OW, C);   no parameters
//
//   forward:   y = max over each window (first maximum on ties, NaN wins)
//   backward:  dx = dy routed to the last forward(train)'s winners (summed where windows
//              overlap); how the winners are kept is the device's (ops::MaxPool2d)
// The stride defaults to the pool size (Keras). Under `same` padding (TensorFlow's rule) the
// padded positions never win, so a window at the border takes the max of its real pixels.
#pragma once

#include "mantissa/layers/conv2d.hpp"  // Padding, Size2D and the shared input checks
#include "mantissa/layers/layer.hpp"

namespace mantissa {

template <Policy P, Device D>
class MaxPool2DLayer;

// The spec users write: MaxPool2D(2), MaxPool2D(3, 2), MaxPool2D(2, same), MaxPool2D({2, 3}).
struct MaxPool2D : MakesLayer<MaxPool2D, MaxPool2DLayer> {
  Size2D pool;
  Size2D strides;
  Padding padding;

  explicit MaxPool2D(Size2D p, Padding pad = valid) : pool(p), strides(p), padding(pad) {}
  explicit MaxPool2D(Size2D p, Size2D s, Padding pad = valid) : pool(p), strides(s), padding(pad) {}
  // MaxPool2D({2, 3}): without this overload the braces would read as MaxPool2D(2, 3) too
  // (pool 2, stride 3, through the copy constructor) and the call would be ambiguous.
  explicit MaxPool2D(const std::int64_t (&p)[2], Padding pad = valid)
      : MaxPool2D(Size2D(p[0], p[1]), pad) {}
};

template <Policy P, Device D>
class MaxPool2DLayer final : public Layer<P, D> {
 public:
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
    const auto g = window_2d(1, input[0], input[1], input[2], spec_.pool, spec_.strides,
                             spec_.padding);
    detail::check_argmax_range("MaxPool2D", g);
    pool_ = ops::MaxPool2d<typename P::compute, D>(g);  // a rebuilt layer may have another geometry
    return Shape{g.oh, g.ow, g.c};
  }

  void reserve(Context<D>& ctx, std::int64_t max_batch) override { pool_.reserve(ctx, max_batch); }

  // ---- forward and backward -----------------------------------------------------------------

  void forward(Context<D>& ctx, View y, CView x, Mode mode) override {
    pool_.forward(ctx, y, x, mode);
  }

  void backward(Context<D>& ctx, View dx, CView dy, CView, CView, Accumulate) override {
    if (!dx.empty()) pool_.backward(ctx, dx, dy);
  }

  // The window over one sample (n = 1), from build(): padding and output size.
  const Window2D& window() const noexcept { return pool_.window(); }

 private:
  MaxPool2D spec_;
  ops::MaxPool2d<typename P::compute, D> pool_;  // geometry and the device's state
};

}  // namespace mantissa
