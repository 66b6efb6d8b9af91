// layers/src/conv2d.cpp: Conv2D forward and backward on the ops dispatch point (im2col +
// GEMM), and the input checks Conv2D and MaxPool2D share.
#include "mantissa/layers/conv2d.hpp"

#include <algorithm>
#include <string>

namespace mantissa {

// ---- shared checks --------------------------------------------------------------------------

namespace detail {

void check_image_input(const Shape& input) {
  const std::string got = "got input shape " + input.str();
  const std::string needs = " but needs a 3-D input (height, width, channels) per sample";
  if (input.rank() == 2)
    throw ShapeError(got + needs + "; add a channels axis: input shape " +
                     Shape{input[0], input[1], 1}.str() + " for one channel");
  if (input.rank() == 4)
    throw ShapeError(got + needs + "; leave the batch axis out of the input shape: " +
                     Shape{input[1], input[2], input[3]}.str());
  if (input.rank() != 3) throw ShapeError(got + needs + " (images are NHWC)");
  if (input[0] < 1 || input[1] < 1 || input[2] < 1)
    throw ShapeError(got + " but needs a height, width and channels of at least 1");
}

void check_window_fits(const Shape& input, const char* window, Size2D k, Padding padding) {
  if (padding != Padding::valid || (input[0] >= k.h && input[1] >= k.w)) return;
  const std::string w = window;
  throw ShapeError("got input shape " + input.str() + " but needs a height and width of at " +
                   "least the " + w + " size " + k.str() + " under valid padding (the " + w +
                   " is larger than the " + std::to_string(input[0]) + " x " +
                   std::to_string(input[1]) + " image); use same padding or a smaller " + w);
}

void check_spec_size(const char* layer, const char* what, Size2D v) {
  if (v.h < 1 || v.w < 1)
    throw ShapeError(std::string(layer) + ": " + what + " must be at least 1, got " + v.str());
}

}  // namespace detail

// ---- construction ---------------------------------------------------------------------------

template <Policy P, Device D>
Conv2DLayer<P, D>::Conv2DLayer(Conv2D spec) : spec_(spec) {
  if (spec.filters < 1)
    throw ShapeError("Conv2D: filters must be at least 1, got " + std::to_string(spec.filters));
  detail::check_spec_size("Conv2D", "the kernel size", spec.kernel);
  detail::check_spec_size("Conv2D", "strides", spec.options.strides);
}

template <Policy P, Device D>
Shape Conv2DLayer<P, D>::build(const Shape& input, Generator& gen) {
  detail::check_image_input(input);
  detail::check_window_fits(input, "kernel", spec_.kernel, spec_.padding);
  const std::int64_t c = input[2], f = spec_.filters, taps = spec_.kernel.h * spec_.kernel.w;
  window_ = window_2d(1, input[0], input[1], c, spec_.kernel, spec_.options.strides,
                      spec_.padding);
  direct_ = taps == 1 && spec_.options.strides == Size2D(1) && window_.pad_top == 0 &&
            window_.pad_left == 0;

  const Shape kernel{spec_.kernel.h, spec_.kernel.w, c, f};  // (KH, KW, C, F)
  kernel_ = std::make_unique<Parameter<P, D>>("kernel", kernel);
  initialise(kernel_->master.view(), spec_.options.init, taps * c, taps * f, gen);
  kernel_->refresh_compute();
  bias_.reset();
  if (spec_.options.bias) bias_ = std::make_unique<Parameter<P, D>>("bias", Shape{f});
  reserved_ = 0;  // a rebuilt layer may have another geometry
  cols_ = {};
  dcols_ = {};
  return Shape{window_.oh, window_.ow, f};
}

template <Policy P, Device D>
void Conv2DLayer<P, D>::reserve(std::int64_t max_batch) {
  if (max_batch <= reserved_ || direct_) {
    reserved_ = std::max(reserved_, max_batch);
    return;
  }
  const Shape cols{max_batch * window_.oh * window_.ow, window_.kh * window_.kw * window_.c};
  cols_ = Tensor<T, D>::empty(cols);
  dcols_ = Tensor<T, D>::empty(cols);
  reserved_ = max_batch;
}

template <Policy P, Device D>
std::vector<Parameter<P, D>*> Conv2DLayer<P, D>::parameters() {
  std::vector<Parameter<P, D>*> ps{kernel_.get()};
  if (bias_) ps.push_back(bias_.get());
  return ps;
}

// ---- forward and backward -----------------------------------------------------------------

template <Policy P, Device D>
void Conv2DLayer<P, D>::forward(View y, CView x, Mode mode) {
  const std::int64_t n = x.rank() == 4 ? x.shape()[0] : 0;
  const auto g = batch_window(n);
  detail::check_same_shape("Conv2D forward (x)", x.shape(), detail::window_input_shape(g));
  detail::check_same_shape("Conv2D forward (y)", y.shape(), Shape{n, g.oh, g.ow, spec_.filters});
  if (n > reserved_) reserve(n);  // by hand without reserve(): allocate once, here
  const std::int64_t rows = n * g.oh * g.ow, k = g.kh * g.kw * g.c, f = spec_.filters;
  CView cols;
  if (direct_) {
    cols = x.reshape(Shape{rows, k});  // the (N*H*W, C) input is the cols matrix
  } else {
    auto buf = (mode == Mode::train ? cols_ : dcols_).slice(0, rows);
    ops::im2col(buf, x, g);
    cols = buf;
  }
  auto y2 = y.reshape(Shape{rows, f});
  ops::gemm(y2, cols, kernel_->value().reshape(Shape{k, f}));  // y (rows, F) = cols W
  if (bias_) ops::bias_add(y2, bias_->value());
}

template <Policy P, Device D>
void Conv2DLayer<P, D>::backward(View dx, CView dy, CView x, CView, Accumulate acc) {
  const std::int64_t n = x.rank() == 4 ? x.shape()[0] : 0;
  const auto g = batch_window(n);
  detail::check_same_shape("Conv2D backward (x)", x.shape(), detail::window_input_shape(g));
  detail::check_same_shape("Conv2D backward (dy)", dy.shape(), Shape{n, g.oh, g.ow, spec_.filters});
  if (n > reserved_)
    throw ShapeError("Conv2D backward: got a batch of " + std::to_string(n) +
                     ", larger than any forward so far (" + std::to_string(reserved_) +
                     "); backward needs the batch of the last forward(train)");
  const std::int64_t rows = n * g.oh * g.ow, k = g.kh * g.kw * g.c, f = spec_.filters;
  const float beta = acc == Accumulate::add ? 1.0f : 0.0f;
  const CView cols = direct_ ? x.reshape(Shape{rows, k}) : CView(cols_.slice(0, rows));
  const CView dy2 = dy.reshape(Shape{rows, f});
  // dW (K, F) = cols^T (K, rows) dy (rows, F), written straight into the float32 gradient.
  ops::gemm(kernel_->grad.reshape(Shape{k, f}), cols, dy2, {.trans_a = true, .beta = beta});
  if (bias_) ops::bias_grad(bias_->grad, dy2, acc == Accumulate::add);
  if (dx.empty()) return;
  // dcols (rows, K) = dy (rows, F) W^T (F, K), then dx = col2im(dcols), which overwrites dx.
  const auto w = kernel_->value().reshape(Shape{k, f});
  if (direct_) {
    ops::gemm(dx.reshape(Shape{rows, k}), dy2, w, {.trans_b = true});
    return;
  }
  auto dcols = dcols_.slice(0, rows);
  ops::gemm(dcols, dy2, w, {.trans_b = true});
  ops::col2im(dx, dcols, g);
}

template class Conv2DLayer<policy::float32, Cpu>;
template class Conv2DLayer<policy::mixed_float16, Cpu>;
template class Conv2DLayer<policy::mixed_bfloat16, Cpu>;

}  // namespace mantissa
