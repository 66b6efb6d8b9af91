// layers/src/dense.cpp: Dense forward and backward on the ops dispatch point.
#include "mantissa/layers/dense.hpp"

#include <string>

namespace mantissa {

template <Policy P, Device D>
DenseLayer<P, D>::DenseLayer(Dense spec) : spec_(spec) {}

template <Policy P, Device D>
Shape DenseLayer<P, D>::build(const Shape& input, Generator& gen) {
  if (spec_.units < 1)
    throw ShapeError("units must be at least 1, got " + std::to_string(spec_.units));
  if (input.rank() != 1)
    throw ShapeError("got input shape " + input.str() +
                     " but needs a 1-D input (features,) per sample; add Flatten() before it");
  const std::int64_t in = input[0], units = spec_.units;
  kernel_ = std::make_unique<Parameter<P, D>>("kernel", Shape{in, units});
  initialise(kernel_->master.view(), spec_.options.init, in, units, gen);
  kernel_->refresh_compute();
  if (spec_.options.bias) bias_ = std::make_unique<Parameter<P, D>>("bias", Shape{units});
  return Shape{units};
}

template <Policy P, Device D>
std::vector<Parameter<P, D>*> DenseLayer<P, D>::parameters() {
  std::vector<Parameter<P, D>*> ps{kernel_.get()};
  if (bias_) ps.push_back(bias_.get());
  return ps;
}

// ---- forward and backward -----------------------------------------------------------------

template <Policy P, Device D>
void DenseLayer<P, D>::forward(View y, CView x, Mode) {
  ops::gemm(y, x, kernel_->value());  // y (N, U) = x (N, I) W (I, U)
  if (bias_) ops::bias_add(y, bias_->value());
}

template <Policy P, Device D>
void DenseLayer<P, D>::backward(View dx, CView dy, CView x, CView, Accumulate acc) {
  const float beta = acc == Accumulate::add ? 1.0f : 0.0f;
  // dW (I, U) = x^T (I, N) dy (N, U), written straight into the float32 gradient.
  ops::gemm(kernel_->grad, x, dy, {.trans_a = true, .beta = beta});
  if (bias_) ops::bias_grad(bias_->grad, dy, acc == Accumulate::add);
  // dx (N, I) = dy (N, U) W^T (U, I)
  if (!dx.empty()) ops::gemm(dx, dy, kernel_->value(), {.trans_b = true});
}

template class DenseLayer<policy::float32, Cpu>;
template class DenseLayer<policy::mixed_float16, Cpu>;
template class DenseLayer<policy::mixed_bfloat16, Cpu>;

}  // namespace mantissa
