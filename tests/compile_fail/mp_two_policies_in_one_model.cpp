// mistake: a layer made for mixed_float16 inside a float32 model (one model, one policy)
// expect-first: static assertion failed: mantissa::Sequential<P, D>: this layer
// expect-head: this layer object was made for another precision policy or device
// expect-head: is_layer_for<mantissa::DenseLayer<mantissa::policy::mixed_float16, mantissa::Cpu>, mantissa::policy::float32, mantissa::Cpu>
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f() {
  Sequential<policy::float32> model(Shape{4}, Dense(8), ReLU(),
                                    DenseLayer<policy::mixed_float16, Cpu>(Dense(2)));
}
