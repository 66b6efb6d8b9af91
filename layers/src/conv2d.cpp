// layers/src/conv2d.cpp: the input checks Conv2D and MaxPool2D share, and Conv2D for the
// CPU under every policy.
#include "mantissa/layers/impl/conv2d.ipp"

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

template class Conv2DLayer<policy::float32, Cpu>;
template class Conv2DLayer<policy::mixed_float16, Cpu>;
template class Conv2DLayer<policy::mixed_bfloat16, Cpu>;

}  // namespace mantissa
