// mistake: a home-made Loader whose batch(i) returns owning tensors (the natural way), given to fit
// run-time: not an error any more: fit keeps the batch alive (test_protocol FitKeepsALoadersOwningBatchAliveForBackward)
#include "mantissa/mantissa.hpp"
#include <iostream>
namespace mt = mantissa;
struct ToyLoader {
  struct Batch {
    mt::Tensor<float> x;
    mt::Tensor<std::int32_t> y;
  };
  mt::Generator gen{7};
  std::int64_t size() const { return 256; }
  std::int64_t batches() const { return 8; }
  std::int64_t epoch() const { return 0; }
  void set_epoch(std::int64_t) {}
  Batch batch(std::int64_t) {
    return {mt::normal<float>({32, 4}, 0.0f, 1.0f, gen), mt::full<std::int32_t>({32}, 1)};
  }
};
int main() {
  using P = mt::policy::float32;
  mt::Sequential<P> model({4}, mt::Dense(16), mt::ReLU(), mt::Dense(3));
  mt::Adam opt(model);
  ToyLoader data;
  try {
    auto h = mt::fit(model, opt, mt::SoftmaxCrossEntropy{}, data,
                     {.epochs = 1, .progress = false});
    std::cout << "loss " << h.epochs[0].loss << " acc " << h.epochs[0].accuracy << "\n";
  } catch (const mt::Error& e) {
    std::cout << "mantissa::Error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
