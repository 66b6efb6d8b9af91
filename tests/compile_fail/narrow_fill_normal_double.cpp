// mistake: fill_normal with a double stddev
// expect-first: static assertion failed: mantissa::fill_normal\(x, mean, stddev, gen\): mean and stddev are float
#include "mantissa/mantissa.hpp"

using namespace mantissa;

void f(Tensor<float>& w, Generator& gen) {
  fill_normal<float>(w.view(), 0.0, 0.02, gen);  // fix: fill_normal<float>(w.view(), 0.0f, 0.02f, gen);
}
