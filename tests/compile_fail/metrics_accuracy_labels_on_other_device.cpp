// mistake: accuracy of CPU logits against labels uploaded to the GPU for the loss
// expect-first: static assertion failed: mantissa::accuracy: logits and labels are on different devices
// expect-head: to<Device>\(labels\)
// As a build with the CUDA backend sees the headers (the check is the same without it):
#define MANTISSA_WITH_CUDA 1
#include "mantissa/mantissa.hpp"

using namespace mantissa;

float f(const Tensor<float>& logits, const Tensor<std::int32_t, Cuda>& labels) {
  return accuracy(logits, labels);  // fix: return accuracy(logits, to<Cpu>(labels));
}
